"""Tests for lithm.layers: the free convolution against independent references."""

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from lithm.layers import FreeConv2d, connection_mask

F64 = torch.float64


def _naive_free_conv(x, kernels, bias, stride, padding):
    """Reference: a loop over output positions, one small convolution-sized dot product each.

    ``kernels``: (oh, ow, F, C, kh, kw); ``bias``: (F, oh, ow) or None.
    """
    sh, sw = stride
    ph, pw = padding
    x = F.pad(x, (pw, pw, ph, ph))
    oh, ow, n_filters, _, kh, kw = kernels.shape
    out = x.new_zeros(x.shape[0], n_filters, oh, ow)
    for i in range(oh):
        for j in range(ow):
            patch = x[:, :, i * sh : i * sh + kh, j * sw : j * sw + kw]  # (B, C, kh, kw)
            out[:, :, i, j] = torch.einsum("bcyx,fcyx->bf", patch, kernels[i, j])
            if bias is not None:
                out[:, :, i, j] += bias[:, i, j]
    return out


CONV_CASES = [
    # in_channels, out_channels, kernel_size, stride, padding, input_size
    (1, 4, 3, 1, 0, 7),
    (1, 3, 3, 2, 0, 9),
    (3, 5, 5, 2, 0, 14),
    (2, 4, (2, 3), (1, 2), (0, 1), (7, 8)),
    (4, 2, 3, 1, 1, 5),
    (3, 6, 1, 1, 0, 4),
]


@pytest.mark.parametrize("c_in, c_out, k, s, p, size", CONV_CASES)
def test_from_conv_equals_conv(c_in, c_out, k, s, p, size):
    torch.manual_seed(0)
    conv = nn.Conv2d(c_in, c_out, k, stride=s, padding=p, dtype=F64)
    nn.init.normal_(conv.bias)
    free = FreeConv2d.from_conv(conv, size)
    hw = (size, size) if isinstance(size, int) else size
    x = torch.rand(3, c_in, *hw, dtype=F64, requires_grad=True)
    out, ref = free(x), conv(x)
    assert out.shape == ref.shape
    torch.testing.assert_close(out, ref, rtol=0, atol=1e-12)
    # The input gradient (custom patch backward) matches the convolution's too.
    g = torch.randn_like(ref)
    (gx,) = torch.autograd.grad(out, x, g)
    (gr,) = torch.autograd.grad(ref, x, g)
    torch.testing.assert_close(gx, gr, rtol=0, atol=1e-12)


@pytest.mark.parametrize("bias", ["untied", "tied"])
def test_from_conv_bias_modes_and_no_bias(bias):
    conv = nn.Conv2d(2, 3, 3, dtype=F64)
    free = FreeConv2d.from_conv(conv, 6, bias=bias)
    assert free.bias_mode == bias
    x = torch.rand(2, 2, 6, 6, dtype=F64)
    torch.testing.assert_close(free(x), conv(x))
    conv_nb = nn.Conv2d(2, 3, 3, bias=False, dtype=F64)
    free_nb = FreeConv2d.from_conv(conv_nb, 6)
    assert free_nb.bias is None
    torch.testing.assert_close(free_nb(x), conv_nb(x))


@pytest.mark.parametrize("c_in, c_out, k, s, p, size", CONV_CASES)
def test_untied_kernels_match_naive_loop(c_in, c_out, k, s, p, size):
    torch.manual_seed(1)
    layer = FreeConv2d(c_in, c_out, k, s, p, input_size=size, dtype=F64)
    with torch.no_grad():
        layer.weight.normal_()
        layer.bias.normal_()
    hw = layer.input_size
    x = torch.rand(2, c_in, *hw, dtype=F64)
    ref = _naive_free_conv(x, layer.kernels(), layer.bias, layer.stride, layer.padding)
    torch.testing.assert_close(layer(x), ref, rtol=0, atol=1e-12)


def test_tied_bias_and_no_bias_match_naive_loop():
    torch.manual_seed(2)
    x = torch.rand(2, 2, 6, 6, dtype=F64)
    tied = FreeConv2d(2, 3, 3, input_size=6, bias="tied", dtype=F64)
    with torch.no_grad():
        tied.bias.normal_()
    assert tied.bias.shape == (3,)
    full_bias = tied.bias.view(3, 1, 1).expand(3, 4, 4)
    ref = _naive_free_conv(x, tied.kernels(), full_bias, (1, 1), (0, 0))
    torch.testing.assert_close(tied(x), ref)
    none = FreeConv2d(2, 3, 3, input_size=6, bias=None, dtype=F64)
    assert none.bias is None
    torch.testing.assert_close(none(x), _naive_free_conv(x, none.kernels(), None, (1, 1), (0, 0)))


