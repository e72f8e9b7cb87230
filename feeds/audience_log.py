"""`flask --app wsgi audience-log FILE...`: count the polls a proxy's access log records (when
nginx or a CDN answers most of them), into the same counts as the server's own."""

import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import click
from flask.cli import with_appcontext

from .web.accesslog import MAX_LINE, polls
from .web.audience import Audience
from .web.state import current_state


@click.command("audience-log")
@click.argument("logs", nargs=-1, required=True, type=click.Path(path_type=Path,
                                                                 allow_dash=True))
@click.option("--again", is_flag=True, help="Read each log from its start, not from where "
              "the last run stopped.")
@with_appcontext
def audience_log_command(logs: tuple[Path, ...], again: bool) -> None:
    """Count the feed polls in access LOGS (nginx combined or JSON lines; - for stdin).

    Each file is read on from where the last run stopped (a rotated one too: files are known
    by device and inode, not by name), so a timer may run this every few minutes; a line
    counted twice changes no count anyway.
    """
    state = current_state()
    settings = state.settings
    if not settings.state_dir or not settings.audience_days:
        raise click.UsageError("set FEEDS_STATE_DIR (and FEEDS_AUDIENCE_DAYS above 0) first.")
    audience = Audience(settings.state_dir, settings.audience_days)
    snapshot = state.corpus.snapshot(watching=False)
    counted = 0
    for log in logs:
        with _opened(log, audience, again) as lines:
            for poll in polls(lines, snapshot):
                audience.add(poll)
                counted += 1
                if counted % 10_000 == 0:
                    audience.flush()
    audience.flush()
    audience.tidy()
    dropped = f"; {audience.dropped:,} left out (too many clients)" if audience.dropped else ""
    click.echo(f"{counted:,} feed polls counted from {len(logs)} log(s){dropped}")


_LONGEST = 4 * MAX_LINE + 2  # bytes of a line worth decoding (MAX_LINE characters of UTF-8)


def _passed_over(file: IO[bytes]) -> bool:
    """Read up to the end of an overlong line; whether its end came (else the file's did)."""
    while chunk := file.readline(_LONGEST):
        if chunk.endswith(b"\n"):
            return True
    return False


class _opened:
    """A log's new lines (from the remembered position), and the position kept after."""

    def __init__(self, path: Path, audience: Audience, again: bool):
        self.path, self.store, self.again = path, audience.store, again
        self.file: IO[bytes] | None = None
        self.position: int | None = None

    def __enter__(self) -> Iterator[str]:
        if str(self.path) == "-":
            return iter(sys.stdin)
        try:  # without blocking on a FIFO; a folder or an unreadable file skipped, not fatal
            descriptor = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)
        except OSError as error:  # a rotated log not made yet, or one this user may not read
            why = "not found" if isinstance(error, FileNotFoundError) else error.strerror
            click.echo(f"{self.path}: {why}, skipped", err=True)
            return iter(())
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            os.close(descriptor)
            click.echo(f"{self.path}: not a regular file, skipped", err=True)
            return iter(())
        self.file = os.fdopen(descriptor, "rb")
        known = 0 if self.again else self.store.position(status.st_dev, status.st_ino)
        if known <= status.st_size:  # else the file was truncated: read it all
            self.file.seek(known)
        return self._whole_lines(self.file)

    def _whole_lines(self, file: IO[bytes]) -> Iterator[str]:
        """Complete lines only: one still being written is read next time. A line longer than
        any request's (a file that is no log) is passed over, never held whole."""
        while line := file.readline(_LONGEST):
            if not line.endswith(b"\n"):
                if len(line) < _LONGEST or not _passed_over(file):
                    break
                self.position = file.tell()
                continue
            self.position = file.tell()
            yield line.decode("utf-8", "replace")

    def __exit__(self, *_: object) -> None:
        if self.file is None:
            return
        status = os.fstat(self.file.fileno())
        if self.position is not None:
            self.store.remember_position(status.st_dev, status.st_ino, self.position)
        self.file.close()
