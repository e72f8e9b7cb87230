"""The seeds folder's file-system events (inotify on Linux, through watchfiles), written as
changed names into the change ring, from a daemon thread of the one process elected to watch.

watchfiles is the Rust `notify` crate under Python, the watcher granian's own reloader uses:
it waits in Rust without the interpreter's lock, groups a burst of events, and adds watches for
folders made or moved in. It drops the kernel's "events were lost" signal, so a burst as large
as the kernel's queue is taken as lost events, and a slow walk (WALK_SECONDS) stays behind it.
"""

import logging
import os
import threading
from pathlib import Path

from .changes import EVENTS, EVERYTHING, WALKING, ChangeRing

log = logging.getLogger(__name__)

STEP_MS = 50  # a burst is written once no event came for this long...
DEBOUNCE_MS = 400  # ...or this long after its first event
BEAT_MS = 1000  # the heartbeat, and how often the folder's link is looked at again
RETRY_SECONDS = 30  # after events failed, how long the walk alone serves before a new try
LOST_AT = 8192  # events in one burst past which some may have been lost (the kernel's queue)


class EventWatcher:
    """Writes the names of changed entries under the seeds folder into the ring; when the
    folder's link is switched it watches the new folder and has everything walked."""

    def __init__(self, seeds_dir: Path, ring: ChangeRing):
        self.seeds_dir = seeds_dir
        self.ring = ring
        self.ready = threading.Event()  # watching; the corpus walks once, then trusts events
        self.error: str | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def stop(self) -> None:
        """End the thread (its corpus is gone)."""
        self._stop.set()

    def running(self) -> bool:
        """Whether the thread runs in this process."""
        return self._thread is not None and self._thread.is_alive() and self._pid == os.getpid()

    def start(self) -> None:
        """Start the thread (in this process)."""
        self._pid = os.getpid()
        self.ready.clear()
        self._thread = threading.Thread(target=self._run, name="seed-events", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        """Watch, again after each switch of the folder's link or failure of the events."""
        stop = self._stop
        while not stop.is_set():
            try:
                self._watch(self.seeds_dir.resolve(strict=True), stop)
            except FileNotFoundError:  # the folder is gone: the reloads report it
                self.ready.clear()
                self.ring.beat(WALKING)
                stop.wait(BEAT_MS / 1000)
            except Exception as error:  # no events here (a limit, a network file system...)
                self._failed(f"{type(error).__name__}: {error}"[:300])
                stop.wait(RETRY_SECONDS)

    def _watch(self, root: Path, stop: threading.Event) -> None:
        """Write each burst's names until the link leads elsewhere."""
        import watchfiles  # only where events are wanted

        if kind := network_file_system(root):
            raise OSError(f"the seeds folder is on {kind}, whose changes made on other "
                          "machines send no events here")
        inode = root.stat().st_ino
        for changes in watchfiles.watch(root, watch_filter=None, debounce=DEBOUNCE_MS,
                                        step=STEP_MS, rust_timeout=BEAT_MS,
                                        yield_on_timeout=True, raise_interrupt=False,
                                        stop_event=stop,
                                        ignore_permission_denied=True):
            self.ring.beat(EVENTS)
            if not self.ready.is_set():
                self.error = None
                self.ready.set()
            names = relative_names(root, {path for _, path in changes})
            if len(changes) >= LOST_AT:
                names = [EVERYTHING]
            self.ring.append(names)
            if not _same_folder(self.seeds_dir, root, inode):
                log.info("the seeds folder %s is another folder now: watching that one",
                         self.seeds_dir)
                self.ring.append([EVERYTHING])
                return

    def _failed(self, reason: str) -> None:
        """Note that events are unavailable: the corpus walks meanwhile."""
        if reason != self.error:
            log.warning("file events for the seeds folder are unavailable (%s); it is walked "
                        "every RELOAD_SECONDS instead", reason)
        self.error = reason
        self.ready.clear()
        self.ring.beat(WALKING)


NETWORK_FILE_SYSTEMS = ("nfs", "nfs4", "cifs", "smb3", "smbfs", "9p", "ceph", "glusterfs",
                        "lustre", "gpfs", "afs", "fuse.sshfs", "fuse.s3fs", "fuse.gcsfuse")


def network_file_system(folder: Path, mounts: str = "/proc/self/mountinfo") -> str | None:
    """The type of the network file system folder is on, if it is on one (Linux only)."""
    try:
        lines = Path(mounts).read_text().splitlines()
    except OSError:
        return None
    best, kind = "", None
    for line in lines:
        fields = line.split()
        if " - " not in line or len(fields) < 5:
            continue
        point = fields[4].replace("\\040", " ")
        fs_type = line.split(" - ", 1)[1].split()[0]
        inside = str(folder) == point or str(folder).startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, kind = point, fs_type
    return kind if kind in NETWORK_FILE_SYSTEMS else None


def _same_folder(seeds_dir: Path, root: Path, inode: int) -> bool:
    """Whether seeds_dir still leads to the folder watched (a link switched, or the folder
    replaced by another of the same name, is not)."""
    try:
        return seeds_dir.resolve() == root and root.stat().st_ino == inode
    except OSError:
        return False


def relative_names(root: Path, paths: set[str]) -> list[str]:
    """Each changed path as a name under root; hidden ones left out; root itself as
    EVERYTHING."""
    names = []
    top = str(root)
    for path in paths:
        relative = os.path.relpath(path, top)
        if relative == ".":
            names.append(EVERYTHING)
        elif not relative.startswith("..") and not any(
                part.startswith(".") for part in relative.split(os.sep)):
            names.append(relative.replace(os.sep, "/"))
    return sorted(names)
