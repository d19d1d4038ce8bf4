"""Where the book is published: the repository's address and branch, read from one place.

The address and branch live in ``_config.yml`` (``repository.url`` and ``repository.branch``),
the file Jupyter Book reads for its launch, repository and issue buttons. Everything else that
needs them reads them through :func:`repository`: the book's Sphinx extension (the buttons and the
intro's clone command), ``scripts/setup_cell.py`` (the Colab install cell of every chapter) and
the deploy workflow, which refuses to publish while the address is still the placeholder. Not a
part of the paper: this is the book's publishing machinery.

>>> r = Repository("https://github.com/OWNER/lithm", "main")
>>> r.is_placeholder, Repository("https://github.com/ada/lithm.git", "main").is_placeholder
(True, False)
>>> Repository("https://github.com/ada/lithm.git", "main").web_url
'https://github.com/ada/lithm'
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

#: The address ``_config.yml`` carries until the public repository exists ("OWNER" is replaced).
PLACEHOLDER = "https://github.com/OWNER/lithm"
#: Addresses known not to exist (an older placeholder that looked real).
_KNOWN_FAKE = ("https://github.com/learning-in-the-machine/lithm",)
#: What the book and the install cell say while the address is the placeholder.
HOW_TO_SET = (
    "The repository's public address is not set yet: put it in `_config.yml` "
    "(`repository.url`, and `repository.branch`), then run `python scripts/setup_cell.py` and "
    "`make sync`."
)
CONFIG = "_config.yml"


@dataclass(frozen=True)
class Repository:
    """The repository's address (as cloned) and branch; ``is_placeholder`` until it is set."""

    url: str
    branch: str = "main"

    @property
    def is_placeholder(self) -> bool:
        url = self.url.strip().rstrip("/").removesuffix(".git")
        return not url or "OWNER" in url or url in _KNOWN_FAKE

    @property
    def web_url(self) -> str:
        """The address without a trailing ``.git`` (for links and buttons)."""
        return self.url.strip().rstrip("/").removesuffix(".git")


def _block_value(text: str, block: str, key: str) -> str | None:
    """The scalar ``key:`` inside the top-level ``block:`` of a YAML file (no YAML library).

    >>> text = "a: 1\\nrepository:\\n  url: x # note\\n  branch: 'dev'\\n"
    >>> _block_value(text, "repository", "url"), _block_value(text, "repository", "branch")
    ('x', 'dev')
    """
    inside = False
    for line in text.splitlines():
        if re.match(rf"^{re.escape(block)}\s*:", line):
            inside = True
            continue
        if inside and line and not line[0].isspace() and not line.startswith("#"):
            break  # the next top-level key
        match = re.match(rf"^\s+{re.escape(key)}\s*:\s*(.*)$", line) if inside else None
        if match:
            value = re.sub(r"\s+#.*$", "", match.group(1)).strip()
            return value.strip("\"'")
    return None


def find_config(start: str | Path | None = None) -> Path | None:
    """The ``_config.yml`` of the lithm checkout holding ``start`` (default: here), if any."""
    folders = [Path(start).resolve()] if start else [Path.cwd(), Path(__file__).resolve().parent]
    for folder in folders:
        for candidate in (folder, *folder.parents):
            if (candidate / CONFIG).is_file() and (candidate / "src" / "lithm").is_dir():
                return candidate / CONFIG
    return None


def repository(config: str | Path | None = None) -> Repository:
    """The repository's address and branch from ``_config.yml`` (the placeholder when unknown).

    ``config`` is the file (default: the checkout's own, found by :func:`find_config`). An
    installed copy of lithm without its checkout returns the placeholder.
    """
    path = Path(config) if config else find_config()
    if path is None or not path.is_file():
        return Repository(PLACEHOLDER)
    text = path.read_text(encoding="utf-8")
    url = _block_value(text, "repository", "url") or PLACEHOLDER
    return Repository(url, _block_value(text, "repository", "branch") or "main")


def main(argv=None) -> int:
    """``python -m lithm.site [--require]``: print the address; --require fails on a placeholder."""
    argv = sys.argv[1:] if argv is None else argv
    repo = repository()
    print(f"{repo.web_url} (branch {repo.branch})")
    if repo.is_placeholder and "--require" in argv:
        print(f"error: {HOW_TO_SET}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
