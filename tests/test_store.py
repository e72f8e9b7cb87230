"""The state folder's SQLite databases: private, shared by processes, never planted."""

import os
import subprocess
import sys

import pytest

from feeds.trust import UnsafeFile
from feeds.web.store import open_database


def test_a_database_is_made_private_in_a_new_state_folder(tmp_path):
    state = tmp_path / "state"
    open_database(state, "counts").execute("CREATE TABLE t (x)")
    assert state.stat().st_mode & 0o777 == 0o700
    assert (state / "counts.sqlite3").stat().st_mode & 0o777 == 0o600


def test_a_folder_others_may_write_is_refused(tmp_path):
    tmp_path.chmod(0o777)
    with pytest.raises(UnsafeFile, match="others may write"):
        open_database(tmp_path, "counts")


def test_a_planted_link_is_never_opened(tmp_path):
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    target = tmp_path / "elsewhere.sqlite3"
    target.write_bytes(b"")
    (state / "counts.sqlite3").symlink_to(target)
    with pytest.raises(OSError):
        open_database(state, "counts")


def test_two_processes_write_the_same_database_in_turn(tmp_path):
    open_database(tmp_path, "counts").execute("CREATE TABLE t (x INTEGER)")
    writer = ("import sys; from feeds.web.store import open_database\n"
              "db = open_database(sys.argv[1], 'counts')\n"
              "for i in range(200): db.execute('INSERT INTO t VALUES (?)', (i,))\n")
    processes = [subprocess.Popen([sys.executable, "-c", writer, str(tmp_path)])
                 for _ in range(2)]
    assert [process.wait(timeout=60) for process in processes] == [0, 0]
    count = open_database(tmp_path, "counts").execute("SELECT count(*) FROM t").fetchone()[0]
    assert count == 400
    assert os.path.exists(tmp_path / "counts.sqlite3-wal")
