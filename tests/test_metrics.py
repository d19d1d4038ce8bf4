"""Tests for lithm.metrics: the filter-distance measure (FACTS §6) and accuracy."""

import math

import numpy as np
import pytest
import torch

from lithm.metrics import accuracy, distance_measures, filter_distance, pair_count, ring_offsets


def _gen(seed=0):
    return torch.Generator().manual_seed(seed)


def _naive_distance(grid: np.ndarray, r: int, metric: str) -> float:
    """Independent reference: a plain double loop over centres and over the square of offsets."""
    d_h, d_w = grid.shape[:2]
    flat = grid.reshape(d_h, d_w, -1).astype(np.float64)
    flat = flat / np.sqrt((flat**2).sum())
    values = []
    for i in range(d_h):
        for j in range(d_w):
            if not (r <= i < d_h - r and r <= j < d_w - r):
                continue
            for u in range(-r, r + 1):
                for v in range(-r, r + 1):
                    if max(abs(u), abs(v)) != r:
                        continue
                    a, b = flat[i, j], flat[i + u, j + v]
                    if metric == "euclidean":
                        values.append(np.sqrt(((a - b) ** 2).sum()))
                    else:
                        values.append(1 - a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))
    return float(np.mean(values))


class _FakeFreeConv:
    """Stands in for FreeConv2d: .kernels() -> (out_h, out_w, out_channels, in_channels, kh, kw)."""

    def __init__(self, kernels):
        self._kernels = kernels

    def kernels(self):
        return self._kernels


def test_ring_offsets_are_the_chebyshev_ring():
    for r in (1, 2, 4):
        ring = ring_offsets(r)
        assert len(ring) == 8 * r == len(set(ring))
        expected = {
            (u, v)
            for u in range(-r - 2, r + 3)
            for v in range(-r - 2, r + 3)
            if max(abs(u), abs(v)) == r
        }
        assert set(ring) == expected
    assert (0, 0) not in ring_offsets(1)
    assert (1, 1) not in ring_offsets(2)  # inner positions are excluded


def test_pair_counts_match_facts():
    assert pair_count(13, 13, 1) == 968
    assert pair_count(13, 13, 4) == 800
    assert pair_count(14, 14, 1) == 1152
    assert pair_count(14, 14, 4) == 1152


def test_radius_without_centre_is_rejected():
    with pytest.raises(ValueError, match="no centre"):
        pair_count(8, 8, 4)
    with pytest.raises(ValueError, match="no centre"):
        filter_distance(torch.randn(5, 9, 3), 3)
    with pytest.raises(ValueError, match="positive integer"):
        ring_offsets(0)


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
def test_identical_kernels_give_zero(metric):
    block = torch.randn(32, 1, 3, 3, generator=_gen())
    kernels = block.expand(13, 13, 32, 1, 3, 3)
    for r in (1, 4):
        assert filter_distance(kernels, r, metric) == pytest.approx(0.0, abs=1e-12)


def test_matches_naive_reference_on_small_grid():
    grid = torch.randn(7, 6, 4, 2, generator=_gen(1))
    for r in (1, 2):
        for metric in ("euclidean", "cosine"):
            expected = _naive_distance(grid.numpy(), r, metric)
            assert filter_distance(grid, r, metric) == pytest.approx(expected, rel=1e-10)


def test_layer_with_kernels_method():
    kernels = torch.randn(9, 9, 4, 2, 3, 3, generator=_gen(2))
    layer = _FakeFreeConv(kernels.requires_grad_())
    expected = _naive_distance(kernels.detach().numpy(), 2, "euclidean")
    assert filter_distance(layer, 2) == pytest.approx(expected, rel=1e-10)
    assert isinstance(filter_distance(layer, 2), float)


def test_iid_random_kernels_give_sqrt_two_over_p():
    # FACTS §6: i.i.d. weights on a 13x13 grid of 9x32 blocks give √(2/169) = 0.1088.
    kernels = torch.randn(13, 13, 32, 1, 3, 3, generator=_gen(3))
    expected = math.sqrt(2 / 169)
    assert expected == pytest.approx(0.1088, abs=1e-4)
    for r in (1, 4):
        assert filter_distance(kernels, r) == pytest.approx(expected, rel=0.03)
        # Independent random blocks are nearly orthogonal: cosine distance ≈ 1.
        assert filter_distance(kernels, r, "cosine") == pytest.approx(1.0, abs=0.05)


def test_scale_invariance():
    kernels = torch.randn(10, 10, 12, generator=_gen(4))
    for metric in ("euclidean", "cosine"):
        assert filter_distance(7 * kernels, 1, metric) == pytest.approx(
            filter_distance(kernels, 1, metric), rel=1e-6
        )


def test_smooth_kernels_are_closer_than_random():
    # Kernels that vary slowly over the grid: nearer rings are closer than farther ones.
    i, j = torch.meshgrid(torch.arange(13.0), torch.arange(13.0), indexing="ij")
    base = torch.randn(2, 16, generator=_gen(5))
    kernels = (i[..., None] / 13) * base[0] + (j[..., None] / 13) * base[1] + base.sum(0)
    assert filter_distance(kernels, 1) < filter_distance(kernels, 4) < math.sqrt(2 / 169)


def test_distance_measures_keys_and_values():
    kernels = torch.randn(13, 13, 9, generator=_gen(6))
    out = distance_measures(kernels)
    assert set(out) == {"dist_1", "dist_4", "cos_1", "cos_4"}
    assert out["dist_4"] == filter_distance(kernels, 4)
    assert out["cos_1"] == filter_distance(kernels, 1, "cosine")


def test_bad_input():
    with pytest.raises(ValueError, match="valid metrics"):
        filter_distance(torch.randn(5, 5, 2), 1, "manhattan")
    with pytest.raises(TypeError, match="kernels"):
        filter_distance([1, 2, 3], 1)
    with pytest.raises(ValueError, match="all-zero"):
        filter_distance(torch.zeros(5, 5, 2), 1, "cosine")
    assert filter_distance(torch.zeros(5, 5, 2), 1) == 0.0


def test_accuracy():
    logits = torch.tensor([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7], [0.6, 0.4]])
    assert accuracy(logits, torch.tensor([1, 0, 0, 0])) == 0.75
    assert accuracy(logits, torch.tensor([0, 1, 0, 1])) == 0.0
    with pytest.raises(ValueError, match="logits"):
        accuracy(logits, torch.tensor([1, 0]))
