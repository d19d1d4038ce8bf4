import pytest

from lithm.cli import main


def test_bad_experiment_lists_the_valid_ones(capsys):
    with pytest.raises(SystemExit) as info:
        main(["run", "blur"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "translation" in err and "connections" in err


def test_bad_profile_lists_the_valid_ones(capsys):
    with pytest.raises(SystemExit):
        main(["status", "--profile", "huge"])
    assert "smoke" in capsys.readouterr().err


def test_missing_data_is_a_clear_error(tmp_path, capsys):
    code = main(
        [
            "run",
            "translation",
            "--profile",
            "smoke",
            "--data-dir",
            str(tmp_path),
            "--results",
            str(tmp_path / "r"),
            "--quiet",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert str(tmp_path) in err and "LITHM_DATA" in err


def test_status_and_table_on_an_empty_store(tmp_path, capsys):
    assert main(["status", "--profile", "smoke", "--results", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "translation" in out and "missing" in out
    with pytest.warns(UserWarning, match="no results folder"):
        assert main(["table", "translation", "--profile", "smoke", "--results", str(tmp_path)]) == 1
    assert "lithm run translation --profile smoke" in capsys.readouterr().out


def test_status_sets_the_projected_total_beside_the_budget(tmp_path, capsys, monkeypatch):
    import lithm.runner

    totals = {"runs": 89, "done": 51, "missing": 38, "hours": 19.0, "core_hours": 14.7,
              "cpu_hours": 12.0, "hours_left": 16.0, "outside": []}  # fmt: skip
    rows = [
        {
            "experiment": "translation",
            "dataset": "mnist",
            "runs": 1,
            "done": 1,
            "running": 0,
            "missing": 0,
            "hours": 1.0,
            "cpu_hours": 1.0,
            "hours_left": 0.0,
        }
    ]
    monkeypatch.setattr(lithm.runner, "grid_status", lambda profile, folder: (rows, totals))
    assert main(["status", "--profile", "book", "--results", str(tmp_path)]) == 0
    assert "projected total: 30.7 core-hours, over the budget of 30 (profile book)" in (
        capsys.readouterr().out
    )
    assert main(["status", "--profile", "smoke", "--results", str(tmp_path)]) == 0
    assert "projected total" not in capsys.readouterr().out, "the smoke grid has no budget"


def test_run_then_table(tmp_path, capsys, monkeypatch):
    import numpy as np

    from lithm.data import synthetic_dataset

    data = synthetic_dataset("mnist", 480)
    x = data.images.permute(0, 2, 3, 1).squeeze(-1).numpy()
    y = data.labels.numpy()
    n = data.n_train
    np.savez(tmp_path / "mnist.npz", x_train=x[:n], y_train=y[:n], x_test=x[n:], y_test=y[n:])
    monkeypatch.setenv("LITHM_CACHE", str(tmp_path / "cache"))
    args = ["--profile", "smoke", "--results", str(tmp_path / "r")]
    assert (
        main(
            [
                "run",
                "translation",
                "--dataset",
                "mnist",
                "--data-dir",
                str(tmp_path),
                "--quiet",
                *args,
            ]
        )
        == 0
    )
    assert "4 run(s)" in capsys.readouterr().out
    assert main(["table", "translation", "--dataset", "mnist", "--way", "authors", *args]) == 0
    out = capsys.readouterr().out
    assert "0.990536" in out or "0.9905" in out, "the paper's value beside ours"
