"""Time a training step of masked FCNs with and without a mask multiply in forward; print a table.

Variable connection patterns (paper §4.2, App. C) zero a fixed share of a free convolution's
weights. ``FreeConv2d`` keeps the absent weights at zero (zero at the start, zero gradient,
re-zeroed on loading) so its forward pass uses the weights as they are. The straightforward
alternative multiplies the weights by the mask in every forward pass; this script times both,
beside the unmasked FCN, as ratios measured in one process (interleaved, so drifts in machine
load hit every variant alike). The two masked variants compute the same numbers
(tests/test_layers.py checks it bit for bit). A training step, an evaluation batch and a whole
epoch gain differently: the epoch also holds data loading and augmentation, so time one end to
end before relying on a ratio.
Not a test: timings depend on the machine and on whatever else runs on it.

    python benchmarks/mask_cost.py --dataset cifar10 --repeats 20 --threads 1
"""

from __future__ import annotations

import argparse
import functools
import statistics
import time

import torch
from torch import nn

from lithm.layers import FreeConv2d
from lithm.models import ARCHITECTURES, build_model


def _multiplying_forward(layer: FreeConv2d, x: torch.Tensor) -> torch.Tensor:
    """The straightforward masked forward: the mask multiplied into the weights in every pass."""
    return layer.forward_with(x, layer.weight * layer.mask)


def _network(dataset: str, variant: str, prob: float) -> nn.Module:
    if variant == "unmasked":
        return build_model(dataset, "fcn")
    model = build_model(dataset, "fcn", connection_mode="synapse", connection_prob=prob)
    if variant == "multiply in forward":
        for layer in model.modules():
            if isinstance(layer, FreeConv2d):
                layer.forward = functools.partial(_multiplying_forward, layer)
    return model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="cifar10", choices=sorted(ARCHITECTURES))
    parser.add_argument("--prob", type=float, default=0.8, help="connection probability")
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    arch = ARCHITECTURES[args.dataset]
    c, h, w = arch.input_shape
    x = torch.randn(arch.batch_size, c, h, w)  # (B, C, H, W)
    y = torch.randint(0, 10, (arch.batch_size,))
    variants = ["unmasked", "multiply in forward", "kept at zero (lithm)"]
    nets = {}
    for name in variants:
        model = _network(args.dataset, name, args.prob)
        nets[name] = (model, torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7))
    times: dict[str, list[float]] = {name: [] for name in variants}
    evals: dict[str, list[float]] = {name: [] for name in variants}
    for step in range(args.warmup + args.repeats):
        for name, (model, optimiser) in nets.items():  # interleaved
            start = time.process_time()
            optimiser.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            optimiser.step()
            middle = time.process_time()
            with torch.no_grad():  # an evaluation batch: forward only
                model(x)
            if step >= args.warmup:
                times[name].append(middle - start)
                evals[name].append(time.process_time() - middle)
    base = statistics.median(times["unmasked"])
    base_eval = statistics.median(evals["unmasked"])
    print(
        f"{args.dataset} FCN, synapse mask p={args.prob}, batch {arch.batch_size}, "
        f"{args.threads} thread(s), CPU seconds (median of {args.repeats})\n"
    )
    print("| variant | training step s | ratio | evaluation batch s | ratio |")
    print("|---|---:|---:|---:|---:|")
    for name in variants:
        med, ev = statistics.median(times[name]), statistics.median(evals[name])
        print(f"| {name} | {med:.3f} | {med / base:.2f} | {ev:.3f} | {ev / base_eval:.2f} |")


if __name__ == "__main__":
    main()
