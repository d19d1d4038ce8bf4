"""Batched image augmentations of the paper: translation, (edge) noise, rotation, quadrant swap.

The paper trains on translated images (§4) and, in Appendix B, on noisy, edge-noisy and rotated
ones; every epoch it also scores each model on five transformed copies of the held-out fold
(protocol §5.6). Each transform exists here twice:

- a **deterministic** function with explicit parameters, for figures and widgets:
  `translate`, `rotate`, `gaussian_noise`, `edge_noise`, `quadrant_swap`;
- a **random sampler** ``(images, level, generator=None)`` with the paper's *level* semantics
  (protocol §5), for training: `random_translate`, `random_rotate`, `random_gaussian_noise`,
  `random_edge_noise`, gathered in `TRAIN_AUGMENTATIONS` and called through `augment`.

The evaluation transforms are in `EVAL_TRANSFORMS` (see `evaluation_transform`).

Conventions. Images are float ``(B, C, H, W)`` tensors on any device; every function returns a
tensor of the same dtype and device. Random numbers are drawn on the generator's device (on the
CPU with the global RNG when ``generator is None``) and then moved to the images' device, so one
seed gives the same augmentation whether the images live on the CPU or a GPU. (On a GPU, passing a
generator on that GPU avoids copying the noise to it, at the cost of that guarantee.)

>>> x = torch.zeros(2, 1, 28, 28)
>>> y = augment(x, "translation", 0.1, generator=torch.Generator().manual_seed(0))
>>> y.shape, y.dtype
(torch.Size([2, 1, 28, 28]), torch.float32)
"""

import math
import numbers
from collections.abc import Callable

import torch
from torch import Tensor

from lithm.config import EDGE_PATTERNS, ROTATION_CENTERS

__all__ = [
    "EDGE_BORDER",
    "EVAL_EDGE_NOISE_SIGMA",
    "EVAL_NOISE_SIGMA",
    "EVAL_ROTATION_DEGREES",
    "EVAL_TRANSFORMS",
    "EVAL_TRANSLATION",
    "TRAIN_AUGMENTATIONS",
    "augment",
    "edge_noise",
    "evaluation_transform",
    "evaluation_transforms",
    "gaussian_noise",
    "level_description",
    "quadrant_swap",
    "random_edge_noise",
    "random_gaussian_noise",
    "random_rotate",
    "random_translate",
    "rotate",
    "translate",
]

EDGE_BORDER = 5  # width in pixels of the edge-noise frame (paper B.1)
EVAL_TRANSLATION = 0.25  # per-epoch evaluation: shifts of up to ±25 % per axis (protocol §5.6)
EVAL_NOISE_SIGMA = 0.15  # per-epoch evaluation: Gaussian noise std
EVAL_ROTATION_DEGREES = 45  # per-epoch evaluation: angles uniform in ±45°
EVAL_EDGE_NOISE_SIGMA = 0.15  # per-epoch evaluation: edge-noise std (true 5-pixel frame)

NOISE_SCALES = ("std", "variance")
# EDGE_PATTERNS ("frame", "code") and ROTATION_CENTERS ("image", "keras") live in lithm.config,
# where a run's configuration checks them too.


# --------------------------------------------------------------------------------------------
# Argument checks and random draws
# --------------------------------------------------------------------------------------------


def _check_images(images) -> None:
    if not isinstance(images, Tensor):
        raise TypeError(
            f"images must be a torch.Tensor of shape (B, C, H, W), got {type(images).__name__}"
        )
    if images.ndim != 4:
        raise ValueError(f"images must have shape (B, C, H, W), got shape {tuple(images.shape)}")
    if not images.is_floating_point():
        raise TypeError(
            f"images must be floating point in [0, 1] (see lithm.data.to_float), got {images.dtype}"
        )


def _check_generator(generator) -> None:
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(
            f"generator must be a torch.Generator or None, got {type(generator).__name__}"
        )


def _check_choice(name: str, value, valid: tuple[str, ...]) -> None:
    if value not in valid:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, valid))}; got {value!r}")


