"""End-of-training probes the paper does not run: accuracy against test-time shift, swap controls.

Two questions of the book need more than the paper's per-epoch metrics:

- §5.2 asks about translation invariance but reports one random 25 % translation. The *shift curve*
  scores the final model on the held-out images moved by a fixed number of pixels along x and y, so
  invariance can be read as a function of the shift.
- §5.5's quadrant swap (I ↔ III) has no control (protocol §5.5). We add the mirror-image swap
  II ↔ IV and the swap of both pairs, so that a drop can be compared with drops caused by moving the
  same amount of image around in other ways.

Probes use the first ``PROBE_IMAGES`` held-out images so that they cost a few evaluation passes.

>>> import torch
>>> x = torch.arange(16.0).view(1, 1, 4, 4)
>>> swap_24(x)[0, 0].tolist()
[[10.0, 11.0, 2.0, 3.0], [14.0, 15.0, 6.0, 7.0], [8.0, 9.0, 0.0, 1.0], [12.0, 13.0, 4.0, 5.0]]
"""

from __future__ import annotations

import torch

from lithm.augment import quadrant_swap, translate

PROBE_IMAGES = 2000
#: Shifts as fractions of the image size: -0.4 … 0.4 in steps of 0.1 (±11 px on MNIST).
SHIFT_FRACTIONS = (-0.4, -0.3, -0.2, -0.1, 0.0, 0.1, 0.2, 0.3, 0.4)


def swap_24(images: torch.Tensor) -> torch.Tensor:
    """Exchange quadrants II (top-left) and IV (bottom-right): the mirror image of the paper's swap.

    Implemented as the paper's I ↔ III swap (:func:`lithm.augment.quadrant_swap`) between two
    horizontal flips, so both swaps move blocks of the same size, H // 2.
    """
    return quadrant_swap(images.flip(-1)).flip(-1)


def swap_both(images: torch.Tensor) -> torch.Tensor:
    """Exchange both diagonal pairs of quadrants (I ↔ III and II ↔ IV)."""
    return swap_24(quadrant_swap(images))


@torch.no_grad()
def _accuracy(model, images, labels, transform) -> float:
    from lithm.train import evaluate

    _, acc = evaluate(model, images, labels, transform)
    return acc


def run_probes(model, images: torch.Tensor, labels: torch.Tensor) -> dict:
    """Score ``model`` on shifted and quadrant-swapped copies of uint8 held-out ``images``.

    Returns ``{"shift_x": {px: acc}, "shift_y": {px: acc}, "swap_13": acc, "swap_24": acc,
    "swap_both": acc, "images": n}`` with shifts in whole pixels (JSON keys are strings).
    """
    images, labels = images[:PROBE_IMAGES], labels[:PROBE_IMAGES]
    size = images.shape[-1]
    out: dict = {"images": len(labels), "shift_x": {}, "shift_y": {}}
    for frac in SHIFT_FRACTIONS:
        px = round(frac * size)
        out["shift_x"][str(px)] = _accuracy(
            model, images, labels, lambda x, g, d=px: translate(x, d, 0)
        )
        out["shift_y"][str(px)] = _accuracy(
            model, images, labels, lambda x, g, d=px: translate(x, 0, d)
        )
    out["swap_13"] = _accuracy(model, images, labels, lambda x, g: quadrant_swap(x))
    out["swap_24"] = _accuracy(model, images, labels, lambda x, g: swap_24(x))
    out["swap_both"] = _accuracy(model, images, labels, lambda x, g: swap_both(x))
    return out
