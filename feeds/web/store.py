"""The server's own state (hub subscriptions, audience counts): SQLite databases in STATE_DIR.

One file a concern, in a folder only this user may write; every process and every instance
on the same disk opens the same file. WAL journaling lets readers go on while one process
writes, and a busy timeout makes writers from several workers take turns instead of failing.
"""

import os
import sqlite3
from pathlib import Path

from ..trust import check_owned, private_folder

BUSY_TIMEOUT_SECONDS = 10


def open_database(state_dir: str | os.PathLike[str], name: str) -> sqlite3.Connection:
    """The database `name`.sqlite3 in state_dir, created (mode 0600) if missing.

    UnsafeFile when the folder or the file could have been written by another user, or the
    file is a link: state that someone else planted is never read.
    """
    path = private_folder(Path(state_dir)) / f"{name}.sqlite3"
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    try:
        check_owned(descriptor)
    finally:
        os.close(descriptor)
    connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None,
                                 check_same_thread=False)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    return connection
