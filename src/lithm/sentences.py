"""Show computed sentences (verdicts, findings) as a readable list: Markdown in a notebook or the
rendered book, wrapped plain text in a terminal.

The chapters state what our runs show in sentences computed from the store (the book's rule that
no result is typed). Printed, a sentence of 300 characters is one line that scrolls sideways in
the rendered page; ``say`` shows the same words as a bulleted or numbered Markdown list, which the
book renders like its prose, while ``print`` of the same object still gives wrapped text.

>>> print(Sentences(["The FCN's gap is 0.031 at 0 % (paper: 0.305); does not reproduce."]))
- The FCN's gap is 0.031 at 0 % (paper: 0.305); does not reproduce.
>>> Sentences(["a *b*"], numbered=True)._repr_markdown_()
'1. a \\\\*b\\\\*'
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable

#: characters that Markdown (CommonMark, and GFM's ~strikethrough~) would read as markup
_MARKUP = re.compile(r"([\\`*_\[\]<>|$#{}~])")


#: a start that Markdown would read as a nested list item: "- 0.3 …", "+ …", "2. …", "2) …"
_BULLET_START = re.compile(r"^([-+])(?=\s)")
_NUMBER_START = re.compile(r"^(\d+)([.)])(?=\s)")


def _escape(text: str) -> str:
    text = _MARKUP.sub(r"\\\1", text)
    text = _BULLET_START.sub(r"\\\1", text)
    return _NUMBER_START.sub(r"\1\\\2", text)


class Sentences:
    """A list of computed sentences, with an optional lead line, shown as a Markdown list.

    ``numbered`` makes it a numbered list; ``lead`` is a plain line above the items (e.g. "For
    the FCNs initialised like a convolution:"). An empty list shows ``empty`` instead.
    """

    def __init__(
        self,
        items: Iterable[str],
        *,
        numbered: bool = False,
        lead: str | None = None,
        empty: str = "",
        width: int = 100,
    ) -> None:
        self.items = [str(s).strip() for s in items if str(s).strip()]
        self.numbered, self.lead, self.empty, self.width = numbered, lead, empty, width

    def _marker(self, i: int) -> str:
        return f"{i}." if self.numbered else "-"

    def _repr_markdown_(self) -> str:
        if not self.items:
            return _escape(self.empty)
        lines = [_escape(self.lead), ""] if self.lead else []
        lines += [f"{self._marker(i)} {_escape(s)}" for i, s in enumerate(self.items, start=1)]
        return "\n".join(lines)

    def __str__(self) -> str:
        if not self.items:
            return self.empty
        lines = [self.lead] if self.lead else []
        for i, sentence in enumerate(self.items, start=1):
            marker = self._marker(i) + " "
            lines.append(
                textwrap.fill(
                    sentence, self.width, initial_indent=marker, subsequent_indent=" " * len(marker)
                )  # fmt: skip
            )
        return "\n".join(lines)

    __repr__ = __str__


def say(items: Iterable[str] | str, **options) -> None:
    """Show ``items`` (sentences, or one sentence) as a Markdown list under the current cell.

    In a notebook it displays Markdown (the rendered book shows a list that wraps like prose);
    elsewhere it prints wrapped text. Options as for :class:`Sentences`. It returns None: a
    returned list would be shown a second time as the value of a chapter's last line.

    >>> say(["one computed sentence.", "another."], numbered=True)
    1. one computed sentence.
    2. another.
    """
    shown = Sentences([items] if isinstance(items, str) else items, **options)
    try:
        from IPython import get_ipython
        from IPython.display import display

        in_notebook = get_ipython() is not None and hasattr(get_ipython(), "kernel")
    except ImportError:  # IPython is a dependency of the book extras, not of the package
        in_notebook = False
    if in_notebook:
        display(shown)
    else:
        print(shown)
