"""Free convolution: a locally connected layer with an independent kernel at every position.

The paper's FCN replaces each convolution with a *free convolution* (paper §3, Fig. 1): the same
receptive fields as a convolution, but no weight sharing between positions. The authors used Keras'
``LocallyConnected2D`` (protocol §4.2). Here the layer is written from scratch as

1. patches: a strided view of the input, copied once into a ``(P, B, K)`` matrix stack
   (P = out_h·out_w positions, K = kh·kw·in_channels patch length), then
2. one batched matrix product over positions, ``(P, B, K) @ (P, K, F) -> (P, B, F)``.

There is no Python loop over positions and no broadcast-multiply-and-sum: the latter builds a
``(B, P, K, F)`` intermediate: for the paper's CIFAR layer 2 at batch 128 that is
128·25·1,600·128 float32 numbers, 2.4 GiB.

Speed notes (measured with ``benchmarks/step_time.py``): the output stays position-major in
memory, ``(P, B, F)``, and is returned as a permuted view; patches are flattened in
``(y, x, c)`` order so that copying them reads runs of contiguous channels; and the gradient of the
patch copy is accumulated by ``kh·kw`` strided additions in that same position-major layout,
which is several times faster than autograd's generic ``unfold`` backward.

Variable connection patterns (paper §4.2 and Appendix C, protocol §8) are a fixed binary mask on the
weights; :func:`connection_mask` builds it.
"""

from __future__ import annotations

import math
import weakref

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["FreeConv2d", "connection_mask"]

BIAS_MODES = ("untied", "tied", None)
INIT_MODES = ("keras", "conv")
CONNECTION_MODES = (None, "synapse", "input")


def _pair(value, name: str) -> tuple[int, int]:
    """Return ``value`` as a pair of non-negative ints (an int or a pair of ints is accepted)."""
    if isinstance(value, bool):
        raise TypeError(f"{name} must be an int or a pair of ints, got {value!r}")
    if isinstance(value, int):
        pair = (value, value)
    elif isinstance(value, (tuple, list)) and len(value) == 2:
        pair = tuple(value)
    else:
        raise TypeError(f"{name} must be an int or a pair of ints, got {value!r}")
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in pair):
        raise TypeError(f"{name} must be an int or a pair of ints, got {value!r}")
    if any(v < 0 for v in pair):
        raise ValueError(f"{name} must be non-negative, got {value!r}")
    return pair  # type: ignore[return-value]


def _output_size(input_size, kernel_size, stride, padding) -> tuple[int, int]:
    """Output grid (out_h, out_w) of a 'valid' sliding window after zero padding."""
    out = tuple(
        (i + 2 * p - k) // s + 1
        for i, k, s, p in zip(input_size, kernel_size, stride, padding, strict=True)
    )
    if min(out) < 1:
        raise ValueError(
            f"kernel_size {kernel_size} does not fit input_size {input_size} "
            f"with padding {padding}: output size would be {out}"
        )
    return out  # type: ignore[return-value]


_MASK_SEED_SALT = 0x6C6974686D  # "lithm": separates mask streams from weight streams


