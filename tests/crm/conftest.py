# Access-control fixtures (wm_a, rm_a2, head_b, sysadmin, auditor, cust_a, cust_b) for every test in tests/crm.
from tests.crm.access_setup import auditor, cust_a, cust_b, head_b, rm_a2, sysadmin, wm_a  # noqa: F401
