"""The persisted parse cache and the parallel cold read."""

import multiprocessing
import os
import pickle
import subprocess
import sys
import threading
import time
from array import array
from datetime import UTC, datetime, timedelta
from typing import Any

from conftest import REPO, article_fields
from servers import fetch, serve

from feeds.ingest import reading
from feeds.ingest.reading import read_many
from feeds.view.cache import ParseCache
from feeds.view.corpus import Corpus
from feeds.view.lookups import built_index, index_of


def saved_corpus(seeds_dir, cache_dir) -> Corpus:
    corpus = Corpus(seeds_dir, reload_seconds=0, cache_dir=cache_dir)
    corpus.snapshot()
    corpus.save_cache()
    return corpus


def test_restart_takes_unchanged_seeds_from_the_cache(seeds_dir, write_seed, tmp_path):
    write_seed("a.md", **article_fields(1, title="Cached title"))
    saved_corpus(seeds_dir, tmp_path / "cache")
    # The cache says otherwise than the unchanged file: only a start from the cache says so.
    cache_file, = (tmp_path / "cache").glob("parse-cache-*")
    cache_file.write_bytes(cache_file.read_bytes().replace(b"Cached title", b"Edited title"))
    restarted = Corpus(seeds_dir, reload_seconds=0, cache_dir=tmp_path / "cache").snapshot()
    assert [a.title for a in restarted.site.articles] == ["Edited title"]


def test_changed_seed_is_read_again_despite_the_cache(seeds_dir, write_seed, tmp_path):
    write_seed("a.md", **article_fields(1, title="Old"))
    saved_corpus(seeds_dir, tmp_path / "cache")
    write_seed("a.md", **article_fields(1, title="New and longer"))
    restarted = Corpus(seeds_dir, reload_seconds=0, cache_dir=tmp_path / "cache").snapshot()
    assert [a.title for a in restarted.site.articles] == ["New and longer"]


def test_restart_over_unchanged_seeds_serves_the_saved_view(seeds_dir, write_seed, tmp_path):
    write_seed("a.md", **article_fields(1))
    saved = saved_corpus(seeds_dir, tmp_path / "cache").current
    assert saved is not None
    restarted = Corpus(seeds_dir, reload_seconds=0, cache_dir=tmp_path / "cache").snapshot()
    assert restarted.loaded_at == saved.loaded_at
    assert restarted.site.articles == saved.site.articles


def test_restart_rebuilds_the_view_when_an_embargo_has_ended(seeds_dir, write_seed, tmp_path):
    write_seed("a.md", **article_fields(1))
    soon = datetime.now(UTC) + timedelta(seconds=1)
    write_seed("b.md", **article_fields(2, publishedDateTime=soon.isoformat()))
    saved = saved_corpus(seeds_dir, tmp_path / "cache").current
    assert saved is not None and len(saved.site.articles) == 1
    time.sleep(max(0.0, (soon - datetime.now(UTC)).total_seconds()) + 0.1)
    restarted = Corpus(seeds_dir, reload_seconds=0, cache_dir=tmp_path / "cache").snapshot()
    assert [a.title for a in restarted.site.articles] == ["Article 2", "Article 1"]


def test_restart_rebuilds_the_view_when_the_site_title_changed(seeds_dir, write_seed, tmp_path):
    write_seed("a.md", **article_fields(1))
    saved_corpus(seeds_dir, tmp_path / "cache")
    restarted = Corpus(seeds_dir, reload_seconds=0, cache_dir=tmp_path / "cache",
                       title="Renamed").snapshot()
    assert restarted.site.name == "Renamed"


def test_restart_rebuilds_the_view_when_site_data_changed(seeds_dir, write_seed, tmp_path):
    write_seed("a.md", **article_fields(1))
    saved_corpus(seeds_dir, tmp_path / "cache")
    (seeds_dir / "_data" / "topics").mkdir(parents=True)
    (seeds_dir / "_data" / "topics" / "power-apps.yaml").write_text(
        "_id: power-apps\nname: Power Apps (site)\n")
    restarted = Corpus(seeds_dir, reload_seconds=0, cache_dir=tmp_path / "cache").snapshot()
    assert restarted.topics["power-apps"].name == "Power Apps (site)"


def test_damaged_cache_is_ignored(seeds_dir, write_seed, tmp_path, caplog):
    write_seed("a.md", **article_fields(1))
    cache = ParseCache(tmp_path / "cache", seeds_dir.resolve())
    cache.path.parent.mkdir()
    cache.path.write_bytes(b"\x80\x05half a pickle")
    snapshot = Corpus(seeds_dir, reload_seconds=0, cache_dir=tmp_path / "cache").snapshot()
    assert len(snapshot.site.articles) == 1
    assert "parse cache" in caplog.text


