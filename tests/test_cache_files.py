"""The parse cache's files: one per seeds folder, written beside itself under a name that
tells its writer, never read through a link or from what is not a regular file, and every
failure a warning naming the file and why."""

import logging
import os
import pickle
import re
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import article_fields, seed_text

from feeds.view.cache import ParseCache
from feeds.view.corpus import Corpus

NAME = re.compile(r"parse-cache-[0-9a-f]{16}\.pickle")


def saved(seeds_dir: Path, cache: Path) -> Path:
    """The cache file after a first load and save of seeds_dir."""
    corpus = Corpus(seeds_dir, reload_seconds=0, cache_dir=cache)
    corpus.snapshot(watching=False)
    corpus.save_cache(force=True)
    return ParseCache(cache, seeds_dir.resolve()).path


def cache_messages(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "feeds.view.cache"]


def titles(seeds_dir: Path, cache: Path) -> list[str]:
    """The site's titles after a restart over the cache."""
    corpus = Corpus(seeds_dir, reload_seconds=0, cache_dir=cache)
    return [a.title for a in corpus.snapshot(watching=False).site.articles]


def test_two_seeds_folders_keep_two_caches_in_one_folder(tmp_path: Path) -> None:
    """Each seeds folder has its own cache file there, and each restart takes its own."""
    cache = tmp_path / "cache"
    files = []
    for name in ("one", "two"):
        seeds = tmp_path / name
        seeds.mkdir()
        (seeds / "a.md").write_text(seed_text(**article_fields(1, title=f"Title of {name}")))
        files.append(saved(seeds, cache))
    assert sorted(p.name for p in cache.iterdir()) == sorted(p.name for p in files)
    assert len(set(files)) == 2 and all(NAME.fullmatch(p.name) for p in files)
    for name, file in zip(("one", "two"), files, strict=True):
        file.write_bytes(file.read_bytes().replace(b"Title of ", b"Cache of "))
        assert titles(tmp_path / name, cache) == [f"Cache of {name}"]


def test_a_link_in_the_cache_place_is_not_followed(seeds_dir: Path, write_seed: Callable,
                                                   tmp_path: Path,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    """A symlink where the cache belongs is ignored, even to a true cache, with the reason."""
    write_seed("a.md", **article_fields(1, title="Title from the seed"))
    path = saved(seeds_dir, tmp_path / "cache")
    real = path.with_name("elsewhere")
    path.rename(real)
    real.write_bytes(real.read_bytes().replace(b"from the seed", b"of the cache!"))
    path.symlink_to(real)
    assert titles(seeds_dir, tmp_path / "cache") == ["Title from the seed"]
    assert cache_messages(caplog) == [
        f"parse cache {path} ignored: [Errno 40] Too many levels of symbolic links: '{path}'"]


def test_a_fifo_in_the_cache_place_is_named_not_a_regular_file(
        seeds_dir: Path, write_seed: Callable, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    """A FIFO where the cache belongs is ignored at once, the warning saying what it is."""
    write_seed("a.md", **article_fields(1))
    path = saved(seeds_dir, tmp_path / "cache")
    path.unlink()
    os.mkfifo(path, 0o600)
    loaded: list[list[str]] = []
    loader = threading.Thread(target=lambda: loaded.append(titles(seeds_dir, tmp_path / "cache")),
                              daemon=True)
    loader.start()
    loader.join(10)
    assert loaded == [["Article 1"]]
    assert cache_messages(caplog) == [f"parse cache {path} ignored: not a regular file"]


def test_a_cache_naming_a_forbidden_global_is_refused_in_200_characters(
        seeds_dir: Path, write_seed: Callable, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    """A pickle naming anything but the model's types is refused; the reason cut at 200."""
    write_seed("a.md", **article_fields(1))
    path = saved(seeds_dir, tmp_path / "cache")
    name = "x" * 300
    path.write_bytes(f"cos\n{name}\n.".encode())  # protocol 0: the global os.xxx...
    assert titles(seeds_dir, tmp_path / "cache") == ["Article 1"]
    reason = f"os.{name} is not allowed in a parse cache"[:200]
    assert cache_messages(caplog) == [f"parse cache {path} ignored: {reason}"]


def test_a_folder_in_the_cache_place_is_a_warning_and_no_leftover(
        seeds_dir: Path, write_seed: Callable, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    """A folder in the cache's place is not read, and the save warns why and leaves no file."""
    write_seed("a.md", **article_fields(1))
    cache = tmp_path / "cache"
    path = ParseCache(cache, seeds_dir.resolve()).path
    path.mkdir(parents=True)
    with caplog.at_level(logging.WARNING):
        saved(seeds_dir, cache)
    ignored, message = cache_messages(caplog)
    assert re.fullmatch(rf"parse cache {re.escape(str(path))} ignored: \[Errno 21\] Is a "
                        r"directory: \d+", ignored), ignored
    assert re.fullmatch(rf"parse cache {re.escape(str(path))} not written: \[Errno 21\] Is a "
                        rf"directory: '{re.escape(str(cache))}/\.parse-cache-.+' -> "
                        rf"'{re.escape(str(path))}'", message), message
    assert [p.name for p in cache.iterdir()] == [path.name]


def test_the_cache_is_written_beside_itself_whatever_the_temporary_folder(
        seeds_dir: Path, write_seed: Callable, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """A system temporary folder that is missing does not keep the cache from being written."""
    write_seed("a.md", **article_fields(1, title="Title from the seed"))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "no-such-folder"))
    path = saved(seeds_dir, tmp_path / "cache")
    assert cache_messages(caplog) == [] and path.is_file()
    path.write_bytes(path.read_bytes().replace(b"from the seed", b"of the cache!"))
    assert titles(seeds_dir, tmp_path / "cache") == ["Title of the cache!"]


class FolderSeen:
    """A view that, as it is written, notes what the cache folder holds."""

    seen: list[str] = []

    def __init__(self, folder: Path):
        self.folder = folder

    def __reduce__(self) -> tuple:
        FolderSeen.seen = sorted(os.listdir(self.folder))
        return str, ("a view",)


def test_a_writers_file_names_the_cache_and_the_writers_process(seeds_dir: Path,
                                                                 tmp_path: Path) -> None:
    """While a save runs, its file is .parse-cache-<folder id>-<pid>-<random>, beside the cache."""
    cache = ParseCache(tmp_path / "cache", seeds_dir.resolve())
    cache.save([], FolderSeen(cache.path.parent))  # type: ignore[arg-type]  # not a view, on purpose
    folder_id = NAME.fullmatch(cache.path.name) and cache.path.name[12:28]
    writing, = FolderSeen.seen
    assert re.fullmatch(rf"\.parse-cache-{folder_id}-{os.getpid()}-[a-z0-9_]+", writing)
    assert pickle.loads(cache.path.read_bytes())["view"] == "a view"
