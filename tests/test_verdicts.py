"""Tests for lithm.verdicts: verdicts on hand-built stores whose answer is known in advance.

Every record is built from explicit per-epoch numbers, so the expected differences are computed
here with plain arithmetic (``statistics``), not by the code under test.
"""

import statistics

import numpy as np
import pytest

from lithm.analysis import fold_table, load_distances, load_results
from lithm.config import RunConfig
from lithm.paper import CLAIMS, claim, paper_value
from lithm.verdicts import (
    OUTCOMES,
    SPECS,
    Verdict,
    claim_verdict,
    compare,
    verdict_table,
)


def record(val, *, dataset="mnist", model="cnn", level=0.0, fold=0, offset=0.0, **config):
    """One run whose clean validation accuracy per epoch is ``val`` (+ ``offset``).

    Translated accuracy is val − 0.1, training accuracy val + 0.02, swap val − 0.3.
    """
    cfg = RunConfig(dataset=dataset, model=model, augmentation="translation", level=level,
                    fold=fold, subset=600, epochs=20, patience=None, **config)  # fmt: skip
    history = []
    for epoch, v in enumerate(val, start=1):
        v = round(v + offset, 6)
        history.append({"epoch": epoch, "loss": 1.0, "acc": v + 0.02, "val_loss": 1.0,
                        "val_acc": v, "translation": v - 0.1, "noise": v, "rotation": v,
                        "edge_noise": v, "swap": v - 0.3, "seconds": 1.0})  # fmt: skip
        if model == "fcn":
            history[-1].update(dist_1=0.1 - 0.001 * epoch, dist_4=0.12, cos_1=0.5, cos_4=0.6)
    initial = {"dist_1": 0.1, "dist_4": 0.12, "cos_1": 0.5, "cos_4": 0.6} if model == "fcn" else {}
    return {"config": cfg.to_dict(), "run_id": cfg.run_id, "history": history,
            "initial": initial, "summary": {}, "provenance": {"device": "cpu"}}  # fmt: skip


PLATEAU = [0.90, 0.95, 0.97, 0.975, 0.98, 0.978, 0.979, 0.977]  # best epoch 5 (0.98)


def pair_store(effect, folds=(0, 1, 2, 3, 4), dataset="mnist", base=PLATEAU, jitter=0.002):
    """CNN runs at ``base`` and FCN runs at ``base + effect``, per fold a small known offset."""
    records = []
    for fold in folds:
        shift = jitter * (fold - 2)
        records.append(record(base, dataset=dataset, model="cnn", fold=fold, offset=shift))
        records.append(record(base, dataset=dataset, model="fcn", fold=fold,
                              offset=shift + effect))  # fmt: skip
    return load_results(records)


FCN, CNN = {"model": "fcn"}, {"model": "cnn"}


def test_reversed_effect_does_not_reproduce():
    frame = pair_store(effect=-0.01)  # the FCN is worse, the claim says better
    v = compare(frame, "mnist", "validation", FCN, CNN, expect="greater")
    assert v.outcome == "does not reproduce"
    assert v.ours == pytest.approx(-0.01)
    assert v.n_folds == 5 and v.high < 0
    assert "bootstrap over 5 folds" in v.interval


def test_effect_in_the_right_direction_reproduces():
    v = compare(pair_store(effect=0.01), "mnist", "validation", FCN, CNN, expect="greater")
    assert v.outcome == "reproduces" and v.low > 0


def test_paper_value_inside_the_interval_reproduces():
    frame = pair_store(effect=0.0, jitter=0.004)
    # per fold the CNN's best accuracy is 0.98 + 0.004 (fold − 2): mean 0.98
    v = compare(frame, "mnist", "validation", CNN, paper=0.981, expect="close", tolerance=0.01)
    best = [0.98 + 0.004 * (f - 2) for f in range(5)]
    assert v.ours == pytest.approx(statistics.mean(best))
    assert v.low <= 0.981 <= v.high
    assert v.outcome == "reproduces"


def test_paper_value_far_outside_does_not_reproduce():
    frame = pair_store(effect=0.0)
    v = compare(frame, "mnist", "validation", CNN, paper=0.90, expect="close", tolerance=0.01)
    assert v.outcome == "does not reproduce"


def test_comparison_at_the_floor_cannot_tell():
    near_chance = [0.10, 0.11, 0.12, 0.115, 0.118]
    frame = pair_store(effect=0.05, base=near_chance, dataset="cifar10")
    v = compare(frame, "cifar10", "validation", FCN, CNN, expect="greater")
    assert v.outcome == "cannot tell"
    assert "chance" in v.reason


