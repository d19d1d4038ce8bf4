"""The ``lithm`` command: run experiment grids, show what is done, print tables beside the paper's.

Examples::

    lithm run translation --profile smoke --dataset mnist
    lithm run all --profile book --dataset all
    lithm status --profile book
    lithm stop --profile book          # the grid's processes return after their current run
    lithm table translation --profile book --dataset mnist
    lithm verdicts --profile book --markdown

Bad arguments get an error that lists the valid values; a missing dataset says where it looked and
how to provide it (``--data-dir`` or ``LITHM_DATA``).
"""

from __future__ import annotations

import argparse
import sys

from lithm.config import DATASETS
from lithm.experiments import EXPERIMENTS, PROFILES


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lithm", description="Learning in the machine: to share or not to share?"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    experiments = [*EXPERIMENTS, "pilot", "all"]
    datasets = [*DATASETS, "cifar", "all"]

    run = sub.add_parser("run", help="train the missing runs of an experiment grid")
    run.add_argument("experiment", choices=experiments, metavar="EXPERIMENT",
                     help=f"one of: {', '.join(experiments)}")  # fmt: skip
    run.add_argument("--profile", default="smoke", choices=list(PROFILES))
    run.add_argument("--dataset", default="mnist", choices=datasets)
    run.add_argument("--results", help="results folder root (default: results/ of the project)")
    run.add_argument("--data-dir", help="dataset folder (default: $LITHM_DATA, else ./data)")
    run.add_argument("--device", default="auto", help="auto (CUDA when present), cpu, cuda, cuda:1")
    run.add_argument("--executor", default="local", choices=["local", "ray"])
    run.add_argument("--address", help="Ray cluster address (auto, ray://host:10001)")
    run.add_argument("--concurrency", type=int, help="Ray: at most this many runs at once")
    run.add_argument("--no-ship-data", action="store_true",
                     help="Ray: workers read the data from their own LITHM_DATA / --data-dir "
                     "instead of receiving it through the object store")  # fmt: skip
    run.add_argument("--max-runs", type=int, help="train at most this many missing runs")
    run.add_argument("--epochs", type=int, help="override the profile's epochs")
    run.add_argument("--threads", type=int, help="torch CPU threads for this process")
    run.add_argument("--quiet", action="store_true", help="no progress bars")

    stop = sub.add_parser(
        "stop", help="ask the grid's local processes to return after their current run"
    )
    stop.add_argument("--profile", default="book", choices=list(PROFILES))
    stop.add_argument("--results", help="results folder root")
    stop.add_argument("--undo", action="store_true", help="delete the stop file (go on)")

    status = sub.add_parser("status", help="what is done and missing per experiment")
    status.add_argument("--profile", default="book", choices=[*PROFILES, "all"])
    status.add_argument("--results", help="results folder root")
    status.add_argument("--markdown", action="store_true", help="print Markdown tables")

    conv = sub.add_parser("convergence", help="how many stored runs finished learning")
    conv.add_argument("--profile", default="book", choices=list(PROFILES))
    conv.add_argument("--results", help="results folder root")
    conv.add_argument("--list", action="store_true", help="also list the runs still learning")

    verdicts = sub.add_parser("verdicts", help="every claim of the paper: reproduced or not")
    verdicts.add_argument("--profile", default="book", choices=list(PROFILES))
    verdicts.add_argument("--results", help="results folder root")
    verdicts.add_argument("--way", default="best", choices=["best", "final", "authors"],
                          help="per fold: best clean-validation epoch, final epoch, or the "
                          "authors' median over epochs x folds")  # fmt: skip
    verdicts.add_argument("--markdown", action="store_true", help="print a Markdown table")

    table = sub.add_parser("table", help="our numbers beside the paper's")
    table.add_argument("experiment", choices=list(EXPERIMENTS), metavar="EXPERIMENT",
                       help=f"one of: {', '.join(EXPERIMENTS)}")  # fmt: skip
    table.add_argument("--profile", default="book", choices=list(PROFILES))
    table.add_argument("--dataset", default="all", choices=datasets)
    table.add_argument("--way", default="both", choices=["authors", "final", "best", "both"],
                       help="authors: median over all epochs of all folds (protocol §9); "
                       "final/best: per-fold final or best epoch, median over folds")  # fmt: skip
    table.add_argument("--results", help="results folder root")
    return parser


