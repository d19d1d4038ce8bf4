"""Accuracy, and the filter-distance measure of approximate weight sharing (paper §5.3, FACTS §6).

A free convolution has an independent kernel at every output position. If training with translated
images makes neighbouring kernels alike, the network has learnt *approximate* weight sharing. The
paper measures this on the first layer as the mean distance between the kernel block at each
position and the blocks on the square ring at distance ``r`` around it (``r`` = 1 and 4), after
normalising all kernels together to unit Frobenius norm.

>>> kernels = torch.ones(13, 13, 32, 1, 3, 3)  # every position has the same kernels
>>> filter_distance(kernels, radius=1)
0.0
>>> pair_count(13, 13, 1), pair_count(13, 13, 4)
(968, 800)
"""

from __future__ import annotations

import torch

__all__ = [
    "METRICS",
    "accuracy",
    "distance_measures",
    "filter_distance",
    "pair_count",
    "ring_offsets",
]

#: Valid ``metric`` arguments of :func:`filter_distance`.
METRICS = ("euclidean", "cosine")


def ring_offsets(radius: int) -> list[tuple[int, int]]:
    """Return the ``8·radius`` offsets ``(u, v)`` at Chebyshev distance exactly ``radius``.

    FACTS §6: the neighbourhood ``N_r = {(u, v) : max(|u|, |v|) = r}`` is a square ring; positions
    inside the ring are not included. Row-major order.

    >>> ring_offsets(1)
    [(-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1)]
    """
    _check_radius(radius)
    span = range(-radius, radius + 1)
    return [(u, v) for u in span for v in span if max(abs(u), abs(v)) == radius]


def pair_count(grid_h: int, grid_w: int, radius: int) -> int:
    """Return how many (centre, neighbour) pairs :func:`filter_distance` averages over.

    Centres are the positions whose whole ring lies inside the grid; each has ``8·radius``
    neighbours, and symmetric pairs count twice (FACTS §6).

    >>> pair_count(14, 14, 1), pair_count(14, 14, 4)
    (1152, 1152)
    """
    _check_radius(radius)
    centres_h, centres_w = grid_h - 2 * radius, grid_w - 2 * radius
    if centres_h < 1 or centres_w < 1:
        raise ValueError(
            f"radius {radius} leaves no centre on a {grid_h}x{grid_w} grid; "
            f"radius must be at most {(min(grid_h, grid_w) - 1) // 2}"
        )
    return centres_h * centres_w * 8 * radius


def _check_radius(radius: int) -> None:
    if isinstance(radius, bool) or not isinstance(radius, int) or radius < 1:
        raise ValueError(f"radius must be a positive integer, got {radius!r}")


def _kernel_grid(layer) -> torch.Tensor:
    """Return the kernels as a float64 grid ``(d_h, d_w, D)``, one block per position."""
    if isinstance(layer, torch.Tensor):
        kernels = layer
    elif callable(getattr(layer, "kernels", None)):
        kernels = layer.kernels()
    else:
        raise TypeError(
            "layer must be a kernel tensor of shape (out_h, out_w, ...) or an object with a "
            f".kernels() method (e.g. FreeConv2d), got {type(layer).__name__}"
        )
    if kernels.ndim < 2:
        raise ValueError(f"kernels must have shape (out_h, out_w, ...), got {tuple(kernels.shape)}")
    # (out_h, out_w, F, C_in, kh, kw) -> (d_h, d_w, D). The order inside a block does not matter:
    # both distances are invariant to one permutation applied to every block.
    h, w = kernels.shape[:2]
    return kernels.detach().reshape(h, w, -1).to(torch.float64)


