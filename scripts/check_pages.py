"""Open every page of the built book in headless Chromium and check that it really works.

For each HTML page of ``_build/html`` (served from a local ``http.server`` thread on 127.0.0.1, on a
free port), the check fails when

- the page does not load (HTTP error or navigation failure);
- an ``<img>`` served by the book did not load (``naturalWidth == 0`` after waiting for it);
- the console shows an error or the page throws one, or a request for one of the book's own files
  fails (HTTP >= 400 or a network failure);
- a figure is printed as text (``<Figure size 640x480 with 1 Axes>``: the kernel drew with a
  non-inline backend, e.g. because ``MPLBACKEND=Agg`` was set);
- a chapter page shows fewer images in its cell outputs than its executed notebook
  (``_build/jupyter_execute/<page>.ipynb``) draws;
- a link to one of the book's own pages or files is broken (missing file, or missing ``#anchor``);
- a page shows the placeholder repository address (``github.com/OWNER/...``);
- a table in a cell output shows a key of the results store ("cifar10", "val_acc") instead of
  the book's name, or lists CIFAR-10 before MNIST (the paper's order is MNIST first);
- a widget shows neither its controls (the widget manager rendered it) nor a static twin (a loaded
  image in a cell output of the same top-level section), or its state was not saved in the page.

Requests to other hosts (MathJax or widget CDNs, Binder, fonts) are blocked so that the check gives
the same answer offline and online; the errors they cause are listed as "not checked", never fail.

Needs the ``playwright`` Python package (``pip install 'playwright>=1.40'``) and the system's
Chromium (``apt-get install -y chromium``). It never downloads a browser (no
``playwright install``).

>>> is_local("http://127.0.0.1:8000/_static/x.js", "http://127.0.0.1:8000")
True
>>> is_local("https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js", "http://127.0.0.1:8000")
False

Usage::

    python scripts/check_pages.py [--html-dir _build/html] [--chromium /usr/bin/chromium]
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import json
import re
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
#: Folders of a Sphinx build that hold assets, not pages.
ASSET_FOLDERS = ("_static", "_sources", "_images", "_sphinx_design_static", ".doctrees")
INSTALL_HELP = (
    "check_pages needs the playwright Python package and the system Chromium:\n"
    "    pip install 'playwright>=1.40'        # the Python package only\n"
    "    apt-get install -y chromium           # Debian/Ubuntu: provides /usr/bin/chromium\n"
    "Do not run `playwright install`: this check uses the system Chromium (--chromium PATH)."
)

# Waits for every <img> (lazy ones included) to finish loading or failing, then reports each.
_IMAGES_JS = """
async (ms) => {
  const images = Array.from(document.images);
  images.forEach((img) => { img.loading = "eager"; });
  await Promise.all(images.map((img) => img.complete ? null : new Promise((done) => {
    img.addEventListener("load", done); img.addEventListener("error", done); setTimeout(done, ms);
  })));
  return images.map((img) => ({src: img.currentSrc || img.src, width: img.naturalWidth}));
}
"""


_FIGURE_TEXT = re.compile(r"<Figure size [\d.]+x[\d.]+ with \d+ Axes>")
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

# What a page shows, read in the browser once its images have loaded or failed.
_SNAPSHOT_JS = """
() => {
  const loaded = (img) => img.complete && img.naturalWidth > 0;
  const inWidget = (el) => el.closest(".jupyter-widgets, .widget-area, .lm-Widget") !== null;
  const outputImages = (root) => Array.from(root.querySelectorAll(".cell_output img"))
    .filter((img) => loaded(img) && !inWidget(img)).length;
  const stateTag = document.querySelector(
    'script[type="application/vnd.jupyter.widget-state+json"]');
  let states = [];
  try { states = Object.keys(JSON.parse(stateTag ? stateTag.textContent : "{}").state || {}); }
  catch (e) { states = []; }
  const views = document.querySelectorAll(
    'script[type="application/vnd.jupyter.widget-view+json"]');
  return {
    text: document.body ? document.body.innerText : "",
    outputImages: outputImages(document),
    links: Array.from(document.querySelectorAll("a[href]")).map((a) => a.href),
    widgetStates: states,
    tables: Array.from(document.querySelectorAll(".cell_output table")).map((table) => ({
      heads: Array.from(table.querySelectorAll("thead th")).map((th) => th.innerText.trim()),
      rows: Array.from(table.querySelectorAll("tbody tr")).map((tr) => {
        const first = tr.querySelector("th, td");
        return first ? first.innerText.trim() : "";
      }),
      cells: Array.from(table.querySelectorAll("th, td")).map((cell) => cell.innerText.trim()),
    })),
    widgets: Array.from(views).map((view) => {
      let model = null;
      try { model = JSON.parse(view.textContent).model_id; } catch (e) { model = null; }
      const area = view.parentElement || document.body;
      const rendered =
        area.querySelector(".jupyter-widgets, .widget-inline-hbox, .lm-Widget") !== null;
      // Its section: the outermost one below the page's title (an h2 section), where a chapter
      // puts the static figure of the same content, before or after the widget.
      const sections = [];
      for (let el = view.closest("section"); el; el = el.parentElement.closest("section")) {
        sections.push(el);
      }
      const section = sections.length > 1 ? sections[sections.length - 2]
        : (sections[0] || document.body);
      return {model: model, rendered: rendered, twins: outputImages(section)};
    }),
  };
}
"""


#: The mime types the HTML builder prefers, first to last: myst-nb's order for "html", with the
#: widget view moved after the images by ``nb_mime_priority_overrides`` in _config.yml.
HTML_PRIORITY = (
    "application/javascript", "text/html", "image/svg+xml", "image/png", "image/gif",
    "image/jpeg", WIDGET_VIEW, "text/markdown", "text/latex", "text/plain",
)  # fmt: skip


#: Repository addresses that do not exist (lithm.site): no page may show them.
PLACEHOLDER_ADDRESSES = (
    "github.com/OWNER/",
    "github.com/learning-in-the-machine/lithm",
)


def shown_mime(data: dict) -> str | None:
    """The mime type of an output's data that the HTML page shows (None: nothing it can show).

    >>> shown_mime({WIDGET_VIEW: {}, "image/png": "A", "text/plain": "x"})
    'image/png'
    >>> shown_mime({WIDGET_VIEW: {}, "text/plain": "x"}) == WIDGET_VIEW
    True
    """
    return next((mime for mime in HTML_PRIORITY if mime in data), None)


def expected_images(notebook: dict) -> int:
    """How many figures an executed notebook draws on its page: the outputs the page shows as an
    image (:func:`shown_mime`), and figures printed as text, of cells that are not removed.

    >>> out = lambda **data: {"output_type": "display_data", "data": data}
    >>> nb = {"cells": [{"cell_type": "code", "metadata": {}, "outputs": [
    ...     out(**{"image/png": "AAAA"}),
    ...     out(**{"text/plain": "<Figure size 640x480 with 1 Axes>"}),
    ...     out(**{WIDGET_VIEW: {}, "image/png": "AAAA"}), out(**{WIDGET_VIEW: {}}),
    ...     out(**{"text/html": "<table/>", "image/png": "AAAA"}), out(**{"text/plain": "3"})]}]}
    >>> expected_images(nb)
    3
    """
    count = 0
    for cell in notebook.get("cells", []):
        tags = cell.get("metadata", {}).get("tags", [])
        if cell.get("cell_type") != "code" or {"remove-cell", "remove-output"} & set(tags):
            continue
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            shown = shown_mime(data) or ""
            text = data.get("text/plain", "")
            text = "".join(text) if isinstance(text, list) else text
            if shown.startswith("image/") or (shown == "text/plain" and _FIGURE_TEXT.search(text)):
                count += 1
    return count


def executed_notebook(html_dir: Path, relative: str) -> Path | None:
    """The executed notebook behind a chapter page (myst-nb keeps it in ``jupyter_execute``)."""
    path = html_dir.parent / "jupyter_execute" / Path(relative).with_suffix(".ipynb")
    return path if path.is_file() else None


_ID = re.compile(r"""\sid=["']([^"']+)["']""")


@functools.cache
def _page_ids(path: Path) -> frozenset:
    return frozenset(_ID.findall(path.read_text(encoding="utf-8", errors="replace")))


def broken_link(url: str, origin: str, html_dir: Path) -> str | None:
    """Why a link to the book's own files is broken (missing file or anchor), else None.

    >>> import tempfile; d = Path(tempfile.mkdtemp())
    >>> _ = (d / "a.html").write_text('<h1 id="top">A</h1>')
    >>> broken_link("http://h/a.html#top", "http://h", d) is None
    True
    >>> broken_link("http://h/a.html#gone", "http://h", d)
    'no anchor #gone in a.html'
    >>> broken_link("http://h/b.html", "http://h", d)
    'no such file: b.html'
    """
    if not url.startswith(origin + "/"):
        return None  # external (not checked) or not a web link
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(url)
    relative = unquote(parts.path).lstrip("/")
    target = html_dir / relative
    if target.is_dir():
        target = target / "index.html"
    if not target.is_file():
        return f"no such file: {relative}"
    fragment = unquote(parts.fragment)
    if fragment and target.suffix == ".html" and fragment not in _page_ids(target):
        return f"no anchor #{fragment} in {target.relative_to(html_dir).as_posix()}"
    return None


#: Keys of the results store that a table must show in the book's words (lithm.tables.label).
STORE_KEYS = frozenset(
    {"mnist", "cifar10", "cnn", "fcn", "val_acc", "val_loss", "edge_noise", "dist_1", "dist_4"}
)
#: The book's order of the datasets (the paper's: MNIST first), by display name.
DATASET_ORDER = ("MNIST", "CIFAR-10")


def _first(labels: list, name: str) -> int | None:
    return next((i for i, label in enumerate(labels) if label.startswith(name)), None)


def table_problems(tables: list) -> list:
    """Tables of cell outputs that show a store key, or list CIFAR-10 before MNIST.

    ``tables`` holds, per table, its header cells (``heads``), the first cell of each body row
    (``rows``) and every cell (``cells``), as ``_SNAPSHOT_JS`` reads them.

    >>> good = {"heads": ["", "MNIST", "CIFAR-10"], "rows": ["CNN"], "cells": ["CNN", "0.99"]}
    >>> table_problems([good])
    []
    >>> bad = {"heads": ["model"], "rows": ["CIFAR-10 layer 1", "MNIST layer 1"], "cells": ["fcn"]}
    >>> for problem in table_problems([good, bad]): print(problem)
    table 2 shows store keys instead of the book's names: fcn
    table 2 lists CIFAR-10 before MNIST in its rows (the book's order: lithm.tables.book_order)
    """
    problems = []
    for number, table in enumerate(tables, 1):
        raw = sorted({cell for cell in table.get("cells", []) if cell in STORE_KEYS})
        if raw:
            problems.append(
                f"table {number} shows store keys instead of the book's names: {', '.join(raw)}"
            )
        for where, labels in (("rows", table.get("rows", [])), ("columns", table.get("heads", []))):
            first, second = (_first(labels, name) for name in DATASET_ORDER)
            if first is not None and second is not None and second < first:
                problems.append(
                    f"table {number} lists {DATASET_ORDER[1]} before {DATASET_ORDER[0]} in its "
                    f"{where} (the book's order: lithm.tables.book_order)"
                )
    return problems


def snapshot_problems(snapshot: dict, expected: int | None, origin: str, html_dir: Path) -> list:
    """The failures found in a page's snapshot (what ``_SNAPSHOT_JS`` returns).

    ``expected`` is the number of figures its executed notebook draws (None: not a chapter).

    >>> snap = {"text": "<Figure size 640x480 with 1 Axes>", "outputImages": 0, "links": [],
    ...         "widgets": [{"model": "m", "rendered": False, "twins": 0}], "widgetStates": []}
    >>> for problem in snapshot_problems(snap, 1, "http://h", Path(".")): print(problem)
    figure printed as text instead of an image (1 time(s)): <Figure size 640x480 with 1 Axes>
    0 image(s) in cell outputs, but the chapter draws 1
    widget m has no saved state (it cannot render on the page)
    widget m shows neither its controls nor a static twin (no image in its section)
    """
    problems = []
    figures = _FIGURE_TEXT.findall(snapshot.get("text", ""))
    if figures:
        problems.append(
            f"figure printed as text instead of an image ({len(figures)} time(s)): {figures[0]}"
        )
    shown = snapshot.get("outputImages", 0)
    if expected is not None and shown < expected:
        problems.append(f"{shown} image(s) in cell outputs, but the chapter draws {expected}")
    for url in dict.fromkeys(snapshot.get("links", [])):
        why = broken_link(url, origin, html_dir)
        if why:
            problems.append(f"broken link: {url} ({why})")
    page = snapshot.get("text", "") + " " + " ".join(snapshot.get("links", []))
    for address in PLACEHOLDER_ADDRESSES:
        if address in page:
            problems.append(f"shows the placeholder repository address {address}")
    problems += table_problems(snapshot.get("tables", []))
    states = set(snapshot.get("widgetStates", []))
    for widget in snapshot.get("widgets", []):
        model = widget.get("model")
        if model not in states:
            problems.append(f"widget {model} has no saved state (it cannot render on the page)")
        if not widget.get("rendered") and not widget.get("twins"):
            problems.append(
                f"widget {model} shows neither its controls nor a static twin (no image in its "
                "section)"
            )
    return problems


def is_local(url: str, origin: str) -> bool:
    """Whether ``url`` is one of the book's own files (served from ``origin``) or inline data.

    >>> is_local("data:image/png;base64,AAAA", "http://127.0.0.1:1")
    True
    """
    return url.startswith((origin + "/", "data:", "blob:", "about:")) or url == origin


_REFRESH = re.compile(
    r"""<meta\s+http-equiv=["']?refresh["']?\s+content=["']?\s*\d+\s*;\s*url=([^"'>\s]+)""",
    re.IGNORECASE,
)


def redirect_target(html: str) -> str | None:
    """The target of a page that only redirects (``<meta http-equiv="Refresh">``), else None.

    Jupyter Book writes ``index.html`` as such a page. Redirect pages are checked without the
    browser (their target must exist); the target is checked as a page of its own.

    >>> redirect_target('<meta http-equiv="Refresh" content="0; url=book/intro.html" />')
    'book/intro.html'
    >>> redirect_target("<html><body>text</body></html>") is None
    True
    """
    match = _REFRESH.search(html)
    return match.group(1) if match else None


def find_pages(html_dir: Path) -> list[Path]:
    """Every HTML page of a built book, asset folders excluded, in a stable order."""
    pages = []
    for path in sorted(html_dir.rglob("*.html")):
        parts = path.relative_to(html_dir).parts
        if not any(part in ASSET_FOLDERS for part in parts[:-1]):
            pages.append(path)
    return pages


@dataclass
class PageResult:
    """What was found on one page: failures (the check fails) and external requests not checked."""

    page: str
    errors: list[str] = field(default_factory=list)
    external: set[str] = field(default_factory=set)

    @property
    def ok(self) -> bool:
        return not self.errors


def console_error_counts(text: str, location: str, origin: str, blocked: set[str]) -> bool:
    """Whether a console error is the page's fault (True) or a blocked external request's (False).

    >>> o = "http://127.0.0.1:9"
    >>> console_error_counts("Failed to load resource", "https://cdn.x/a.js", o, set())
    False
    >>> console_error_counts("Uncaught TypeError: x is undefined", o + "/intro.html", o, set())
    True
    >>> console_error_counts("Refused to load https://cdn.x/a.js", "", o, {"https://cdn.x/a.js"})
    False
    """
    if location and not is_local(location, origin):
        return False
    return not any(url in text for url in blocked)


@contextlib.contextmanager
def serve(html_dir: Path):
    """Serve ``html_dir`` over HTTP on 127.0.0.1 (a free port) in a thread; yield the origin URL."""

    class QuietHandler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format, *args):  # noqa: A002 - the base class's signature
            pass

    handler = functools.partial(QuietHandler, directory=str(html_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def check_page(
    context, origin: str, relative: str, timeout_ms: int, html_dir: Path | None = None
) -> PageResult:
    """Load one page in a new tab of ``context`` and collect its failures."""
    result = PageResult(relative)
    blocked: set[str] = set()
    http_failed: set[str] = set()  # reported once as "HTTP <status>", not again by the console
    console: list[tuple[str, str]] = []
    page = context.new_page()

    def on_route(route):
        url = route.request.url
        if is_local(url, origin):
            route.continue_()
        else:
            blocked.add(url)
            route.abort()

    def on_console(message):
        if message.type == "error":
            console.append((message.text, (message.location or {}).get("url", "")))

    def on_failed(request):
        url = request.url
        if is_local(url, origin) and url not in blocked and url not in http_failed:
            result.errors.append(f"request failed: {url} ({request.failure})")

    def on_response(response):
        if is_local(response.url, origin) and response.status >= 400:
            http_failed.add(response.url)
            result.errors.append(f"HTTP {response.status}: {response.url}")

    page.set_default_timeout(timeout_ms)
    page.route("**/*", on_route)
    page.on("console", on_console)
    page.on("pageerror", lambda exc: console.append((f"uncaught exception: {exc}", "")))
    page.on("requestfailed", on_failed)
    page.on("response", on_response)
    url = f"{origin}/{relative}"
    try:
        response = page.goto(url, wait_until="load", timeout=timeout_ms)
        if response is None or not response.ok:
            status = response.status if response is not None else "no response"
            result.errors.append(f"page did not load: {status}")
        else:
            for image in page.evaluate(_IMAGES_JS, timeout_ms):
                if not is_local(image["src"], origin):
                    continue  # blocked external image: listed below, not checked
                if image["width"] == 0:
                    result.errors.append(f"image did not load: {image['src']}")
            page.wait_for_timeout(200)  # let late console messages arrive
            if html_dir is not None:
                notebook = executed_notebook(html_dir, relative)
                expected = None
                if notebook is not None:
                    expected = expected_images(json.loads(notebook.read_text(encoding="utf-8")))
                snapshot = page.evaluate(_SNAPSHOT_JS)
                result.errors += snapshot_problems(snapshot, expected, origin, html_dir)
    except Exception as exc:  # navigation timeouts and crashes are failures of this page
        result.errors.append(f"page did not load: {type(exc).__name__}: {exc}".splitlines()[0])
    finally:
        page.close()
    for text, location in console:
        if location in http_failed and text.startswith("Failed to load resource"):
            continue
        if console_error_counts(text, location, origin, blocked):
            where = f" ({location})" if location else ""
            result.errors.append(f"console error: {text}{where}")
    result.external = blocked
    return result


def check_book(
    html_dir: Path, chromium: str, timeout_ms: int = 30_000, pages: list[Path] | None = None
) -> list[PageResult]:
    """Check every page of ``html_dir`` (or ``pages``) in one headless Chromium."""
    from playwright.sync_api import sync_playwright

    pages = find_pages(html_dir) if pages is None else pages
    results = []
    with serve(html_dir) as origin, sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=chromium, headless=True, args=list(CHROMIUM_ARGS)
        )
        try:
            context = browser.new_context()
            for path in pages:
                relative = path.relative_to(html_dir).as_posix()
                target = redirect_target(path.read_text(encoding="utf-8", errors="replace"))
                if target is None:
                    results.append(check_page(context, origin, relative, timeout_ms, html_dir))
                    continue
                result = PageResult(relative)
                if "://" not in target and not (path.parent / target).is_file():
                    result.errors.append(f"redirects to a missing page: {target}")
                results.append(result)
        finally:
            browser.close()
    return results


def report(results: list[PageResult]) -> str:
    """A summary: failing pages with their errors, then the external hosts that were not checked."""
    lines = []
    for result in results:
        if not result.ok:
            lines.append(f"FAILED {result.page}")
            lines += [f"    {error}" for error in result.errors]
    hosts: dict[str, int] = {}
    for result in results:
        for url in result.external:
            host = url.split("/")[2] if "://" in url else url
            hosts[host] = hosts.get(host, 0) + 1
    if hosts:
        listed = ", ".join(f"{h} ({n} page(s))" for h, n in sorted(hosts.items()))
        lines.append(f"not checked (external, blocked): {listed}")
    failed = sum(not r.ok for r in results)
    lines.append(f"{len(results) - failed} of {len(results)} page(s) passed")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--html-dir", default=str(ROOT / "_build" / "html"))
    parser.add_argument("--chromium", default=CHROMIUM, help=f"browser binary (default {CHROMIUM})")
    parser.add_argument("--timeout", type=float, default=30, help="seconds per page (default 30)")
    parser.add_argument("pages", nargs="*", help="pages relative to --html-dir (default: all)")
    args = parser.parse_args(argv)
    html_dir = Path(args.html_dir)
    if not (html_dir / "index.html").is_file():
        print(f"check_pages: no built book in {html_dir}; run `make book` first", file=sys.stderr)
        return 2
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        print(INSTALL_HELP, file=sys.stderr)
        return 2
    if not Path(args.chromium).is_file():
        print(f"check_pages: no browser at {args.chromium}.\n{INSTALL_HELP}", file=sys.stderr)
        return 2
    pages = [html_dir / p for p in args.pages] or None
    missing = [str(p) for p in pages or [] if not p.is_file()]
    if missing:
        print(f"check_pages: no such page(s): {', '.join(missing)}", file=sys.stderr)
        return 2
    results = check_book(html_dir, args.chromium, int(args.timeout * 1000), pages)
    print(report(results))
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
