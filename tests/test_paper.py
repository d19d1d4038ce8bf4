"""Tests for lithm.paper: the paper's tables, protocol, claims and discrepancies as data."""

from __future__ import annotations

import builtins
import dataclasses
import doctest
import importlib.util
import math
import re
import sys
from pathlib import Path

import pytest

from lithm import paper
from lithm.paper import (
    CLAIMS,
    DISCREPANCIES,
    PAPER_LEVELS,
    PARAMETER_COUNTS,
    PROTOCOL,
    bold_cells,
    claim,
    discrepancy,
    paper_results,
    paper_table,
    paper_value,
)

# The restored paper text in the development set-up (CONTRIBUTING.md); absent in a plain clone.
PAPER_MD = Path(__file__).resolve().parents[1].parent / "shared" / "paper" / "paper.md"


def test_docstring_examples_run():
    result = doctest.testmod(paper)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize(
    "key, expected",
    [
        (("translation", "mnist", "cnn", 0.10, "validation"), 0.993071),
        (("translation", "mnist", "fcn", 0.00, "translation"), 0.372287),
        (("translation", "mnist", "cnn", 0.99, "train"), 0.448491),
        (("translation", "cifar10", "fcn", 0.20, "validation"), 0.731500),
        (("translation", "cifar10", "cnn", 0.40, "translation"), 0.742608),
        (("noise", "cifar10", "fcn", 0.99, "translation"), 0.28154),
        (("rotation", "mnist", "cnn", 0.10, "validation"), 0.99079),
        (("edge-noise", "cifar10", "cnn", 0.50, "validation"), 0.60917),
        (("edge-noise", "mnist", "fcn", 0.90, "translation"), 0.33970),
    ],
)
def test_spot_values(key, expected):
    assert paper_value(*key) == expected


def test_levels_are_matched_with_tolerance_and_aliases_accepted():
    assert paper_value("translation", "cifar", "cnn", 3 * 0.1, "val") == 0.774083
    assert paper_value("edge_noise", "mnist", "cnn", 0.1, "validation") == 0.99100


@pytest.mark.parametrize("name", ["table1", "table2", "tableB1", "tableB2", "tableB3"])
def test_every_table_has_11_levels_by_2_models_per_dataset_and_metric(name):
    t = paper_table(name)
    columns = "experiment dataset model level metric value source".split()
    assert list(t.columns) == columns
    assert not t.duplicated(["dataset", "model", "level", "metric"]).any()
    for _, group in t.groupby(["dataset", "metric"]):
        assert sorted(group.model.unique()) == ["cnn", "fcn"]
        for _, per_model in group.groupby("model"):
            assert tuple(sorted(per_model.level)) == PAPER_LEVELS
    metrics = {"validation", "translation"} | ({"train"} if name in ("table1", "table2") else set())
    assert set(t.metric) == metrics
    assert t.value.between(0, 1).all()
    assert t.source.nunique() == 1


def test_paper_results_concatenates_all_tables():
    r = paper_results()
    assert len(r) == 2 * 66 + 3 * 88
    assert set(r.source) == {"Table 1", "Table 2", "Table B.1", "Table B.2", "Table B.3"}
    assert set(r.dataset) == {"mnist", "cifar10"} and set(r.model) == {"cnn", "fcn"}


@pytest.mark.parametrize("experiment", ["edge-noise", "noise", "rotation"])
def test_zero_rows_of_appendix_tables_are_table_1_and_2_rounded(experiment):
    # protocol §9: the authors copied the 0 % translation runs as the 0 % rows of Tables B.1-B.3.
    for dataset in ("mnist", "cifar10"):
        for model in ("cnn", "fcn"):
            for metric in ("validation", "translation"):
                main = paper_value("translation", dataset, model, 0.0, metric)
                other = paper_value(experiment, dataset, model, 0.0, metric)
                assert other == pytest.approx(round(main, 5), abs=1e-12)


