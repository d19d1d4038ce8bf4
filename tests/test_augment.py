"""Tests for lithm.augment: geometry against slicing/rot90 references, noise masks, randomness."""

import math

import numpy as np
import pytest
import torch

from lithm import augment as A


def gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def images(b=3, c=2, h=8, w=8, dtype=torch.float32, seed=0) -> torch.Tensor:
    return torch.rand(b, c, h, w, generator=gen(seed), dtype=dtype)


def shift_reference(x: np.ndarray, dx: int, dy: int) -> np.ndarray:
    """Integer shift of (..., H, W) by padding with edge values and slicing (independent of A)."""
    h, w = x.shape[-2:]
    p = max(abs(dx), abs(dy), 1)
    pad = [(0, 0)] * (x.ndim - 2) + [(p, p), (p, p)]
    big = np.pad(x, pad, mode="edge")
    return big[..., p - dy : p - dy + h, p - dx : p - dx + w]


def centroid(x: torch.Tensor) -> torch.Tensor:
    """Centre of mass (row, col) of each image of a (B, 1, H, W) batch: (B, 2)."""
    _, _, h, w = x.shape
    rows = torch.arange(h, dtype=x.dtype).view(1, h, 1)
    cols = torch.arange(w, dtype=x.dtype).view(1, 1, w)
    m = x[:, 0]
    total = m.sum((1, 2))
    return torch.stack([(m * rows).sum((1, 2)) / total, (m * cols).sum((1, 2)) / total], 1)


