"""Self-checks for the chapters' exercises: confirm a reader's answer without printing it.

A self-check cell under an exercise holds ``answer = None`` for the reader to fill in, then calls
:func:`confirm`. It says whether the answer is right (within a tolerance) and never shows the
expected value, so the solution stays in its hidden drop-down (the book's rule for exercises).

>>> confirm(None, 0.5)
Put your answer in `answer` above and run the cell again.
>>> confirm(0.49, 0.5, tolerance=0.02)
✓ Correct.
>>> confirm(0.3, 0.5, tolerance=0.02, hint="σ is a standard deviation, not a variance")
✗ Not yet (hint: σ is a standard deviation, not a variance).
"""

from __future__ import annotations

import math

__all__ = ["confirm"]


def confirm(answer, expected, *, tolerance: float = 0.0, relative: bool = False,
            hint: str = "") -> None:  # fmt: skip
    """Print whether ``answer`` matches ``expected`` (nothing is returned, so a cell shows only
    the verdict).

    Numbers match within ``tolerance`` (a fraction of ``expected`` when ``relative``); other
    values (strings, booleans, tuples) must be equal; strings ignore case and outer spaces.
    """
    if answer is None:
        print("Put your answer in `answer` above and run the cell again.")
        return
    if isinstance(expected, (int, float)) and not isinstance(expected, bool):
        try:
            value = float(answer)
        except (TypeError, ValueError):
            ok = False
        else:
            slack = tolerance * abs(expected) if relative else tolerance
            ok = math.isclose(value, float(expected), rel_tol=0.0, abs_tol=max(slack, 1e-12))
    elif isinstance(expected, str):
        ok = isinstance(answer, str) and answer.strip().lower() == expected.strip().lower()
    else:
        ok = answer == expected
    print("✓ Correct." if ok else "✗ Not yet" + (f" (hint: {hint})." if hint else "."))