def _real(name: str, value) -> float:
    """A finite Python float from a real number (bools rejected), or a clear error."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return value


def _non_negative(name: str, value) -> float:
    value = _real(name, value)
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    return value


def _coord_dtype(images: Tensor) -> torch.dtype:
    # Pixel coordinates need at least float32, even for half-precision images.
    return torch.float64 if images.dtype == torch.float64 else torch.float32


def _per_image(name: str, value, images: Tensor) -> Tensor:
    """A scalar or one-value-per-image parameter as a (B,) tensor of coordinates' dtype."""
    batch = images.shape[0]
    dtype = _coord_dtype(images)
    if isinstance(value, Tensor):
        if value.dtype == torch.bool or value.is_complex():
            raise TypeError(f"{name} must hold real numbers, got a tensor of {value.dtype}")
        if value.ndim > 1 or (value.ndim == 1 and value.numel() != batch):
            raise ValueError(
                f"{name} must be a number or a 1-D tensor with one value per image ({batch}), "
                f"got shape {tuple(value.shape)}"
            )
        out = value.detach().to(device=images.device, dtype=dtype).expand(batch)
        if not torch.isfinite(out).all():
            raise ValueError(f"{name} must be finite")
        return out
    return torch.full((batch,), _real(name, value), dtype=dtype, device=images.device)


def _draw(sampler, shape, generator, dtype, device) -> Tensor:
    """Draw ``sampler`` (torch.rand or torch.randn) on the generator's device, then move it.

    Why: a CPU generator then gives the same numbers whatever the images' device. Callers draw in
    float32 whatever the images' dtype, so float32 and float64 images see the same stream.
    """
    source = generator.device if generator is not None else torch.device("cpu")
    return sampler(shape, generator=generator, dtype=dtype, device=source).to(device)


def _symmetric_uniform(batch: int, rows: int, generator, images: Tensor) -> Tensor:
    """``rows`` independent draws per image, uniform in [-1, 1): shape (rows, B)."""
    u = _draw(torch.rand, (rows, batch), generator, torch.float32, images.device)
    return (2 * u - 1).to(_coord_dtype(images))


# --------------------------------------------------------------------------------------------
# Resampling (translation and rotation)
# --------------------------------------------------------------------------------------------


def _bilinear(images: Tensor, src_rows: Tensor, src_cols: Tensor) -> Tensor:
    """Sample ``images`` at real positions ``(src_rows, src_cols)``, each (B, H, W).

    Bilinear interpolation; positions outside the image take the nearest edge pixel (Keras
    ``fill_mode="nearest"``, protocol §5.1). Clamping the position to the image is exactly that
    fill: beyond the border the replicated image is constant along the clamped axis.
    Integer positions give the pixel itself, with no interpolation blur (the weights are 0 and 1).
    """
    b, c, h, w = images.shape
    src_rows = src_rows.clamp(0, h - 1)
    src_cols = src_cols.clamp(0, w - 1)
    r0, c0 = src_rows.floor(), src_cols.floor()
    wr = (src_rows - r0).to(images.dtype).unsqueeze(1)  # (B, H, W) -> (B, 1, H, W)
    wc = (src_cols - c0).to(images.dtype).unsqueeze(1)
    r0, c0 = r0.long(), c0.long()
    r1, c1 = (r0 + 1).clamp(max=h - 1), (c0 + 1).clamp(max=w - 1)
    flat = images.reshape(b, c, h * w)  # (B, C, H, W) -> (B, C, H*W)

    def at(rows: Tensor, cols: Tensor) -> Tensor:  # (B, H, W) integer positions -> (B, C, H, W)
        index = (rows * w + cols).reshape(b, 1, h * w).expand(b, c, h * w)
        return flat.gather(2, index).reshape(b, c, h, w)

    # (1 - t) * a + t * b rather than a + t * (b - a): exact at t = 0 and at t = 1.
    top = at(r0, c0) * (1 - wc) + at(r0, c1) * wc
    bottom = at(r1, c0) * (1 - wc) + at(r1, c1) * wc
    return top * (1 - wr) + bottom * wr


def _translate(images: Tensor, dx: Tensor, dy: Tensor) -> Tensor:
    """`translate` on checked input; dx, dy are (B,) tensors of the coordinates' dtype."""
    b, _, h, w = images.shape
    dtype, device = dx.dtype, images.device
    rows = torch.arange(h, dtype=dtype, device=device).view(1, h, 1)  # (1, H, 1)
    cols = torch.arange(w, dtype=dtype, device=device).view(1, 1, w)  # (1, 1, W)
    # Output pixel (r, c) shows input pixel (r - dy, c - dx): content moves by (+dy, +dx).
    src_rows = (rows - dy.view(b, 1, 1)).expand(b, h, w)  # (B, H, W)
    src_cols = (cols - dx.view(b, 1, 1)).expand(b, h, w)  # (B, H, W)
    return _bilinear(images, src_rows, src_cols)


