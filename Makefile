# The two commands: `make run` and `make test`. Both create .venv with the machine's python3 when missing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test venv lint bench clean translations lock

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# The dependencies come from the lock (requirements/dev.txt: exact versions with their hashes), then
# the project itself without resolving anything again; `make lock` regenerates the lock.
$(STAMP): $(BIN)/python requirements/dev.txt pyproject.toml
	$(BIN)/pip install --quiet --require-hashes -r requirements/dev.txt
	$(BIN)/pip install --quiet --no-deps -e .
	$(BIN)/pybabel compile --use-fuzzy -d workflow/translations >/dev/null
	touch $(STAMP)

venv: $(STAMP)

translations: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 -k lazy_pgettext:1c,2 -k lazy_npgettext:1c,2,3 -o workflow/translations/messages.pot --no-location --omit-header .
	$(BIN)/pybabel update -i workflow/translations/messages.pot -d workflow/translations --no-fuzzy-matching
	$(BIN)/pybabel compile -d workflow/translations

## make run: migrate, load the Định Biên demo, serve web + worker + beat on http://127.0.0.1:5000
run: $(STAMP)
	$(BIN)/pybabel compile -d workflow/translations >/dev/null
	$(BIN)/tdkt db upgrade
	$(BIN)/tdkt demo load
	$(BIN)/tdkt serve

## make test: the whole suite (SQLite; also PostgreSQL/Redis when TDKT_TEST_* are set), on every core
## (pytest-xdist; the tests sharing the one Redis DB stay on one worker). JOBS=1 for one process.
## COVERAGE=1 adds a line-coverage summary of workflow/ and tasks/ (CI does; a little slower)
COVERAGE_ARGS := --cov=workflow --cov=tasks --cov-report=term:skip-covered
test: $(STAMP)
	$(BIN)/pybabel compile -d workflow/translations >/dev/null
	$(BIN)/pytest -n $(or $(JOBS),auto) --dist loadgroup $(if $(COVERAGE),$(COVERAGE_ARGS))

## make bench: the HTTP benchmark (tdkt bench http): 10,000 and 100,000 proposals on SQLite, and on
## PostgreSQL (TDKT_BENCH_DATABASE_URL, else the local `bench` database when it answers); prints a table
## and writes BENCH_OUT (default bench/results.json). QUICK=1: 10,000 on SQLite only, shorter runs
## (under 5 minutes). SIZES=1000000 for the big one; DATABASES=sqlite,postgresql to choose.
BENCH_STAMP := $(VENV)/.installed-bench
$(BENCH_STAMP): $(STAMP) requirements/bench.txt
	$(BIN)/pip install --quiet --require-hashes -r requirements/bench.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(BIN)/pybabel compile -d workflow/translations >/dev/null
	$(BIN)/tdkt bench http $(if $(QUICK),--quick) $(if $(SIZES),--sizes $(SIZES)) \
		$(if $(DATABASES),--databases $(DATABASES)) $(if $(DURATION),--duration $(DURATION)) \
		--out $(or $(BENCH_OUT),bench/results.json)

## make lock: requirements/{bench,dev,main}.txt from pyproject.toml with uv (exact versions, every
## platform's hashes, Python 3.11 and newer). Versions already locked stay unless pyproject.toml asks
## otherwise; UPGRADE=1 takes the newest allowed. dev is bench's subset and main dev's, so all agree.
UV_COMPILE = $(BIN)/uv pip compile pyproject.toml --quiet --universal --python-version 3.11 \
	--generate-hashes --custom-compile-command "make lock" $(if $(UPGRADE),--upgrade)
lock: $(BIN)/python
	test -x $(BIN)/uv || $(BIN)/pip install --quiet "uv>=0.5"
	$(UV_COMPILE) --extra dev --extra bench -o requirements/bench.txt
	$(UV_COMPILE) --extra dev -c requirements/bench.txt -o requirements/dev.txt
	$(UV_COMPILE) -c requirements/dev.txt -o requirements/main.txt

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/bandit -q -r workflow tasks -c pyproject.toml
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) instance .pytest_cache