def connection_mask(
    mode: str,
    prob: float,
    seed: int = 0,
    *,
    in_channels: int,
    out_channels: int,
    input_size,
    kernel_size,
    stride=1,
    padding=0,
) -> torch.Tensor:
    """Draw a fixed binary connection pattern for a free convolution (paper App. C, protocol §8).

    Returns a bool tensor of shape ``(P, K, F)`` (the layout of :attr:`FreeConv2d.weight`) that is
    ``True`` where the weight exists. It is drawn on the CPU from its own ``torch.Generator``
    seeded with ``seed``, so the same arguments always give the same mask.

    Two modes, because the paper and the authors' code disagree (protocol §8, §10.6):

    - ``"synapse"`` (the paper, Fig. 1): every weight of every position's kernel is absent
      independently with probability ``prob``.
    - ``"input"`` (the authors' code): every input unit ``(c, y, x)`` of the layer input is absent
      with probability ``prob``, for every kernel and filter that sees it. The input mask is
      expanded through the patch pattern into a weight mask, so both modes share one mechanism.
      Why a weight mask rather than masking the input as the code does: the outputs are identical,
      and absent weights become exactly zero in both modes (the code left them at their initial
      values, unused).

    >>> m = connection_mask("synapse", 0.5, seed=1, in_channels=1, out_channels=4,
    ...                     input_size=5, kernel_size=3)
    >>> m.shape, m.dtype
    (torch.Size([9, 9, 4]), torch.bool)
    >>> bool((m == connection_mask("synapse", 0.5, seed=1, in_channels=1, out_channels=4,
    ...                            input_size=5, kernel_size=3)).all())
    True
    """
    if mode not in ("synapse", "input"):
        raise ValueError(f"connection mode must be 'synapse' or 'input', got {mode!r}")
    if not 0.0 <= float(prob) < 1.0:
        raise ValueError(f"connection probability must be in [0, 1), got {prob!r}")
    kh, kw = _pair(kernel_size, "kernel_size")
    sh, sw = _pair(stride, "stride")
    ph, pw = _pair(padding, "padding")
    height, width = _pair(input_size, "input_size")
    oh, ow = _output_size((height, width), (kh, kw), (sh, sw), (ph, pw))
    P, K, F_ = oh * ow, in_channels * kh * kw, out_channels
    # why the mixing: a plain manual_seed(seed) would replay the stream that torch.manual_seed(seed)
    # gives the weights, so a mask drawn with the weights' seed would keep exactly the largest ones.
    generator = torch.Generator(device="cpu").manual_seed(_MASK_SEED_SALT ^ int(seed))
    if mode == "synapse":
        return torch.rand((P, K, F_), generator=generator) >= prob
    # "input": one keep/drop draw per input unit, shared by every kernel that covers it.
    units = torch.rand((in_channels, height, width), generator=generator) >= prob
    # Padding cells carry no input; mark them present (their input is zero anyway).
    units = F.pad(units.float(), (pw, pw, ph, ph), value=1.0)
    # The patch pattern of the forward pass: (C, H, W) -> (C, oh, ow, kh, kw)
    # -> (oh, ow, kh, kw, C) -> (P, K)
    per_patch = units.unfold(1, kh, sh).unfold(2, kw, sw).permute(1, 2, 3, 4, 0).reshape(P, K)
    # (P, K) -> (P, K, F): every filter at a position sees the same absent inputs
    return (per_patch > 0.5).unsqueeze(-1).expand(P, K, F_).contiguous()


class _Patches(torch.autograd.Function):
    """Copy every ``kh×kw`` patch of ``x`` into a ``(P, B, K)`` stack, K in ``(y, x, c)`` order.

    A custom backward because autograd's ``unfold`` backward is slow here; ours adds the patch
    gradients back with one strided addition per kernel offset (kh·kw of them, not one per
    position) into a position-major ``(H, W, B, C)`` buffer, the layout the previous free
    convolution produced, so no transposing copy follows.
    """

    @staticmethod
    def forward(ctx, x, kernel_size, stride, output_size):
        B, C, H, W = x.shape
        kh, kw = kernel_size
        sh, sw = stride
        oh, ow = output_size
        # Strided view, no copy: (B, C, H, W) -> (B, C, oh, ow, kh, kw) -> (oh, ow, B, kh, kw, C)
        view = x.unfold(2, kh, sh).unfold(3, kw, sw).permute(2, 3, 0, 4, 5, 1)
        # The one im2col copy: -> (P, B, K)
        cols = x.new_empty(oh * ow, B, kh * kw * C)
        cols.view(oh, ow, B, kh, kw, C).copy_(view)
        ctx.shape = (B, C, H, W)
        ctx.geometry = (kernel_size, stride, output_size)
        return cols

    @staticmethod
    def backward(ctx, grad_cols):
        if not ctx.needs_input_grad[0]:
            return None, None, None, None
        B, C, H, W = ctx.shape
        (kh, kw), (sh, sw), (oh, ow) = ctx.geometry
        # (P, B, K) -> (oh, ow, B, kh, kw, C)
        grad = grad_cols.reshape(oh, ow, B, kh, kw, C)
        grad_x = grad_cols.new_zeros(H, W, B, C)  # position-major
        for u in range(kh):  # a loop over kernel offsets, not over positions
            rows = slice(u, u + sh * (oh - 1) + 1, sh)  # input rows that saw kernel row u
            for v in range(kw):
                columns = slice(v, v + sw * (ow - 1) + 1, sw)
                grad_x[rows, columns] += grad[:, :, :, u, v]  # (oh, ow, B, C)
        # (H, W, B, C) -> (B, C, H, W), a view
        return grad_x.permute(2, 3, 0, 1), None, None, None