def translate(images: Tensor, dx, dy) -> Tensor:
    """Shift images by ``dx`` pixels right and ``dy`` pixels down (paper §4, protocol §5.1).

    Shifts are continuous: bilinear interpolation, with edge pixels replicated outward into the
    vacated side (Keras ``fill_mode="nearest"``, as in the authors' ImageDataGenerator). Integer
    shifts move content exactly, with no blur. ``dx`` and ``dy`` are numbers or 1-D tensors with
    one value per image.

    >>> x = torch.zeros(1, 1, 3, 3)
    >>> x[0, 0, 1, 1] = 1.0
    >>> translate(x, dx=1, dy=0)[0, 0]
    tensor([[0., 0., 0.],
            [0., 0., 1.],
            [0., 0., 0.]])
    >>> translate(x, dx=0.5, dy=-1)[0, 0]
    tensor([[0.0000, 0.5000, 0.5000],
            [0.0000, 0.0000, 0.0000],
            [0.0000, 0.0000, 0.0000]])
    """
    _check_images(images)
    return _translate(images, _per_image("dx", dx, images), _per_image("dy", dy, images))


def _rotate(images: Tensor, degrees: Tensor, center: str) -> Tensor:
    """`rotate` on checked input; degrees is a (B,) tensor."""
    b, _, h, w = images.shape
    dtype, device = _coord_dtype(images), images.device
    # Trigonometry in float64 on the CPU, then snapped: cos 90° must be exactly 0 so that quarter
    # turns map the pixel grid onto itself (no blur, matches torch.rot90).
    rad = torch.deg2rad(degrees.detach().to("cpu", torch.float64).remainder(360))
    cos, sin = torch.cos(rad), torch.sin(rad)
    cos = torch.where(cos.abs() < 1e-12, torch.zeros_like(cos), cos)
    sin = torch.where(sin.abs() < 1e-12, torch.zeros_like(sin), sin)
    cos = cos.to(dtype).to(device).view(b, 1, 1)
    sin = sin.to(dtype).to(device).view(b, 1, 1)
    if center == "image":
        cy, cx = (h - 1) / 2, (w - 1) / 2  # the true centre of the pixel grid
    else:
        # Why: keras-preprocessing before late 2020 (the authors used 1.0.x with Keras 2.2)
        # rotated about (H/2 + 0.5, W/2 + 0.5), one pixel below and right of the centre; fixed
        # upstream in keras-team/keras-preprocessing pull request #314.
        cy, cx = h / 2 + 0.5, w / 2 + 0.5
    y = torch.arange(h, dtype=dtype, device=device).view(1, h, 1) - cy  # (1, H, 1), down > 0
    x = torch.arange(w, dtype=dtype, device=device).view(1, 1, w) - cx  # (1, 1, W), right > 0
    # Inverse map of a counter-clockwise turn as displayed (rows grow downward):
    # output (y, x) shows input (y cos + x sin, x cos - y sin).
    src_rows = cy + y * cos + x * sin  # (B, H, W)
    src_cols = cx + x * cos - y * sin  # (B, H, W)
    return _bilinear(images, src_rows, src_cols)


def rotate(images: Tensor, degrees, *, center: str = "image") -> Tensor:
    """Rotate images counter-clockwise (as displayed) by ``degrees`` (paper B.4, protocol §5.4).

    Bilinear interpolation, edge pixels replicated (Keras ``fill_mode="nearest"``). ``degrees`` is
    a number or a 1-D tensor with one angle per image; negative angles turn clockwise (the
    paper's Fig. B.4 illustration turns clockwise; training draws both directions).
    ``center="image"`` (default) turns about the centre of the pixel grid, ((H-1)/2, (W-1)/2),
    so 90° equals ``torch.rot90``; ``center="keras"`` reproduces the off-by-one centre
    (H/2 + 0.5, W/2 + 0.5) of the keras-preprocessing version the authors used.

    >>> x = torch.tensor([[[[0.0, 1.0], [2.0, 3.0]]]])
    >>> rotate(x, 90)[0, 0]
    tensor([[1., 3.],
            [0., 2.]])
    """
    _check_images(images)
    _check_choice("center", center, ROTATION_CENTERS)
    return _rotate(images, _per_image("degrees", degrees, images), center)


