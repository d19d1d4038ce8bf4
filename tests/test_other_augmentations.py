"""Tests for lithm.other_augmentations: the App. B ordering, its table and figure."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from lithm.analysis import load_results  # noqa: E402
from lithm.config import RunConfig  # noqa: E402
from lithm.other_augmentations import (  # noqa: E402
    compared_scale,
    final_table,
    ordering,
    plot_augmentation_hypothesis,
    translation_after_each_kind,
)


def _frame(entries, dataset="mnist", fold=0):
    """entries: (model, augmentation, level, final translated accuracy) -> a results frame."""
    records = []
    for model, aug, level, acc in entries:
        cfg = RunConfig(dataset=dataset, model=model, augmentation=aug if level else "none",
                        level=level, fold=fold, subset=600, epochs=2, patience=None)  # fmt: skip
        history = [{"epoch": e, "acc": 0.9, "val_acc": 0.9, "translation": acc - 0.2 * (e == 1),
                    "noise": 0.8, "rotation": 0.7, "edge_noise": 0.85} for e in (1, 2)]  # fmt: skip
        records.append({"config": cfg.to_dict(), "run_id": cfg.run_id, "history": history,
                        "summary": {}, "provenance": {"device": "cpu"}})  # fmt: skip
    return load_results(records)


def _grid(translated_after_rotation: float, dataset="mnist", scale=1.0):
    trans = _frame([(m, "translation", lv, a * scale) for m in ("cnn", "fcn")
                    for lv, a in ((0.0, 0.3), (0.1, 0.6), (0.5, 0.9))], dataset)  # fmt: skip
    rot = _frame([(m, "rotation", lv, a * scale) for m in ("cnn", "fcn")
                  for lv, a in ((0.0, 0.3), (0.1, translated_after_rotation), (0.5, 0.25))],
                 dataset)  # fmt: skip
    return trans, rot


def test_ordering_holds_when_translation_wins():
    trans, rot = _grid(0.4)
    result = ordering(trans, {"rotation": rot, "noise": rot.iloc[:0]}, ["mnist"])
    assert [o.holds for o in result] == [True, True]
    o = result[1]
    assert (o.after_translation, o.best_other, o.best_kind) == (
        pytest.approx(0.6),
        0.4,
        "rotation 0.1",
    )
    assert o.missing == ("noise",)
    assert "holds in our runs" in o.sentence() and "no runs stored yet for noise" in o.sentence()


def test_ordering_fails_when_another_kind_wins_and_cannot_tell_near_chance():
    trans, rot = _grid(0.7)
    assert [o.holds for o in ordering(trans, {"rotation": rot}, ["mnist"])] == [False, False]
    assert "does not hold" in ordering(trans, {"rotation": rot}, ["mnist"])[0].sentence()
    trans, rot = _grid(0.7, scale=0.2)  # every translated accuracy at most 0.18
    o = ordering(trans, {"rotation": rot}, ["mnist"])[0]
    assert o.holds is None and "cannot be told" in o.sentence()


def test_table_and_figure():
    trans, rot = _grid(0.4)
    t = translation_after_each_kind(trans, {"rotation": rot}, ["mnist", "cifar10"])
    assert t.columns.tolist() == ["dataset", "model", "0 %", "best rotation", "translation 10 %"]
    assert t["best rotation"].tolist() == [0.4, 0.4]
    ft = final_table(rot, "rotation", ["mnist"])
    assert ft.loc[("mnist", 0.1), ("rotation", "fcn")] == "0.700"  # one fold: no range
    fig = plot_augmentation_hypothesis(trans, {"rotation": rot}, ["mnist"])
    assert len(fig.axes) == 2 and len(fig.axes[0].lines) >= 2
    plt.close(fig)
    assert plot_augmentation_hypothesis(trans.iloc[:0], {}, ["mnist"]) is None


def test_ordering_verdict_pairs_the_two_runs_and_reads_the_papers_difference():
    from lithm.other_augmentations import ordering_verdicts
    from lithm.paper import paper_value

    trans, rot = _grid(0.4)
    v = ordering_verdicts(trans, {"rotation": rot}, ["mnist"])[1]
    assert v.ours == pytest.approx(0.6 - 0.4)
    expected = paper_value("translation", "mnist", "fcn", 0.1, "translation") - paper_value(
        "rotation", "mnist", "fcn", 0.1, "translation"
    )
    assert v.paper == pytest.approx(expected)
    assert "rotation 0.1" in v.statement and v.outcome in ("reproduces", "cannot tell")


def test_an_empty_store_says_what_is_missing():
    from lithm.other_augmentations import ordering_verdicts

    empty = load_results([])
    result = ordering(empty, {"rotation": empty}, ["mnist"])
    assert [o.holds for o in result] == [None, None]
    assert "no translated run is stored yet" in result[0].sentence()
    assert [v.outcome for v in ordering_verdicts(empty, {"rotation": empty}, ["mnist"])] == [
        "cannot tell",
        "cannot tell",
    ]


def test_kind_verdict_reads_the_best_level_and_the_papers_difference():
    from lithm.other_augmentations import kind_verdicts
    from lithm.paper import paper_value

    trans, rot = _grid(0.4)
    v = kind_verdicts(trans, {"rotation": rot}, ["mnist"])[0]
    assert v.ours == pytest.approx(0.4 - 0.3)  # rotation 0.1 (the best level) minus clean
    expected = paper_value("rotation", "mnist", "fcn", 0.1, "translation") - paper_value(
        "translation", "mnist", "fcn", 0.0, "translation"
    )
    assert v.paper == pytest.approx(expected) and "rotation 0.1" in v.statement


def test_each_row_uses_its_own_smallest_stored_translation_level():
    import pandas as pd

    from lithm.other_augmentations import ordering_verdicts

    mnist, rot = _grid(0.4)  # MNIST translation at 10 % and 50 %
    cifar = _frame([(m, "translation", lv, a) for m in ("cnn", "fcn")
                    for lv, a in ((0.0, 0.3), (0.3, 0.55))], "cifar10")  # fmt: skip
    trans = pd.concat([mnist, cifar], ignore_index=True)
    t = translation_after_each_kind(trans, {"rotation": rot}, ["mnist", "cifar10"])
    assert "translation 10 %" in t.columns and "translation 30 %" in t.columns
    result = ordering(trans, {"rotation": rot}, ["mnist", "cifar10"])
    assert [(o.dataset, o.level) for o in result] == [
        ("mnist", 0.1), ("mnist", 0.1), ("cifar10", 0.3), ("cifar10", 0.3)
    ]  # fmt: skip
    assert [o.after_translation for o in result] == pytest.approx([0.6, 0.6, 0.55, 0.55])
    cifar_cnn = result[2]  # no CIFAR-10 rotation runs
    assert "no translated run" not in cifar_cnn.sentence()
    assert "0.550 after 30 % translation" in cifar_cnn.sentence()
    assert "no rotation run at a non-zero level is stored yet" in cifar_cnn.sentence()
    verdicts = ordering_verdicts(trans, {"rotation": rot}, ["mnist", "cifar10"])
    assert "after 30 % translation" in verdicts[2].statement
    assert "our best other augmentation" in verdicts[0].statement
    assert "(no rotation run at a non-zero level stored yet)" in verdicts[2].statement
    # the missing side is the other augmentation's run, and the reason says so
    assert "no stored runs of CIFAR-10 CNN after rotation 0.1, translation" in verdicts[2].reason


def test_kind_verdict_names_the_missing_augmentation_run():
    from lithm.other_augmentations import kind_verdicts

    trans, _ = _grid(0.4)
    v = kind_verdicts(trans, {"edge-noise": trans.iloc[:0]}, ["mnist"])[0]
    assert v.outcome == "cannot tell"
    assert "no stored runs of MNIST FCN after edge-noise 0.1, translation" in v.reason


def test_readable_tables():
    import pandas as pd

    from lithm.other_augmentations import readable

    trans, rot = _grid(0.4)
    html = readable(final_table(rot, "rotation", ["mnist"])).to_html()
    both = pd.concat([rot, _grid(0.4, "cifar10")[1]], ignore_index=True)
    labels = readable(final_table(both, "rotation", ["mnist", "cifar10"])).data.index
    assert [d for d, _ in labels] == ["MNIST"] * 3 + ["CIFAR-10"] * 3
    assert "CNN" in html and "FCN" in html and "MNIST" in html and ">cnn<" not in html
    assert "0.700" in html and "0.700–0.700" not in html  # one fold: no range
    only_zero = rot[rot["level"] == 0]  # a kind with only the shared 0 % runs: NaN
    t = translation_after_each_kind(trans, {"rotation": rot, "noise": only_zero}, ["mnist"])
    assert t["best noise"].isna().all()
    html = readable(t).to_html()
    assert "nan" not in html and "–" in html and ">cnn<" not in html


def test_translation_columns_read_the_folds_of_the_other_kinds():
    # translation on folds 0 and 1 (fold 1 far better), rotation only on fold 0
    entries = [
        (m, "translation", lv, a) for m in ("cnn", "fcn") for lv, a in ((0.0, 0.3), (0.1, 0.6))
    ]
    trans = pd.concat(
        [_frame(entries, fold=0), _frame([(m, a, lv, v + 0.3) for m, a, lv, v in entries], fold=1)]
    )
    rot = _frame([(m, "rotation", 0.1, 0.4) for m in ("cnn", "fcn")])
    t = translation_after_each_kind(trans, {"rotation": rot}, ["mnist"])
    assert t["translation 10 %"].tolist() == [pytest.approx(0.6)] * 2  # fold 0 alone
    assert t["0 %"].tolist() == [pytest.approx(0.3)] * 2
    assert "1 of 5 folds" in compared_scale(trans, {"rotation": rot}, ["mnist"])
    # without another kind trained, the translation columns keep both folds (median 0.75)
    t = translation_after_each_kind(trans, {"rotation": rot.iloc[:0]}, ["mnist"])
    assert t["translation 10 %"].tolist() == [pytest.approx(0.75)] * 2
