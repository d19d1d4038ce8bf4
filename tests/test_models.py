"""Tests for lithm.models: Table A.2 shapes, parameter counts (protocol §4.3), Keras init."""

import math

import pytest
import torch
from torch import nn

from lithm.layers import FreeConv2d
from lithm.models import ARCHITECTURES, PaperNet, build_model, count_parameters

PARAMETERS = {  # protocol §4.3
    ("mnist", "cnn"): 2_201_098,
    ("mnist", "fcn"): 4_010_058,
    ("cifar10", "cnn"): 2_875_530,
    ("cifar10", "fcn"): 11_103_626,
}
FEATURE_SHAPES = {  # protocol §4.1, (C, H, W)
    "mnist": [(32, 13, 13), (64, 6, 6), (128, 4, 4)],
    "cifar10": [(64, 14, 14), (128, 5, 5), (256, 3, 3)],
}


@pytest.mark.parametrize("dataset, kind", list(PARAMETERS))
def test_parameter_counts(dataset, kind):
    assert count_parameters(build_model(dataset, kind)) == PARAMETERS[(dataset, kind)]


@pytest.mark.parametrize("dataset", ["mnist", "cifar10"])
@pytest.mark.parametrize("kind", ["cnn", "fcn"])
def test_layer_output_shapes(dataset, kind):
    net = build_model(dataset, kind)
    assert isinstance(net, PaperNet) and net.dataset == dataset and net.kind == kind
    assert ARCHITECTURES[dataset].feature_shapes() == FEATURE_SHAPES[dataset]
    x = torch.rand(2, *ARCHITECTURES[dataset].input_shape)
    for layer, shape in zip(net.features, FEATURE_SHAPES[dataset], strict=True):
        x = torch.relu(layer(x))
        assert tuple(x.shape) == (2, *shape)
    assert net.head(x).shape == (2, 10)


def test_architecture_table():
    mnist, cifar = ARCHITECTURES["mnist"], ARCHITECTURES["cifar10"]
    assert (mnist.learning_rate, mnist.batch_size, mnist.max_epochs, mnist.patience) == (
        1e-3,
        256,
        250,
        50,
    )
    assert (cifar.learning_rate, cifar.batch_size, cifar.max_epochs, cifar.patience) == (
        1e-4,
        128,
        500,
        100,
    )
    assert [(s.kernel, s.filters, s.stride) for s in cifar.layers] == [
        (5, 64, 2),
        (5, 128, 2),
        (3, 256, 1),
    ]
    assert (mnist.flat_features, cifar.flat_features) == (2048, 2304)
    assert mnist.dense == cifar.dense == 1024


def test_layer_types_and_first_layer():
    cnn, fcn = build_model("mnist", "cnn"), build_model("mnist", "fcn")
    assert all(type(layer) is nn.Conv2d for layer in cnn.features)
    assert all(isinstance(layer, FreeConv2d) for layer in fcn.features)
    assert fcn.first_layer is fcn.features[0]
    assert fcn.first_layer.bias.shape == (32, 13, 13)  # untied, as in Keras (protocol §4.2)
    assert all(layer.padding == (0, 0) for layer in cnn.features)


def test_aliases_and_case():
    assert build_model("CIFAR", "FCN").dataset == "cifar10"
    assert build_model("cifar-10", "cnn").kind == "cnn"
    assert build_model("MNIST", "cnn").dataset == "mnist"


def test_keras_initialisation():
    torch.manual_seed(0)
    net = build_model("mnist", "cnn")
    conv1 = net.features[0]
    limit = math.sqrt(6 / (9 * 1 + 9 * 32))  # Glorot with conv fans, protocol §4.4: 0.142
    assert conv1.weight.abs().max() <= limit
    assert conv1.weight.abs().max() > 0.9 * limit
    dense = net.head[1]
    dense_limit = math.sqrt(6 / (2048 + 1024))
    assert dense.weight.abs().max() <= dense_limit
    assert dense.weight.abs().max() > 0.99 * dense_limit
    for module in net.modules():
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            assert torch.count_nonzero(module.bias) == 0
    fcn = build_model("mnist", "fcn")
    assert fcn.first_layer.init_limit == pytest.approx(0.0294, abs=5e-5)
    assert build_model("mnist", "fcn", init="conv").first_layer.init_limit == pytest.approx(limit)
    assert all(torch.count_nonzero(layer.bias) == 0 for layer in fcn.features)


def test_connection_masks_per_layer_seeds():
    net = build_model("mnist", "fcn", connection_mode="synapse", connection_prob=0.5, mask_seed=2)
    seeds = [layer.mask_seed for layer in net.features]
    assert seeds == [6, 7, 8]
    again = build_model("mnist", "fcn", connection_mode="synapse", connection_prob=0.5, mask_seed=2)
    for a, b in zip(net.features, again.features, strict=True):
        assert torch.equal(a.mask, b.mask)
        assert a.mask.float().mean().item() == pytest.approx(0.5, abs=0.02)
    other = build_model("mnist", "fcn", connection_mode="synapse", connection_prob=0.5)
    assert not torch.equal(other.features[0].mask, net.features[0].mask)
    assert all(layer.mask is None for layer in build_model("mnist", "fcn").features)
    net_in = build_model("cifar", "fcn", connection_mode="input", connection_prob=0.3)
    assert net_in(torch.rand(2, 3, 32, 32)).shape == (2, 10)


def test_bias_options():
    tied = build_model("mnist", "fcn", bias="tied")
    assert tied.first_layer.bias.shape == (32,)
    none = build_model("mnist", "fcn", bias=None)
    assert none.first_layer.bias is None
    assert build_model("mnist", "cnn", bias=None).first_layer.bias is None


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="unknown dataset"):
        build_model("svhn", "cnn")
    with pytest.raises(ValueError, match="'cnn', 'fcn'"):
        build_model("mnist", "mlp")
    with pytest.raises(ValueError, match="kind='fcn'"):
        build_model("mnist", "cnn", connection_mode="synapse", connection_prob=0.5)
    with pytest.raises(ValueError, match="init"):
        build_model("mnist", "fcn", init="he")
    with pytest.raises(ValueError, match="bias"):
        build_model("mnist", "fcn", bias="shared")


def test_forward_backward_logits():
    net = build_model("mnist", "fcn")
    x = torch.rand(3, 1, 28, 28)
    logits = net(x)
    assert logits.shape == (3, 10)
    nn.functional.cross_entropy(logits, torch.tensor([0, 1, 2])).backward()
    assert all(p.grad is not None for p in net.parameters())


def test_count_parameters_trainable_only():
    net = build_model("mnist", "cnn")
    net.head[3].weight.requires_grad_(False)
    assert count_parameters(net) == 2_201_098 - 10240
    assert count_parameters(net, trainable_only=False) == 2_201_098
