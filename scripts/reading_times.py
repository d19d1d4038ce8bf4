"""Estimate each chapter's reading time from the words of its Markdown cells, core and optional.

The seminar guide (``book/seminar.md``) plans sessions of 90 minutes; this script gives the reading
part of that budget. It reads the jupytext twins ``notebooks/NN_*.py`` (percent format, the source
of truth), splits the Markdown cells into sections at their ``##``/``###`` headings, and counts the
words of each section. A section is optional when its heading ends in "(optional)"; a ``###``
section without a marker inherits the status of its ``##`` section, and the text before the first
``##`` heading (title, objectives) is core. A word is a whitespace-separated token that holds a
letter or a digit, so MyST markup such as a citation role counts as one word and code cells count
as none. Reading time is words / ``WORDS_PER_MINUTE`` (a common figure for technical prose; the
figures, tables and equations a chapter shows take longer than their word count suggests).

Usage: ``python scripts/reading_times.py [notebooks]`` prints one line per chapter.

>>> text = "# %% [markdown]\\n# # 1. Title\\n# Two words\\n\\n"
>>> text += "# %% [markdown]\\n# ## Extra (optional)\\n# a b c"
>>> [(s.title, s.optional, s.words) for s in sections(text)]
[('1. Title', False, 4), ('Extra (optional)', True, 5)]
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

WORDS_PER_MINUTE = 200
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*$")
_WORD = re.compile(r"[^\W_]")


@dataclass(frozen=True)
class Section:
    """One heading of a chapter and the words under it (down to the next heading)."""

    title: str
    level: int
    optional: bool
    words: int


def _markdown_cells(text: str) -> list[str]:
    """The Markdown cells of a percent-format script, with the comment prefix removed."""
    cells, current = [], None
    for line in text.splitlines():
        if line.startswith("# %%"):
            if current is not None:
                cells.append("\n".join(current))
            current = [] if "[markdown]" in line or "[md]" in line else None
        elif current is not None:
            current.append(re.sub(r"^# ?", "", line) if line.startswith("#") else line)
    if current is not None:
        cells.append("\n".join(current))
    return cells


def _marker(title: str) -> bool | None:
    """True for "(optional)", False for "(core)", None for no marker."""
    lowered = title.lower()
    if lowered.endswith("(optional)"):
        return True
    if lowered.endswith("(core)"):
        return False
    return None


def _plain(title: str) -> str:
    """A heading without its "(optional)" or "(core)" marker."""
    return re.sub(r"\s*\((optional|core)\)\s*$", "", title, flags=re.IGNORECASE)


def sections(text: str) -> list[Section]:
    """The sections of a chapter's percent-format source, in order, with their word counts."""
    found: list[list] = []  # [title, level, optional, words]
    parent_optional = False
    for cell in _markdown_cells(text):
        fenced = False
        for line in cell.splitlines():
            if line.lstrip().startswith("```"):
                fenced = not fenced
            match = None if fenced else _HEADING.match(line)
            if match:
                level, title = len(match.group(1)), match.group(2)
                marker = _marker(title)
                if level <= 2:
                    optional = bool(marker)
                    parent_optional = optional if level == 2 else False
                else:
                    optional = parent_optional if marker is None else marker
                found.append([title, level, optional, 0])
                line = title
            if not found:
                found.append(["(before the title)", 1, False, 0])
            found[-1][3] += sum(1 for token in line.split() if _WORD.search(token))
    return [Section(*row) for row in found]


def reading_table(folder: str | Path = "notebooks", wpm: int = WORDS_PER_MINUTE) -> pd.DataFrame:
    """One row per chapter ``NN_*.py`` of ``folder``: words and minutes, core and optional.

    Columns: chapter (number), title, core_words, optional_words, core_min, optional_min,
    core_sections and optional_sections (the ``##`` headings, "(optional)" stripped; an optional
    ``###`` under a core ``##`` is listed as "parent › sub").
    """
    rows = []
    for path in sorted(Path(folder).glob("[0-9][0-9]_*.py")):
        found = sections(path.read_text(encoding="utf-8"))
        title = next((s.title for s in found if s.level == 1), path.stem)
        core = sum(s.words for s in found if not s.optional)
        optional = sum(s.words for s in found if s.optional)
        core_titles, optional_titles, parent = [], [], None
        for s in found:
            name = _plain(s.title)
            if s.level == 2:
                parent = s
                (optional_titles if s.optional else core_titles).append(name)
            elif s.level == 3 and s.optional and parent is not None and not parent.optional:
                optional_titles.append(f"{_plain(parent.title)} › {name}")
        rows.append({
            "chapter": int(path.stem[:2]), "title": title, "core_words": core,
            "optional_words": optional, "core_min": core / wpm, "optional_min": optional / wpm,
            "core_sections": core_titles, "optional_sections": optional_titles,
        })  # fmt: skip
    return pd.DataFrame(rows)


def main(argv: list[str]) -> int:
    folder = argv[1] if len(argv) > 1 else Path(__file__).resolve().parents[1] / "notebooks"
    table = reading_table(folder)
    for row in table.itertuples():
        print(
            f"ch{row.chapter:02d} core {row.core_words:5d} words {row.core_min:5.1f} min, "
            f"optional {row.optional_words:5d} words {row.optional_min:5.1f} min  {row.title}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
