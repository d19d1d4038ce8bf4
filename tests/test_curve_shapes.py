"""The shape of the filter-distance curves (lithm.curve_shapes), against hand-made curves."""

import pandas as pd

from lithm.curve_shapes import curve_shapes, describe_shapes


def _curves(spec):
    """A load_distances-like frame: ``spec`` maps (level, fold) to the radius-1 values by epoch."""
    rows = []
    for (level, fold), values in spec.items():
        for epoch, value in enumerate(values):
            rows.append({
                "dataset": "mnist", "model": "fcn",
                "augmentation": "translation" if level else "none", "level": level,
                "connection_mode": None, "connection_prob": 0.0, "init": "keras", "fold": fold,
                "run_id": f"r{level}-{fold}", "epoch": epoch, "radius": 1,
                "metric": "euclidean", "value": value,
            })  # fmt: skip
    return pd.DataFrame(rows)


DIP_THEN_RISE = [0.110, 0.100, 0.104, 0.108]  # falls 9 %, rises back to 1.8 % below the start
KEEPS_FALLING = [0.110, 0.100, 0.095, 0.090]


def test_each_fold_is_read_on_its_own_curve():
    frame = _curves({(0.0, 0): DIP_THEN_RISE, (0.0, 1): [0.110, 0.102, 0.106],
                     (0.5, 0): KEEPS_FALLING})  # fmt: skip
    table = curve_shapes(frame, "translation", "mnist").set_index("level")
    assert table.loc[0.0, "folds"] == 2 and table.loc[0.5, "folds"] == 1
    assert abs(table.loc[0.0, "lowest"] - 0.101) < 1e-12  # mean of the folds' own minima
    assert abs(table.loc[0.0, "rise"] - (0.008 + 0.004) / 2) < 1e-12
    assert table.loc[0.0, "lowest epoch"] == 1 and table.loc[0.5, "lowest epoch"] == 3
    assert table.loc[0.5, "rise"] == 0


def test_the_sentence_names_who_rose_and_where_the_untranslated_curve_ends():
    table = curve_shapes(_curves({(0.0, 0): DIP_THEN_RISE, (0.5, 0): KEEPS_FALLING}),
                         "translation", "mnist")  # fmt: skip
    text = describe_shapes(table, "mnist")
    assert "2 of 2 curves fall more than 1 % below their start" in text
    assert "the curve at 0 % rises again, by 0.008" in text
    assert "the curve at 50 % ends within 1 % of its lowest value" in text
    assert "ends 1.8 % below its start (0.1080 against 0.1100)" in text


def test_no_dip_and_no_runs_are_said_so():
    flat = curve_shapes(_curves({(0.0, 0): [0.110, 0.1099, 0.1101]}), "translation", "mnist")
    assert "no curve falls more than 1 % below its start" in describe_shapes(flat, "mnist")
    empty = curve_shapes(pd.DataFrame(), "translation", "mnist")
    assert empty.empty and "no stored FCN curve" in describe_shapes(empty, "mnist")
