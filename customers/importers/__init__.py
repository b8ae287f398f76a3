"""Reading and checking the monthly files from core banking (customers and balances).

The package only reads and validates; ``customers.services.imports`` writes.
"""

from .results import FileError, ImportResult, RowError

__all__ = ["FileError", "ImportResult", "RowError"]
