# Two commands do everything on a fresh machine: `make run` and `make test`.
# Both create the virtual environment, install the project, build the front-end
# assets, migrate and load the reference and seed data.

SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# The compiled stylesheet, where the images and fonts it refers to go, and where they
# come from (overridable on the command line, as the tests do).
APP_CSS := static/build/app.css
CSS_ASSETS := static/govuk/assets
ASSET_SOURCES := node_modules/govuk-frontend/dist/govuk/assets node_modules/@ministryofjustice/frontend/moj/assets

WEB_CONCURRENCY ?= 3
BACKUP ?= var/backup.$(if $(findstring postgres,$(DATABASE_URL)),dump,json)

BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/sharedservices_bench
# The benchmark's database (dropped and made again by `make bench`) is the one
# BENCH_DATABASE_URL names; the server's own `postgres` database is used to do it.
BENCH_DB := $(notdir $(firstword $(subst ?, ,$(BENCH_DATABASE_URL))))
BENCH_SERVER_URL := $(patsubst %/$(BENCH_DB),%/postgres,$(firstword $(subst ?, ,$(BENCH_DATABASE_URL))))
# Extra arguments for `manage.py benchmark`, e.g. BENCH_ARGS="--sizes 500,2000".
BENCH_ARGS ?=

# What WeasyPrint needs to make the briefing's PDF: Pango, and Liberation Sans, which
# stands in for Arial (Debian package names).
PDF_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 fonts-liberation

.PHONY: run worker test setup install pdf-libraries assets migrate data lint clean serve backup restore bench loadtest faulttest

# A worker beside the development server runs the background jobs (register/jobs.py),
# as in production; it stops when the server does.
run: setup ## Serve the register on http://$(HOST):$(PORT), with a worker for background jobs
	$(BIN)/python manage.py db_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

worker: install migrate ## A worker that runs background jobs (bulk imports) until stopped
	$(BIN)/python manage.py db_worker --no-reload

# On every core (pytest-xdist): each worker has its own test database, live server and
# browser. worksteal keeps the cores busy when a few tests take far longer than the rest.
PYTEST_ARGS ?= -n auto --dist worksteal
test: setup ## The whole test suite (browser tests included where Chromium is installed)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

setup: install pdf-libraries assets migrate data

install: $(BIN)/.installed

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

# Checks first, and changes nothing when they are there. Where they are missing, installs
# them only when it can without asking (root, with apt-get: a container or CI); otherwise
# it says what to install and carries on: the briefing then offers no PDF, and the PDF
# tests are reported as skipped, with the reason.
pdf-libraries:
	@missing=; \
	libs=$$({ ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null; } | tr -s ' \t' ' '); \
	case "$$libs" in *libpango-1.0.so.0*) ;; *) missing="$$missing libpango-1.0-0" ;; esac; \
	case "$$libs" in *libpangoft2-1.0.so.0*) ;; *) missing="$$missing libpangoft2-1.0-0" ;; esac; \
	if ! { fc-list 2>/dev/null | grep -qi 'Liberation Sans' || \
	       ls /usr/share/fonts/truetype/liberation*/LiberationSans-Regular.ttf >/dev/null 2>&1; }; then \
	  missing="$$missing fonts-liberation"; \
	fi; \
	[ -z "$$missing" ] && exit 0; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "Installing what WeasyPrint needs for PDF briefings:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	else \
	  echo "PDF briefings need:$$missing (on Debian: sudo apt-get install$$missing)." >&2; \
	  echo "Until then the briefing offers no PDF, and its PDF tests are skipped." >&2; \
	fi

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

assets: static/build/app.css static/build/init.js static/build/govuk-frontend.min.js static/build/moj-frontend.min.js \
  static/build/accessible-autocomplete.min.js static/build/accessible-autocomplete.min.css $(CSS_ASSETS)/.copied

