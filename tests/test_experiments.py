import pytest

from lithm.experiments import (
    EXPERIMENTS,
    PAPER_LEVELS,
    PROFILES,
    expand,
    expand_all,
    get_profile,
    pilot,
)


def test_every_experiment_expands_in_every_profile():
    for name in EXPERIMENTS:
        for profile in PROFILES:
            for ds in ("mnist", "cifar10"):
                runs = expand(name, profile, ds)
                assert len({r.run_id for r in runs}) == len(runs)
                # The book profile leaves out the CIFAR-10 init control (a budget cut).
                assert runs or (profile, name, ds) == ("book", "init", "cifar10")


def test_connection_modes_per_dataset():
    book = get_profile("book")
    modes = lambda ds: {r.connection_mode for r in expand("connections", "book", ds)}  # noqa: E731
    assert modes("mnist") == {None, "synapse", "input"}
    assert modes("cifar10") == {None, "synapse"}  # the paper's mask only (a budget cut)
    assert book.dataset_connection_modes("mnist", ("synapse", "input")) == ("synapse", "input")
    runs = expand("connections", "book", "cifar10", connection_modes=("input",))
    assert {r.connection_mode for r in runs} == {None, "input"}  # a chapter's override wins
    assert {r.connection_mode for r in expand("connections", "paper", "cifar10")} == {
        None,
        "synapse",
        "input",
    }


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


def test_book_profile_trains_to_a_plateau_with_two_translation_folds():
    prof = PROFILES["book"]
    for ds in ("mnist", "cifar10"):
        trans = expand("translation", "book", ds)
        assert {r.fold for r in trans} == {0, 1}, "translation needs two folds per level"
        if ds == "cifar10":
            assert 0.4 in {r.level for r in trans}, "the paper's CIFAR-10 claim (§5.2) is at 40 %"
        for name in EXPERIMENTS:
            runs = expand(name, "book", ds)
            if (name, ds) == ("init", "cifar10"):
                assert not runs  # the sixth budget cut
                continue
            assert runs and {r.fold for r in runs} == set(prof.experiment_folds(name, ds))
            assert all(r.patience is not None and r.epochs >= 5 * r.patience for r in runs)
            assert all(r.eval_subset for r in runs)
    assert expand("translation", "book", "cifar10")[0].lr == 1e-3
    assert expand("translation", "book", "mnist")[0].subset is None, "MNIST on the full folds"


def test_book_grid_answers_the_open_questions():
    mnist = expand("connections", "book", "mnist")
    synapse = {r.connection_prob for r in mnist if r.connection_mode == "synapse"}
    assert synapse == {0.2, 0.5, 0.8, 0.9, 0.99}, "the paper's mask at every probability"
    # the seventh cut: the code's input mask keeps 0.5, 0.9 and 0.99 on MNIST
    assert {r.connection_prob for r in mnist if r.connection_mode == "input"} == {0.5, 0.9, 0.99}
    # CIFAR-10 keeps the probabilities of the paper's claims (comparable at 0.8, falls beyond 0.9)
    cifar = {r.connection_prob for r in expand("connections", "book", "cifar10")}
    assert cifar == {0.0, 0.8, 0.9, 0.99}, "0 is the unmasked baseline"
    assert get_profile("book").dataset_connection_probs() == (0.2, 0.5, 0.8, 0.9, 0.99)
    overridden = expand("connections", "book", "cifar10", connection_probs=(0.3,))
    assert {r.connection_prob for r in overridden} == {0.0, 0.3}
    for name in ("noise", "edge-noise", "rotation"):
        assert {r.level for r in expand(name, "book", "cifar10")} == {0.0, 0.1}
        assert {r.level for r in expand(name, "book", "mnist")} == {0.0, 0.1}
    modes = {r.connection_mode for r in expand("connections", "book", "mnist")}
    assert {"synapse", "input"} <= modes
    init = expand("init", "book", "mnist")
    # the issue asks for the init control at 0 % and 30 %; 90 % went in the seventh cut
    assert {r.init for r in init} == {"conv"} and {r.level for r in init} == {0.0, 0.3}
    assert {r.fold for r in init} == {0}, "the fifth budget cut: MNIST init on fold 0 only"
    assert expand("init", "book", "cifar10") == [], "the sixth cut: no CIFAR-10 init control"
    levels = {r.level for r in expand("translation", "book", "mnist")}
    assert levels == {0.0, 0.1, 0.3, 0.5, 0.9}, "the seventh cut: MNIST without 20 % and 40 %"
    assert len(expand("translation", "book", "cifar10")) == 7 * 2 * 2, "CIFAR-10 keeps 7 levels"
    assert len(expand_all("book")) == 73


def test_paper_profile_uses_the_authors_variants_and_book_the_papers():
    paper = expand("edge-noise", "paper", "mnist")[-1]
    assert (paper.edge_pattern, paper.rotation_center) == ("code", "keras")
    book = expand("rotation", "book", "mnist")[-1]
    assert (book.edge_pattern, book.rotation_center) == ("frame", "image")


def test_pilot_is_part_of_the_grid_and_comes_first():
    from lithm.runner import grid

    pilot_runs = pilot("book", "mnist")
    assert [(c.model, c.level) for c in pilot_runs] == [
        ("cnn", 0.0), ("fcn", 0.0), ("cnn", 0.3), ("fcn", 0.3)
    ]  # fmt: skip
    assert {c.run_id for c in pilot_runs} <= {
        c.run_id for c in expand("translation", "book", "mnist")
    }
    everything = grid("all", "book", "mnist")
    assert [c.run_id for c in everything[:4]] == [c.run_id for c in pilot_runs]


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
