"""The paper's CNNs and FCNs, built from one specification table (paper Table A.2, protocol §4.1).

Each network is three feature layers (convolutions for the CNN, free convolutions for the FCN),
'valid' padding and ReLU, then Flatten -> Dense 1024 ReLU -> Dense 10 logits. The softmax of the
paper lives in the loss (``nn.CrossEntropyLoss``). Initialisation follows Keras (protocol §3, §4.4):
Glorot-uniform weights with Keras' fans and zero biases.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from lithm.config import canonical_dataset
from lithm.layers import FreeConv2d

__all__ = [
    "ARCHITECTURES",
    "Architecture",
    "LayerSpec",
    "PaperNet",
    "build_model",
    "count_parameters",
    "resolve_dataset",
]

KINDS = ("cnn", "fcn")


@dataclass(frozen=True)
class LayerSpec:
    """One feature layer of Table A.2: (kernel size, number of filters, stride)."""

    kernel: int
    filters: int
    stride: int


@dataclass(frozen=True)
class Architecture:
    """A dataset's network and training settings (paper Table A.2, App. A.3; protocol §3, §4.1).

    >>> ARCHITECTURES["mnist"].feature_shapes()
    [(32, 13, 13), (64, 6, 6), (128, 4, 4)]
    """

    dataset: str
    input_shape: tuple[int, int, int]  # (C, H, W)
    layers: tuple[LayerSpec, ...]
    dense: int
    classes: int
    learning_rate: float
    batch_size: int
    max_epochs: int  # final runs (protocol §3); the HP search used 100 / 200
    patience: int  # early stopping on validation accuracy (protocol §3)

    def feature_shapes(self) -> list[tuple[int, int, int]]:
        """Output shape ``(C, H, W)`` of each feature layer ('valid' padding)."""
        _, height, width = self.input_shape
        shapes = []
        for spec in self.layers:
            height = (height - spec.kernel) // spec.stride + 1
            width = (width - spec.kernel) // spec.stride + 1
            shapes.append((spec.filters, height, width))
        return shapes

    @property
    def flat_features(self) -> int:
        """Width of the flattened last feature map (2048 for MNIST, 2304 for CIFAR-10)."""
        return math.prod(self.feature_shapes()[-1])


ARCHITECTURES: dict[str, Architecture] = {
    "mnist": Architecture(
        dataset="mnist",
        input_shape=(1, 28, 28),
        layers=(LayerSpec(3, 32, 2), LayerSpec(3, 64, 2), LayerSpec(3, 128, 1)),
        dense=1024,
        classes=10,
        learning_rate=1e-3,
        batch_size=256,
        max_epochs=250,
        patience=50,
    ),
    "cifar10": Architecture(
        dataset="cifar10",
        input_shape=(3, 32, 32),
        layers=(LayerSpec(5, 64, 2), LayerSpec(5, 128, 2), LayerSpec(3, 256, 1)),
        dense=1024,
        classes=10,
        learning_rate=1e-4,
        batch_size=128,
        max_epochs=500,
        patience=100,
    ),
}


def resolve_dataset(dataset: str) -> str:
    """Return the canonical dataset key (``"mnist"`` or ``"cifar10"``) for a name or alias.

    The one rule lives in :func:`lithm.config.canonical_dataset`.

    >>> resolve_dataset("CIFAR")
    'cifar10'
    """
    return canonical_dataset(dataset)


class PaperNet(nn.Module):
    """A CNN or FCN of the paper: three feature layers with ReLU, then the dense head (Table A.2).

    ``features`` is an ``nn.ModuleList`` of the three feature layers (``nn.Conv2d`` or
    :class:`~lithm.layers.FreeConv2d`); ``head`` is Flatten -> Linear(…, 1024) -> ReLU ->
    Linear(1024, 10). The forward pass returns logits; the softmax is in the loss.
    Build it with :func:`build_model`.

    >>> net = build_model("mnist", "cnn")
    >>> net(torch.zeros(2, 1, 28, 28)).shape
    torch.Size([2, 10])
    """

    def __init__(self, dataset: str, kind: str, features: nn.ModuleList, head: nn.Sequential):
        super().__init__()
        self.dataset = dataset
        self.kind = kind
        self.features = features
        self.head = head

    @property
    def first_layer(self) -> nn.Module:
        """The first feature layer (the one the filter-distance measure reads, protocol §6)."""
        return self.features[0]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.features:
            x = torch.relu(layer(x))  # (B, C, H, W) -> (B, F, H', W')
        return self.head(x)  # (B, F, H', W') -> (B, F·H'·W') -> (B, 10)

    def extra_repr(self) -> str:
        return f"dataset={self.dataset!r}, kind={self.kind!r}"


def _glorot_zero_(module: nn.Module) -> None:
    """Keras defaults for Conv2D and Dense: Glorot-uniform kernel, zero bias (protocol §3).

    PyTorch's ``xavier_uniform_`` uses the same fans as Keras for these shapes
    (conv: k²·C_in and k²·F; dense: in and out features).
    """
    nn.init.xavier_uniform_(module.weight)
    if module.bias is not None:
        nn.init.zeros_(module.bias)


def build_model(
    dataset: str,
    kind: str,
    *,
    connection_mode: str | None = None,
    connection_prob: float = 0.0,
    mask_seed: int = 0,
    init: str = "keras",
    bias: str | None = "untied",
) -> PaperNet:
    """Build the paper's CNN (``kind="cnn"``) or FCN (``kind="fcn"``) for a dataset (Table A.2).

    ``dataset`` is ``"mnist"`` or ``"cifar10"`` (alias ``"cifar"``, any case). All layers use
    'valid' padding and Keras initialisation (protocol §3, §4.4).

    FCN-only options, passed to every :class:`~lithm.layers.FreeConv2d`:

    - ``init``: ``"keras"`` (default, the authors' LC fans) or ``"conv"`` (the matching
      convolution's fans); see protocol §4.4.
    - ``bias``: ``"untied"`` (default, as in Keras LocallyConnected2D), ``"tied"`` or ``None``.
      For the CNN, ``None`` removes the conv biases and the other two values keep them.
    - variable connection patterns (protocol §8): ``connection_mode`` ``"synapse"`` (the paper) or
      ``"input"`` (the authors' code), ``connection_prob`` in ``[0, 1)``. Feature layer ``i``
      (0, 1, 2) draws its mask with seed ``3 * mask_seed + i``, so the three layers get different
      masks and different ``mask_seed`` values never share a layer seed. Like the authors' code,
      all three feature layers are masked and the dense head is not.

    >>> count_parameters(build_model("mnist", "fcn"))
    4010058
    >>> build_model("cifar", "fcn").first_layer.output_size
    (14, 14)
    """
    key = resolve_dataset(dataset)
    kind_key = str(kind).lower() if isinstance(kind, str) else None
    if kind_key not in KINDS:
        raise ValueError(f"unknown model kind {kind!r}; valid: 'cnn', 'fcn'")
    if init not in ("keras", "conv"):
        raise ValueError(f"init must be 'keras' or 'conv', got {init!r}")
    if bias not in ("untied", "tied", None):
        raise ValueError(f"bias must be 'untied', 'tied' or None, got {bias!r}")
    if kind_key == "cnn" and (connection_mode is not None or connection_prob != 0.0):
        raise ValueError(
            "variable connection patterns (connection_mode/connection_prob) need kind='fcn'; "
            "the paper only masks free convolutions"
        )
    arch = ARCHITECTURES[key]
    channels, height, width = arch.input_shape
    layers = []
    for i, spec in enumerate(arch.layers):
        if kind_key == "cnn":
            layer = nn.Conv2d(
                channels, spec.filters, spec.kernel, spec.stride, bias=bias is not None
            )
            _glorot_zero_(layer)
        else:
            layer = FreeConv2d(
                channels,
                spec.filters,
                spec.kernel,
                spec.stride,
                input_size=(height, width),
                bias=bias,
                init=init,
                connection_mode=connection_mode,
                connection_prob=connection_prob,
                mask_seed=3 * mask_seed + i,
            )
        layers.append(layer)
        height = (height - spec.kernel) // spec.stride + 1
        width = (width - spec.kernel) // spec.stride + 1
        channels = spec.filters
    hidden = nn.Linear(arch.flat_features, arch.dense)
    output = nn.Linear(arch.dense, arch.classes)
    _glorot_zero_(hidden)
    _glorot_zero_(output)
    head = nn.Sequential(nn.Flatten(), hidden, nn.ReLU(), output)
    return PaperNet(key, kind_key, nn.ModuleList(layers), head)


def count_parameters(model: nn.Module, trainable_only: bool = True) -> int:
    """Number of parameters in ``model`` (protocol §4.3: MNIST 2,201,098 / 4,010,058 for CNN / FCN).

    Absent connections of a variable connection pattern still count: they are stored weights,
    only held at zero.

    >>> count_parameters(build_model("cifar10", "cnn"))
    2875530
    """
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)
