"""Open every page of the built book in headless Chromium and check that it really works.

For each HTML page of ``_build/html`` (served from a local ``http.server`` thread on 127.0.0.1, on a
free port), the check fails when

- the page does not load (HTTP error or navigation failure);
- an ``<img>`` served by the book did not load (``naturalWidth == 0`` after waiting for it);
- the console shows an error or the page throws one, or a request for one of the book's own files
  fails (HTTP >= 400 or a network failure).

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


def check_page(context, origin: str, relative: str, timeout_ms: int) -> PageResult:
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
                    results.append(check_page(context, origin, relative, timeout_ms))
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