def test_both_at_the_ceiling_cannot_tell():
    frame = pair_store(effect=0.001, base=[0.99, 0.997, 0.998, 0.997])
    v = compare(frame, "mnist", "validation", FCN, CNN, expect="greater")
    assert v.outcome == "cannot tell" and "ceiling" in v.reason


def test_missing_runs_cannot_tell():
    frame = load_results([record(PLATEAU, model="cnn")])
    v = compare(frame, "mnist", "validation", FCN, CNN, paper=0.01)
    assert v.outcome == "cannot tell" and v.ours is None
    assert "no stored runs" in v.reason
    assert "no stored runs yet" in v.sentence()


def test_partly_stored_claim_does_not_say_nothing_is_stored():
    from lithm.verdicts import _combine

    frame = pair_store(effect=0.02)
    stored = compare(frame, "mnist", "validation", FCN, CNN, paper=0.02, expect="greater")
    missing = compare(load_results([]), "cifar10", "validation", FCN, CNN, paper=0.02)
    both = _combine("k", "a claim", [stored, missing])
    assert both.ours is None and both.outcome == "cannot tell"
    assert "not every run stored yet" in both.sentence()
    assert (
        "no stored runs yet" not in both.sentence() and "1 of 2 comparisons stored" in both.reason
    )
    assert "the other:" in both.reason and "the others:" not in both.reason


def test_folds_pair_by_fold_number():
    # FCN on folds 0-4, CNN only on folds 1 and 3: two pairs
    records = [record(PLATEAU, model="fcn", fold=f, offset=0.01) for f in range(5)]
    records += [record(PLATEAU, model="cnn", fold=f) for f in (1, 3)]
    v = compare(load_results(records), "mnist", "validation", FCN, CNN)
    assert v.n_folds == 2 and v.ours == pytest.approx(0.01)


def test_per_fold_values_match_fold_table():
    frame = pair_store(effect=0.0, jitter=0.004)
    table = fold_table(frame, "translation", "mnist", epoch="best")
    cnn = table[table["model"] == "cnn"].iloc[0]
    v = compare(frame, "mnist", "validation", CNN, paper=0.98, expect="close")
    # with symmetric offsets the mean over folds equals fold_table's median
    assert v.ours == pytest.approx(float(cnn["validation"]))


def test_one_fold_falls_back_to_the_epoch_spread():
    frame = pair_store(effect=0.01, folds=(0,))
    v = compare(frame, "mnist", "validation", FCN, CNN)
    assert v.n_folds == 1 and "epoch spread" in v.interval
    # two runs: their epochs are resampled independently, around our number
    assert v.ours == pytest.approx(0.01) and v.low < 0.01 < v.high


def test_too_few_epochs_cannot_tell():
    frame = pair_store(effect=0.01, folds=(0,), base=[0.9, 0.95])
    v = compare(frame, "mnist", "validation", FCN, CNN)
    assert v.outcome == "cannot tell" and v.low is None


def test_mixed_scales_cannot_tell():
    records = [record(PLATEAU, model="fcn", fold=f, offset=0.01) for f in range(3)]
    records += [record(PLATEAU, model="cnn", fold=f, lr=1e-4) for f in range(3)]
    v = compare(load_results(records), "mnist", "validation", FCN, CNN)
    assert v.outcome == "cannot tell" and "mixed scales" in v.reason


def test_authors_way_is_the_pooled_median():
    frame = pair_store(effect=0.0, folds=(0, 1, 2))
    v = compare(frame, "mnist", "validation", CNN, paper=0.97, expect="close", way="authors")
    pooled = [x + 0.002 * (f - 2) for f in range(3) for x in PLATEAU]
    assert v.ours == pytest.approx(statistics.median(pooled))


def test_two_metrics_of_one_run():
    frame = pair_store(effect=0.0, folds=(0, 1, 2))
    v = compare(frame, "mnist", "validation", CNN, {**CNN, "metric": "translation"})
    assert v.ours == pytest.approx(0.1) and v.outcome == "reproduces"


def test_bootstrap_is_seeded_and_within_the_fold_range():
    frame = pair_store(effect=0.01, jitter=0.003)
    a = compare(frame, "mnist", "validation", FCN, CNN)
    b = compare(frame, "mnist", "validation", FCN, CNN)
    assert (a.low, a.high) == (b.low, b.high)
    # paired differences are all 0.01 here: the interval collapses onto them
    assert a.low == pytest.approx(0.01) and a.high == pytest.approx(0.01)


