import pytest

from lithm.experiments import EXPERIMENTS, PAPER_LEVELS, PROFILES, expand, expand_all


def test_every_experiment_expands_in_every_profile():
    for name in EXPERIMENTS:
        for profile in PROFILES:
            for ds in ("mnist", "cifar10"):
                runs = expand(name, profile, ds)
                assert runs and len({r.run_id for r in runs}) == len(runs)


def test_paper_profile_is_the_authors_protocol():
    runs = expand("translation", "paper", "cifar10")
    assert len(runs) == 11 * 2 * 5
    r = runs[0]
    assert (r.n_folds, r.subset, r.epochs, r.patience, r.batch_size, r.lr) == (
        5,
        None,
        500,
        100,
        128,
        1e-4,
    )
    m = expand("translation", "paper", "mnist")[0]
    assert (m.epochs, m.patience, m.batch_size, m.lr) == (250, 50, 256, 1e-3)
    assert sorted({r.level for r in runs}) == list(PAPER_LEVELS)
    assert not any(r.shuffle_folds for r in runs), "the paper's folds are contiguous"


def test_book_profile_covers_both_datasets_with_three_folds():
    prof = PROFILES["book"]
    assert len(prof.folds) >= 3
    for name in EXPERIMENTS:
        for ds in ("mnist", "cifar10"):
            assert {r.fold for r in expand(name, "book", ds)} == set(prof.folds)


def test_clean_runs_are_shared_between_experiments():
    trans = {r.run_id for r in expand("translation", "book", "mnist")}
    noise = {r.run_id for r in expand("noise", "book", "mnist")}
    shared = trans & noise
    assert shared and all("-none-" in rid for rid in shared)
    total = expand_all("book", ["mnist"])
    assert len(total) == len({r.run_id for r in total})


def test_connections_grid_has_baseline_and_both_modes():
    runs = expand("connections", "smoke", "mnist")
    modes = {(r.connection_mode, r.connection_prob) for r in runs}
    assert (None, 0.0) in modes and ("synapse", 0.5) in modes and ("input", 0.5) in modes
    assert all(r.model == "fcn" and r.level == 0.3 for r in runs)


def test_overrides_reach_the_runs():
    runs = expand("rotation", "smoke", "mnist", epochs=3, levels=(0.0, 0.1))
    assert {r.epochs for r in runs} == {3} and {r.level for r in runs} == {0.0, 0.1}


def test_unknown_names_list_the_valid_ones():
    with pytest.raises(ValueError, match="valid experiments: translation"):
        expand("blur", "smoke", "mnist")
    with pytest.raises(ValueError, match="valid profiles: smoke, book, paper"):
        expand("translation", "huge", "mnist")
