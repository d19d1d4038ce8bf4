"""Small Sphinx fixes for building the lithm book with Jupyter Book 1.x (loaded from _config.yml).

Sphinx 7.4 lists an inline ``<script>`` twice when an extension adds it after the builder is set
up (the copy kept by the builder has filename ``None``, the copy re-read from the registry ``''``).
sphinx-thebe adds ``const THEBE_JS_URL = ...`` that way, so every page threw "Identifier
'THEBE_JS_URL' has already been declared" in the browser console (found by scripts/check_pages.py).
This extension drops such duplicates from every page's script list.

It also keeps the repository's address in one place (``repository.url`` of ``_config.yml``, read by
``lithm.site.repository``): the intro's ``git clone`` line is written from it (the marker
``LITHM_REPOSITORY_URL`` in a page), and while it is the placeholder the launch, repository and
issue buttons are left out and the marker ``<!-- lithm:repository-note -->`` becomes a note that
says how to set it, so that no page shows an address that does not exist.

For the PDF (`make pdf`), cells whose source the web page folds away (tags ``hide-input`` and
``hide-cell``) lose their source and keep their outputs: LaTeX cannot fold, and a printed page
should show the figures and tables, not the plumbing that draws them (MyST-NB hides cells in HTML
only).

>>> dedupe_scripts(["a.js", "a.js", "b.js"])
['a.js', 'b.js']
"""

from __future__ import annotations

from pathlib import Path

URL_MARKER = "LITHM_REPOSITORY_URL"
NOTE_MARKER = "<!-- lithm:repository-note -->"
UNSET_URL = "<repository-url>"  # no quote: the bash lexer of the clone line rejects one


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


def drop_hidden_sources(document) -> int:
    """Remove the source of every code cell whose source is hidden on the web; keep outputs.

    Returns the number of sources removed.

    >>> from docutils import nodes
    >>> def cell(mode):
    ...     c = nodes.container(nb_element="cell_code", hide_mode=mode)
    ...     c += nodes.container(nb_element="cell_code_source")
    ...     c += nodes.container(nb_element="cell_code_output")
    ...     return c
    >>> doc = nodes.section()
    >>> doc += [cell("input"), cell("all"), cell("output"), cell(None), nodes.Text("x")]
    >>> drop_hidden_sources(doc), [len(c.children) for c in doc.children]
    (2, [1, 1, 2, 2, 0])
    """
    from docutils import nodes

    removed = 0
    for cell in list(document.findall(nodes.container)):
        if cell.get("nb_element") != "cell_code":
            continue
        if cell.get("hide_mode") not in ("input", "input+output", "all"):
            continue
        for child in list(cell.children):
            if child.get("nb_element") == "cell_code_source":
                cell.remove(child)
                removed += 1
    return removed


def _on_doctree_resolved(app, doctree, docname) -> None:
    if app.builder.format == "latex":
        drop_hidden_sources(doctree)


def _on_page_context(app, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if scripts:
        # In place: the builder restores its own list after each page, so this runs per page.
        scripts[:] = dedupe_scripts(list(scripts))


def _repository(app):
    from lithm.site import repository

    return repository(Path(app.srcdir) / "_config.yml")


def without_repository_buttons(options: dict) -> dict:
    """Theme options with the launch, repository and issue buttons removed (placeholder address).

    >>> options = without_repository_buttons({"repository_url": "x", "a": 1})
    >>> sorted(options), options["launch_buttons"], options["use_issues_button"]
    (['a', 'launch_buttons', 'use_issues_button', 'use_repository_button'], {}, False)
    """
    kept = {k: v for k, v in options.items() if k not in ("repository_url", "launch_buttons")}
    kept.update(use_issues_button=False, use_repository_button=False, launch_buttons={})
    return kept


def with_repository(source: str, url: str | None, note: str) -> str:
    r"""A page's source with the address written in (``url`` None: the placeholder and a note).

    >>> with_repository("git clone LITHM_REPOSITORY_URL lithm", "https://x/y", "n")
    'git clone https://x/y lithm'
    >>> with_repository("<!-- lithm:repository-note -->", None, "Set it.")
    ':::{note}\nSet it.\n:::'
    """
    if url is None:
        return source.replace(URL_MARKER, UNSET_URL).replace(
            NOTE_MARKER, f":::{{note}}\n{note}\n:::"
        )
    return source.replace(URL_MARKER, url).replace(NOTE_MARKER, "")


def _on_config_inited(app, config) -> None:
    if _repository(app).is_placeholder:
        config.html_theme_options = without_repository_buttons(dict(config.html_theme_options))


def _on_source_read(app, docname, source) -> None:
    if URL_MARKER in source[0] or NOTE_MARKER in source[0]:
        from lithm.site import HOW_TO_SET

        repo = _repository(app)
        source[0] = with_repository(source[0], None if repo.is_placeholder else repo.web_url,
                                    HOW_TO_SET)  # fmt: skip


def setup(app):
    app.connect("config-inited", _on_config_inited, priority=100)
    app.connect("source-read", _on_source_read)
    app.connect("html-page-context", _on_page_context, priority=900)
    app.connect("doctree-resolved", _on_doctree_resolved)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