# --------------------------------------------------------------------------------------------
# Noise and quadrant swap
# --------------------------------------------------------------------------------------------


def _noise_std(sigma, scale: str) -> float:
    _check_choice("scale", scale, NOISE_SCALES)
    sigma = _non_negative("sigma", sigma)
    return sigma if scale == "std" else math.sqrt(sigma)


def gaussian_noise(images: Tensor, sigma, generator=None, *, scale: str = "std") -> Tensor:
    """Add Gaussian noise N(0, σ²) to every pixel, without clipping (paper B.2, protocol §5.2).

    ``sigma`` is a standard deviation, as in the authors' code (``scale="std"``, the default).
    The paper's captions and tables call the level a "variance" (protocol §10.3);
    ``scale="variance"`` reads ``sigma`` as σ² instead. The result is not clipped to [0, 1], as in
    the code.

    >>> x = torch.full((1, 1, 2, 2), 0.5)
    >>> y = gaussian_noise(x, 0.1, generator=torch.Generator().manual_seed(0))
    >>> bool((y != x).all()), bool(torch.equal(gaussian_noise(x, 0.0), x))
    (True, True)
    """
    _check_images(images)
    _check_generator(generator)
    std = _noise_std(sigma, scale)
    noise = _draw(torch.randn, images.shape, generator, torch.float32, images.device)
    return images + std * noise.to(images.dtype)  # (B, C, H, W)


def _edge_mask(shape: torch.Size, border: int, pattern: str, device) -> Tensor:
    """Boolean mask of the noisy pixels, broadcastable to (B, C, H, W)."""
    b, _, h, w = shape
    if pattern == "frame":
        rows = torch.arange(h, device=device)
        cols = torch.arange(w, device=device)
        inner_rows = (rows >= border) & (rows < h - border)  # (H,)
        inner_cols = (cols >= border) & (cols < w - border)  # (W,)
        return ~(inner_rows.view(h, 1) & inner_cols.view(1, w)).view(1, 1, h, w)
    # Why: the authors zero noise[border:-border, border:-border] on a (B, H, W, C) array, which
    # indexes (batch, rows) instead of (rows, columns) (protocol §5.3). Using the same Python slice
    # on a (B, H) mask reproduces it exactly, edge cases included (e.g. B <= 10: all noisy).
    noisy = torch.ones(b, h, dtype=torch.bool)
    noisy[border:-border, border:-border] = False
    return noisy.view(b, 1, h, 1).to(device)


def edge_noise(
    images: Tensor,
    sigma,
    border: int = EDGE_BORDER,
    generator=None,
    *,
    pattern: str = "frame",
    scale: str = "std",
) -> Tensor:
    """Add Gaussian noise N(0, σ²) only on the image's periphery (paper B.1, protocol §5.3).

    ``pattern="frame"`` (default) is the paper's design: noise on the ``border``-pixel frame of
    every image, the interior untouched. ``pattern="code"`` reproduces, for faithfulness studies
    only, the batch-indexing bug of the authors' code: batch items ``border .. B-border-1`` get
    noise only on their top and bottom ``border`` rows (full width), and the first and last
    ``border`` items of the batch get noise over the whole image. ``sigma`` and ``scale`` as in
    `gaussian_noise`; no clipping. Both patterns draw the same noise for the same generator state.

    >>> x = torch.zeros(1, 1, 12, 12)
    >>> y = edge_noise(x, 0.5, generator=torch.Generator().manual_seed(0))
    >>> bool((y[0, 0, 5:7, 5:7] == 0).all()), bool((y[0, 0, :5] != 0).all())
    (True, True)
    """
    _check_images(images)
    _check_generator(generator)
    _check_choice("pattern", pattern, EDGE_PATTERNS)
    if isinstance(border, bool) or not isinstance(border, numbers.Integral) or border < 0:
        raise ValueError(f"border must be an integer >= 0 (pixels), got {border!r}")
    std = _noise_std(sigma, scale)
    noise = _draw(torch.randn, images.shape, generator, torch.float32, images.device)
    mask = _edge_mask(images.shape, int(border), pattern, images.device)
    return torch.where(mask, images + std * noise.to(images.dtype), images)  # (B, C, H, W)


