"""Rewrite the README's table of the book grid's progress from `lithm status --profile book`.

The table sits between the lines ``<!-- status:begin -->`` and ``<!-- status:end -->`` of
README.md; everything else is left alone. Run it after committing new runs::

    python scripts/readme_status.py            # rewrite README.md in place
    python scripts/readme_status.py --check    # exit 1 when the README's table is out of date
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BEGIN, END = "<!-- status:begin -->", "<!-- status:end -->"


def _cell(value) -> str:
    if value is None or value != value:
        return "?"
    return f"{value:.2f}" if isinstance(value, float) else str(value)


def status_block(profile: str = "book") -> str:
    """The Markdown table of the grid's progress, with its date and the totals line."""
    from lithm.experiments import PROFILES
    from lithm.paths import results_dir
    from lithm.runner import against_budget, grid_status, projected_core_hours

    folder = results_dir(profile)
    rows, total = grid_status(profile, folder)
    columns = ["experiment", "dataset", "runs", "done", "running", "missing", "hours",
               "cpu_hours", "hours_left"]  # fmt: skip
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        lines.append("| " + " | ".join(_cell(row[c]) for c in columns) + " |")
    lines.append("")
    day = time.strftime("%Y-%m-%d")
    done = f"{total['done']} of {total['runs']} done"
    hours = (
        f"{_cell(total['core_hours'])} core-hours (wall-clock × threads) and "
        f"{_cell(total['cpu_hours'])} CPU-hours"
    )
    budget = PROFILES[profile].budget_core_hours
    if total["done"] == total["runs"]:
        # the grid is complete: its core-hours are the measured total, set against the budget
        within = against_budget(total["core_hours"], budget)
        lines.append(
            f"All distinct runs on {day}: complete, {done}, {hours} computed"
            + (f", {within}." if within else ".")
        )
    else:
        projected = projected_core_hours(total)
        within = against_budget(projected, budget) if projected is not None else ""
        lines.append(
            f"All distinct runs on {day}: in progress, {done}, {hours} computed; "
            f"about {_cell(total['hours_left'])} CPU-hours left"
            + (f" (projected total {projected:.1f} core-hours, {within})." if within else ".")
        )
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check, do not write")
    args = parser.parse_args(argv)
    readme = ROOT / "README.md"
    text = readme.read_text()
    if BEGIN not in text or END not in text:
        print(f"README.md lacks the markers {BEGIN} and {END}", file=sys.stderr)
        return 2
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    new = f"{head}{BEGIN}\n{status_block()}\n{END}{tail}"
    if args.check:
        return 0 if new == text else 1
    readme.write_text(new)
    return 0


if __name__ == "__main__":
    sys.exit(main())