def test_bold_cells_match_facts_list():
    # protocol §9 (bold cells): (dataset, metric, model) -> (level, value).
    facts = {
        ("mnist", "train", "cnn"): (0.0, 0.999964),
        ("mnist", "train", "fcn"): (0.0, 0.999175),
        ("mnist", "validation", "cnn"): (0.1, 0.993071),
        ("mnist", "validation", "fcn"): (0.1, 0.991857),
        ("mnist", "translation", "cnn"): (0.3, 0.990741),
        ("mnist", "translation", "fcn"): (0.3, 0.985062),
        ("cifar10", "train", "cnn"): (0.0, 1.0),
        ("cifar10", "train", "fcn"): (0.0, 1.0),
        ("cifar10", "validation", "cnn"): (0.3, 0.774083),
        ("cifar10", "validation", "fcn"): (0.2, 0.731500),
        ("cifar10", "translation", "cnn"): (0.4, 0.742608),
        ("cifar10", "translation", "fcn"): (0.3, 0.683972),
    }
    got = {}
    for name in ("table1", "table2"):
        for row in bold_cells(name).itertuples():
            got[(row.dataset, row.metric, row.model)] = (row.level, row.value)
    assert got == facts


@pytest.mark.parametrize("name", ["tableB1", "tableB2", "tableB3"])
def test_bold_cells_are_column_maxima(name):
    # Plain-Python reference: the maximum of each (dataset, metric, model) column.
    best = {}
    for row in paper_table(name).itertuples():
        key = (row.dataset, row.metric, row.model)
        best[key] = max(best.get(key, 0.0), row.value)
    got = {(r.dataset, r.metric, r.model): r.value for r in bold_cells(name).itertuples()}
    assert got == best and len(bold_cells(name)) == 8


@pytest.mark.parametrize(
    "args, fragment",
    [
        (("scaling", "mnist", "cnn", 0.1, "validation"), "unknown experiment 'scaling'"),
        (("translation", "svhn", "cnn", 0.1, "validation"), "'cifar10'"),
        (("translation", "mnist", "mlp", 0.1, "validation"), "'fcn'"),
        (("translation", "mnist", "cnn", 0.15, "validation"), "0.99"),
        (("translation", "mnist", "cnn", 1.0, "validation"), "no level"),
        (("translation", "mnist", "cnn", 0.1, "loss"), "'translation'"),
        (("rotation", "mnist", "cnn", 0.1, "train"), "no training accuracy"),
    ],
)
def test_unknown_keys_raise_key_error_with_message(args, fragment):
    with pytest.raises(KeyError) as info:
        paper_value(*args)
    assert fragment in str(info.value)


def test_bad_level_type_raises_type_error():
    with pytest.raises(TypeError, match="level must be a number"):
        paper_value("translation", "mnist", "cnn", "0.1", "validation")


def test_unknown_names_and_ids_raise_key_error():
    with pytest.raises(KeyError, match="tableB3"):
        paper_table("table3")
    with pytest.raises(KeyError, match="swap-cnn"):
        claim("no-such-claim")
    with pytest.raises(KeyError, match="median"):
        discrepancy("no-such-discrepancy")


# --- protocol and parameter counts ---------------------------------------------------------------


def _count_parameters(dataset: str, model: str) -> int:
    """Independent count from Table A.2: 'valid' padding, untied free-convolution bias."""
    spec = PROTOCOL[dataset]
    channels, size, _ = spec["image_shape"]
    total = 0
    for kernel, filters, stride in spec["feature_layers"]:
        out = (size - kernel) // stride + 1
        per_kernel = kernel * kernel * channels * filters
        if model == "cnn":
            total += per_kernel + filters
        else:
            total += out * out * (per_kernel + filters)
        channels, size = filters, out
    flat = channels * size * size
    hidden = spec["hidden_units"]
    return total + flat * hidden + hidden + hidden * spec["n_classes"] + spec["n_classes"]


@pytest.mark.parametrize("dataset", ["mnist", "cifar10"])
@pytest.mark.parametrize("model", ["cnn", "fcn"])
def test_parameter_counts_agree_with_architecture(dataset, model):
    assert PARAMETER_COUNTS[dataset][model] == _count_parameters(dataset, model)
    assert sum(paper.LAYER_PARAMETER_COUNTS[dataset][model]) == PARAMETER_COUNTS[dataset][model]


def test_parameter_counts_literal():
    assert PARAMETER_COUNTS == {
        "mnist": {"cnn": 2_201_098, "fcn": 4_010_058},
        "cifar10": {"cnn": 2_875_530, "fcn": 11_103_626},
    }


