# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint system-deps messages benchmark clean

$(STAMP): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

# Debian packages the project relies on: CJK fonts (screens, PDF reports),
# Chromium for the browser tests, poppler for checking PDFs. Installed only when missing.
system-deps:
	@bash scripts/system_deps.sh

run: $(STAMP) system-deps
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --if-empty
	# The web server and one background worker (imports, month close, reports, tasks); Ctrl-C stops both.
	$(VENV)/bin/honcho start -f Procfile

test: $(STAMP) system-deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy
	$(PY) manage.py makemigrations --check --dry-run --settings=crm.settings.test
	$(VENV)/bin/pytest

messages: $(STAMP)
	$(PY) manage.py makemessages -l en --ignore=.venv --ignore=staticfiles
	$(PY) manage.py compilemessages -l en --ignore=.venv

benchmark: $(STAMP)
	$(PY) manage.py benchmark

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
