from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# A slow, controllable job for the worker tests (tests/job_tasks.py), known to the test process and its workers.
PROCRASTINATE_IMPORT_PATHS = ["tests.job_tasks"]