def test_protocol():
    m, c = PROTOCOL["mnist"], PROTOCOL["cifar10"]
    assert (m["learning_rate"], m["batch_size"], m["max_epochs"], m["patience"]) == (
        1e-3,
        256,
        250,
        50,
    )
    assert (c["learning_rate"], c["batch_size"], c["max_epochs"], c["patience"]) == (
        1e-4,
        128,
        500,
        100,
    )
    for spec in (m, c):
        assert spec["folds"] == 5 and spec["levels"] == PAPER_LEVELS
        assert spec["validation_translation"] == 0.25
        assert spec["eval_noise_sigma"] == spec["eval_edge_noise_sigma"] == 0.15
        assert spec["eval_rotation_degrees"] == 45
        train, held_out = spec["fold_sizes"]
        assert train + held_out == spec["n_images"] and held_out * 5 == spec["n_images"]
        # Keras scored floor(N / batch) full batches of the held-out fold (protocol §5.6).
        assert (
            spec["scored_validation_images"] == held_out // spec["batch_size"] * spec["batch_size"]
        )
        assert spec["swap_half"] == spec["image_shape"][1] // 2
    assert PAPER_LEVELS == tuple(round(0.1 * i, 1) for i in range(10)) + (0.99,)


def test_aggregation_is_documented():
    assert "every epoch of every fold" in paper.PAPER_AGGREGATION
    assert "every epoch of every fold" in paper.__doc__.replace("**", "").replace("\n", " ")


# --- claims and discrepancies --------------------------------------------------------------------


def test_claims_are_well_formed():
    ids = [c.id for c in CLAIMS]
    assert len(ids) == len(set(ids))
    for c in CLAIMS:
        assert re.fullmatch(r"[a-z0-9.\-]+", c.id), c.id
        assert c.unit in paper.CLAIM_UNITS, c.unit
        assert c.statement and c.source and c.section
        if isinstance(c.value, tuple):
            low, high = c.value
            assert low < high
        elif c.value is None:
            assert c.unit == ""
        else:
            assert isinstance(c.value, (int, float))
    with pytest.raises(dataclasses.FrozenInstanceError):
        CLAIMS[0].value = 1.0


def test_claims_quoting_tables_agree_with_tables():
    t1 = lambda model, level, metric: paper_value("translation", "mnist", model, level, metric)  # noqa: E731
    t2 = lambda model, level, metric: paper_value("translation", "cifar10", model, level, metric)  # noqa: E731
    assert claim("mnist-fcn-val-10").value == t1("fcn", 0.1, "validation")
    assert claim("mnist-cnn-val-10").value == t1("cnn", 0.1, "validation")
    # §5.3 quotes percentages with two decimals.
    assert claim("mnist-cnn-val-0").value == round(t1("cnn", 0.0, "validation"), 4)
    assert claim("mnist-fcn-val-0").value == round(t1("fcn", 0.0, "validation"), 4)
    assert claim("cifar-cnn-val-0").value == round(t2("cnn", 0.0, "validation"), 4)
    assert claim("cifar-fcn-val-0").value == round(t2("fcn", 0.0, "validation"), 4)
    assert claim("mnist-fcn-best-val").value == round(t1("fcn", 0.1, "validation"), 4)
    assert claim("cifar-fcn-best-val").value == round(t2("fcn", 0.2, "validation"), 4)
    # Lower bounds hold.
    for model in ("cnn", "fcn"):
        gap = t2(model, 0.0, "train") - t2(model, 0.0, "validation")
        assert gap > claim("cifar-overfit-gap-0").value
    gap = t1("fcn", 0.0, "validation") - t1("fcn", 0.0, "translation")
    assert gap > claim("mnist-fcn-translation-gap-0").value
    # Loosely rounded gaps (protocol §10.10): the tables give somewhat more than the text says.
    loose = {
        "cifar-fcn-cnn-gap-10": t2("cnn", 0.1, "validation") - t2("fcn", 0.1, "validation"),
        "cifar-fcn-translation-drop-0": t2("fcn", 0.0, "validation")
        - t2("fcn", 0.0, "translation"),
        "mnist-fcn-translation-gap-30": t1("fcn", 0.3, "validation")
        - t1("fcn", 0.3, "translation"),
        "cifar-fcn-translation-gap-40": t2("fcn", 0.4, "validation")
        - t2("fcn", 0.4, "translation"),
    }
    for cid, actual in loose.items():
        stated = claim(cid).value
        assert stated <= actual < stated + 0.015, cid


