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

## make test: the whole suite (SQLite; also PostgreSQL/Redis when TDKT_TEST_* are set)
test: $(STAMP)
	$(BIN)/pybabel compile -d workflow/translations >/dev/null
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/bandit -q -r workflow tasks -c pyproject.toml

clean:
	rm -rf $(VENV) instance .pytest_cache
