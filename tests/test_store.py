import json

import numpy as np
import pytest

from lithm.config import RunConfig
from lithm.store import ResultsStore


def _record(cfg, **extra):
    return {
        "config": cfg.to_dict(),
        "run_id": cfg.run_id,
        "history": [{"epoch": 1}],
        "summary": {"finished": True},
        **extra,
    }


@pytest.fixture
def cfg():
    return RunConfig(dataset="mnist", model="fcn", epochs=1)


def test_write_then_load(tmp_path, cfg):
    store = ResultsStore(tmp_path)
    path = store.write(_record(cfg))
    assert path.name == f"{cfg.run_id}.json"
    assert store.load(cfg)["history"] == [{"epoch": 1}]
    assert store.has(cfg) and len(store) == 1
    assert not list(tmp_path.glob("*.tmp")), "no temporary files left behind"


@pytest.mark.parametrize("content", ['{"config": {"dataset": "mn', "", "[1, 2]", "\x00\x01"])
def test_corrupt_file_is_reported_moved_aside_and_recomputed(tmp_path, cfg, content):
    store = ResultsStore(tmp_path)
    store.path(cfg).write_text(content)
    with pytest.warns(UserWarning, match="unreadable"):
        assert store.load(cfg) is None
    assert store.missing([cfg]) == [cfg]
    kept = list(tmp_path.glob("*.corrupt-*"))
    assert len(kept) == 1 and kept[0].read_text() == content, "the bad file is kept, not lost"
    assert store.problems and cfg.run_id in store.problems[0][0]


def test_file_under_another_runs_name_is_not_used(tmp_path, cfg):
    store = ResultsStore(tmp_path)
    other = cfg.replace(fold=1)
    store.path(cfg).write_text(json.dumps(_record(other)))
    with pytest.warns(UserWarning):
        assert store.load(cfg) is None


def test_records_skips_corrupt_files(tmp_path, cfg):
    store = ResultsStore(tmp_path)
    store.write(_record(cfg))
    (tmp_path / "broken.json").write_text("{")
    with pytest.warns(UserWarning):
        records = list(store.records())
    assert [r["run_id"] for r in records] == [cfg.run_id]


def test_artifacts_are_saved_beside_the_record(tmp_path, cfg):
    store = ResultsStore(tmp_path)
    kernels = np.arange(24, dtype=np.float16).reshape(1, 2, 3, 1, 2, 2)
    store.write(_record(cfg, artifacts={"kernels": kernels}))
    assert store.load(cfg)["artifact_files"] == ["kernels"]
    np.testing.assert_array_equal(store.kernels(cfg), kernels.astype(np.float32))
    assert store.kernels(cfg.replace(fold=1)) is None
