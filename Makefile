# Two commands on a fresh machine: `make run` and `make test`. Both create .venv when missing.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | md5sum | cut -c1-12)
export QTWEBENGINE_DISABLE_SANDBOX ?= 1
export PYTHONPATH := $(CURDIR)

# First Python >= 3.12 found: PySide6 6.12 on 3.11 aborts the interpreter (see docs/development.md).
PYTHON ?= $(shell for p in python3.13 python3.12 $(wildcard /root/.pyenv/versions/3.1[2-9]*/bin/python3) \
	$(wildcard /usr/local/bin/python3.1[2-9]) $(wildcard /usr/bin/python3.1[2-9]) python3; do \
	"$$p" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 && { command -v "$$p"; break; }; done)

.PHONY: run test lint contract typecheck pytest hub bench clean speedups system-run system-test package package-check

# System packages (Qt's libraries, a CJK font, a C compiler; for tests an X server too): installed as root,
# otherwise the one command to run is printed and make stops (tools/system_packages.sh).
system-run:
	@bash tools/system_packages.sh run

system-test:
	@bash tools/system_packages.sh test

$(STAMP): requirements.lock pyproject.toml
	@if [ -z "$(PYTHON)" ]; then echo "Python 3.12 or newer is required (PySide6 6.12 crashes Python 3.11)." >&2; exit 1; fi
	@if [ ! -x $(PY) ]; then echo "Creating $(VENV) with $(PYTHON)"; "$(PYTHON)" -m venv $(VENV); fi
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	@rm -f $(VENV)/.installed-*; touch $@

# The HJ 212 codec's optional C speedups: rebuilt when the .c is newer; without a C compiler or Python's
# headers the script says so in one line and the pure-Python codec is used.
speedups: $(STAMP)
	@$(PY) tools/build_speedups.py

run: system-run $(STAMP) speedups
	$(PY) main.py $(ARGS)

test: system-test $(STAMP) speedups lint contract typecheck pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

contract: $(STAMP)
	$(VENV)/bin/lint-imports

# mypy over console/ (settings in pyproject.toml: strict on core and hub, checked everywhere else).
typecheck: $(STAMP)
	$(VENV)/bin/mypy

pytest: $(STAMP) speedups
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q $(PYTEST_ARGS)

hub: $(STAMP) speedups
	$(PY) -m console.hub --simulate $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build dist
	rm -f console/core/_hj212_speedups*.so console/core/_hj212_speedups*.pyd

# The one-folder build (dist/ecoconsole/, see README "Installing") and its check: the frozen program run
# offscreen on three screens, its snapshots looked at (tools/check_package.py).
package: $(STAMP) speedups
	$(VENV)/bin/pyinstaller --noconfirm --log-level WARN --distpath dist --workpath build packaging/pyinstaller.spec

package-check:
	QT_QPA_PLATFORM=offscreen $(PY) tools/check_package.py dist/ecoconsole/ecoconsole
