"""Tables ready to read: the book's names, levels in percent, fixed decimals, "–" where missing.

Every chapter shows pandas tables built by :mod:`lithm.analysis` and its neighbours, whose labels
are the store's keys ("cifar10", "fcn", 0.3, "val_acc"). This module turns them into what the
reader of the book expects (CIFAR-10, FCN, 30 %, validation), in one place, so that every table
of the book spells a name and rounds a number the same way (protocol §9 for the metrics).

- :func:`label`: one key as the reader knows it;
- :func:`relabel_index`: an index (or the columns) of such keys, level by level;
- :func:`book_order`: rows of MNIST before those of CIFAR-10, as in the paper;
- :func:`by_dataset`: a table split by dataset, in that order;
- :func:`levels_text`: training levels as a sentence lists them ("10, 20 and 30 %");
- :func:`counted`: a number with its noun in the right number ("1 epoch", "6 epochs");
- :func:`readable`: a whole table as a pandas Styler;
- :data:`AUGMENTATION_NAMES`: the training augmentations as the reader knows them.

>>> import pandas as pd
>>> t = pd.DataFrame({"dataset": ["cifar10", "mnist"], "level": [0.3, 0.0], "gap": [0.12345, None]})
>>> readable(t).to_html().count("–"), list(book_order(t)["dataset"])
(1, ['mnist', 'cifar10'])
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lithm.config import DATASETS, DISPLAY_NAMES

__all__ = [
    "AUGMENTATION_NAMES", "book_order", "by_dataset", "counted", "label", "levels_text",
    "readable", "relabel_index",
]  # fmt: skip

#: The training augmentations as sentences and tables name them (pass as ``labels`` where a
#: table or a count shows the store's ``augmentation`` key), in the book's order: untranslated,
#: translation, then App. B's edge noise (B.1), noise (B.2) and rotation (B.3).
AUGMENTATION_NAMES = {
    "none": "no augmentation", "translation": "translation", "edge-noise": "edge noise",
    "noise": "noise", "rotation": "rotation",
}  # fmt: skip

#: The book's order of the datasets, by key or by display name.
_ORDER = {
    **{ds: rank for rank, ds in enumerate(DATASETS)},
    **{DISPLAY_NAMES[ds]: rank for rank, ds in enumerate(DATASETS)},
}


def _rank(datasets) -> np.ndarray:
    """Each dataset's place in the book's order (an unknown one goes last)."""
    return np.asarray([_ORDER.get(d, len(_ORDER)) for d in datasets])


def label(value, axis: str | None = None, labels: dict | None = None, level: str = "percent"):
    """``value`` as the reader knows it: a display name, a label from ``labels``, or a number.

    On an axis named "level" a number is a training level, written as a percentage
    (``level="percent"``, as the paper's translation tables) or as it is (``level="plain"``, as its
    tables of the other augmentations); any other float is written without trailing zeros.

    >>> label("cifar10"), label(0.3, "level"), label(0.3, "level", level="plain")
    ('CIFAR-10', '30 %', '0.3')
    >>> label("val_acc", None, {"val_acc": "validation"})
    'validation'
    """
    if level not in ("percent", "plain"):
        raise ValueError(f"level={level!r}: use 'percent' or 'plain'")
    if isinstance(value, (float, np.floating)):
        if axis == "level" and level == "percent":
            return f"{float(value) * 100:g} %"
        return f"{float(value):g}"
    if isinstance(value, str) or value is None:
        return {**DISPLAY_NAMES, **(labels or {})}.get(value, value)
    return value


def relabel_index(index: pd.Index, labels: dict | None = None, level: str = "percent") -> pd.Index:
    """``index`` with every value passed through :func:`label` (its level names are kept).

    >>> relabel_index(pd.Index([0.1, 0.5], name="level")).tolist()
    ['10 %', '50 %']
    """
    if isinstance(index, pd.MultiIndex):
        names = list(index.names)
        tuples = [
            tuple(label(v, n, labels, level) for v, n in zip(key, names, strict=True))
            for key in index
        ]
        return pd.MultiIndex.from_tuples(tuples, names=names)
    return pd.Index([label(v, index.name, labels, level) for v in index], name=index.name)


def counted(n, noun: str, plural: str | None = None) -> str:
    """``n`` with its noun in the right number, as a sentence writes it.

    >>> counted(1, "epoch"), counted(6, "epoch"), counted(7.5, "epoch"), counted(2, "is", "are")
    ('1 epoch', '6 epochs', '7.5 epochs', '2 are')
    """
    return f"{n:g} {noun if n == 1 else (plural or noun + 's')}"


def levels_text(levels) -> str:
    """Training levels in words, as the book's sentences list them.

    >>> levels_text([0.3]), levels_text([0.5, 0.9]), levels_text([0.1, 0.2, 0.3])
    ('30 %', '50 and 90 %', '10, 20 and 30 %')
    """
    words = [f"{100 * float(lv):g}" for lv in levels]
    joined = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
    return f"{joined} %"


def book_order(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with the rows of MNIST before those of CIFAR-10 (the paper's order, not the
    alphabet's); the order is otherwise kept. A table without datasets comes back unchanged; a
    Series indexed by dataset is ordered too.

    >>> book_order(pd.DataFrame({"dataset": ["cifar10", "mnist"]}))["dataset"].tolist()
    ['mnist', 'cifar10']
    """
    if "dataset" in table.index.names:
        where = table.index.get_level_values("dataset")
    elif "dataset" in getattr(table, "columns", ()):  # a Series has no columns
        where = table["dataset"]
    else:
        return table
    return table.iloc[np.argsort(_rank(where), kind="stable")]


