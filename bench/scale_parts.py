"""What bench/scale.py reads of the machine: a server's process tree, its CPU and PSS, the page
cache dropped, the seeds read by `cat`, and the parse CPU of a seed."""

import os
import random
import shlex
import subprocess
import sys
import time
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def tree(root: int) -> list[int]:
    """root and every process below it (children of any of their threads), alive now."""
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        try:
            for task in os.listdir(f"/proc/{pid}/task"):
                todo += [int(c) for c in Path(f"/proc/{pid}/task/{task}/children").read_text()
                         .split()]
        except OSError:  # gone meanwhile
            found.pop()
    return found


def stop_tree(process: subprocess.Popen, grace: float = 90) -> None:
    """SIGTERM to the server, then SIGKILL to whatever of its tree is left after grace seconds."""
    pids = tree(process.pid)
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        print(f"server {process.pid} still running {grace:g} s after SIGTERM: killed",
              file=sys.stderr)
    for pid in pids:
        try:
            os.kill(pid, 9)
        except ProcessLookupError:
            pass
    process.wait()


def cpu_ticks(pids: list[int]) -> dict[int, int]:
    """utime + stime of each process, plus those of its children it has reaped, in ticks."""
    ticks = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        ticks[pid] = sum(int(value) for value in fields[11:15])
    return ticks


def idle_cpu_percent(root: int, seconds: float) -> float:
    """The CPU the whole tree of root spends over seconds, in % of one core."""
    before = cpu_ticks(tree(root))
    time.sleep(seconds)
    after = cpu_ticks(tree(root))
    spent = sum(ticks - before.get(pid, 0) for pid, ticks in after.items())
    return 100 * spent / TICK / seconds


def pss_mb(root: int) -> float:
    """Proportional set size of the whole tree of root, in MB (10^6 bytes)."""
    total = 0
    for pid in tree(root):
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total * 1024 / 1e6


def socket_owner(local_port: int, server_port: int, pids: list[int]) -> int | None:
    """The process of pids holding the server's end of the loopback connection from
    local_port (from /proc/net/tcp and each process's open files)."""
    wanted = f":{server_port:04X}", f":{local_port:04X}"
    inode = None
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if (fields[1].endswith(wanted[0]) and fields[2].endswith(wanted[1])
                    and fields[9] != "0"):
                inode = fields[9]
    if inode is None:
        return None
    for pid in pids:
        try:
            if any(os.readlink(f"/proc/{pid}/fd/{fd}") == f"socket:[{inode}]"
                   for fd in os.listdir(f"/proc/{pid}/fd")):
                return pid
        except OSError:
            continue
    return None


def seed_files(seeds: Path) -> list[Path]:
    """Every file under seeds, as the server's walk would meet them."""
    return [Path(top, name) for top, _, names in os.walk(seeds) for name in names]


def drop_page_cache(seeds: Path) -> str:
    """Write dirty pages out and drop the page cache (every file's, or failing that, the seeds'
    by posix_fadvise DONTNEED); the method used."""
    os.sync()
    try:
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return "drop_caches"
    except OSError:
        for path in seed_files(seeds):
            with path.open("rb") as file:
                os.posix_fadvise(file.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
        return "posix_fadvise DONTNEED (drop_caches not writable)"


def cat_seconds(seeds: Path) -> tuple[float, str]:
    """Seconds `cat` takes to read every file under seeds, in as many processes as cores, from a
    cold page cache: the physical limit of a cold start; and how the cache was made cold."""
    method = drop_page_cache(seeds)
    cores = os.cpu_count() or 1
    command = (f"find {shlex.quote(str(seeds))} -type f -print0 | "
               f"xargs -0 -P {cores} -n 2000 cat > /dev/null")
    started = time.perf_counter()
    subprocess.run(["sh", "-c", command], check=True)
    return time.perf_counter() - started, method


def parse_microseconds(seeds: Path, sample: int = 3000) -> float:
    """CPU a seed costs feeds.ingest.reading.read_one, in µs, over a sample of the seeds read
    once before (so the disk is not measured), in this one process."""
    from feeds.ingest.reading import read_one

    names = sorted(os.listdir(seeds / "_news"))
    chosen = [f"_news/{name}" for name in random.Random(1).sample(names, min(sample, len(names)))]
    for name in chosen:
        (seeds / name).read_bytes()
    started = time.process_time()
    for name in chosen:
        read_one(seeds, name)
    return (time.process_time() - started) / len(chosen) * 1e6


def machine() -> str:
    """Cores, memory, Python and the commit measured, in one line."""
    kib = int(Path("/proc/meminfo").read_text().split()[1])
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, cwd=Path(__file__).parent).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True, cwd=Path(__file__).parent).stdout
    return (f"{os.cpu_count()} cores, {kib / 1024 ** 2:.0f} GiB, Python "
            f"{sys.version.split()[0]}, commit {commit}{' (modified)' if dirty else ''}, "
            f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