def quadrant_swap(images: Tensor) -> Tensor:
    """Exchange quadrants I and III of every image; II and IV stay (paper B.3, protocol §5.5).

    With h = H // 2, the top-right block (rows 0..h-1, columns W-h..W-1) and the bottom-left
    block (rows H-h..H-1, columns 0..h-1) trade places. For odd sizes the middle row and column
    belong to neither block. The swap is its own inverse.

    >>> x = torch.arange(16.0).view(1, 1, 4, 4)
    >>> quadrant_swap(x)[0, 0]
    tensor([[ 0.,  1.,  8.,  9.],
            [ 4.,  5., 12., 13.],
            [ 2.,  3., 10., 11.],
            [ 6.,  7., 14., 15.]])
    """
    _check_images(images)
    _, _, h_img, w_img = images.shape
    h = h_img // 2
    if h > w_img:
        raise ValueError(f"quadrant swap needs H // 2 <= W, got shape {tuple(images.shape)}")
    out = images.clone()
    out[..., :h, w_img - h :] = images[..., h_img - h :, :h]  # quadrant I <- III
    out[..., h_img - h :, :h] = images[..., :h, w_img - h :]  # quadrant III <- I
    return out


# --------------------------------------------------------------------------------------------
# Random samplers with the paper's level semantics (training)
# --------------------------------------------------------------------------------------------


def _level(level) -> float:
    return _non_negative("level", level)


def random_translate(images: Tensor, level, generator=None) -> Tensor:
    """Shift each image by a random amount of up to ±level of its size per axis (protocol §5.1).

    As Keras ``ImageDataGenerator(width_shift_range=level, height_shift_range=level)``:
    dx ~ U(-level·W, level·W) and dy ~ U(-level·H, level·H), drawn independently per image and
    per axis, continuous, bilinear, edges replicated. Level 0 returns ``images`` itself (same
    tensor, nothing drawn).

    >>> x = torch.rand(4, 1, 28, 28)
    >>> random_translate(x, 0.25, torch.Generator().manual_seed(0)).shape
    torch.Size([4, 1, 28, 28])
    """
    _check_images(images)
    _check_generator(generator)
    level = _level(level)
    if level == 0:
        return images
    b, _, h, w = images.shape
    u = _symmetric_uniform(b, 2, generator, images)  # (2, B) in [-1, 1)
    return _translate(images, dx=u[0] * (level * w), dy=u[1] * (level * h))


def _random_rotate(images: Tensor, max_degrees: float, generator, center: str) -> Tensor:
    """Rotate each image by an angle uniform in ±max_degrees (checked input)."""
    u = _symmetric_uniform(images.shape[0], 1, generator, images)[0]  # (B,) in [-1, 1)
    return _rotate(images, u * max_degrees, center)


def random_rotate(images: Tensor, level, generator=None, *, center: str = "image") -> Tensor:
    """Rotate each image by a random angle in ±int(level·360) degrees (paper B.4, protocol §5.4).

    As Keras ``ImageDataGenerator(rotation_range=int(level * 360))`` in the authors' code: angles
    uniform in both directions, bilinear, edges replicated. The ``int`` truncation is kept, so
    level 0.7 gives ±251°, not ±252° (0.7 * 360 is 251.99999999999997 in floating point).
    ``center`` as in `rotate`. Level 0 (or any level below 1/360) returns ``images`` itself.

    >>> x = torch.rand(4, 1, 28, 28)
    >>> random_rotate(x, 0.1, torch.Generator().manual_seed(0)).shape
    torch.Size([4, 1, 28, 28])
    """
    _check_images(images)
    _check_generator(generator)
    _check_choice("center", center, ROTATION_CENTERS)
    max_degrees = int(_level(level) * 360)
    if max_degrees == 0:
        return images
    return _random_rotate(images, max_degrees, generator, center)


def random_gaussian_noise(images: Tensor, level, generator=None) -> Tensor:
    """Add Gaussian noise of standard deviation σ = level (paper B.2, protocol §5.2).

    Level 0 returns ``images`` itself (same tensor, nothing drawn).

    >>> x = torch.zeros(2, 1, 4, 4)
    >>> random_gaussian_noise(x, 0.0) is x
    True
    """
    _check_images(images)
    level = _level(level)
    if level == 0:
        return images
    return gaussian_noise(images, level, generator)