def by_dataset(frame: pd.DataFrame):
    """``(dataset, rows)`` pairs of ``frame`` in the book's order (MNIST first), the
    book's replacement for ``frame.groupby("dataset")``, which sorts by the alphabet.

    >>> t = pd.DataFrame({"dataset": ["cifar10", "mnist", "cifar10"], "x": [1, 2, 3]})
    >>> [(ds, part["x"].tolist()) for ds, part in by_dataset(t)]
    [('mnist', [2]), ('cifar10', [1, 3])]
    """
    present = list(dict.fromkeys(frame["dataset"]))
    for i in np.argsort(_rank(present), kind="stable"):
        yield present[i], frame[frame["dataset"] == present[i]]


def readable(
    table: pd.DataFrame,
    labels: dict | None = None,
    *,
    level: str = "percent",
    precision: int = 3,
    digits: dict | None = None,
    whole: tuple = (),
    caption: str | None = None,
):
    """``table`` ready to read, as a pandas Styler.

    Rows in the book's order (:func:`book_order`), and columns too where they have a
    "dataset" level; index values, column labels and the values of
    "dataset", "model" and "level" columns through :func:`label`; numbers to ``precision``
    decimals, or to ``digits[column]`` decimals per column, or as whole numbers for the columns in
    ``whole`` (both keyed by the *shown* column label); "–" where a number is missing; a plain row
    index hidden.

    >>> t = pd.DataFrame({"model": ["fcn"], "val_acc": [0.61234], "epochs": [12.0]})
    >>> html = readable(t, {"val_acc": "validation"}, whole=("epochs",)).to_html()
    >>> ["FCN" in html, "validation" in html, "0.612" in html, "12.000" in html]
    [True, True, True, False]
    """
    shown = book_order(table).copy()
    if "dataset" in shown.columns.names:  # datasets across the columns: the same order
        rank = _rank(shown.columns.get_level_values("dataset"))
        shown = shown.iloc[:, np.argsort(rank, kind="stable")]
    for column in ("dataset", "model", "level"):
        if column in shown.columns:
            shown[column] = [label(v, column, labels, level) for v in shown[column]]
    shown.index = relabel_index(shown.index, labels, level)
    shown.columns = relabel_index(shown.columns, labels, level)
    styler = shown.style.format(precision=precision, na_rep="–")
    for column, n in (digits or {}).items():
        if column in shown.columns:
            styler = styler.format(f"{{:.{n}f}}", subset=[column], na_rep="–")
    counts = [c for c in whole if c in shown.columns]
    if counts:
        styler = styler.format("{:g}", subset=counts, na_rep="–")
    if isinstance(table.index, pd.RangeIndex):
        styler = styler.hide(axis="index")
    return styler.set_caption(caption) if caption else styler
