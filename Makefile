# make demo: set up .venv and run the whole pipeline on the example company.
# make test: set up .venv (and LibreOffice for recalculation checks, PostgreSQL for a database
# source), lint, run the suite.
# make fuzz: the seeded corpus of mutated plans through every command (tests/fuzz).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint libreoffice postgresql clean fuzz

$(STAMP): setup.cfg pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/salesplan demo demo

libreoffice:
	@{ command -v soffice && python3 -c "import uno"; } >/dev/null 2>&1 || { \
	  echo "Installing LibreOffice Calc (headless, with its Python bridge) for recalculation checks"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libreoffice-calc-nogui python3-uno >/dev/null; }

postgresql:
	@{ command -v pg_ctl || ls /usr/lib/postgresql/*/bin/pg_ctl; } >/dev/null 2>&1 || { \
	  echo "Installing PostgreSQL for the database-source tests (started by the tests, in their own folder)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; }

lint: $(STAMP)
	$(BIN)/ruff check engine xl_addin tests bench
	$(BIN)/ruff format --check engine xl_addin tests bench

test: $(STAMP) libreoffice postgresql lint
	$(BIN)/python -m pytest -n auto

# The whole seeded fuzz corpus through decompose, track, issue and recalibrate (not in `test`:
# it takes minutes); a table of outcomes per mutation kind and the least located messages.
fuzz: $(STAMP)
	$(BIN)/python -m tests.fuzz.run

clean:
	rm -rf $(VENV) demo
