"""What changed in the seeds folder: by a walk of all of it, or by the names the file system
said changed; each changed seed read again, and the entries after it."""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..ingest.reading import read_many
from ..ingest.scan import Found, seed_file, seed_files, unseen
from ..ingest.seed import SEED_SUFFIXES
from ..model import Result, SeedError
from .decide import Entries, ScanPlan, plan_scan, settle_reads, still_written

SITE_DATA = "_data"


@dataclass(slots=True)
class Reading:
    """The entries of the names a walk or a follow covered, and what it could not see."""

    entries: Entries  # after it, of the covered names that exist
    covered: set[str] | None  # the names it speaks for; None: every name (a walk)
    problems: list[SeedError] = field(default_factory=list)
    settling: set[str] = field(default_factory=set)  # seeds still being written: read again
    site_data: bool = False  # a file of _data/ changed


def walked(root: Path, previous: Entries, found: Found,
           progress: Callable[[int, int], None] | None = None) -> Reading:
    """The entries after a walk that found what it found."""
    plan = plan_scan(previous, found)
    return _read(root, plan, previous, None, progress)


def followed(root: Path, previous: Entries, names: list[str], folders: set[str]) -> Reading:
    """The entries of the named seeds and folders after the file system said they changed;
    a folder made, moved in, moved out or removed covers every seed under it."""
    covered: set[str] = set()
    found: Found = {}
    site_data = False
    for name in names:
        if name == SITE_DATA or name.startswith(SITE_DATA + "/"):
            site_data = True
            continue
        try:
            _follow(root, previous, name, folders, covered, found)
        except OSError as error:  # the system would not let it be looked at: as a walk does
            _unseen(previous, name, error, covered, found)
    part = {name: previous[name] for name in covered if name in previous}
    reading = _read(root, plan_scan(part, found), part, covered)
    reading.site_data = site_data
    return reading


def _follow(root: Path, previous: Entries, name: str, folders: set[str], covered: set[str],
            found: Found) -> None:
    """One named seed or folder: what it covers, and what is found there now."""
    if name.lower().endswith(SEED_SUFFIXES) and not (root / name).is_dir():
        covered.add(name)
        if (key := seed_file(root, name)) is not None:
            found[name] = key
    elif name in folders or (root / name).is_dir():
        covered.update(_folder(root, previous, name, found))


def _unseen(previous: Entries, name: str, error: OSError, covered: set[str],
            found: Found) -> None:
    """A name the system would not let be looked at (a folder above it that cannot be
    searched, a path too long): a problem that may pass; what was read there is kept."""
    seed = name.lower().endswith(SEED_SUFFIXES)
    key = name if seed else name.rstrip("/") + "/"
    found[key] = unseen(key, error)
    covered.add(key)
    if not seed:
        covered.update(known for known in previous if known.startswith(key))


def _folder(root: Path, previous: Entries, name: str, found: Found) -> set[str]:
    """The names under a folder that changed: those known before, and those there now."""
    prefix = name.rstrip("/") + "/"
    under = {seed for seed in previous if seed.startswith(prefix)} | {prefix}
    path = root / name
    if path.is_dir() and not path.is_symlink():
        try:
            now = seed_files(root, name)
        except OSError as error:  # it cannot be listed: keep what was read under it
            now = {prefix: unseen(prefix, error)}
        found.update(now)
        under.update(now)
    return under


def _read(root: Path, plan: ScanPlan, previous: Entries, covered: set[str] | None,
          progress: Callable[[int, int], None] | None = None) -> Reading:
    """Read what the plan says to, and settle the results: after events (covered names), a
    seed read invalid that is still being written keeps what was read before, for now."""
    names = [name for name, _ in plan.to_read]
    results: list[Result] = read_many(root, names, progress)
    settling = set() if covered is None else still_written(plan.to_read, results,
                                                           time.time_ns())
    read = [(name, key, result) for (name, key), result in zip(plan.to_read, results, strict=True)
            if name not in settling]
    entries = settle_reads(plan, previous, read)
    for name in settling:  # not complete yet: what was read before stays for now
        if name in previous:
            entries[name] = previous[name]
    return Reading(entries, covered, plan.problems, settling)


def folders_of(names: list[str]) -> set[str]:
    """Every folder that holds a seed of names, at any depth."""
    folders = set()
    for name in names:
        while "/" in name:
            name = name.rpartition("/")[0]
            if name in folders:
                break
            folders.add(name)
    return folders