static/build/app.css: node_modules/.installed $(wildcard static/src/*.scss)
	mkdir -p static/build
	npx sass --no-source-map --style=compressed --quiet-deps --load-path=. --load-path=node_modules static/src/app.scss $@

static/build/init.js: static/src/init.js
	mkdir -p static/build
	cp $< $@

static/build/govuk-frontend.min.js: node_modules/.installed
	cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js $@

static/build/moj-frontend.min.js: node_modules/.installed
	cp node_modules/@ministryofjustice/frontend/moj/moj-frontend.min.js $@

# GOV.UK's accessible autocomplete, for the filters with hundreds of options. Served from
# here like everything else: the content security policy allows no other origin. Each
# file ends with a sourceMappingURL comment, which collectstatic's manifest follows, so
# the source map is copied beside it.
static/build/accessible-autocomplete.min.%: node_modules/.installed
	mkdir -p static/build
	cp node_modules/accessible-autocomplete/dist/accessible-autocomplete.min.$* $@
	cp node_modules/accessible-autocomplete/dist/accessible-autocomplete.min.$*.map $@.map

# Exactly the images and fonts the compiled stylesheet refers to, read from its
# url(/static/govuk/assets/...) references and copied from govuk-frontend or MOJ Frontend
# (both are built with that assets path): a new reference is never missed, and the crown
# and the GOV.UK logotype are copied only if the stylesheet uses them. A reference found
# in neither package, or any other url() with no file under static/, stops the build.
$(CSS_ASSETS)/.copied: $(APP_CSS) node_modules/.installed Makefile
	@set -euo pipefail; \
	test -s "$(APP_CSS)" || { echo "$(APP_CSS) is missing or empty" >&2; exit 1; }; \
	refs=$$(grep -o 'url([^)]*)' "$(APP_CSS)" \
	  | sed -e 's/^url(//' -e 's/)$$//' -e "s/[\"']//g" -e 's/[?#].*//' | sort -u); \
	rm -rf -- "$(CSS_ASSETS)"; \
	copied=0; \
	for ref in $$refs; do \
	  case "$$ref" in \
	    data:*) continue ;; \
	    /static/govuk/assets/*) ;; \
	    /static/*) test -f "static/$${ref#/static/}" && continue; \
	      echo "$(APP_CSS) refers to $$ref, which is not under static/" >&2; exit 1 ;; \
	    *) echo "$(APP_CSS) refers to $$ref, outside /static/" >&2; exit 1 ;; \
	  esac; \
	  name=$${ref#/static/govuk/assets/}; \
	  found=; \
	  for dir in $(ASSET_SOURCES); do \
	    if [ -f "$$dir/$$name" ]; then \
	      if [ -n "$$found" ] && ! cmp -s "$$found" "$$dir/$$name"; then \
	        echo "$$name differs between $$found and $$dir/$$name" >&2; exit 1; \
	      fi; \
	      found=$${found:-$$dir/$$name}; \
	    fi; \
	  done; \
	  if [ -z "$$found" ]; then \
	    echo "$(APP_CSS) refers to $$ref, found in none of: $(ASSET_SOURCES)" >&2; exit 1; \
	  fi; \
	  mkdir -p "$$(dirname "$(CSS_ASSETS)/$$name")"; \
	  cp "$$found" "$(CSS_ASSETS)/$$name"; \
	  copied=$$((copied + 1)); \
	done; \
	echo "Copied the $$copied images and fonts $(APP_CSS) refers to into $(CSS_ASSETS)/"; \
	touch $@

migrate: install
	$(BIN)/python manage.py migrate --noinput

data: install
	$(BIN)/python manage.py setup_register

serve: install pdf-libraries assets ## Production-style: collectstatic, migrate, gunicorn
	$(BIN)/python manage.py collectstatic --noinput -v0
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/gunicorn sharedservices.wsgi --bind $(HOST):$(PORT) --workers $(WEB_CONCURRENCY) \
	  --access-logfile - --error-logfile - --timeout 60

backup: install ## Back up the database to $(BACKUP)
	$(BIN)/python manage.py backup --output $(BACKUP)

restore: install ## Replace the database with $(BACKUP)
	$(BIN)/python manage.py restore --input $(BACKUP) $(if $(CI),--yes,)

bench: install assets ## Benchmark on PostgreSQL at 500, 5,000 and 50,000 arrangements
	psql "$(BENCH_SERVER_URL)" -qc 'drop database if exists "$(BENCH_DB)" with (force)'
	psql "$(BENCH_SERVER_URL)" -qc 'create database "$(BENCH_DB)"'
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python manage.py migrate --noinput -v0
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python manage.py setup_register > /dev/null
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python manage.py benchmark $(BENCH_ARGS)

loadtest: install assets ## 32 clients for 60 s against gunicorn on loopback (bench database)
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python manage.py loadtest

faulttest: install assets ## The load test with PostgreSQL stopped for 10 s in the middle (root only)
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python manage.py loadtest --fault

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) node_modules static/build static/govuk staticfiles
