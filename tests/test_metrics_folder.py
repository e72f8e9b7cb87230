"""PROMETHEUS_MULTIPROC_DIR as `serve` sets it up: private, fresh each run, removed after,
and the folders of killed runs removed at the next start."""

import os

from feeds.web import metrics_folder as module


def test_a_run_gets_a_fresh_private_folder_named_in_the_variable_then_removed(monkeypatch,
                                                                            tmp_path):
    monkeypatch.delenv(module.VARIABLE, raising=False)
    monkeypatch.setenv("RUNTIME_DIRECTORY", str(tmp_path))
    orphan = tmp_path / f"{module.PREFIX}999999999-x"  # a pid no process has
    orphan.mkdir()
    alive = tmp_path / f"{module.PREFIX}{os.getppid()}-y"
    alive.mkdir()
    with module.metrics_folder() as folder:
        assert os.environ[module.VARIABLE] == str(folder) and folder.parent == tmp_path
        assert oct(folder.stat().st_mode)[-3:] == "700"
        (folder / "counter_1.db").write_bytes(b"")
    assert not folder.exists() and module.VARIABLE not in os.environ
    assert not orphan.exists() and alive.exists()


def test_a_given_folder_is_emptied_of_old_values(monkeypatch, tmp_path):
    given = tmp_path / "metrics"
    given.mkdir(mode=0o700)
    (given / "counter_12.db").write_bytes(b"old")
    monkeypatch.setenv(module.VARIABLE, str(given))
    with module.metrics_folder() as folder:
        assert folder == given and list(given.iterdir()) == []