def test_gradcheck_input_weight_bias():
    torch.manual_seed(3)
    layer = FreeConv2d(2, 3, 2, stride=1, padding=1, input_size=(3, 4), dtype=F64)
    x = torch.rand(2, 2, 3, 4, dtype=F64, requires_grad=True)
    weight = torch.randn_like(layer.weight, requires_grad=True)
    bias = torch.randn_like(layer.bias, requires_grad=True)

    def fn(x, weight, bias):
        return torch.func.functional_call(layer, {"weight": weight, "bias": bias}, (x,))

    assert torch.autograd.gradcheck(fn, (x, weight, bias))
    assert torch.autograd.gradgradcheck(fn, (x, weight, bias))


def test_kernels_is_a_view_with_conv_layout():
    conv = nn.Conv2d(3, 4, (2, 3), stride=2, dtype=F64)
    layer = FreeConv2d.from_conv(conv, (7, 9))
    k = layer.kernels()
    assert k.shape == (3, 4, 4, 3, 2, 3)
    assert k.data_ptr() == layer.weight.data_ptr()
    for i, j in [(0, 0), (1, 2), (2, 3)]:
        torch.testing.assert_close(k[i, j], conv.weight)
    with torch.no_grad():
        layer.weight.mul_(2.0)  # in place: the view follows
    torch.testing.assert_close(k[1, 1], 2.0 * conv.weight)
    # Differentiable: a loss on the view reaches the parameter.
    layer.kernels()[0, 1].sum().backward()
    assert layer.weight.grad.abs().sum() == 2 * 3 * 3 * 4  # K·F ones at one position


def test_kernels_follow_position_major_keras_layout():
    layer = FreeConv2d(2, 3, 2, input_size=(3, 4))  # output grid 2×3, K = 2·2·2
    with torch.no_grad():
        layer.weight.copy_(torch.arange(layer.weight.numel()).view_as(layer.weight))
    # Position p = i·ow + j; within a patch K is ordered (y, x, c) (protocol §4.2).
    i, j, f, c, y, x = 1, 2, 2, 1, 0, 1
    p, kidx = i * 3 + j, (y * 2 + x) * 2 + c
    assert layer.kernels()[i, j, f, c, y, x] == layer.weight[p, kidx, f]


def test_to_conv_recovers_conv_and_averages():
    conv = nn.Conv2d(3, 4, 3, stride=2, dtype=F64)
    nn.init.normal_(conv.bias)
    back = FreeConv2d.from_conv(conv, 11).to_conv()
    torch.testing.assert_close(back.weight, conv.weight)
    torch.testing.assert_close(back.bias, conv.bias)
    assert (back.stride, back.padding) == (conv.stride, conv.padding)
    layer = FreeConv2d(1, 2, 2, input_size=3, dtype=F64)  # 4 positions
    with torch.no_grad():
        layer.weight.normal_()
        layer.bias.normal_()
    avg = layer.to_conv()
    torch.testing.assert_close(avg.weight, layer.kernels().mean(dim=(0, 1)))
    torch.testing.assert_close(avg.bias, layer.bias.mean(dim=(1, 2)))


@pytest.mark.parametrize(
    "args, limit",
    [
        ((1, 32, 3, 2, 28), 0.0294),  # MNIST layer 1, protocol §4.4
        ((32, 64, 3, 2, 13), 0.0218),  # MNIST layer 2
        ((3, 64, 5, 2, 32), 0.0148),  # CIFAR layer 1
    ],
)
def test_keras_init_limit(args, limit):
    c_in, c_out, k, s, size = args
    torch.manual_seed(4)
    layer = FreeConv2d(c_in, c_out, k, s, input_size=size)
    assert layer.init_limit == pytest.approx(limit, abs=5e-5)
    w = layer.weight.abs()
    assert w.max() <= layer.init_limit
    assert w.max() >= 0.99 * layer.init_limit
    # Uniform on (-a, a): mean |w| = a / 2.
    assert w.mean().item() == pytest.approx(layer.init_limit / 2, rel=0.02)
    assert torch.count_nonzero(layer.bias) == 0


