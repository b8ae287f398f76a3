"""Services of the customers app: functions that change state."""
