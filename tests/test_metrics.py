"""Tests for lithm.metrics: the filter-distance measure (paper §5.4), its controls, accuracy."""

import math

import numpy as np
import pytest
import torch

from lithm.metrics import (
    CONTROLS,
    accuracy,
    block_norms,
    distance_controls,
    distance_measures,
    filter_distance,
    inner_window,
    norm_only_distance,
    pair_count,
    ring_offsets,
)
from lithm.models import ARCHITECTURES


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
    # protocol §6: i.i.d. weights on a 13x13 grid of 9x32 blocks give √(2/169) = 0.1088.
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


# ------------------------------------------------------------------------------------------------
# Controls: per-block normalisation, inner window, norm-only prediction
# ------------------------------------------------------------------------------------------------


def _naive_pairs(flat: np.ndarray, r: int):
    """Independent reference: every (centre, neighbour) pair of the measure, by explicit loops."""
    d_h, d_w = flat.shape[:2]
    for i in range(r, d_h - r):
        for j in range(r, d_w - r):
            for u in range(-r, r + 1):
                for v in range(-r, r + 1):
                    if max(abs(u), abs(v)) == r:
                        yield flat[i, j], flat[i + u, j + v]


def _naive_block(grid: np.ndarray, r: int) -> float:
    flat = grid.reshape(*grid.shape[:2], -1).astype(np.float64)
    flat = flat / np.linalg.norm(flat, axis=-1, keepdims=True)
    flat = flat / np.sqrt((flat**2).sum())
    return float(np.mean([np.linalg.norm(a - b) for a, b in _naive_pairs(flat, r)]))


def _naive_norm_only(grid: np.ndarray, r: int) -> float:
    n = np.linalg.norm(grid.reshape(*grid.shape[:2], -1).astype(np.float64), axis=-1)
    n = (n / np.sqrt((n**2).sum()))[..., None]
    return float(np.mean([np.sqrt(a[0] ** 2 + b[0] ** 2) for a, b in _naive_pairs(n, r)]))


def test_block_normalised_and_norm_only_match_naive_reference():
    grid = torch.randn(7, 8, 3, 2, generator=_gen(5)) * torch.rand(7, 8, 1, 1, generator=_gen(6))
    for r in (1, 2):
        assert filter_distance(grid, r, normalise="block") == pytest.approx(
            _naive_block(grid.numpy(), r), rel=1e-10
        )
        assert norm_only_distance(grid, r) == pytest.approx(
            _naive_norm_only(grid.numpy(), r), rel=1e-10
        )


def test_per_position_scale_only_moves_the_global_measure():
    # Every position holds the same block times its own scale: alike in direction, uneven in size.
    base = torch.randn(288, generator=_gen(7))
    scale = 0.5 + torch.rand(13, 13, 1, generator=_gen(8))
    grid = scale * base
    assert filter_distance(grid, 1, normalise="block") == pytest.approx(0.0, abs=1e-6)
    assert filter_distance(grid, 1, "cosine") == pytest.approx(0.0, abs=1e-6)
    # Independent reference for the global measure: same direction, so ‖a − b‖ = |s_a − s_b|·‖base‖.
    s = scale[..., 0].numpy().astype(np.float64)
    total = np.sqrt((s**2).sum())
    expected = np.mean([abs(a - b) / total for a, b in _naive_pairs(s[..., None], 1)])
    assert filter_distance(grid, 1) == pytest.approx(float(expected[()]), rel=1e-9)
    assert filter_distance(grid, 1) > 0.01


def _random_directions(seed):
    grid = torch.randn(13, 13, 288, generator=_gen(seed), dtype=torch.float64)
    return grid / grid.norm(dim=-1, keepdim=True)