def test_every_claim_gets_a_verdict_on_an_empty_frame():
    empty = load_results([])
    table = verdict_table(empty)
    assert list(table["claim"]) == [c.id for c in CLAIMS]
    assert set(table["outcome"]) == {"cannot tell"}
    assert set(SPECS) == {c.id for c in CLAIMS}
    for c in CLAIMS:
        v = claim_verdict(empty, c.id)
        assert isinstance(v, Verdict) and v.outcome in OUTCOMES and v.reason
        assert v.sentence().endswith(".")


def test_claim_verdict_reads_the_paper_number_from_lithm_paper():
    records = []
    for fold in (0, 1, 2):
        records.append(record(PLATEAU, dataset="cifar10", model="fcn", fold=fold, level=0.0,
                              offset=-0.3))  # fmt: skip
        for level in (0.1, 0.2, 0.3):  # translation makes it worse: the claim is reversed
            records.append(record(PLATEAU, dataset="cifar10", model="fcn", fold=fold,
                                  level=level, offset=-0.35))  # fmt: skip
    v = claim_verdict(load_results(records), "cifar-fcn-improves-10-30")
    assert v.outcome == "does not reproduce"
    assert v.ours == pytest.approx(-0.05)
    expected = paper_value("translation", "cifar10", "fcn", 0.1, "validation") - paper_value(
        "translation", "cifar10", "fcn", 0.0, "validation"
    )
    assert {round(p.paper, 9) for p in v.details} >= {round(expected, 9)}
    assert len(v.details) == 3


def test_claim_on_a_partial_store_names_what_is_missing():
    # MNIST part stored and reproducing (FCN at 10 % above CNN at 0 %), CIFAR-10 part missing
    records = [record(PLATEAU, model="cnn", fold=f) for f in range(3)]
    records += [record(PLATEAU, model="fcn", level=0.1, fold=f, offset=0.005) for f in range(3)]
    v = claim_verdict(load_results(records), "fcn-surpass-cnn")
    assert v.outcome == "cannot tell"
    assert "1 of 2 comparisons stored" in v.reason
    assert [p.outcome for p in v.details] == ["reproduces", "cannot tell"]


def test_initial_distance_claim_needs_the_distances():
    records = [record(PLATEAU, model="fcn", fold=f, level=lv) for f in (0, 1) for lv in (0.0, 0.5)]
    frame = load_results(records)
    assert "load_distances" in claim_verdict(frame, "distance-r1-epoch1").reason
    v = claim_verdict(frame, "distance-r1-epoch1", distances=load_distances(records))
    assert v.ours == pytest.approx(0.1)
    assert v.paper == claim("distance-r1-epoch1").value
    v = claim_verdict(frame, "distance-untranslated-late", distances=load_distances(records))
    final = 0.1 - 0.001 * len(PLATEAU)
    assert v.ours == pytest.approx(final - 0.1) and v.outcome == "does not reproduce"
    # a claim that names its epochs says where it read them, whatever `way` is asked for
    assert "final epoch − epoch 0 per fold" in v.sentence()
    start = claim_verdict(
        frame, "distance-r1-epoch1", way="final", distances=load_distances(records)
    )
    assert "epoch 0 per fold" in start.sentence() and "final epoch" not in start.sentence()


def test_sentence_states_both_numbers_and_the_outcome():
    v = compare(pair_store(effect=0.01), "mnist", "validation", FCN, CNN, paper=0.02)
    text = v.sentence()
    assert "0.010" in text and "0.020" in text and v.outcome in text
    assert np.isfinite(v.low)


def test_cli_prints_the_verdict_table(tmp_path, capsys):
    from lithm.cli import main
    from lithm.store import ResultsStore

    store = ResultsStore(tmp_path / "book")
    for fold in range(3):
        store.write(record(PLATEAU, model="cnn", fold=fold))
    assert main(["verdicts", "--profile", "book", "--results", str(tmp_path), "--markdown"]) == 0
    out = capsys.readouterr().out
    assert "| mnist-cnn-val-0 |" in out and "cannot tell" in out
    assert len([line for line in out.splitlines() if line.startswith("| ")]) == len(CLAIMS) + 1