def _save_many(cache_dir, seeds_dir, times):
    corpus = Corpus(seeds_dir, reload_seconds=0, cache_dir=cache_dir)
    corpus.snapshot()
    for _ in range(times):
        corpus._unsaved, corpus._saved_at = True, float("-inf")
        corpus.save_cache()


def test_two_processes_saving_at_once_leave_a_whole_cache(seeds_dir, write_seed, tmp_path):
    for n in range(1, 30):
        write_seed(f"{n}.md", **article_fields(n))
    context = multiprocessing.get_context("spawn")
    writers = [context.Process(target=_save_many, args=(tmp_path / "c", seeds_dir, 20))
               for _ in range(2)]
    for writer in writers:
        writer.start()
    cache = ParseCache(tmp_path / "c", seeds_dir.resolve())
    loads = []
    while any(writer.is_alive() for writer in writers):
        if cache.path.exists():
            loads.append(len(cache.load()[0]))
    for writer in writers:
        writer.join()
        assert writer.exitcode == 0
    assert loads and set(loads) == {29}  # read while being rewritten: always whole
    assert len(cache.load()[0]) == 29
    assert [p.name for p in cache.path.parent.iterdir()] == [cache.path.name]


def test_parallel_read_equals_sequential_read(seeds_dir, write_seed, monkeypatch):
    for n in range(1, 41):
        write_seed(f"{n:02d}.md", **article_fields(n))
    write_seed("bad.md", "---\ntitle: [\n---\n")
    names = sorted(p.name for p in seeds_dir.iterdir())
    sequential = read_many(seeds_dir, names)
    monkeypatch.setattr(reading, "PARALLEL_FROM", 10)
    seen = []
    assert read_many(seeds_dir, names, lambda done, total: seen.append((done, total))) == (
        sequential)
    assert seen[-1] == (41, 41)


def test_check_progress_stays_quiet_off_a_terminal(corpus_app, corpus_dir):
    result = corpus_app.test_cli_runner().invoke(args=["check", str(corpus_dir)])
    assert "read " not in result.output


def test_a_serving_process_writes_its_cache_at_its_first_scan(seeds_dir, write_seed,
                                                                      tmp_path):
    write_seed("a.md", **article_fields(1))
    corpus = Corpus(seeds_dir, reload_seconds=0.2, cache_dir=tmp_path / "cache")
    corpus.snapshot()
    cache = ParseCache(tmp_path / "cache", seeds_dir.resolve())
    deadline = time.monotonic() + 10
    while not cache.path.exists():
        assert time.monotonic() < deadline, "no parse cache written"
        time.sleep(0.05)
    assert list(cache.load()[0]) == ["a.md"]


def test_a_deleted_seed_leaves_the_cache_at_the_next_save(seeds_dir, write_seed, tmp_path):
    write_seed("a.md", **article_fields(1))
    gone = write_seed("b.md", **article_fields(2))
    corpus = saved_corpus(seeds_dir, tmp_path / "cache")
    gone.unlink()
    corpus.refresh()
    assert corpus.wants_saving()
    corpus.save_cache(force=True)
    entries, _ = ParseCache(tmp_path / "cache", seeds_dir.resolve()).load()
    assert set(entries) == {"a.md"}


def test_an_empty_seeds_folder_reads_the_cache_once(seeds_dir, tmp_path, monkeypatch):
    reads = []
    original = ParseCache.load

    def counted(self):
        reads.append(1)
        return original(self)

    monkeypatch.setattr(ParseCache, "load", counted)
    corpus = Corpus(seeds_dir, reload_seconds=0, cache_dir=tmp_path / "cache")
    for _ in range(3):
        corpus.snapshot()
    assert reads == [1]


def test_restart_over_unchanged_seeds_takes_the_saved_index_too(seeds_dir, write_seed,
                                                                  tmp_path):
    for n in range(1, 6):
        write_seed(f"{n}.md", **article_fields(n, excerpt=f"word{n} shared"))
    corpus = Corpus(seeds_dir, reload_seconds=0, cache_dir=tmp_path / "cache")
    built = index_of(corpus.snapshot())
    corpus.save_cache()
    restarted = Corpus(seeds_dir, reload_seconds=0, cache_dir=tmp_path / "cache").snapshot()
    saved = built_index(restarted)
    assert saved is not None and saved is not built and saved.fits(restarted)
    assert dict(saved.words) == dict(built.words) and list(saved.word("word3")) == [2]