def test_fcn_never_beats_cnn_at_equal_level():
    # The table behind claim fcn-surpass-cnn and discrepancy "conclusion" (protocol §10.11).
    for name in ("table1", "table2"):
        t = paper_table(name).query("metric == 'validation'")
        wide = t.pivot(index="level", columns="model", values="value")
        assert (wide.fcn < wide.cnn).all()
    assert paper_value("translation", "mnist", "fcn", 0.1, "validation") > paper_value(
        "translation", "mnist", "cnn", 0.0, "validation"
    )


def test_filter_distance_claim_matches_theory():
    # i.i.d. kernels, global normalisation: E||a - b|| ~ sqrt(2 / P) with P = 13 * 13 blocks
    # of K * F = 288 weights each (protocol §6): sqrt(2 * 288 / (169 * 288)).
    theory = math.sqrt(2 * 288 / (169 * 288))
    assert theory == pytest.approx(0.1088, abs=1e-4)
    assert claim("distance-r1-epoch1").value == pytest.approx(theory, abs=3e-4)
    low, high = claim("distance-translated-late").value
    assert high < claim("distance-untranslated-late").value


def test_swap_and_vcp_claims():
    assert claim("swap-cnn").value == 0.5 and claim("swap-cnn-data").value == 0.474
    data_gap = claim("swap-cnn-data").value - claim("swap-fcn-data").value
    assert data_gap == pytest.approx(0.133, abs=1e-9)
    assert data_gap < claim("swap-fcn-gap").value
    assert claim("vcp-translation-captions").value == 0.30
    assert claim("vcp-translation-text").value == 0.20
    assert claim("vcp-0.99-validation").value < 0.15


def test_discrepancies_cover_facts_section_10():
    ids = [d.id for d in DISCREPANCIES]
    assert len(ids) == len(set(ids)) == 12
    cited = {int(n) for d in DISCREPANCIES for n in re.findall(r"§10\.(\d+)", d.protocol)}
    assert cited == set(range(1, 13))
    assert "synapse" in discrepancy("vcp").lithm_default
    assert "both" in discrepancy("median").lithm_default
    assert "250/50" in discrepancy("epochs").lithm_default
    for d in DISCREPANCIES:
        assert d.title and d.paper and d.code and d.lithm_default


# --- the package needs no paper text at run time -------------------------------------------------


def test_module_reads_no_files(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError(f"lithm.paper opened a file: {args!r}")

    monkeypatch.setattr(builtins, "open", refuse)
    spec = importlib.util.spec_from_file_location("_paper_copy", paper.__file__)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "_paper_copy", module)  # dataclasses look themselves up here
    spec.loader.exec_module(module)
    assert len(module.paper_results()) == 396


@pytest.mark.skipif(not PAPER_MD.exists(), reason="paper.md only exists in the development set-up")
def test_transcription_matches_paper_md():
    # Independent re-parse of the HTML tables in paper.md (order: 1, 2, A.1, A.2, B.1, B.2, B.3).
    html = re.findall(r"<table>(.*?)</table>", PAPER_MD.read_text(), re.S)
    numeric = []
    for table in html:
        rows = [re.findall(r"<td[^>]*>(.*?)</td>", r) for r in re.findall(r"<tr>(.*?)</tr>", table)]
        numeric.append([[float(x) for x in r] for r in rows if re.fullmatch(r"\d\.\d\d", r[0])])
    numeric = [rows for rows in numeric if rows]
    assert len(numeric) == 5
    t1, t2, b1, b2, b3 = numeric
    metrics = ("train", "validation", "translation")
    for dataset, rows in (("mnist", t1), ("cifar10", t2)):
        for level, *cells in rows:
            for i, value in enumerate(cells):
                got = paper_value(
                    "translation", dataset, ("cnn", "fcn")[i % 2], level, metrics[i // 2]
                )
                assert got == value
    for experiment, rows in (("edge-noise", b1), ("noise", b2), ("rotation", b3)):
        for level, *cells in rows:
            for i, value in enumerate(cells):
                dataset = ("mnist", "cifar10")[i // 4]
                metric = ("validation", "translation")[(i % 4) // 2]
                assert (
                    paper_value(experiment, dataset, ("cnn", "fcn")[i % 2], level, metric) == value
                )


def test_vocabularies_match_the_rest_of_the_package():
    from lithm import config

    assert paper.PAPER_DATASETS == config.DATASETS and paper.PAPER_MODELS == config.MODELS
    assert set(paper.PAPER_EXPERIMENTS) - {"translation"} < set(config.AUGMENTATIONS)