def _print_frame(frame) -> None:
    import pandas as pd

    with pd.option_context("display.max_rows", 500, "display.width", 200):
        print(frame.to_string(index=False))


def _markdown(frame) -> str:
    """A DataFrame as a Markdown table (no extra dependency)."""
    lines = ["| " + " | ".join(map(str, frame.columns)) + " |"]
    lines.append("|" + "---|" * len(frame.columns))
    for row in frame.itertuples(index=False):
        lines.append("| " + " | ".join(map(str, row)) + " |")
    return "\n".join(lines)


def _cmd_run(args) -> int:
    import torch

    from lithm.paths import results_dir
    from lithm.runner import run_grid

    if args.threads:
        torch.set_num_threads(args.threads)
    overrides = {}
    if args.epochs is not None:
        overrides["epochs"] = args.epochs
    options = {}
    if args.address:
        options["address"] = args.address
    if args.concurrency:
        options["concurrency"] = args.concurrency
    if args.executor == "ray":
        options["progress"] = not args.quiet
        if args.no_ship_data:
            options["ship_data"] = False
    folder = results_dir(args.profile, args.results)
    table = run_grid(
        args.experiment, args.profile, args.dataset, results=folder, executor=args.executor,
        executor_options=options, device=args.device, data_dir=args.data_dir,
        progress=not args.quiet, max_runs=args.max_runs, **overrides,
    )  # fmt: skip
    print(f"{len(table)} run(s) of {args.experiment} [{args.profile}] stored in {folder}")
    return 0


def _cmd_stop(args) -> int:
    from lithm.paths import results_dir
    from lithm.runner import request_stop, stop_file

    folder = results_dir(args.profile, args.results)
    if args.undo:
        path = stop_file(folder)
        path.unlink(missing_ok=True)
        print(f"removed {path}: `lithm run` starts new runs of {folder} again")
        return 0
    path = request_stop(folder)
    print(
        f"wrote {path}: each `lithm run` process on {folder} stores its current run and returns; "
        f"`lithm stop --profile {args.profile} --undo` (or deleting the file) lets runs start again"
    )
    return 0


def _cmd_status(args) -> int:
    import pandas as pd

    from lithm.paths import results_dir
    from lithm.runner import against_budget, grid_status, projected_core_hours, stop_file

    profiles = list(PROFILES) if args.profile == "all" else [args.profile]
    for profile in profiles:
        folder = results_dir(profile, args.results)
        rows, total = grid_status(profile, folder)
        frame = pd.DataFrame(rows)
        frame["hours"] = frame["hours"].round(2)
        frame["cpu_hours"] = frame["cpu_hours"].map(
            lambda h: "?" if h is None or h != h else f"{h:.2f}"
        )
        frame["hours_left"] = frame["hours_left"].map(
            lambda h: "?" if h is None or h != h else f"{h:.2f}"
        )
        print(f"profile {profile} ({folder}):")
        if args.markdown:
            print(_markdown(frame))
        else:
            _print_frame(frame)
        left_h = total["hours_left"]
        left = "unknown (no finished run of some kind yet)" if left_h is None else f"{left_h:.1f} h"
        cpu = "?" if total["cpu_hours"] is None else f"{total['cpu_hours']:.2f}"
        print(
            f"all distinct runs: {total['done']} of {total['runs']} done, "
            f"{total['core_hours']:.2f} core-hours computed (wall-clock x threads; {cpu} "
            "CPU-hours); estimated time left at one single-threaded process on "
            f"an otherwise idle machine: {left} (from the CPU time of finished runs; divide by "
            "the number of processes sharing the grid)"
        )
        budget = PROFILES[profile].budget_core_hours
        projected = projected_core_hours(total)
        if budget is not None and projected is not None:
            what = "total" if total["missing"] == 0 else "projected total"
            print(
                f"{what}: {projected:.1f} core-hours, "
                f"{against_budget(projected, budget)} (profile {profile})"
            )
        outside = total["outside"]
        if outside:
            shown = ", ".join(outside[:5]) + (", …" if len(outside) > 5 else "")
            print(
                f"{len(outside)} stored run(s) in {folder} are not runs of the {profile} grid "
                f"(another scale or an ad-hoc run): {shown}. Tables refuse to pool them with the "
                "grid's runs; move them to another folder and pass it with --results DIR."
            )
        else:
            print(f"every stored run in {folder} is a run of the {profile} grid")
        stop = stop_file(folder)
        if stop.exists():
            print(
                f"stop requested ({stop}): no new run starts until the file is "
                f"deleted (`lithm stop --profile {profile} --undo`)"
            )
        print()
    return 0


