# The book's targets (Jupyter Book 1.x), included by the Makefile with `-include book.mk`.
#   make book          execute the chapters and build _build/html (warnings and failing cells fail)
#   make chapters      run every chapter with papermill at the smoke profile (CI); also `make smoke`
#   make sync          jupytext --sync every chapter pair, then strip outputs from the .ipynb
#   make check-pairs   fail when a pair is out of sync, one side is missing, or an .ipynb has outputs
#   make check-pages   open every built page in headless Chromium (needs playwright + chromium)
#   make pdf           the whole book as one PDF, _build/lithm.pdf (installs TeX Live when missing)
#   make clean-book    remove _build (HTML, smoke outputs and the jupyter-cache of executed chapters)
# Options: make chapters CHAPTERS="03 07" PARAMS="-p device cpu"

.PHONY: book clean-book chapters smoke sync check-pairs check-pages pdf tex

# The book's "train it yourself" cells run at their seconds-long `build` scale when the book is
# built or the chapters are checked (lithm.classroom.default_scale); readers get the class scale.
book chapters pdf: export LITHM_CLASS_SCALE = build

CHAPTERS ?=
PARAMS ?=
NB_PY := $(wildcard notebooks/[0-9][0-9]_*.py)
NB_IPYNB := $(wildcard notebooks/[0-9][0-9]_*.ipynb)
# Each pair once: its .py, or its .ipynb when the .py does not exist yet.
NB_SYNC := $(NB_PY) $(filter-out $(NB_PY:.py=.ipynb),$(NB_IPYNB))

# What a chapter's outputs depend on besides its own code: lithm's sources and the committed
# results of the book profile. (Evaluated only when `make book` runs.)
BOOK_INPUTS = $(shell $(BIN)/python -c "import hashlib, pathlib; h = hashlib.sha256(); \
  [h.update(str(p).encode() + p.read_bytes()) for d in ('src/lithm', 'results/book') \
   for p in sorted(pathlib.Path(d).rglob('*')) if p.is_file() and '__pycache__' not in p.parts]; \
  print(h.hexdigest()[:16])")

# execute_notebooks: cache (_config.yml) takes an unchanged chapter from _build/.jupyter_cache.
# The cache only notices changes to a chapter's own code, so it is emptied when BOOK_INPUTS
# changed since the last successful build: the book never shows numbers from older results.
# --all re-reads every page, so a chapter that failed in an earlier build fails again even when it
# is unchanged; the old HTML is removed so that no page of a deleted chapter survives.
FRESH_CACHE = @mkdir -p _build; \
	if [ "$$(cat _build/.book-inputs 2>/dev/null)" != "$(BOOK_INPUTS)" ]; then \
	  echo "src/lithm or results/book changed since the last build: every chapter re-runs"; \
	  rm -rf _build/.jupyter_cache; fi

book: $(STAMP)
	$(FRESH_CACHE)
	rm -rf _build/html
	$(BIN)/jupyter-book build . --all -W -n --keep-going
	@echo "$(BOOK_INPUTS)" > _build/.book-inputs

clean-book:
	rm -rf _build

chapters: $(STAMP)
	$(BIN)/python scripts/run_chapters.py $(CHAPTERS) $(PARAMS)

smoke: chapters

sync: $(STAMP)
	$(if $(strip $(NB_SYNC)),$(BIN)/jupytext --sync $(NB_SYNC))
	$(BIN)/python scripts/check_pairs.py --strip notebooks

check-pairs: $(STAMP)
	$(BIN)/python scripts/check_pairs.py notebooks

check-pages: $(STAMP)
	$(BIN)/python scripts/check_pages.py

# The PDF: Jupyter Book's LaTeX builder (XeLaTeX, set in _config.yml, for the Unicode in the text)
# with the chapters from the same jupyter-cache as `make book`, emptied the same way. TeX Live comes from Debian's
# packages, installed when latexmk or xelatex is missing (needs root or sudo, and apt-get).
TEX_PACKAGES := latexmk texlive-latex-recommended texlive-latex-extra texlive-fonts-recommended \
  texlive-xetex fonts-freefont-otf tex-gyre
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

tex:
	@if ! command -v latexmk >/dev/null || ! command -v xelatex >/dev/null; then \
	  echo "installing TeX Live from Debian's packages: $(TEX_PACKAGES)"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq \
	    --no-install-recommends $(TEX_PACKAGES); fi

pdf: $(STAMP) tex
	$(FRESH_CACHE)
	$(BIN)/jupyter-book build . --builder pdflatex -n --keep-going
	@echo "$(BOOK_INPUTS)" > _build/.book-inputs
	cp _build/latex/book.pdf _build/lithm.pdf
	@echo "_build/lithm.pdf: $$(pdfinfo _build/lithm.pdf 2>/dev/null | sed -n 's/^Pages: *//p') pages, $$(du -h _build/lithm.pdf | cut -f1)"