def test_a_saved_index_that_does_not_fit_its_view_is_ignored(seeds_dir, write_seed, tmp_path,
                                                             caplog):
    for n in range(1, 4):
        write_seed(f"{n}.md", **article_fields(n))
    corpus = Corpus(seeds_dir, reload_seconds=0, cache_dir=tmp_path / "cache")
    index_of(corpus.snapshot()).words["shared"] = array("I", [0, 99])  # past the 3 articles
    corpus.save_cache()
    restarted = Corpus(seeds_dir, reload_seconds=0, cache_dir=tmp_path / "cache").snapshot()
    assert "parse cache" in caplog.text and "index" in caplog.text
    assert len(restarted.site.articles) == 3 and built_index(restarted) is None


def test_a_writer_killed_part_way_leaves_no_file_for_ever(seeds_dir, write_seed, tmp_path):
    write_seed("a.md", **article_fields(1))
    cache = tmp_path / "cache"
    corpus = saved_corpus(seeds_dir, cache)
    cache_file, = cache.glob("parse-cache-*")
    folder_id = cache_file.name.removeprefix("parse-cache-").removesuffix(".pickle")
    # A writer's temporary file, named as every writer names it, from a process now gone.
    writer = multiprocessing.get_context("fork").Process(target=time.sleep, args=(0,))
    writer.start()
    writer.join()
    killed = cache / f".parse-cache-{folder_id}-{writer.pid}-abc"
    killed.write_bytes(b"half a pickle")
    running = cache / f".parse-cache-{folder_id}-{os.getpid()}-def"  # a writer at work
    running.write_bytes(b"being written")
    write_seed("b.md", **article_fields(2))
    corpus.refresh()
    corpus.save_cache(force=True)
    assert not killed.exists() and running.exists()


def test_a_cache_with_a_field_of_the_wrong_type_is_ignored(seeds_dir, write_seed, tmp_path,
                                                          caplog):
    write_seed("a.md", **article_fields(1, title="Typed title"))
    saved_corpus(seeds_dir, tmp_path / "cache")
    cache_file, = (tmp_path / "cache").glob("parse-cache-*")
    data = pickle.loads(cache_file.read_bytes())
    name, (key, article) = next(iter(data["entries"].items()))
    data["entries"][name] = (key, article._replace(title=123, url=True))
    data["view"] = None
    cache_file.write_bytes(pickle.dumps(data))
    restarted = Corpus(seeds_dir, reload_seconds=0, cache_dir=tmp_path / "cache")
    assert [a.title for a in restarted.snapshot().site.articles] == ["Typed title"]
    assert "its entries are not (stat key, article or error) by name" in caplog.text


def test_check_and_serve_start_over_a_cache_with_a_wrong_type(seeds_dir, write_seed, tmp_path):
    write_seed("a.md", **article_fields(1, title="Typed title"))
    cache = tmp_path / "cache"
    saved_corpus(seeds_dir, cache)
    cache_file, = cache.glob("parse-cache-*")
    data = pickle.loads(cache_file.read_bytes())
    snapshot = data["view"][2]
    data["view"] = (data["view"][0], data["view"][1],
                    snapshot.__class__(**{**_fields(snapshot), "published_count": "many"}), None)
    cache_file.write_bytes(pickle.dumps(data))
    env = {**os.environ, "FEEDS_SEEDS_DIR": str(seeds_dir), "FEEDS_CACHE_DIR": str(cache)}
    check = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "check"], env=env,
                           capture_output=True, text=True, cwd=REPO)
    assert check.returncode == 0 and "Traceback" not in check.stderr, check.stderr
    assert "parse cache" in check.stderr and "ignored" in check.stderr
    with serve({"FEEDS_SEEDS_DIR": str(seeds_dir), "FEEDS_CACHE_DIR": str(cache)}) as base:
        assert b"Typed title" in fetch(f"{base}/feed.rss")[2]


def _fields(snapshot) -> dict[str, Any]:
    return {name: getattr(snapshot, name) for name in snapshot.__dataclass_fields__}


def test_a_fifo_in_the_cache_place_is_ignored_at_once(seeds_dir, write_seed, tmp_path, caplog):
    write_seed("a.md", **article_fields(1, title="Read anew"))
    cache = tmp_path / "cache"
    saved_corpus(seeds_dir, cache)
    cache_file, = cache.glob("parse-cache-*")
    cache_file.unlink()
    os.mkfifo(cache_file, 0o600)
    titles: list[str] = []
    loader = threading.Thread(target=lambda: titles.extend(
        a.title for a in Corpus(seeds_dir, reload_seconds=0, cache_dir=cache).snapshot()
        .site.articles), daemon=True)
    loader.start()
    loader.join(10)
    assert titles == ["Read anew"]
    assert "not a regular file" in caplog.text