def _cmd_convergence(args) -> int:
    from lithm.convergence import convergence_table
    from lithm.paths import results_dir

    folder = results_dir(args.profile, args.results)
    table = convergence_table(folder)
    print(f"profile {args.profile} ({folder}): runs that finished learning (stopped by patience,")
    print("or flat: the last epochs added at most 0.2 points of clean validation accuracy)")
    _print_frame(table)
    unconverged = table.attrs["unconverged"]
    if args.list and unconverged:
        print("\nstill learning when they stopped:\n  " + "\n  ".join(unconverged))
    return 0


def _cmd_verdicts(args) -> int:
    from lithm.analysis import load_distances, load_results
    from lithm.paths import results_dir
    from lithm.verdicts import verdict_table

    folder = results_dir(args.profile, args.results)
    table = verdict_table(load_results(folder), way=args.way, distances=load_distances(folder))
    for column in ("ours", "low", "high"):
        table[column] = table[column].map(lambda x: "–" if x is None or x != x else f"{x:.3f}")
    table = table[["claim", "section", "paper", "ours", "low", "high", "n_folds", "outcome",
                   "reason"]]  # fmt: skip
    counts = table["outcome"].value_counts()
    print(f"profile {args.profile} ({folder}), {table.attrs.get('caption', '')}:")
    if args.markdown:
        print(_markdown(table))
    else:
        _print_frame(table)
    print("; ".join(f"{counts.get(o, 0)} {o}" for o in ("reproduces", "does not reproduce",
                                                       "cannot tell")))  # fmt: skip
    return 0


def _cmd_table(args) -> int:
    from lithm.analysis import comparison_table, load_results
    from lithm.paths import results_dir

    frame = load_results(results_dir(args.profile, args.results))
    datasets = DATASETS if args.dataset == "all" else (args.dataset,)
    ways = ["authors", "final", "best"] if args.way == "both" else [args.way]
    for way in ways:
        table = comparison_table(frame, args.experiment, datasets=datasets, way=way)
        if table.empty:
            print(f"no stored runs of {args.experiment} in profile {args.profile}; "
                  f"run: lithm run {args.experiment} --profile {args.profile}")  # fmt: skip
            return 1
        print(f"{args.experiment}, profile {args.profile}, aggregated the {way} way:")
        _print_frame(table)
        print()
    return 0


def main(argv=None) -> int:
    """Entry point of the ``lithm`` console script."""
    from lithm.data import DataMissingError
    from lithm.runner import GridFailed

    args = _parser().parse_args(argv)
    commands = {
        "run": _cmd_run, "status": _cmd_status, "stop": _cmd_stop, "table": _cmd_table,
        "convergence": _cmd_convergence,
        "verdicts": _cmd_verdicts,
    }  # fmt: skip
    try:
        return commands[args.command](args)
    except (DataMissingError, ValueError, ImportError) as exc:
        print(f"lithm {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except GridFailed as exc:
        print(f"lithm {args.command}: {exc}\nRun the same command again to retry them.",
              file=sys.stderr)  # fmt: skip
        return 1
    except KeyboardInterrupt:
        print("interrupted: finished runs are stored; run the same command to resume.",
              file=sys.stderr)  # fmt: skip
        return 130


if __name__ == "__main__":
    sys.exit(main())
