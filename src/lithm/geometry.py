"""Which positions of a free convolution ever reach the loss: the geometry of 'valid' layers.

With 'valid' padding and a stride above 1, a layer's windows can stop short of the edge of the
map below it, so some positions of that map are read by no window of the next layer (paper
Table A.2; book appendix *The authors' protocol*, §4). The kernels of a free convolution at those
positions get a zero gradient in every run and keep their initial weights, whatever the images:
chapter 6 separates this architectural cause from blank (ink-free) image patches.

>>> unread_positions("cifar10")[:2]
[(0, 13), (1, 13)]
"""

from __future__ import annotations

from lithm.config import DISPLAY_NAMES as _NAMES
from lithm.models import ARCHITECTURES

__all__ = ["describe_unread", "unread_positions"]


def _read_lines(size: int, kernel: int, stride: int) -> set[int]:
    """Indices along one axis of a ``size``-long map that a 'valid' ``kernel``/``stride`` layer
    reads: window ``o`` covers ``o·stride … o·stride + kernel − 1``."""
    outputs = (size - kernel) // stride + 1
    return {o * stride + t for o in range(max(outputs, 0)) for t in range(kernel)}


def unread_positions(dataset: str, layer: int = 0) -> list[tuple[int, int]]:
    """The positions ``(row, column)`` of feature layer ``layer``'s output map that no window of
    the next feature layer reads ('valid' padding), from :data:`lithm.models.ARCHITECTURES`.

    Their output never reaches the loss, so the kernels of ``layer`` at these positions get a zero
    gradient whatever the images. The last feature layer feeds the dense head, which reads all.

    >>> len(unread_positions("mnist")), len(unread_positions("cifar10"))
    (0, 27)
    >>> unread_positions("cifar10")[:2], unread_positions("cifar10")[-1]
    ([(0, 13), (1, 13)], (13, 13))
    """
    read = _read_by_next(dataset, layer)
    if read is None:
        return []
    height, width, _, rows, cols = read
    return [(i, j) for i in range(height) for j in range(width) if i not in rows or j not in cols]


def _read_by_next(dataset: str, layer: int):
    """``(height, width, next layer, rows read, columns read)`` of feature layer ``layer``'s map,
    or None for the last feature layer (the dense head reads all of it)."""
    arch = ARCHITECTURES[dataset]
    if layer + 1 >= len(arch.layers):
        return None
    _, height, width = arch.feature_shapes()[layer]
    nxt = arch.layers[layer + 1]
    # (height, width, spec, rows ⊆ range(height), cols ⊆ range(width))
    return (height, width, nxt, _read_lines(height, nxt.kernel, nxt.stride),
            _read_lines(width, nxt.kernel, nxt.stride))  # fmt: skip


def _spans(indices) -> str:
    """'13', '12 and 13' or '0–12' for sorted integer indices (consecutive runs joined by –)."""
    indices = sorted(indices)
    parts, start = [], None
    for k, i in enumerate(indices):
        start = i if start is None else start
        if k + 1 == len(indices) or indices[k + 1] != i + 1:
            parts.append(f"{start}" if start == i else f"{start}–{i}")
            start = None
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


_ORDINALS = {0: "first", 1: "second", 2: "third"}


def describe_unread(dataset: str, layer: int = 0) -> str:
    """One sentence: which positions of layer ``layer``'s map the next layer reads and which not.

    >>> describe_unread("cifar10")[:62]
    'CIFAR-10: the second layer (5×5 windows, stride 2, no padding)'
    """
    name = _NAMES.get(dataset, dataset)
    this = _ORDINALS.get(layer, f"layer {layer + 1}'s")
    read = _read_by_next(dataset, layer)
    if read is None:
        return f"{name}: the {this} layer feeds the dense head, which reads every position."
    height, width, nxt, rows, cols = read
    unread = unread_positions(dataset, layer)
    which = _ORDINALS.get(layer + 1, f"layer {layer + 2}")
    lines = (f"rows and columns {_spans(rows)}" if rows == cols
             else f"rows {_spans(rows)} and columns {_spans(cols)}")  # fmt: skip
    head = (
        f"{name}: the {which} layer ({nxt.kernel}×{nxt.kernel} windows, stride {nxt.stride}, no "
        f"padding) reads {lines} of the {this} layer's {height}×{width} map"
    )
    if not unread:
        return f"{head}, every position: none is cut off from the gradient by the architecture."
    skipped_rows = sorted(set(range(height)) - rows)
    skipped_cols = sorted(set(range(width)) - cols)
    never = " or ".join(
        f"{word} {_spans(lines)}"
        for word, lines in (("row" if len(skipped_rows) == 1 else "rows", skipped_rows),
                            ("column" if len(skipped_cols) == 1 else "columns", skipped_cols))
        if lines
    )  # fmt: skip
    return (
        f"{head}, never {never}: those {len(unread)} of its {height * width} positions never "
        "reach the loss, so their kernels get no gradient in any run."
    )