def _zero_absent_grad(layer: nn.Module):
    """A post-accumulate-grad hook that zeroes the gradient of ``layer``'s absent weights."""
    ref = weakref.ref(layer)  # the hook lives on the weight; no module <-> weight cycle

    def hook(weight: torch.Tensor) -> None:
        module = ref()
        if module is not None and module.mask is not None and weight.grad is not None:
            weight.grad.mul_(module.mask)  # in place: no (P, K, F) temporary per step

    return hook


def _zero_absent_weights(module: nn.Module, incompatible_keys) -> None:
    """A load-state-dict post hook: weights loaded into a masked layer keep absent ones at zero."""
    with torch.no_grad():
        module.weight.mul_(module.mask)


class FreeConv2d(nn.Module):
    """A free convolution: a convolution whose kernel is different at every output position.

    Implements the paper's free convolutional layer (paper §3, Fig. 1), which the authors built with
    Keras ``LocallyConnected2D`` (protocol §4.2). Arguments follow :class:`torch.nn.Conv2d`
    (``kernel_size``, ``stride``, ``padding``: an int or a pair); ``input_size`` (int or
    ``(H, W)``) is needed because every position has its own parameters.

    Parameters (P = out_h·out_w positions, K = kh·kw·in_channels, F = out_channels):

    - ``weight``: shape ``(P, K, F)``: position-major (row-major over the output grid), each
      patch flattened in ``(y, x, c)`` order. This is exactly Keras' implementation-1
      ``LocallyConnected2D`` kernel (protocol §4.2) and the layout of the batched matrix product.
      :meth:`kernels` gives a ``nn.Conv2d``-like view.
    - ``bias``: ``"untied"`` (default; one bias per position and filter, as in Keras and the paper,
      protocol §4.2), shape ``(F, out_h, out_w)``; ``"tied"``, one per filter, shape ``(F,)``; or
      ``None``. Biases start at zero (Keras default, protocol §3).

    Initialisation (protocol §4.4), Glorot-uniform ``U(-limit, limit)`` with one of two fan rules:

    - ``init="keras"`` (default): Keras' fans for the ``(P, K, F)`` kernel, which treat it as
      conv-like with receptive field P: ``limit = sqrt(6 / ((K + F) · P))``. This reproduces the
      authors' networks (e.g. 0.0294 for MNIST layer 1).
    - ``init="conv"``: the fans of the matching convolution,
      ``limit = sqrt(6 / (kh·kw·in_channels + kh·kw·out_channels))`` (0.142 for MNIST layer 1).
      A deliberate departure, for experiments where the FCN should start at the CNN's scale.

    Variable connection patterns (paper §4.2, App. C, protocol §8): ``connection_mode``
    ``"synapse"`` (the paper) or ``"input"`` (the authors' code), ``connection_prob`` in ``[0, 1)``
    and ``mask_seed``; see :func:`connection_mask`. The mask is a buffer (``self.mask``, bool
    ``(P, K, F)``), so it travels with ``state_dict`` and ``.to(device)``. Absent weights are zeroed
    at initialisation and on ``load_state_dict``, and a hook zeroes their gradient whenever
    ``backward`` accumulates it into ``weight.grad``, so they are exactly zero in training and
    evaluation and an optimiser whose step is zero for a zero gradient (SGD, momentum, Adam,
    weight decay) never moves them. Writing to ``weight`` by hand, or taking gradients with
    ``torch.autograd.grad`` instead of ``backward``, bypasses this: use :meth:`masked_weight`
    there.

    The output is ``(B, F, out_h, out_w)``. Why it is not contiguous: the product leaves its
    result position-major, ``(P, B, F)``, and the output is a permuted *view* of it; the next free
    convolution reads that layout without an extra copy. Call ``.contiguous()`` if you need it.

    >>> layer = FreeConv2d(1, 4, 3, stride=2, input_size=28)
    >>> layer.output_size, tuple(layer.weight.shape), tuple(layer.bias.shape)
    ((13, 13), (169, 9, 4), (4, 13, 13))
    >>> layer(torch.zeros(2, 1, 28, 28)).shape
    torch.Size([2, 4, 13, 13])
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size,
        stride=1,
        padding=0,
        *,
        input_size,
        bias: str | None = "untied",
        init: str = "keras",
        connection_mode: str | None = None,
        connection_prob: float = 0.0,
        mask_seed: int = 0,
        device=None,
        dtype=None,
    ) -> None:
        super().__init__()
        for name, value in (("in_channels", in_channels), ("out_channels", out_channels)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        if bias not in BIAS_MODES:
            raise ValueError(f"bias must be one of {BIAS_MODES}, got {bias!r}")
        if init not in INIT_MODES:
            raise ValueError(f"init must be one of {INIT_MODES}, got {init!r}")
        if connection_mode not in CONNECTION_MODES:
            raise ValueError(
                f"connection_mode must be one of {CONNECTION_MODES}, got {connection_mode!r}"
            )
        if not 0.0 <= float(connection_prob) < 1.0:
            raise ValueError(f"connection_prob must be in [0, 1), got {connection_prob!r}")
        if connection_mode is None and connection_prob != 0.0:
            raise ValueError(
                "connection_prob > 0 needs connection_mode 'synapse' or 'input', got None"
            )
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = _pair(kernel_size, "kernel_size")
        self.stride = _pair(stride, "stride")
        self.padding = _pair(padding, "padding")
        self.input_size = _pair(input_size, "input_size")
        if min(self.kernel_size) < 1 or min(self.stride) < 1 or min(self.input_size) < 1:
            raise ValueError("kernel_size, stride and input_size must be positive")
        self.output_size = _output_size(
            self.input_size, self.kernel_size, self.stride, self.padding
        )
        self.bias_mode = bias
        self.init = init
        self.connection_mode = connection_mode
        self.connection_prob = float(connection_prob)
        self.mask_seed = int(mask_seed)

        kh, kw = self.kernel_size
        oh, ow = self.output_size
        P, K = oh * ow, in_channels * kh * kw
        factory = {"device": device, "dtype": dtype}
        self.weight = nn.Parameter(torch.empty(P, K, out_channels, **factory))
        if bias == "untied":
            self.bias = nn.Parameter(torch.empty(out_channels, oh, ow, **factory))
        elif bias == "tied":
            self.bias = nn.Parameter(torch.empty(out_channels, **factory))
        else:
            self.register_parameter("bias", None)
        if connection_mode is None:
            self.register_buffer("mask", None)
        else:
            mask = connection_mask(
                connection_mode,
                self.connection_prob,
                self.mask_seed,
                in_channels=in_channels,
                out_channels=out_channels,
                input_size=self.input_size,
                kernel_size=self.kernel_size,
                stride=self.stride,
                padding=self.padding,
            )
            self.register_buffer("mask", mask.to(device=self.weight.device))
            # Why no multiply by the mask in forward (the straightforward way, and this layer's
            # until the book grid's last runs): absent weights start at zero, this hook zeroes
            # their gradient as it lands in ``.grad``, and loading re-zeroes them, so the forward
            # pass can use the weights as they are. The numbers are identical (tests compare
            # with the multiplying forward bit for bit, and so did two book-scale CIFAR-10 runs)
            # and the multiply's (P, K, F) temporary is gone: on the 2-core development machine
            # a masked CIFAR-10 training step cost ~15 % less and an evaluation batch ~25 % less
            # (benchmarks/mask_cost.py), a whole epoch ~5 % less.
            self.weight.register_post_accumulate_grad_hook(_zero_absent_grad(self))
            self.register_load_state_dict_post_hook(_zero_absent_weights)
        self.reset_parameters()

    @property
    def init_limit(self) -> float:
        """Half-width of the Glorot-uniform initial weights for ``self.init`` (protocol §4.4)."""
        kh, kw = self.kernel_size
        P, K, F_ = self.weight.shape
        if self.init == "keras":
            return math.sqrt(6.0 / ((K + F_) * P))
        return math.sqrt(6.0 / (kh * kw * self.in_channels + kh * kw * self.out_channels))

    def reset_parameters(self) -> None:
        """Draw Glorot-uniform weights (``self.init`` fans), zero the biases and absent weights."""
        with torch.no_grad():
            self.weight.uniform_(-self.init_limit, self.init_limit)
            if self.mask is not None:
                self.weight.mul_(self.mask)
            if self.bias is not None:
                self.bias.zero_()

    def masked_weight(self) -> torch.Tensor:
        """The ``(P, K, F)`` weights with absent connections zeroed (a copy when masked).

        The forward pass uses :attr:`weight` itself, whose absent entries are kept at zero (see
        the class doc); this method is the explicit product, for analysis and for checking that
        invariant: ``torch.equal(layer.masked_weight(), layer.weight)``.
        """
        if self.mask is None:
            return self.weight
        return self.weight * self.mask

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_with(x, self.weight)  # absent connections are zero (class doc)

    def forward_with(self, x: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
        """The layer's output with ``weight`` (``(P, K, F)``) in place of :attr:`weight`.

        For probing a layer under other weights without changing it, e.g. with a mask applied
        explicitly (``layer.forward_with(x, layer.weight * mask)``); gradients flow to
        ``weight`` and to the bias.

        >>> layer = FreeConv2d(1, 2, 3, input_size=5)
        >>> x = torch.rand(1, 1, 5, 5)
        >>> torch.equal(layer.forward_with(x, layer.weight), layer(x))
        True
        """
        C, (H, W) = self.in_channels, self.input_size
        if x.dim() != 4 or tuple(x.shape[1:]) != (C, H, W):
            raise ValueError(
                f"FreeConv2d expects input of shape (B, {C}, {H}, {W}), got {tuple(x.shape)}"
            )
        B = x.shape[0]
        oh, ow = self.output_size
        P, K, F_ = self.weight.shape
        if self.padding != (0, 0):
            ph, pw = self.padding
            x = F.pad(x, (pw, pw, ph, ph))  # (B, C, H, W) -> (B, C, H + 2ph, W + 2pw)
        # (B, C, H, W) -> (P, B, K), one copy, patches flattened in (y, x, c) order
        cols = _Patches.apply(x, self.kernel_size, self.stride, self.output_size)
        if self.bias is None:
            out = torch.bmm(cols, weight)  # (P, B, K) @ (P, K, F) -> (P, B, F)
        else:
            if self.bias_mode == "untied":
                # (F, oh, ow) -> (oh, ow, F) -> (P, 1, F), a view
                bias = self.bias.permute(1, 2, 0).reshape(P, 1, F_)
            else:
                bias = self.bias.view(1, 1, F_)  # (F,) -> (1, 1, F)
            # bias + (P, B, K) @ (P, K, F) -> (P, B, F), bias added inside the product
            out = torch.baddbmm(bias, cols, weight)
        # (P, B, F) -> (oh, ow, B, F) -> (B, F, oh, ow), a view of position-major memory
        return out.view(oh, ow, B, F_).permute(2, 3, 0, 1)

    def kernels(self) -> torch.Tensor:
        """The per-position kernels as a view of shape ``(out_h, out_w, F, C, kh, kw)``.

        ``kernels()[i, j]`` is the ``(F, C, kh, kw)`` kernel at output position ``(i, j)``,
        laid out like ``nn.Conv2d.weight``. It is a differentiable view of :attr:`weight` (no
        copy), the raw weights; absent connections are zero in them anyway (see the class doc).
        This is the grid the filter-distance measure reads (protocol §6).

        >>> layer = FreeConv2d(2, 4, 3, input_size=5)
        >>> k = layer.kernels()
        >>> tuple(k.shape), k.data_ptr() == layer.weight.data_ptr()
        ((3, 3, 4, 2, 3, 3), True)
        """
        oh, ow = self.output_size
        kh, kw = self.kernel_size
        # (P, K, F) -> (oh, ow, kh, kw, C, F) -> (oh, ow, F, C, kh, kw)
        grid = self.weight.view(oh, ow, kh, kw, self.in_channels, self.out_channels)
        return grid.permute(0, 1, 5, 4, 2, 3)

    @classmethod
    def from_conv(cls, conv: nn.Conv2d, input_size, *, bias: str | None = "untied") -> FreeConv2d:
        """Build a free convolution whose every position holds ``conv``'s kernel (a tied layer).

        Its output equals ``conv(x)`` up to float rounding: the reference that shows a free
        convolution *is* a convolution without the sharing (paper §3, protocol §4.2). The conv's
        bias is copied to every position (``bias="untied"``, default) or kept as one per filter
        (``"tied"``); a conv without bias gives ``bias=None``.

        >>> conv = nn.Conv2d(1, 4, 3, stride=2)
        >>> free = FreeConv2d.from_conv(conv, input_size=9)
        >>> x = torch.rand(2, 1, 9, 9)
        >>> torch.allclose(free(x), conv(x), atol=1e-6)
        True
        """
        if not isinstance(conv, nn.Conv2d):
            raise TypeError(f"from_conv expects an nn.Conv2d, got {type(conv).__name__}")
        if conv.groups != 1 or conv.dilation != (1, 1) or conv.padding_mode != "zeros":
            raise ValueError(
                "from_conv supports groups=1, dilation=1 and padding_mode='zeros' only"
            )
        padding = conv.padding
        if padding == "valid":
            padding = 0
        elif isinstance(padding, str):
            raise ValueError(f"from_conv needs numeric or 'valid' padding, got {padding!r}")
        if conv.bias is None:
            bias = None
        layer = cls(
            conv.in_channels,
            conv.out_channels,
            conv.kernel_size,
            conv.stride,
            padding,
            input_size=input_size,
            bias=bias,
            device=conv.weight.device,
            dtype=conv.weight.dtype,
        )
        P = layer.weight.shape[0]
        with torch.no_grad():
            # (F, C, kh, kw) -> (kh, kw, C, F) -> (K, F) -> (P, K, F)
            kernel = conv.weight.permute(2, 3, 1, 0).reshape(-1, conv.out_channels)
            layer.weight.copy_(kernel.unsqueeze(0).expand(P, -1, -1))
            if layer.bias is not None:
                # (F,) -> (F, 1, 1), broadcast over positions when untied
                layer.bias.copy_(conv.bias.view(-1, *([1] * (layer.bias.dim() - 1))))
        return layer

    def to_conv(self) -> nn.Conv2d:
        """Return an ``nn.Conv2d`` whose kernel (and bias) is the average over positions.

        This is "instant weight sharing by averaging" (Pogodin et al. 2021, "Towards biologically
        plausible convolutional networks"): exact for a layer made by
        :meth:`from_conv`, an approximation otherwise.

        >>> conv = nn.Conv2d(1, 4, 3)
        >>> back = FreeConv2d.from_conv(conv, input_size=6).to_conv()
        >>> torch.allclose(back.weight, conv.weight)
        True
        """
        conv = nn.Conv2d(
            self.in_channels,
            self.out_channels,
            self.kernel_size,
            self.stride,
            self.padding,
            bias=self.bias is not None,
            device=self.weight.device,
            dtype=self.weight.dtype,
        )
        with torch.no_grad():
            # (oh, ow, F, C, kh, kw) -> (F, C, kh, kw)
            conv.weight.copy_(self.kernels().mean(dim=(0, 1)))
            if self.bias is not None:
                # untied (F, oh, ow) -> (F,); tied stays (F,)
                conv.bias.copy_(self.bias.reshape(self.out_channels, -1).mean(dim=1))
        return conv

    def extra_repr(self) -> str:
        text = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}, padding={self.padding}, input_size={self.input_size}, "
            f"output_size={self.output_size}, bias={self.bias_mode!r}, init={self.init!r}"
        )
        if self.connection_mode is not None:
            text += (
                f", connection_mode={self.connection_mode!r}, "
                f"connection_prob={self.connection_prob}, mask_seed={self.mask_seed}"
            )
        return text