@torch.no_grad()
def filter_distance(layer, radius: int, metric: str = "euclidean") -> float:
    """Return the mean distance between kernel blocks at ring distance ``radius`` (FACTS §6).

    Each "filter" is the whole block of kernels at one output position (all output and input
    channels together). Steps: (1) view the kernels as a grid ``G[i, j]``; (2) divide the whole
    tensor by its Frobenius norm; (3) average, over centres ``(i, j)`` whose ring fits in the grid
    and over the ``8·radius`` ring offsets ``(u, v)``, the distance between ``G[i, j]`` and
    ``G[i+u, j+v]``: Euclidean (``dist_r``, paper Fig. 5) or cosine distance ``1 − cos``
    (``cos_r``, which the repository's CIFAR figure mislabels "Cosine Similarity").

    ``layer`` is a tensor ``(out_h, out_w, ...)`` or an object whose ``.kernels()`` returns one,
    such as :class:`lithm.layers.FreeConv2d`. For i.i.d. random kernels on ``P`` positions the
    Euclidean value is about ``√(2/P)``: 0.1088 for MNIST's 13×13 grid.

    >>> g = torch.Generator().manual_seed(0)
    >>> round(filter_distance(torch.randn(13, 13, 288, generator=g), 1), 2)
    0.11
    """
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; valid metrics: {', '.join(METRICS)}")
    grid = _kernel_grid(layer)  # (d_h, d_w, D)
    d_h, d_w = grid.shape[:2]
    n_pairs = pair_count(d_h, d_w, radius)
    r = radius
    if metric == "euclidean":
        norm = torch.linalg.vector_norm(grid)
        # All-zero kernels are all identical: distance 0 (instead of 0/0).
        grid = grid / norm if norm > 0 else grid
    else:
        # The global normalisation does not change a cosine; normalise each block instead.
        block_norms = torch.linalg.vector_norm(grid, dim=-1, keepdim=True)  # (d_h, d_w, 1)
        if (block_norms == 0).any():
            raise ValueError("cosine distance is undefined for an all-zero kernel block")
        grid = grid / block_norms
    centres = grid[r : d_h - r, r : d_w - r]  # (d_h - 2r, d_w - 2r, D)
    total = torch.zeros((), dtype=torch.float64, device=grid.device)
    for u, v in ring_offsets(r):
        neighbours = grid[r + u : d_h - r + u, r + v : d_w - r + v]  # same shape as centres
        if metric == "euclidean":
            total += torch.linalg.vector_norm(centres - neighbours, dim=-1).sum()
        else:
            total += (1 - (centres * neighbours).sum(dim=-1)).sum()
    return float(total / n_pairs)


def distance_measures(layer, radii=(1, 4)) -> dict[str, float]:
    """Return every filter distance the authors log per epoch: ``dist_r`` and ``cos_r`` (FACTS §9).

    Keys follow the authors' CSV columns, e.g. ``dist_1, dist_4, cos_1, cos_4``.

    >>> sorted(distance_measures(torch.ones(13, 13, 4)))
    ['cos_1', 'cos_4', 'dist_1', 'dist_4']
    """
    grid = _kernel_grid(layer)
    out = {f"dist_{r}": filter_distance(grid, r) for r in radii}
    out.update({f"cos_{r}": filter_distance(grid, r, "cosine") for r in radii})
    return out


@torch.no_grad()
def accuracy(logits: torch.Tensor, labels: torch.Tensor) -> float:
    """Return the fraction of rows of ``logits (B, K)`` whose arg-max equals ``labels (B,)``.

    >>> accuracy(torch.tensor([[2.0, 1.0], [0.0, 3.0], [5.0, 1.0]]), torch.tensor([0, 1, 1]))
    0.6666666666666666
    """
    if logits.ndim != 2 or labels.ndim != 1 or len(logits) != len(labels):
        raise ValueError(
            "accuracy expects logits (B, K) and labels (B,), got "
            f"{tuple(logits.shape)} and {tuple(labels.shape)}"
        )
    if len(labels) == 0:
        raise ValueError("accuracy of an empty batch is undefined")
    return (logits.argmax(dim=1) == labels).double().mean().item()
