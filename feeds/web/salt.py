"""The day's salt for client hashes: random, one a day, shared by every process and instance on
this machine through shared memory (/dev/shm), never written to disk, gone after yesterday."""

import hashlib
import logging
import os
import secrets
import threading
from datetime import date, timedelta
from pathlib import Path

from ..trust import UnsafeFile, check_owned

log = logging.getLogger(__name__)
SHARED_MEMORY = Path("/dev/shm")
SALT_BYTES = 32


class Salts:
    """The salt of each day for one STATE_DIR; only today's and yesterday's are shared."""

    def __init__(self, state_dir: str | os.PathLike[str], shared: Path = SHARED_MEMORY):
        place = hashlib.blake2b(str(Path(state_dir).resolve()).encode(), digest_size=8)
        self.prefix = f"seed-feeds-{os.geteuid()}-{place.hexdigest()}-"
        self.shared = shared
        self._salts: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def of(self, day: str, today: date) -> bytes:
        """The salt of day (YYYY-MM-DD): shared while day is today or yesterday, else one of
        this process only (the days before have been reduced to counts)."""
        with self._lock:
            salt = self._salts.get(day)
            if salt is None:
                if len(self._salts) >= 8:
                    self._salts.clear()
                salt = self._salts[day] = self._find(day, today)
            return salt

    def _find(self, day: str, today: date) -> bytes:
        """The shared salt of a recent day, made if missing; a private one otherwise."""
        if day < (today - timedelta(days=1)).isoformat() or not self.shared.is_dir():
            return secrets.token_bytes(SALT_BYTES)
        self._forget_before(today - timedelta(days=1))
        try:
            return self._shared(self.shared / f"{self.prefix}{day}")
        except (OSError, UnsafeFile) as error:
            log.warning("no shared salt in %s (%s): each process counts its own readers",
                        self.shared, error)
            return secrets.token_bytes(SALT_BYTES)

    def _shared(self, path: Path) -> bytes:
        """The salt in path, written first by whichever process comes first."""
        if not path.exists():
            draft = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
            descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as file:
                file.write(secrets.token_bytes(SALT_BYTES))
            try:
                os.link(draft, path)  # atomic: one process's salt wins
            except FileExistsError:
                pass
            finally:
                draft.unlink()
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        with os.fdopen(descriptor, "rb") as file:
            check_owned(file.fileno())
            salt = file.read(SALT_BYTES + 1)
        if len(salt) != SALT_BYTES:
            raise UnsafeFile(f"{path} does not hold a salt")
        return salt

    def _forget_before(self, first: date) -> None:
        """Remove the shared salts of days before first: their hashes can never be made again."""
        for path in self.shared.glob(f"{self.prefix}*"):
            if path.name.removeprefix(self.prefix)[:10] < first.isoformat():
                try:
                    path.unlink(missing_ok=True)
                except OSError:  # another user's, planted in the shared folder: not ours
                    log.warning("%s cannot be removed: not this user's", path)
