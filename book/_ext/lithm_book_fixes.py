"""Small Sphinx fixes for building the lithm book with Jupyter Book 1.x (loaded from _config.yml).

Sphinx 7.4 lists an inline ``<script>`` twice when an extension adds it after the builder is set
up (the copy kept by the builder has filename ``None``, the copy re-read from the registry ``''``).
sphinx-thebe adds ``const THEBE_JS_URL = ...`` that way, so every page threw "Identifier
'THEBE_JS_URL' has already been declared" in the browser console (found by scripts/check_pages.py).
This extension drops such duplicates from every page's script list.

>>> dedupe_scripts(["a.js", "a.js", "b.js"])
['a.js', 'b.js']
"""

from __future__ import annotations


def _script_key(script) -> tuple:
    """What makes two script entries the same tag: file name (None and '' alike) and attributes."""
    filename = getattr(script, "filename", script) or ""
    attributes = getattr(script, "attributes", {}) or {}
    return (str(filename), tuple(sorted((k, str(v)) for k, v in attributes.items())))


def dedupe_scripts(scripts: list) -> list:
    """``scripts`` without repeated entries, first occurrence kept, order otherwise unchanged."""
    seen, unique = set(), []
    for script in scripts:
        key = _script_key(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    return unique


def _on_page_context(app, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if scripts:
        # In place: the builder restores its own list after each page, so this runs per page.
        scripts[:] = dedupe_scripts(list(scripts))


def setup(app):
    app.connect("html-page-context", _on_page_context, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