def random_edge_noise(images: Tensor, level, generator=None, *, pattern: str = "frame") -> Tensor:
    """Add Gaussian noise of std σ = level on the 5-pixel frame (paper B.1, protocol §5.3).

    ``pattern`` as in `edge_noise` (``"code"`` reproduces the authors' bug). Level 0 returns
    ``images`` itself (same tensor, nothing drawn).

    >>> x = torch.zeros(2, 1, 28, 28)
    >>> y = random_edge_noise(x, 0.5, torch.Generator().manual_seed(0))
    >>> bool((y[:, :, 5:-5, 5:-5] == 0).all())
    True
    """
    _check_images(images)
    _check_choice("pattern", pattern, EDGE_PATTERNS)
    level = _level(level)
    if level == 0:
        return images
    return edge_noise(images, level, EDGE_BORDER, generator, pattern=pattern)


def _no_augmentation(images: Tensor, level, generator=None) -> Tensor:
    """Return ``images`` itself: the un-augmented baseline."""
    _check_images(images)
    return images


TRAIN_AUGMENTATIONS: dict[str, Callable[..., Tensor]] = {
    "none": _no_augmentation,
    "translation": random_translate,
    "noise": random_gaussian_noise,
    "edge-noise": random_edge_noise,
    "rotation": random_rotate,
}


def augment(
    images: Tensor,
    kind: str,
    level,
    generator=None,
    *,
    edge_pattern: str = "frame",
    rotation_center: str = "image",
) -> Tensor:
    """Apply the training augmentation ``kind`` at the paper's ``level`` (protocol §5).

    ``kind`` is a key of `TRAIN_AUGMENTATIONS` ("none", "translation", "noise", "edge-noise",
    "rotation"); ``level`` is the augmentation fraction in [0, 1) (the paper uses 0, 0.1, …, 0.9,
    0.99). Level 0 and kind "none" return ``images`` itself (same tensor, nothing drawn).
    ``edge_pattern`` ("frame" or the authors' "code") reaches edge noise and ``rotation_center``
    ("image" or "keras") reaches rotation; the other kinds ignore them.

    >>> x = torch.zeros(2, 1, 28, 28)
    >>> augment(x, "none", 0.0) is x
    True
    >>> augment(x, "blur", 0.1)
    Traceback (most recent call last):
    ...
    ValueError: unknown augmentation kind 'blur'; valid kinds: 'none', 'translation', 'noise', \
'edge-noise', 'rotation'
    """
    if not isinstance(kind, str) or kind not in TRAIN_AUGMENTATIONS:
        valid = ", ".join(map(repr, TRAIN_AUGMENTATIONS))
        raise ValueError(f"unknown augmentation kind {kind!r}; valid kinds: {valid}")
    if isinstance(level, bool) or not isinstance(level, numbers.Real) or not 0 <= level < 1:
        raise ValueError(
            f"augmentation level must be a fraction with 0 <= level < 1 "
            f"(the paper uses 0, 0.1, ..., 0.9, 0.99), got {level!r}"
        )
    if kind == "edge-noise":
        return random_edge_noise(images, level, generator, pattern=edge_pattern)
    if kind == "rotation":
        return random_rotate(images, level, generator, center=rotation_center)
    return TRAIN_AUGMENTATIONS[kind](images, level, generator)


# --------------------------------------------------------------------------------------------
# Per-epoch evaluation transforms (protocol §5.6)
# --------------------------------------------------------------------------------------------


def _eval_translation(images: Tensor, generator=None) -> Tensor:
    """Random shifts of up to ±25 % of the size per axis, redrawn at every call."""
    return random_translate(images, EVAL_TRANSLATION, generator)


def _eval_noise(images: Tensor, generator=None) -> Tensor:
    """Gaussian noise of std 0.15 on every pixel."""
    return gaussian_noise(images, EVAL_NOISE_SIGMA, generator)


def _eval_rotation(images: Tensor, generator=None) -> Tensor:
    """Random rotations uniform in ±45°."""
    _check_images(images)
    _check_generator(generator)
    return _random_rotate(images, EVAL_ROTATION_DEGREES, generator, "image")


def _eval_edge_noise(images: Tensor, generator=None) -> Tensor:
    """Gaussian noise of std 0.15 on the true 5-pixel frame."""
    # Why the true frame: the authors' evaluation set carried the §5.3 batch-indexing bug
    # (protocol §5.6); we score what the paper describes (B.1). edge_noise(..., pattern="code")
    # reproduces the original.
    return edge_noise(images, EVAL_EDGE_NOISE_SIGMA, EDGE_BORDER, generator)