def test_other_augmentations_at_the_same_level_are_not_pooled():
    records = [record(PLATEAU, model="cnn", level=0.5, fold=f) for f in range(3)]
    noise = [record(PLATEAU, model="cnn", level=0.5, fold=f, offset=-0.5) for f in range(3)]
    for r in noise:
        r["config"]["augmentation"] = "noise"
        r["run_id"] = RunConfig.from_dict(r["config"]).run_id
    v = compare(load_results(records + noise), "mnist", "validation", {"model": "cnn",
                "level": 0.5})  # fmt: skip
    assert v.ours == pytest.approx(0.98)


def test_verdict_sentences_leave_out_claims_about_datasets_not_chosen():
    from lithm.analysis import load_results
    from lithm.verdicts import claim_datasets, claim_verdict, verdict_sentences

    frame = load_results([])
    ids = ["mnist-cnn-val-0", "cifar-overfit-gap-0", "vcp-robust", "hp-lr-0.1"]
    assert claim_datasets("vcp-robust") == ("mnist", "cifar10")
    said = verdict_sentences(frame, ids, ["mnist"])
    # MNIST's claim, the two-dataset claim and the claim that reads no runs are all said
    expected = [claim_verdict(frame, c).sentence() for c in ("mnist-cnn-val-0", "vcp-robust",
                                                             "hp-lr-0.1")]  # fmt: skip
    assert said[:3] == expected
    assert len(said) == 4 and "1 claim about CIFAR-10 (cifar-overfit-gap-0)" in said[3]
    both = verdict_sentences(frame, ids, ["mnist", "cifar10"])
    assert both == [claim_verdict(frame, c).sentence() for c in ids]  # nothing left out
    only_cifar = verdict_sentences(frame, ["mnist-cnn-val-0", "mnist-fcn-val-0"], ["cifar10"])
    assert only_cifar == [
        "Not checked here, since this page shows CIFAR-10 only: 2 claims about MNIST "
        "(mnist-cnn-val-0, mnist-fcn-val-0); run the chapter with that dataset to check them."
    ]


def test_scale_names_the_folds_the_comparison_pairs():
    # a clean CNN stored for folds 0 and 1, the FCN only for fold 0: a one-fold comparison
    records = [record(PLATEAU, model="cnn", fold=f, n_folds=5) for f in (0, 1)]
    records.append(record(PLATEAU, model="fcn", fold=0, n_folds=5, offset=0.01))
    v = compare(load_results(records), "mnist", "validation", FCN, CNN)
    assert v.n_folds == 1
    assert "scale: 1 of 5 folds" in v.scale


def test_outcome_counts_names_only_what_occurs():
    from lithm.verdicts import outcome_counts

    text = outcome_counts(["reproduces", "reproduces", "cannot tell"], "statements on X")
    assert (
        text
        == "Of the paper's 3 statements on X, 2 reproduce at our scale and for 1 we cannot tell."
    )
    assert "do not" not in text and " 0 " not in text
    with pytest.raises(ValueError, match="unknown outcomes"):
        outcome_counts(["maybe"], "statements on X")


def test_a_single_difference_names_its_two_sides():
    records = []
    for fold in range(3):
        records.append(record(PLATEAU, dataset="cifar10", model="cnn", level=0.1, fold=fold))
        records.append(record(PLATEAU, dataset="cifar10", model="fcn", level=0.1, fold=fold,
                              offset=-0.01))  # fmt: skip
    v = claim_verdict(load_results(records), "cifar-fcn-cnn-gap-10")
    assert v.ours == pytest.approx(0.01)
    assert v.reason.startswith("CIFAR-10 CNN at 10% validation − FCN at 10% validation: ")
    # a claim on one group of runs (no difference) keeps its reason as it is
    frame = pair_store(effect=0.0, folds=(0, 1, 2))
    assert " − " not in claim_verdict(frame, "mnist-cnn-val-0").reason


def test_a_claim_of_chance_level_is_tested_by_closeness():
    at_chance = [0.11, 0.112, 0.111, 0.113, 0.112, 0.111, 0.112, 0.111]
    frame = load_results([record(at_chance, model="fcn", fold=f) for f in range(3)])
    v = compare(frame, "mnist", "validation", FCN, paper=0.11, expect="close", tolerance=0.05)
    assert v.outcome == "reproduces"
    # a claim of a learned network still refuses a network at chance
    v = compare(frame, "mnist", "validation", FCN, paper=0.99, expect="close")
    assert v.outcome == "cannot tell" and "near chance" in v.reason
