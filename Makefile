# privacy-confirm: the two commands are `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test unit lint format messages bench check-deploy clean

$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

.env:
	@$(PYTHON) -c "import secrets; print('DEBUG=on\nSECRET_KEY=' + secrets.token_urlsafe(50) + '\nSITE_URL=http://127.0.0.1:8000\nALLOWED_HOSTS=127.0.0.1,localhost')" > .env
	@echo "Wrote a development .env"

run: $(STAMP) .env
	bash scripts/run.sh

test:
	bash scripts/test.sh

unit: $(STAMP)
	$(PY) -m pytest -m "not integration and not browser" -q

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

messages: $(STAMP)
	bash scripts/messages.sh

bench: $(STAMP)
	bash scripts/bench.sh

check-deploy: $(STAMP)
	DEBUG=off SECRET_KEY=$$($(PY) -c "import secrets; print(secrets.token_urlsafe(50))") ALLOWED_HOSTS=crm.example.org \
	  SITE_URL=https://crm.example.org $(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) var
