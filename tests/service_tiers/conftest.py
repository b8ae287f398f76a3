from tests.crm.access_setup import auditor, head_b, rm_a2, sysadmin, wm_a  # noqa: F401
