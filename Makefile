# The two commands a newcomer needs: `make run` and `make test`. Both work on a fresh machine with only python3.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# DEBUG=1 allows the development secret key and serves static files from the installed packages.
export DEBUG ?= 1
# The settings read .env only when asked (production never does): a developer's commands ask.
export DJANGO_READ_DOT_ENV_FILE ?= 1
DEMO_PASSWORD ?= demo-Pass-2023

.PHONY: run test install install-dev ldap-extra lint messages clean

$(PY):
	$(PYTHON) -m venv $(VENV)

# A developer's settings: DEBUG=1 and the defaults, read because make (and manage.py, and the tests) set
# DJANGO_READ_DOT_ENV_FILE=1. Never copied on a server: production sets its environment itself (README, "Deploying").
.env:
	cp .env.example .env

# Runtime files of a checkout (SQLite database, embedded broker, mail): the settings name it, never create it.
# var/static is STATIC_ROOT: whitenoise looks at it on start (and warns when it is missing, as in tests, which
# run with DEBUG off); collectstatic fills it, in development the finders serve the files instead.
var/static:
	mkdir -p var/static

$(VENV)/.installed-run: pyproject.toml | $(PY) .env
	$(PY) -m pip install --quiet --disable-pip-version-check -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(PY) .env
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@ $(VENV)/.installed-run
	@$(MAKE) --no-print-directory ldap-extra

# LDAP login needs python-ldap, which compiles against OpenLDAP's and SASL's headers: installed when they are
# there (CI installs them), skipped with a note otherwise (the LDAP tests are then skipped; in CI they fail).
ldap-extra: | $(PY)
	@if [ -e /usr/include/ldap.h ] && [ -e /usr/include/sasl/sasl.h ]; then \
	  $(PY) -m pip install --quiet --disable-pip-version-check -e '.[ldap]'; \
	else \
	  echo "note: LDAP login not installed (apt-get install libldap-dev libsasl2-dev, then make ldap-extra)"; \
	fi

install: $(VENV)/.installed-run | var/static
install-dev: $(VENV)/.installed-dev | var/static

run: $(VENV)/.installed-run | var/static
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --if-empty --password $(DEMO_PASSWORD)
	@echo "Starting web (http://127.0.0.1:8000), worker and scheduler. Stop all with Ctrl-C."
	$(VENV)/bin/honcho --procfile Procfile start

# axe-core for the accessibility tests (tests/test_browser_a11y.py), pinned by tests/browser_assets/package-lock.json:
# installed here with npm ci, never fetched while the tests run. Without npm the tests skip (in CI they fail).
AXE := tests/browser_assets/node_modules/axe-core/axe.min.js
$(AXE): tests/browser_assets/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --prefix tests/browser_assets --ignore-scripts --no-audit --no-fund --loglevel=error && touch $@; \
	else \
	  echo "note: npm not found: the accessibility tests (axe-core) are skipped (apt-get install npm)"; \
	fi

test: $(VENV)/.installed-dev $(AXE) | var/static
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Rebuild the Chinese catalogue after changing source strings (needs GNU gettext for makemessages only;
# the compiled .mo is committed so that nobody else needs it).
messages: $(VENV)/.installed-dev
	$(PY) manage.py makemessages -l zh_Hans --no-obsolete --no-location
	$(PY) -m tools.i18n_compile

clean:
	rm -rf $(VENV) var