def _eval_swap(images: Tensor, generator=None) -> Tensor:
    """Quadrant I <-> III swap (deterministic; the generator is ignored)."""
    return quadrant_swap(images)


EVAL_TRANSFORMS: dict[str, Callable[..., Tensor]] = {
    "translation": _eval_translation,
    "noise": _eval_noise,
    "rotation": _eval_rotation,
    "edge_noise": _eval_edge_noise,
    "swap": _eval_swap,
}


def evaluation_transforms(
    edge_pattern: str = "frame", rotation_center: str = "image"
) -> dict[str, Callable[..., Tensor]]:
    """The five per-epoch evaluation transforms, with the edge-noise pattern and rotation centre
    of a run (protocol §5.6): the defaults are `EVAL_TRANSFORMS`; ``("code", "keras")`` is what the
    authors' code scored.

    >>> sorted(evaluation_transforms("code", "keras"))
    ['edge_noise', 'noise', 'rotation', 'swap', 'translation']
    """
    _check_choice("pattern", edge_pattern, EDGE_PATTERNS)
    _check_choice("center", rotation_center, ROTATION_CENTERS)
    out = dict(EVAL_TRANSFORMS)
    if edge_pattern != "frame":

        def _edge(images: Tensor, generator=None) -> Tensor:
            return edge_noise(
                images, EVAL_EDGE_NOISE_SIGMA, EDGE_BORDER, generator, pattern=edge_pattern
            )

        out["edge_noise"] = _edge
    if rotation_center != "image":

        def _rotation(images: Tensor, generator=None) -> Tensor:
            _check_images(images)
            _check_generator(generator)
            return _random_rotate(images, EVAL_ROTATION_DEGREES, generator, rotation_center)

        out["rotation"] = _rotation
    return out


def evaluation_transform(name: str) -> Callable[..., Tensor]:
    """The per-epoch evaluation transform ``name``: ``f(images, generator=None)`` (protocol §5.6).

    The authors scored every model after every epoch on five transformed copies of the held-out
    fold, the random ones redrawn each epoch: "translation" (±25 %), "noise" (σ 0.15), "rotation"
    (±45°), "edge_noise" (σ 0.15 on the 5-pixel frame) and "swap" (quadrants I <-> III).

    >>> f = evaluation_transform("swap")
    >>> f(torch.zeros(1, 1, 4, 4), None).shape
    torch.Size([1, 1, 4, 4])
    """
    if not isinstance(name, str) or name not in EVAL_TRANSFORMS:
        valid = ", ".join(map(repr, EVAL_TRANSFORMS))
        raise ValueError(f"unknown evaluation transform {name!r}; valid names: {valid}")
    return EVAL_TRANSFORMS[name]


# --------------------------------------------------------------------------------------------
# Labels for figures and widgets
# --------------------------------------------------------------------------------------------


def level_description(kind: str, level, size: int | tuple[int, int] | None = None) -> str:
    """A short human label of what ``level`` means for ``kind``, for figure titles (protocol §5).

    ``size`` (image side, or ``(H, W)``) is needed for "translation" only. Both spellings
    "edge-noise" and "edge_noise" are accepted, and "swap" for the quadrant swap.

    >>> level_description("translation", 0.25, 28)
    '±7.0 px'
    >>> level_description("rotation", 0.1), level_description("noise", 0.1)
    ('±36°', 'σ = 0.10')
    """
    level = _level(level)
    kind = kind.replace("_", "-") if isinstance(kind, str) else kind
    if kind == "translation":
        if size is None:
            raise ValueError("level_description('translation', ...) needs the image size")
        h, w = (size, size) if isinstance(size, numbers.Integral) else tuple(size)
        if h == w:
            return f"±{level * w:.1f} px"
        return f"±{level * w:.1f} px across, ±{level * h:.1f} px down"
    if kind == "rotation":
        return f"±{int(level * 360)}°"
    if kind in ("noise", "edge-noise"):
        return f"σ = {level:.2f}"
    if kind == "none":
        return "no augmentation"
    if kind == "swap":
        return "quadrants I ↔ III"
    valid = ", ".join(map(repr, [*TRAIN_AUGMENTATIONS, "swap"]))
    raise ValueError(f"unknown augmentation kind {kind!r}; valid kinds: {valid}")