def test_uneven_sizes_move_the_measure_without_alike_kernels():
    baseline = math.sqrt(2 / 169)
    # (a) Sizes that vary independently of position: the measure falls (Jensen) by sizes alone.
    sizes = 0.25 + 2 * torch.rand(13, 13, 1, generator=_gen(12), dtype=torch.float64)
    grid = _random_directions(9) * sizes
    measured = filter_distance(grid, 1)
    assert measured < 0.97 * baseline
    assert measured == pytest.approx(norm_only_distance(grid, 1), rel=0.01)
    assert filter_distance(grid, 1, normalise="block") == pytest.approx(baseline, rel=0.01)
    assert filter_distance(grid, 1, "cosine") == pytest.approx(1.0, abs=0.01)
    # (b) A border kept at size 1 around an interior grown to size 2: the measure moves away from
    # the baseline (here up: the ring's centres over-weight the interior), again by sizes alone.
    grid = _random_directions(13)
    grid[2:11, 2:11] *= 2.0
    measured = filter_distance(grid, 1)
    assert abs(measured / baseline - 1) > 0.03
    assert measured == pytest.approx(norm_only_distance(grid, 1), rel=0.01)
    assert filter_distance(grid, 1, normalise="block") == pytest.approx(baseline, rel=0.01)
    # Inside the grown window every block has the same size again: the baseline of 81 positions.
    inner = filter_distance(grid, 1, window=(2, 11, 2, 11))
    assert inner == pytest.approx(math.sqrt(2 / 81), rel=0.01)


def test_random_blocks_give_the_baseline_for_every_control():
    grid = torch.randn(13, 13, 288, generator=_gen(10))
    baseline = math.sqrt(2 / 169)
    c = distance_controls(grid, radii=(1, 4), window=(2, 11, 2, 11))
    assert sorted(c) == sorted(f"{k}_{r}" for k in CONTROLS for r in (1, 4))
    for key in ("dist_1", "dist_4", "block_1", "block_4", "norm_only_1", "norm_only_4"):
        assert c[key] == pytest.approx(baseline, rel=0.02), key
    assert c["cos_1"] == pytest.approx(1.0, abs=0.02)
    assert c["inner_1"] == pytest.approx(math.sqrt(2 / 81), rel=0.02)
    assert c["inner_4"] == pytest.approx(math.sqrt(2 / 81), rel=0.1)  # one centre, 32 pairs
    assert math.isnan(distance_controls(grid, radii=(4,), window=(2, 10, 2, 10))["inner_4"])
    assert math.isnan(distance_controls(grid, radii=(1,))["inner_1"])


def test_window_is_the_measure_on_the_cropped_grid():
    grid = torch.randn(13, 13, 2, 3, generator=_gen(11))
    for r in (1, 4):
        assert filter_distance(grid, r, window=(2, 11, 2, 11)) == pytest.approx(
            filter_distance(grid[2:11, 2:11], r)
        )
    with pytest.raises(ValueError, match="does not fit"):
        filter_distance(grid, 1, window=(0, 14, 0, 13))
    with pytest.raises(ValueError, match="normalise"):
        filter_distance(grid, 1, normalise="none")


def test_block_norms_and_numpy_input():
    grid = np.arange(1, 3 * 4 * 5 + 1, dtype=np.float32).reshape(3, 4, 5)
    np.testing.assert_allclose(block_norms(grid).numpy(), np.linalg.norm(grid, axis=-1), rtol=1e-6)
    assert filter_distance(grid, 1) == pytest.approx(_naive_distance(grid, 1, "euclidean"))


def test_inner_window_against_receptive_fields():
    for ds, margin in (("mnist", 4), ("cifar10", 4), ("mnist", 0)):
        arch = ARCHITECTURES[ds]
        spec, size = arch.layers[0], arch.input_shape[-1]
        grid = arch.feature_shapes()[0][-1]
        top, bottom, left, right = inner_window(grid, spec.kernel, spec.stride, size, margin)
        for i in range(grid):
            pixels = range(i * spec.stride, i * spec.stride + spec.kernel)
            inside = min(pixels) >= margin and max(pixels) <= size - 1 - margin
            assert (top <= i < bottom) == inside, (ds, margin, i)
        assert (top, bottom) == (left, right)
    assert inner_window(13, 3, 2, 28, 4) == (2, 11, 2, 11)
    with pytest.raises(ValueError, match="no position"):
        inner_window(13, 3, 2, 28, 14)
