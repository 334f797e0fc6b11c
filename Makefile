# The two commands of the README are `make book` and `make test`; everything they need is
# installed by the targets below into a local virtual environment (.venv) and assets/node_modules.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
JB_FLAGS := -W -n --keep-going
NOTEBOOKS := $(sort $(wildcard notebooks/*.ipynb))

.PHONY: book test env assets chromium notebooks pytest nbval lint browser benchmarks clean classroom grade book-student

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[book,test,classroom]'
	touch $@

env: $(VENV)/.installed

# MathJax and the ipywidgets HTML manager, pinned in assets/package-lock.json, served by the book itself.
_build/offline/.done: assets/package.json assets/package-lock.json
	cd assets && npm ci --no-audit --no-fund --loglevel=error
	rm -rf _build/offline && mkdir -p _build/offline
	cp -r assets/node_modules/mathjax/es5 _build/offline/mathjax
	cp -r assets/node_modules/@jupyter-widgets/html-manager/dist _build/offline/html-manager
	touch $@

assets: _build/offline/.done

book: env assets
	$(VENV)/bin/jupyter-book build . $(JB_FLAGS)
	@echo "Book built: open _build/html/index.html"

# Debian's Chromium for the browser test (root on Debian; elsewhere install it yourself).
chromium:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

pytest: env
	$(PY) -m pytest tests -m "not browser"

nbval: env
	$(PY) -m pytest --nbval $(NOTEBOOKS) --nbval-sanitize-with tests/nbval_sanitize.cfg

lint: env
	$(VENV)/bin/ruff check fgcourse tests benchmarks tools book/_ext

browser: book chromium
	$(PY) -m pytest tests -m browser

test: lint pytest nbval browser

# Re-execute every notebook and store outputs and widget state (run after editing a notebook).
notebooks: env
	$(PY) tools/execute_notebooks.py $(NOTEBOOKS)

benchmarks: env
	for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

# The classroom kit (book/teaching.md): student copies and autograders of notebooks/exercises,
# offline grading of a class, and the book without solutions.
CLASSROOM ?= _build/classroom
classroom: env
	$(PY) tools/classroom.py assign --out $(CLASSROOM) $(if $(filter 1,$(FORCE)),--force) $(CHAPTERS)

grade: env
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade SUBMISSIONS=DIR (one folder per learner)"; exit 2; }
	$(PY) tools/classroom.py grade $(SUBMISSIONS) --classroom $(CLASSROOM) $(if $(TIMEOUT),--timeout $(TIMEOUT))

# The book without any {solution} (HTML, _sources/, search index), in _build/student-html.
book-student: env assets
	FGCOURSE_EDITION=student $(VENV)/bin/jupyter-book build . $(JB_FLAGS) --path-output _build/student
	rm -rf _build/student-html && cp -r _build/student/_build/html _build/student-html
	@echo "Student edition built: open _build/student-html/index.html"

clean:
	rm -rf _build
