# The book's targets (Jupyter Book 1.x), included by the Makefile with `-include book.mk`.
#   make book          execute the chapters and build _build/html (warnings and failing cells fail)
#   make chapters      run every chapter with papermill at the smoke profile (CI); also `make smoke`
#   make sync          jupytext --sync every chapter pair, then strip outputs from the .ipynb
#   make check-pairs   fail when a pair is out of sync, one side is missing, or an .ipynb has outputs
#   make check-pages   open every built page in headless Chromium (needs playwright + chromium)
#   make clean-book    remove _build (HTML, smoke outputs and the jupyter-cache of executed chapters)
# Options: make chapters CHAPTERS="03 07" PARAMS="-p device cpu"

.PHONY: book clean-book chapters smoke sync check-pairs check-pages

CHAPTERS ?=
PARAMS ?=
NB_PY := $(wildcard notebooks/[0-9][0-9]_*.py)
NB_IPYNB := $(wildcard notebooks/[0-9][0-9]_*.ipynb)
# Each pair once: its .py, or its .ipynb when the .py does not exist yet.
NB_SYNC := $(NB_PY) $(filter-out $(NB_PY:.py=.ipynb),$(NB_IPYNB))

# execute_notebooks: cache (_config.yml) takes an unchanged chapter from _build/.jupyter_cache.
# --all re-reads every page, so a chapter that failed in an earlier build fails again even when it
# is unchanged; the old HTML is removed so that no page of a deleted chapter survives.
book: $(STAMP)
	rm -rf _build/html
	$(BIN)/jupyter-book build . --all -W -n --keep-going

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
