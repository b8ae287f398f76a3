"""State-changing operations of the crm app (access grants, handover, audit log)."""
