# Two commands do everything on a fresh machine: `make run` and `make test`.
# Both create the virtual environment, install the project, build the front-end
# assets, migrate and load the reference and seed data.

SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
NPM_ASSETS := node_modules/govuk-frontend/dist/govuk node_modules/@ministryofjustice/frontend/moj

WEB_CONCURRENCY ?= 3
BACKUP ?= var/backup.$(if $(findstring postgres,$(DATABASE_URL)),dump,json)

BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/sharedservices_bench

.PHONY: run test setup install assets migrate data lint clean serve backup restore bench loadtest faulttest

run: setup ## Serve the register on http://$(HOST):$(PORT)
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# On every core (pytest-xdist): each worker has its own test database, live server and
# browser. worksteal keeps the cores busy when a few tests take far longer than the rest.
PYTEST_ARGS ?= -n auto --dist worksteal
test: setup ## The whole test suite (browser tests included where Chromium is installed)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

setup: install assets migrate data

install: $(BIN)/.installed

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

assets: static/build/app.css static/build/init.js static/build/govuk-frontend.min.js static/build/moj-frontend.min.js static/govuk/assets/images/.copied

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

# Only the few images the stylesheet uses; never the crown or the GOV.UK logotype.
static/govuk/assets/images/.copied: node_modules/.installed
	mkdir -p static/govuk/assets/images
	cp node_modules/@ministryofjustice/frontend/moj/assets/images/icon-tag-remove-cross.svg \
	   node_modules/@ministryofjustice/frontend/moj/assets/images/icon-tag-remove-cross-white.svg \
	   static/govuk/assets/images/
	touch $@

migrate: install
	$(BIN)/python manage.py migrate --noinput

data: install
	$(BIN)/python manage.py setup_register

serve: install assets ## Production-style: collectstatic, migrate, gunicorn
	$(BIN)/python manage.py collectstatic --noinput -v0
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/gunicorn sharedservices.wsgi --bind $(HOST):$(PORT) --workers $(WEB_CONCURRENCY) \
	  --access-logfile - --error-logfile - --timeout 60

backup: install ## Back up the database to $(BACKUP)
	$(BIN)/python manage.py backup --output $(BACKUP)

restore: install ## Replace the database with $(BACKUP)
	$(BIN)/python manage.py restore --input $(BACKUP) $(if $(CI),--yes,)

bench: install assets ## Benchmark on PostgreSQL at 500, 5,000 and 50,000 arrangements
	psql "$(BENCH_DATABASE_URL:/sharedservices_bench=/postgres)" -qc 'drop database if exists sharedservices_bench with (force)'
	psql "$(BENCH_DATABASE_URL:/sharedservices_bench=/postgres)" -qc 'create database sharedservices_bench'
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python manage.py migrate --noinput -v0
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python manage.py setup_register > /dev/null
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python manage.py benchmark

loadtest: install assets ## 32 clients for 60 s against gunicorn on loopback (bench database)
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python manage.py loadtest

faulttest: install assets ## The load test with PostgreSQL stopped for 10 s in the middle (root only)
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python manage.py loadtest --fault

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) node_modules static/build static/govuk staticfiles