def test_conv_init_limit():
    layer = FreeConv2d(1, 32, 3, 2, input_size=28, init="conv")
    assert layer.init_limit == pytest.approx(math.sqrt(6 / (9 + 9 * 32)))
    assert layer.init_limit == pytest.approx(0.142, abs=5e-4)  # protocol §4.4
    assert layer.weight.abs().max() <= layer.init_limit


def _masked_layer(mode, prob=0.5, seed=0):
    return FreeConv2d(
        2,
        3,
        3,
        input_size=6,
        connection_mode=mode,
        connection_prob=prob,
        mask_seed=seed,
    )


@pytest.mark.parametrize("mode", ["synapse", "input"])
def test_masked_weights_stay_zero_under_adam(mode):
    torch.manual_seed(5)
    layer = _masked_layer(mode)
    absent = ~layer.mask
    assert absent.any() and layer.mask.any()
    assert torch.count_nonzero(layer.weight[absent]) == 0
    optimiser = torch.optim.Adam(layer.parameters(), lr=0.1)
    x = torch.rand(4, 2, 6, 6)
    before = layer.weight.detach().clone()
    for _ in range(5):
        optimiser.zero_grad()
        layer(x).square().sum().backward()
        assert torch.count_nonzero(layer.weight.grad[absent]) == 0
        optimiser.step()
    assert torch.count_nonzero(layer.weight[absent]) == 0
    assert not torch.equal(layer.weight[~absent], before[~absent])  # the others did learn
    layer.eval()
    torch.testing.assert_close(layer(x), layer.train()(x))  # same pattern in eval


@pytest.mark.parametrize("mode", ["synapse", "input"])
def test_mask_is_seeded(mode):
    a, b, c = _masked_layer(mode, seed=3), _masked_layer(mode, seed=3), _masked_layer(mode, seed=4)
    assert torch.equal(a.mask, b.mask)
    assert not torch.equal(a.mask, c.mask)
    assert "mask" in a.state_dict()


@pytest.mark.parametrize("mode", ["synapse", "input"])
@pytest.mark.parametrize("prob", [0.2, 0.7])
def test_mask_density(mode, prob):
    mask = connection_mask(
        mode,
        prob,
        seed=0,
        in_channels=16,
        out_channels=8,
        input_size=32,
        kernel_size=3,
    )
    assert mask.shape == (30 * 30, 9 * 16, 8)
    assert mask.float().mean().item() == pytest.approx(1 - prob, abs=0.02)


def test_input_mode_masks_whole_input_units():
    layer = _masked_layer("input", prob=0.4, seed=1)
    # Same pattern for every filter at a position (the code's input mask, protocol §8).
    assert torch.equal(layer.mask, layer.mask[:, :, :1].expand_as(layer.mask))
    # Rebuild the unit mask independently: unit (c, y, x) is present iff it is present in
    # some patch that covers it (every unit of a 6×6 input is covered by a 3×3 valid kernel).
    units = torch.ones(2, 6, 6, dtype=torch.bool)
    for p in range(16):
        i, j = divmod(p, 4)
        patch = layer.mask[p, :, 0].view(3, 3, 2).permute(2, 0, 1)  # (y, x, c) -> (c, y, x)
        units[:, i : i + 3, j : j + 3] &= patch
    absent = (~units).nonzero()
    assert len(absent) > 0
    x = torch.rand(2, 2, 6, 6)
    base = layer(x)
    for c, y, xx in absent.tolist():
        poked = x.clone()
        poked[:, c, y, xx] += 10.0
        torch.testing.assert_close(layer(poked), base, rtol=0, atol=0)
    c, y, xx = units.nonzero()[0].tolist()
    poked = x.clone()
    poked[:, c, y, xx] += 10.0
    assert not torch.equal(layer(poked), base)  # a present unit does matter


def test_synapse_mode_is_independent_per_filter():
    layer = _masked_layer("synapse", prob=0.5)
    assert not torch.equal(layer.mask, layer.mask[:, :, :1].expand_as(layer.mask))