def dot_image(b: int, size: int, dtype=torch.float64) -> torch.Tensor:
    x = torch.zeros(b, 1, size, size, dtype=dtype)
    x[:, :, size // 2, size // 2] = 1.0
    return x


# ---------------------------------------------------------------------------- identities


def test_zero_parameters_are_identity():
    x = images()
    assert torch.equal(A.translate(x, 0, 0), x)
    assert torch.equal(A.translate(x, torch.zeros(3), torch.zeros(3)), x)
    assert torch.equal(A.rotate(x, 0), x)
    assert torch.equal(A.gaussian_noise(x, 0.0, gen()), x)
    assert torch.equal(A.edge_noise(x, 0.0, generator=gen()), x)
    assert torch.equal(A.edge_noise(x, 0.0, generator=gen(), pattern="code"), x)


def test_level_zero_returns_the_input_tensor():
    x = images()
    for kind in A.TRAIN_AUGMENTATIONS:
        assert A.augment(x, kind, 0.0, gen()) is x
    assert A.augment(x, "none", 0.5) is x
    assert A.random_rotate(x, 0.001) is x  # int(0.36) == 0 degrees


# ---------------------------------------------------------------------------- translation


@pytest.mark.parametrize("dx,dy", [(1, 0), (0, 1), (-2, 3), (3, -1), (-4, -4), (9, 0), (0, -12)])
def test_integer_translation_matches_slicing_reference(dx, dy):
    x = images(h=8, w=10, dtype=torch.float64)
    expected = shift_reference(x.numpy(), dx, dy)
    assert torch.equal(A.translate(x, dx, dy), torch.from_numpy(expected))


def test_translation_replicates_edges_on_vacated_side():
    x = images(b=1, c=1, h=6, w=6)
    y = A.translate(x, 2, 0)[0, 0]
    # Vacated columns 0 and 1 repeat the original left column; the rest is the content moved.
    assert torch.equal(y[:, 0], x[0, 0, :, 0]) and torch.equal(y[:, 1], x[0, 0, :, 0])
    assert torch.equal(y[:, 2:], x[0, 0, :, :4])
    y = A.translate(x, 0, -3)[0, 0]
    for r in (3, 4, 5):
        assert torch.equal(y[r], x[0, 0, 5])


def test_translation_direction_right_and_down():
    x = torch.zeros(1, 1, 9, 9)
    x[0, 0, 3, 4] = 1.0
    y = A.translate(x, dx=2, dy=1)
    assert y[0, 0, 4, 6] == 1.0 and y.sum() == 1.0


def test_subpixel_translation_is_bilinear():
    x = images(b=1, c=1, h=5, w=5, dtype=torch.float64)
    y = A.translate(x, 0.25, 0)[0, 0]
    # Output column j mixes input columns j-1 (weight 0.25) and j (weight 0.75).
    expected = 0.25 * x[0, 0, :, :-1] + 0.75 * x[0, 0, :, 1:]
    torch.testing.assert_close(y[:, 1:], expected)
    torch.testing.assert_close(y[:, 0], x[0, 0, :, 0])


def test_per_image_shifts():
    x = images(b=3)
    dx, dy = torch.tensor([0.0, 1.0, -2.0]), torch.tensor([2.0, -1.0, 0.5])
    y = A.translate(x, dx, dy)
    for i in range(3):
        assert torch.equal(y[i : i + 1], A.translate(x[i : i + 1], float(dx[i]), float(dy[i])))


def test_translate_rejects_bad_shifts():
    x = images(b=3)
    with pytest.raises(ValueError, match="one value per image"):
        A.translate(x, torch.zeros(2), 0)
    with pytest.raises(ValueError, match="finite"):
        A.translate(x, float("nan"), 0)
    with pytest.raises(TypeError):
        A.translate(x, "1", 0)


# ---------------------------------------------------------------------------- rotation


@pytest.mark.parametrize("size", [(6, 6), (5, 5)])
def test_quarter_turns_match_rot90(size):
    x = images(h=size[0], w=size[1])
    # torch.rot90 with k=1 over (H, W) turns counter-clockwise as displayed.
    assert torch.equal(A.rotate(x, 90), torch.rot90(x, 1, dims=(-2, -1)))
    assert torch.equal(A.rotate(x, -90), torch.rot90(x, -1, dims=(-2, -1)))
    assert torch.equal(A.rotate(x, 180), torch.rot90(x, 2, dims=(-2, -1)))
    assert torch.equal(A.rotate(x, 450), torch.rot90(x, 1, dims=(-2, -1)))


def test_rotation_counter_clockwise_as_displayed():
    x = torch.zeros(1, 1, 4, 4)
    x[0, 0, 0, 3] = 1.0  # top-right corner
    assert A.rotate(x, 90)[0, 0, 0, 0] == 1.0  # goes to the top-left corner


def test_full_turn_and_non_square_half_turn():
    x = images(h=6, w=9, dtype=torch.float64)
    torch.testing.assert_close(A.rotate(x, 360), x)
    torch.testing.assert_close(A.rotate(x, 180), torch.flip(x, dims=(-2, -1)))


def test_per_image_angles():
    x = images(b=2, h=6, w=6)
    y = A.rotate(x, torch.tensor([90.0, -90.0]))
    assert torch.equal(y[0], torch.rot90(x[0], 1, dims=(-2, -1)))
    assert torch.equal(y[1], torch.rot90(x[1], -1, dims=(-2, -1)))


def test_keras_centre_is_one_pixel_off():
    x = torch.zeros(1, 1, 8, 8)
    x[0, 0, 3, 5] = 1.0
    # About (4.5, 4.5): offset (-1.5, +0.5) turns (ccw) to (-0.5, -1.5), i.e. pixel (4, 3).
    y = A.rotate(x, 90, center="keras")
    assert y[0, 0, 4, 3] == 1.0 and y.sum() == 1.0
    # About the true centre (3.5, 3.5): offset (-0.5, +1.5) turns to (-1.5, -0.5), pixel (2, 3).
    assert A.rotate(x, 90)[0, 0, 2, 3] == 1.0
    with pytest.raises(ValueError, match="'image', 'keras'"):
        A.rotate(x, 90, center="middle")


# ---------------------------------------------------------------------------- noise


def test_noise_is_unclipped_with_std_sigma():
    x = torch.full((4, 1, 32, 32), 0.5, dtype=torch.float64)
    y = A.gaussian_noise(x, 0.8, gen())
    assert (y > 1).any() and (y < 0).any()  # not clipped to [0, 1]
    assert abs((y - x).std().item() - 0.8) < 0.05


def test_noise_variance_scale():
    x = images()
    torch.testing.assert_close(
        A.gaussian_noise(x, 0.04, gen(3), scale="variance"), A.gaussian_noise(x, 0.2, gen(3))
    )
    with pytest.raises(ValueError, match="'std', 'variance'"):
        A.gaussian_noise(x, 0.1, scale="var")
    with pytest.raises(ValueError, match=">= 0"):
        A.gaussian_noise(x, -0.1)


@pytest.mark.parametrize("shape,border", [((12, 12), 5), ((10, 14), 2)])
def test_edge_noise_changes_only_the_frame(shape, border):
    h, w = shape
    x = images(b=2, c=3, h=h, w=w)
    y = A.edge_noise(x, 0.3, border, gen())
    frame = torch.ones(h, w, dtype=torch.bool)
    frame[border : h - border, border : w - border] = False
    changed = y != x
    assert torch.equal(y[..., ~frame], x[..., ~frame])  # interior bit-identical
    assert changed[..., frame].all()  # every frame pixel changed


def test_edge_noise_code_pattern_reproduces_the_bug():
    b, h, w = 16, 14, 14
    x = images(b=b, c=2, h=h, w=w)
    y = A.edge_noise(x, 0.3, generator=gen(), pattern="code")
    changed = (y != x).all(1)  # (B, H, W), same for every channel
    assert torch.equal(changed, (y != x).any(1))
    for i in range(b):
        if i < 5 or i >= b - 5:
            assert changed[i].all(), f"item {i} should be noisy everywhere"
        else:
            assert changed[i, :5].all() and changed[i, h - 5 :].all()
            assert not changed[i, 5 : h - 5].any(), f"item {i}: rows 5..{h - 6} must be clean"
    # Same generator state, same noise: where both patterns add noise they agree.
    frame = A.edge_noise(x, 0.3, generator=gen())
    both = changed.unsqueeze(1) & (frame != x)
    assert both.any() and torch.equal(y[both], frame[both])


def test_edge_noise_rejects_bad_arguments():
    x = images()
    with pytest.raises(ValueError, match="'frame', 'code'"):
        A.edge_noise(x, 0.1, pattern="border")
    with pytest.raises(ValueError, match="border"):
        A.edge_noise(x, 0.1, border=-1)


# ---------------------------------------------------------------------------- quadrant swap


def swap_reference(x: np.ndarray) -> np.ndarray:
    h_img, w_img = x.shape[-2:]
    h = h_img // 2
    out = x.copy()
    for r in range(h):
        for c in range(h):
            top_right, bottom_left = (r, w_img - h + c), (h_img - h + r, c)
            out[..., top_right[0], top_right[1]] = x[..., bottom_left[0], bottom_left[1]]
            out[..., bottom_left[0], bottom_left[1]] = x[..., top_right[0], top_right[1]]
    return out


@pytest.mark.parametrize("shape", [(4, 4), (28, 28), (5, 5), (5, 7), (7, 6)])
def test_quadrant_swap_moves_exactly_two_blocks(shape):
    h_img, w_img = shape
    x = images(b=2, c=3, h=h_img, w=w_img)
    y = A.quadrant_swap(x)
    assert torch.equal(y, torch.from_numpy(swap_reference(x.numpy())))
    assert torch.equal(A.quadrant_swap(y), x)  # involution
    h = h_img // 2
    assert torch.equal(y[..., :h, :h], x[..., :h, :h])  # quadrant II untouched
    assert torch.equal(y[..., h_img - h :, w_img - h :], x[..., h_img - h :, w_img - h :])  # IV
    assert not torch.equal(y, x)


# ---------------------------------------------------------------------------- randomness


SAMPLERS = {
    "translation": A.random_translate,
    "rotation": A.random_rotate,
    "noise": A.random_gaussian_noise,
    "edge-noise": A.random_edge_noise,
}


@pytest.mark.parametrize("kind", list(SAMPLERS))
def test_samplers_are_reproducible(kind):
    x = images(b=4, h=12, w=12)
    f = SAMPLERS[kind]
    assert torch.equal(f(x, 0.3, gen(1)), f(x, 0.3, gen(1)))
    assert not torch.equal(f(x, 0.3, gen(1)), f(x, 0.3, gen(2)))
    torch.manual_seed(5)
    a = f(x, 0.3)
    torch.manual_seed(5)
    assert torch.equal(a, f(x, 0.3))
    assert torch.equal(A.augment(x, kind, 0.3, gen(1)), f(x, 0.3, gen(1)))


@pytest.mark.parametrize("name", list(A.EVAL_TRANSFORMS))
def test_eval_transforms_are_reproducible(name):
    x = images(b=4, h=12, w=12)
    f = A.evaluation_transform(name)
    assert torch.equal(f(x, gen(1)), f(x, gen(1)))
    if name != "swap":
        assert not torch.equal(f(x, gen(1)), f(x, gen(2)))


ALL_TRANSFORMS = [
    lambda x: A.translate(x, 1.5, -0.5),
    lambda x: A.rotate(x, 30),
    lambda x: A.gaussian_noise(x, 0.1, gen()),
    lambda x: A.edge_noise(x, 0.1, generator=gen()),
    lambda x: A.edge_noise(x, 0.1, generator=gen(), pattern="code"),
    A.quadrant_swap,
    *[lambda x, f=f: f(x, 0.3, gen()) for f in SAMPLERS.values()],
    *[lambda x, f=f: f(x, gen()) for f in A.EVAL_TRANSFORMS.values()],
]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_dtype_and_device_preserved(dtype):
    x = images(h=12, w=12, dtype=dtype)
    for f in ALL_TRANSFORMS:
        y = f(x)
        assert y.dtype == dtype and y.device == x.device and y.shape == x.shape


def test_float32_and_float64_see_the_same_draws():
    x = images(h=12, w=12, dtype=torch.float64)
    for f in ALL_TRANSFORMS:
        torch.testing.assert_close(f(x.float()).double(), f(x), atol=1e-5, rtol=0)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_same_seed_same_output_on_gpu():
    x = images(h=12, w=12)
    for f in ALL_TRANSFORMS:
        torch.testing.assert_close(f(x.cuda()).cpu(), f(x), atol=1e-5, rtol=0)


def test_random_translate_shifts_within_level():
    level, size = 0.25, 41
    x = dot_image(64, size)
    y = A.random_translate(x, level, gen(0))
    shift = centroid(y) - centroid(x)  # bilinear keeps the centre of mass of an interior dot
    assert (shift.abs() <= level * size + 1e-9).all()
    assert (shift > 0.5 * level * size).any() and (shift < -0.5 * level * size).any()
    assert not torch.allclose(shift[:, 0].abs(), shift[:, 1].abs())  # axes drawn independently


def blob_angles(y: torch.Tensor) -> torch.Tensor:
    """Angle (degrees, counter-clockwise as displayed) of the blob of `blob_image` in each image."""
    c = centroid(y) - 15.0  # (B, 2) offsets from the centre (15, 15)
    return torch.rad2deg(torch.atan2(-c[:, 0], c[:, 1]))  # rows grow downward


def blob_image(b: int) -> torch.Tensor:
    """A smooth blob 8 px right of the centre of a 31 x 31 image (angle 0)."""
    rows = torch.arange(31, dtype=torch.float64).view(31, 1)
    cols = torch.arange(31, dtype=torch.float64).view(1, 31)
    blob = torch.exp(-((rows - 15) ** 2 + (cols - 23) ** 2) / (2 * 1.5**2))
    return blob.expand(b, 1, 31, 31).clone()


def test_blob_angle_measures_rotation():
    x = blob_image(4)
    angles = torch.tensor([30.0, -45.0, 120.0, -170.0], dtype=torch.float64)
    torch.testing.assert_close(blob_angles(A.rotate(x, angles)), angles, atol=0.2, rtol=0)


@pytest.mark.parametrize("level,limit", [(0.1, 36), (0.5, 180)])
def test_random_rotate_angles_within_level(level, limit):
    angles = blob_angles(A.random_rotate(blob_image(64), level, gen(0)))
    assert (angles.abs() <= limit + 0.2).all()
    assert (angles > 0.5 * limit).any() and (angles < -0.5 * limit).any()


def test_eval_rotation_within_45_degrees():
    angles = blob_angles(A.EVAL_TRANSFORMS["rotation"](blob_image(64), gen(0)))
    assert (angles.abs() <= 45.2).all() and (angles > 30).any() and (angles < -30).any()


def test_eval_translation_within_quarter():
    x = dot_image(32, 41)
    shift = centroid(A.evaluation_transform("translation")(x, gen(0))) - centroid(x)
    assert (shift.abs() <= 0.25 * 41 + 1e-9).all() and shift.abs().max() > 5


def test_random_noise_levels():
    x = torch.zeros(8, 1, 28, 28, dtype=torch.float64)
    assert abs(A.random_gaussian_noise(x, 0.3, gen()).std().item() - 0.3) < 0.02
    y = A.random_edge_noise(x, 0.3, gen())
    assert (y[..., 5:-5, 5:-5] == 0).all()
    frame = y[y != 0]
    assert abs(frame.std().item() - 0.3) < 0.02 and frame.numel() == 8 * (28 * 28 - 18 * 18)
    y = A.random_edge_noise(torch.zeros(16, 1, 28, 28), 0.3, gen(), pattern="code")
    assert (y[5:11, :, 5:-5] == 0).all() and (y[:5] != 0).all()


def test_eval_transforms_match_their_definitions():
    x = images(b=4, h=12, w=12)
    assert set(A.EVAL_TRANSFORMS) == {"translation", "noise", "rotation", "edge_noise", "swap"}
    assert (A.EVAL_TRANSLATION, A.EVAL_NOISE_SIGMA, A.EVAL_ROTATION_DEGREES) == (0.25, 0.15, 45)
    assert A.EVAL_EDGE_NOISE_SIGMA == 0.15 and A.EDGE_BORDER == 5
    assert torch.equal(A.EVAL_TRANSFORMS["noise"](x, gen()), A.gaussian_noise(x, 0.15, gen()))
    assert torch.equal(A.EVAL_TRANSFORMS["edge_noise"](x, gen()), A.edge_noise(x, 0.15, 5, gen()))
    assert torch.equal(A.EVAL_TRANSFORMS["swap"](x, None), A.quadrant_swap(x))
    with pytest.raises(ValueError, match="'translation'.*'edge_noise'.*'swap'"):
        A.evaluation_transform("edge-noise")


# ---------------------------------------------------------------------------- validation


@pytest.mark.parametrize("kind", ["blur", "Translation", None, 3])
def test_augment_rejects_bad_kinds(kind):
    with pytest.raises(
        ValueError, match="'none', 'translation', 'noise', 'edge-noise', 'rotation'"
    ):
        A.augment(images(), kind, 0.1)


@pytest.mark.parametrize("level", [-0.1, 1.0, 1.5, float("nan"), "0.1", None, True])
def test_augment_rejects_bad_levels(level):
    with pytest.raises(ValueError, match=r"0 <= level < 1"):
        A.augment(images(), "translation", level)


def test_bad_images_rejected():
    with pytest.raises(TypeError, match="floating point"):
        A.translate(torch.zeros(1, 1, 4, 4, dtype=torch.uint8), 1, 0)
    with pytest.raises(ValueError, match=r"\(B, C, H, W\)"):
        A.quadrant_swap(torch.zeros(4, 4))
    with pytest.raises(TypeError, match="torch.Tensor"):
        A.rotate(np.zeros((1, 1, 4, 4)), 10)
    with pytest.raises(TypeError, match="Generator"):
        A.gaussian_noise(images(), 0.1, generator=0)


def test_level_description():
    assert A.level_description("translation", 0.25, 28) == "±7.0 px"
    assert A.level_description("translation", 0.1, (32, 32)) == "±3.2 px"
    assert A.level_description("rotation", 0.1) == "±36°"
    assert A.level_description("rotation", 0.7) == "±251°"  # int() truncation, as in the code
    assert A.level_description("noise", 0.1) == "σ = 0.10"
    assert A.level_description("edge_noise", 0.99) == "σ = 0.99"
    assert A.level_description("edge-noise", 0.5) == "σ = 0.50"
    with pytest.raises(ValueError, match="size"):
        A.level_description("translation", 0.1)
    with pytest.raises(ValueError, match="'rotation'"):
        A.level_description("zoom", 0.1)


def test_rotation_level_matches_int_truncation():
    assert int(0.7 * 360) == 251 and math.isclose(0.7 * 360, 252)
