# Two commands for a fresh machine (README): `make demo` and `make test`.
# Each installs what is missing — Debian packages and a virtual environment — then runs.

PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
# fonts-ukij-uyghur: Uyghur labels of the bilingual synthetic ID cards (synth/blind); libfribidi0:
# Pillow's raqm layout loads it to join and order Arabic-script text right to left.
# chromium: the web app's browser tests (Playwright drives Debian's build; no download works)
# and the officials' report.pdf (printed headless); poppler-utils: pdftotext/pdftoppm, its tests.
# libtesseract-dev, libleptonica-dev, g++, pkg-config: tesserocr is built against Debian's
# libtesseract (below), so its line crops read as the `tesseract` command reads them.
APT_PKGS := tesseract-ocr tesseract-ocr-chi-sim fonts-noto-cjk fonts-arphic-ukai \
            fonts-arphic-uming fonts-wqy-zenhei fonts-ukij-uyghur libfribidi0 chromium poppler-utils \
            libtesseract-dev libleptonica-dev g++ pkg-config
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test bench system venv clean

demo: system venv
	$(BIN)/credcheck demo

# The store's and the web app's tests run again on PostgreSQL when CREDCHECK_TEST_PG is set
# (.ci/run sets it); a server that does not answer fails the run (tests/conftest.py).
test: system venv
	chromium --version 2>/dev/null | tail -1
	$(BIN)/python -m pytest -q
	@if [ -n "$$CREDCHECK_TEST_PG" ]; then \
	  echo "store and web app tests on PostgreSQL: $$CREDCHECK_TEST_PG"; \
	  DATABASE_URL="$$CREDCHECK_TEST_PG" $(BIN)/python -m pytest -q -m store -p no:cacheprovider tests/test_store.py tests/test_deploy.py tests/test_packet.py tests/test_web.py tests/test_web_e2e.py tests/test_officials.py tests/test_officials_e2e.py; \
	else \
	  echo "CREDCHECK_TEST_PG not set: the store tests ran on SQLite only"; \
	fi

bench: system venv
	$(BIN)/python bench/extraction.py

system:
	@missing=""; for p in $(APT_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "需要 Python 3.11 ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	# tesserocr's wheel carries its own libtesseract (5.5), which reads some crops otherwise
	# than Debian's 5.3 command and its models: built from source against Debian's instead.
	$(BIN)/python -m pip install -q --no-binary tesserocr -e ".[test]"
	touch $@

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