def test_output_is_b_f_h_w_and_head_can_flatten():
    layer = FreeConv2d(3, 5, 3, 2, input_size=(9, 7))
    out = layer(torch.rand(4, 3, 9, 7))
    assert out.shape == (4, 5, 4, 3)
    assert layer.output_size == (4, 3)
    assert out.flatten(1).shape == (4, 60)


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="bias"):
        FreeConv2d(1, 2, 3, input_size=5, bias="shared")
    with pytest.raises(ValueError, match="init"):
        FreeConv2d(1, 2, 3, input_size=5, init="he")
    with pytest.raises(ValueError, match="connection_mode"):
        FreeConv2d(1, 2, 3, input_size=5, connection_mode="dropout", connection_prob=0.1)
    with pytest.raises(ValueError, match="connection_prob"):
        FreeConv2d(1, 2, 3, input_size=5, connection_mode="synapse", connection_prob=1.0)
    with pytest.raises(ValueError, match="connection_mode"):
        FreeConv2d(1, 2, 3, input_size=5, connection_prob=0.5)
    with pytest.raises(ValueError, match="does not fit"):
        FreeConv2d(1, 2, 7, input_size=5)
    with pytest.raises(TypeError, match="kernel_size"):
        FreeConv2d(1, 2, 2.5, input_size=5)
    layer = FreeConv2d(1, 2, 3, input_size=5)
    with pytest.raises(ValueError, match=r"\(B, 1, 5, 5\)"):
        layer(torch.rand(2, 1, 6, 6))
    with pytest.raises(TypeError, match="nn.Conv2d"):
        FreeConv2d.from_conv(nn.Linear(2, 2), 5)
    with pytest.raises(ValueError, match="groups"):
        FreeConv2d.from_conv(nn.Conv2d(2, 2, 3, groups=2), 5)


def test_device_dtype_and_state_dict_roundtrip():
    layer = FreeConv2d(2, 3, 3, input_size=5, connection_mode="synapse", connection_prob=0.3)
    layer = layer.to(F64)
    assert layer.weight.dtype == F64 and layer.mask.dtype == torch.bool
    copy = FreeConv2d(
        2,
        3,
        3,
        input_size=5,
        connection_mode="synapse",
        connection_prob=0.3,
        mask_seed=9,
        dtype=F64,
    )
    copy.load_state_dict(layer.state_dict())
    assert torch.equal(copy.mask, layer.mask)
    x = torch.rand(1, 2, 5, 5, dtype=F64)
    torch.testing.assert_close(copy(x), layer(x))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_matches_cpu():
    layer = FreeConv2d(2, 3, 3, 2, input_size=9, connection_mode="input", connection_prob=0.3)
    x = torch.rand(4, 2, 9, 9)
    gpu = FreeConv2d(2, 3, 3, 2, input_size=9, connection_mode="input", connection_prob=0.3)
    gpu.load_state_dict(layer.state_dict())
    gpu = gpu.cuda()
    torch.testing.assert_close(gpu(x.cuda()).cpu(), layer(x), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("mode", ["synapse", "input"])
def test_masked_training_matches_multiplying_forward_bit_for_bit(mode):
    # The layer skips the multiply in forward (absent weights are kept at zero instead); the
    # numbers must be exactly those of multiplying in every forward pass.
    torch.manual_seed(6)
    layer = _masked_layer(mode, prob=0.6)
    ref = _masked_layer(mode, prob=0.6)
    ref.load_state_dict(layer.state_dict())
    opt = torch.optim.Adam(layer.parameters(), lr=0.05, eps=1e-7)
    ref_opt = torch.optim.Adam(ref.parameters(), lr=0.05, eps=1e-7)
    # the reference multiplies the weights by the mask in every forward pass
    multiplying = lambda x: ref.forward_with(x, ref.weight * ref.mask)  # noqa: E731
    for _ in range(6):
        x = torch.rand(5, 2, 6, 6)
        for forward, optimiser in ((layer, opt), (multiplying, ref_opt)):
            optimiser.zero_grad()
            forward(x).sin().sum().backward()
            optimiser.step()
        assert torch.equal(layer.weight, ref.weight)
        assert torch.equal(layer.bias, ref.bias)
    assert torch.equal(layer(x), multiplying(x))
    assert torch.equal(layer.masked_weight(), layer.weight)


def test_mask_kept_after_loading_and_conversion():
    layer = _masked_layer("synapse", prob=0.5)
    state = {k: v.clone() for k, v in layer.state_dict().items()}
    state["weight"] = torch.ones_like(state["weight"])  # e.g. weights of an unmasked layer
    layer.load_state_dict(state)
    assert torch.equal(layer.weight, layer.mask.float())  # absent ones re-zeroed
    layer = layer.to(torch.float64)  # the gradient hook survives a dtype move
    layer.zero_grad()
    layer(torch.rand(3, 2, 6, 6, dtype=torch.float64)).sum().backward()
    assert torch.count_nonzero(layer.weight.grad[~layer.mask]) == 0
    assert torch.count_nonzero(layer.weight.grad[layer.mask]) > 0
