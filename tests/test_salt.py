"""The day's salt: one for every process of a STATE_DIR, in shared memory, only for today and
yesterday, never taken from a file another could have written."""

from datetime import date

from feeds.web.salt import SALT_BYTES, Salts

TODAY = date(2026, 3, 10)


def test_processes_of_one_state_dir_share_the_day_salt_and_no_other(tmp_path):
    shared = tmp_path / "shm"
    shared.mkdir()
    first, second = Salts(tmp_path / "a", shared), Salts(tmp_path / "a", shared)
    other = Salts(tmp_path / "b", shared)
    salt = first.of("2026-03-10", TODAY)
    assert len(salt) == SALT_BYTES and second.of("2026-03-10", TODAY) == salt
    assert other.of("2026-03-10", TODAY) != salt
    assert first.of("2026-03-09", TODAY) == second.of("2026-03-09", TODAY) != salt
    files = sorted(path.name for path in shared.iterdir())
    assert len(files) == 3 and all(oct(p.stat().st_mode)[-3:] == "600" for p in shared.iterdir())


def test_older_days_get_a_salt_of_this_process_and_old_files_go(tmp_path):
    shared = tmp_path / "shm"
    shared.mkdir()
    Salts(tmp_path, shared).of("2026-03-08", date(2026, 3, 9))  # yesterday, then
    older = Salts(tmp_path, shared), Salts(tmp_path, shared)
    assert older[0].of("2026-03-08", TODAY) != older[1].of("2026-03-08", TODAY)
    older[0].of("2026-03-10", TODAY)
    assert [path.name[-10:] for path in shared.iterdir()] == ["2026-03-10"]


def test_a_salt_file_others_may_write_is_not_used(tmp_path):
    shared = tmp_path / "shm"
    shared.mkdir()
    salts = Salts(tmp_path, shared)
    planted = shared / f"{salts.prefix}2026-03-10"
    planted.write_bytes(b"x" * SALT_BYTES)
    planted.chmod(0o666)
    assert salts.of("2026-03-10", TODAY) != b"x" * SALT_BYTES
