# The two commands of the README are `make book` and `make test`; everything they need is
# installed by the targets below into a local virtual environment (.venv) and assets/node_modules.
SHELL := /bin/bash
PYTHON ?= python3
# One environment per Python: `make test PYTHON=python3.13` builds and uses .venv-python3.13.
VENV ?= $(if $(filter python3,$(PYTHON)),.venv,.venv-$(notdir $(PYTHON)))
PY := $(VENV)/bin/python
JB_FLAGS := -W -n --keep-going
NOTEBOOKS := $(sort $(wildcard notebooks/*.ipynb))

.PHONY: book test checks env assets chromium bubblewrap notebooks pytest nbval lint browser benchmarks experiments clean \
	classroom grade book-student training-data levels levels-data commands lab jax-data pdf

$(VENV)/.installed: pyproject.toml constraints.txt
	@echo "== Creating $(VENV) and installing fgcourse with the book and test tools (pinned by constraints.txt)."
	@echo "   The first run downloads about 150 packages and takes 1-3 minutes; later runs skip this step."
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[book,test,classroom,jax]'
	touch $@

env: $(VENV)/.installed

# MathJax and the ipywidgets HTML manager, pinned in assets/package-lock.json, served by the book itself.
# Only what pages load is copied: MathJax's combined TeX/CHTML component, its fonts, the TeX
# extensions its autoloader may fetch and the menu; the widget manager's standalone bundle and
# its icon fonts. The bundle's schema validator (ajv) is given allowUnionTypes, which the widget
# state schema needs: without it every page with widgets logs a strict-mode warning.
MATHJAX := assets/node_modules/mathjax/es5
WIDGETS := assets/node_modules/@jupyter-widgets/html-manager/dist
_build/offline/.done: assets/package.json assets/package-lock.json Makefile
	@echo "== Fetching MathJax and the ipywidgets HTML manager (pinned by assets/package-lock.json)."
	cd assets && npm ci --no-audit --no-fund --loglevel=error
	rm -rf _build/offline && mkdir -p _build/offline/mathjax/output/chtml/fonts _build/offline/mathjax/input/tex _build/offline/html-manager
	cp $(MATHJAX)/tex-chtml.js _build/offline/mathjax/
	cp -r $(MATHJAX)/output/chtml/fonts/woff-v2 _build/offline/mathjax/output/chtml/fonts/
	cp -r $(MATHJAX)/input/tex/extensions _build/offline/mathjax/input/tex/
	cp -r $(MATHJAX)/ui _build/offline/mathjax/
	cp $(WIDGETS)/*.woff2 _build/offline/html-manager/
	grep -q 'gt=new(ft())' $(WIDGETS)/embed.js || { echo "embed.js changed: update the ajv patch in the Makefile"; exit 1; }
	sed 's/gt=new(ft())/gt=new(ft())({allowUnionTypes:!0})/' $(WIDGETS)/embed.js > _build/offline/html-manager/embed.js
	touch $@

assets: _build/offline/.done

book: env assets
	@echo "== Building the HTML book into _build/html (about a minute from scratch, seconds when little changed)."
	$(VENV)/bin/jupyter-book build . $(JB_FLAGS)
	@echo "Book built: open _build/html/index.html"

# Debian's Chromium for the browser test (root on Debian; elsewhere install it yourself).
chromium:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# Debian's bubblewrap, the sandbox `make grade` runs each learner's notebook in, for the grading tests.
bubblewrap:
	@command -v bwrap >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null; }

pytest: env bubblewrap
	$(PY) -m pytest tests -m "not browser and not commands"

nbval: env
	$(PY) -m pytest --nbval $(NOTEBOOKS) --nbval-sanitize-with tests/nbval_sanitize.cfg

lint: env
	$(VENV)/bin/ruff check fgcourse tests benchmarks tools book/_ext

browser: book book-student chromium
	$(PY) -m pytest tests -m browser

# The checks that compare floats with stored numbers, again at each x86-64 SIMD level below this
# machine's own (tools/simd_levels.py: AVX2 and SSE4.2 on an AVX-512 machine, SSE4.2 on an AVX2 one).
levels: env
	$(PY) tools/simd_levels.py

# Every command the README and CONTRIBUTING.md show, run as they are written, on small configurations
# where the real run takes long (tests/test_commands.py).
commands: env bubblewrap book chromium
	$(PY) -m pytest tests/test_commands.py -m commands -q -p no:cacheprovider

# Every check, JOBS at a time (CI has 2 cores). Each check's output is printed whole when it ends.
# One BLAS thread per process: two checks at once already fill the cores, and threaded BLAS would
# fight over them.
JOBS ?= 2
test: env
	@echo "== make test: lint, pytest, nbval, both books and the browser check, the checks at lower SIMD levels and"
	@echo "   the README's commands, $(JOBS) at a time (about 13 minutes on 2 cores from scratch); each check's"
	@echo "   output is printed when it ends."
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 $(MAKE) --no-print-directory -j$(JOBS) --output-sync=target checks

# nbval, the longest, starts first; the books, the browser check and pytest share the other core.
checks: lint nbval browser pytest levels commands

# Re-execute every notebook and store outputs and widget state (run after editing a notebook).
notebooks: env
	$(PY) tools/execute_notebooks.py $(NOTEBOOKS)

# QUICK=1: every script on small sizes, in seconds, to check that it runs (its numbers mean nothing).
benchmarks: env
	for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b $(if $(filter 1,$(QUICK)),--quick) || exit 1; done

# A grid of fgcourse.experiments (default: the paper grid of belouze2022paper section 5), resumed from
# its cache, stored in data/. GRID=smoke runs the small grid; EXPERIMENTS_OUT and EXPERIMENTS_CACHE move
# the table and the cache.
GRID ?= paper
EXPERIMENTS_OUT ?= data/$(GRID).csv.gz
EXPERIMENTS_CACHE ?= _build/experiments-cache
experiments: env
	mkdir -p $(dir $(EXPERIMENTS_OUT))
	$(PY) -m fgcourse.experiments run --grid $(GRID) --cache $(EXPERIMENTS_CACHE) --jobs $(JOBS) --out $(EXPERIMENTS_OUT)

# The classroom kit (book/teaching.md): student copies and autograders of instructors/masters,
# offline grading of a class (each notebook in a bubblewrap sandbox; UNSAFE=1 without it, JOBS at a
# time, TIMEOUT seconds and MEMORY GiB each, CHAPTERS to grade only some), and the book without solutions.
CLASSROOM ?= _build/classroom
classroom: env
	$(PY) tools/classroom.py assign --out $(CLASSROOM) $(if $(filter 1,$(FORCE)),--force) $(CHAPTERS)

grade: env
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade SUBMISSIONS=DIR (one folder per learner)"; exit 2; }
	$(PY) tools/classroom.py grade "$(SUBMISSIONS)" --classroom "$(CLASSROOM)" --jobs $(JOBS) \
		$(if $(TIMEOUT),--timeout $(TIMEOUT)) $(if $(MEMORY),--memory $(MEMORY)) \
		$(if $(CHAPTERS),--chapters $(CHAPTERS)) $(if $(filter 1,$(UNSAFE)),--unsafe)

# The book without any {solution} (HTML, _sources/, search index), in _build/student-html.
book-student: env assets
	FGCOURSE_EDITION=student $(VENV)/bin/jupyter-book build . $(JB_FLAGS) --path-output _build/student
	rm -rf _build/student-html && cp -r _build/student/_build/html _build/student-html
	@echo "Student edition built: open _build/student-html/index.html"

# Every page of both editions printed to PDF (A4, the book's print stylesheet) by the browser
# check's Chromium: handouts in _build/pdf/full and _build/pdf/student.
# PDF_PAGES: only these pages (e.g. book/chains), PDF_HTML and PDF_OUT: one book and where its PDFs go.
pdf: book book-student chromium
	$(PY) tools/print_pdf.py $(if $(PDF_HTML),--html $(PDF_HTML)) $(if $(PDF_OUT),--out $(PDF_OUT)) $(PDF_PAGES)

# The stored runs and costs of the chapter "Training with forward gradients": 575 runs sweeping the learning rate
# (about 10 minutes of CPU) and the costs (half a minute).
# QUICK=1: a small slice in seconds; TRAINING_DATA: another folder; PARTS=runs or PARTS=costs: one file.
TRAINING_DATA ?= data/training
training-data: env
	$(PY) tools/make_training_data.py --out $(TRAINING_DATA) $(if $(filter 1,$(QUICK)),--quick) $(PARTS)

# The stored MLP study of the chapter "Forward gradients in practice" (JAX; data/jax/study.npz, 40 runs of
# 1,000 iterations, about 15 minutes of CPU; ITERATIONS=4000 runs four times longer, about an hour).
# QUICK=1: a small slice in seconds; JAX_DATA: another folder.
JAX_DATA ?= data/jax
jax-data: env
	$(PY) tools/make_jax_data.py --out $(JAX_DATA) --jobs $(JOBS) $(if $(ITERATIONS),--iterations $(ITERATIONS)) \
		$(if $(filter 1,$(QUICK)),--quick)

# The same runs recomputed at the SSE4.2 level (numpy's dispatch and OpenBLAS's kernel limited to it) and
# with the C library's exp, log, pow, ... moved by one ulp at random (what AVX-512 machines do differently;
# tools/simd_levels.py, needs cc): the chapters compare them with data/ to show how far two machines'
# roundings drift apart. About two hours of CPU; with GRID=smoke QUICK=1, seconds. x86-64 Linux only.
LEVELS_DATA ?= data/levels
levels-data: env
	for level in sse4.2 ulp; do \
		$(PY) tools/simd_levels.py --at $$level $(MAKE) --no-print-directory experiments \
			EXPERIMENTS_OUT=$(LEVELS_DATA)/$(GRID)-$$level.csv.gz EXPERIMENTS_CACHE=$(EXPERIMENTS_CACHE)-$$level \
		&& $(PY) tools/simd_levels.py --at $$level $(MAKE) --no-print-directory training-data PARTS=runs \
			TRAINING_DATA=$(LEVELS_DATA)/training-$$level || exit 1; \
	done

# JupyterLab on the notebooks. It lives in its own environment (.venv-lab, pinned by constraints.txt,
# about a minute the first time): in .venv it would slow every process that imports nbformat by 2 s
# (see constraints.txt). Its "Python 3" kernel is .venv's Python, with fgcourse. jupyterlab_widgets
# shows the explorers; tools/lab_overrides.json makes JupyterLab save the widget state with a notebook
# (else a saved notebook reopens with "model not found" where its explorers were).
# LAB_OPTIONS go to jupyter lab (e.g. --no-browser --port=8899).
LAB_VENV := $(VENV)-lab
$(LAB_VENV)/.installed: constraints.txt tools/lab_overrides.json $(VENV)/.installed
	@echo "== Creating $(LAB_VENV) with JupyterLab (pinned by constraints.txt); its kernel is $(VENV)'s Python."
	$(PYTHON) -m venv $(LAB_VENV)
	$(LAB_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(LAB_VENV)/bin/python -m pip install --quiet -c constraints.txt jupyterlab jupyterlab_widgets
	mkdir -p $(LAB_VENV)/share/jupyter/lab/settings
	cp tools/lab_overrides.json $(LAB_VENV)/share/jupyter/lab/settings/overrides.json
	$(PY) -m ipykernel install --prefix $(LAB_VENV) --name python3 --display-name "Python 3 (fgcourse)" > /dev/null
	touch $@

lab: $(LAB_VENV)/.installed
	$(LAB_VENV)/bin/jupyter lab notebooks/ $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_OPTIONS)

clean:
	rm -rf _build
