# The two commands: `make run` and `make test`. Both create .venv with the machine's python3 when missing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test venv lint bench clean translations

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e ".[dev]"
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
test: $(STAMP)
	$(BIN)/pybabel compile -d workflow/translations >/dev/null
	$(BIN)/pytest -n $(or $(JOBS),auto) --dist loadgroup

## make bench: the HTTP benchmark (tdkt bench http): 10,000 and 100,000 proposals on SQLite, and on
## PostgreSQL (TDKT_BENCH_DATABASE_URL, else the local `bench` database when it answers); prints a table
## and writes BENCH_OUT (default bench/results.json). QUICK=1: 10,000 on SQLite only, shorter runs
## (under 5 minutes). SIZES=1000000 for the big one; DATABASES=sqlite,postgresql to choose.
BENCH_STAMP := $(VENV)/.installed-bench
$(BENCH_STAMP): $(STAMP) pyproject.toml
	$(BIN)/pip install --quiet -e ".[dev,bench]"
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(BIN)/pybabel compile -d workflow/translations >/dev/null
	$(BIN)/tdkt bench http $(if $(QUICK),--quick) $(if $(SIZES),--sizes $(SIZES)) \
		$(if $(DATABASES),--databases $(DATABASES)) $(if $(DURATION),--duration $(DURATION)) \
		--out $(or $(BENCH_OUT),bench/results.json)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/bandit -q -r workflow tasks -c pyproject.toml

clean:
	rm -rf $(VENV) instance .pytest_cache
