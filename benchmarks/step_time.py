"""Time one training step of each of the paper's four networks and print a markdown table.

A step is forward + cross-entropy + backward + Adam step at the paper's batch size (256 for MNIST,
128 for CIFAR-10; protocol §3) on random inputs. The free convolution's goal is an FCN/CNN step-time
ratio of at most 2x on MNIST and 3x on CIFAR-10. Not a test: timings depend on the machine and on
whatever else runs on it.

    python benchmarks/step_time.py --repeats 20 --device cpu --threads 2 [--adam default]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from torch import nn

from lithm.models import ARCHITECTURES, build_model, count_parameters

TARGETS = {"mnist": 2.0, "cifar10": 3.0}


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def step_time(
    dataset: str, kind: str, device: torch.device, repeats: int, warmup: int, fused: bool = False
):
    """Mean, median and min seconds per training step, and the parameter count, of one network."""
    arch = ARCHITECTURES[dataset]
    generator = torch.Generator().manual_seed(0)
    model = build_model(dataset, kind).to(device)
    # Keras' Adam epsilon is 1e-7 (protocol §3). fused=None is PyTorch's default implementation.
    optimiser = torch.optim.Adam(
        model.parameters(), lr=arch.learning_rate, eps=1e-7, fused=True if fused else None
    )
    loss_fn = nn.CrossEntropyLoss()
    x = torch.rand(arch.batch_size, *arch.input_shape, generator=generator).to(device)
    y = torch.randint(0, arch.classes, (arch.batch_size,), generator=generator).to(device)

    def step() -> None:
        optimiser.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        optimiser.step()

    for _ in range(warmup):
        step()
    _sync(device)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        _sync(device)
        times.append(time.perf_counter() - start)
    return statistics.mean(times), statistics.median(times), min(times), count_parameters(model)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20, help="timed steps per network")
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps first")
    parser.add_argument("--device", default=None, help="cpu, cuda, … (default: cuda if present)")
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads")
    parser.add_argument(
        "--datasets", nargs="+", choices=list(ARCHITECTURES), default=list(ARCHITECTURES)
    )
    parser.add_argument(
        "--adam",
        choices=("default", "fused"),
        default="fused",
        help="Adam implementation: fused=True (as lithm.train uses) or PyTorch's default",
    )
    args = parser.parse_args(argv)
    if args.repeats < 1 or args.warmup < 0:
        parser.error("--repeats must be >= 1 and --warmup >= 0")
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device or ("cuda" if torch.cuda.is_available() else "cpu"))

    print(
        f"torch {torch.__version__}, device {device}, threads {torch.get_num_threads()}, "
        f"{args.repeats} timed steps after {args.warmup} warm-up steps, Adam {args.adam}\n"
    )
    print(
        "| dataset | batch | model | parameters | param. memory | mean step | median step "
        "| min step |"
    )
    print("|---|---:|---|---:|---:|---:|---:|---:|")
    ratios = {}
    for dataset in args.datasets:
        arch = ARCHITECTURES[dataset]
        medians, means = {}, {}
        for kind in ("cnn", "fcn"):
            mean, median, best, n_params = step_time(
                dataset, kind, device, args.repeats, args.warmup, args.adam == "fused"
            )
            means[kind], medians[kind] = mean, median
            # Parameters, gradients and Adam's two moments: four float32 copies.
            memory = 4 * n_params * 4 / 2**20
            print(
                f"| {dataset} | {arch.batch_size} | {kind.upper()} | {n_params:,} | "
                f"{memory:.0f} MiB | {mean * 1e3:.1f} ms | {median * 1e3:.1f} ms "
                f"| {best * 1e3:.1f} ms |"
            )
        ratios[dataset] = (medians["fcn"] / medians["cnn"], means["fcn"] / means["cnn"])
    # Medians resist the spikes of a shared machine better than means.
    print("\n| dataset | FCN/CNN (median) | FCN/CNN (mean) | target |")
    print("|---|---:|---:|---:|")
    for dataset, (ratio, mean_ratio) in ratios.items():
        verdict = "met" if ratio <= TARGETS[dataset] else "missed"
        print(
            f"| {dataset} | {ratio:.2f}x | {mean_ratio:.2f}x "
            f"| <= {TARGETS[dataset]:.0f}x ({verdict}) |"
        )


if __name__ == "__main__":
    main()
