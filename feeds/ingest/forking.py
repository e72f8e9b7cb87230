"""Processes: when this one may fork helpers (only while no thread runs that Python cannot
see), and whether another still runs."""

import os
import threading

_FORBIDDEN_IN: set[int] = set()
_NO_SIGNAL = 0  # kill() with it only asks whether the process exists


def forbid_forking() -> None:
    """Never fork in this process from now on: threads run in it that Python cannot see
    (granian's runtime in a worker), and a child would inherit their locks held."""
    _FORBIDDEN_IN.add(os.getpid())


def may_fork() -> bool:
    """Whether forking is safe here: the main thread, alone, in a process that allows it."""
    alone = threading.active_count() == 1 and threading.current_thread() is threading.main_thread()
    return alone and os.getpid() not in _FORBIDDEN_IN


def running(pid: int) -> bool:
    """Whether a process with this id runs on this machine."""
    try:
        os.kill(pid, _NO_SIGNAL)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return pid > 0
