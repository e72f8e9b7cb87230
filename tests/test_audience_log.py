"""Subscribers counted from access logs with a known answer: aggregators (their latest count of
the day), individual readers (distinct, salted), crawlers, browsers and one-off fetches, over
several days, in nginx's combined format and in the JSON lines of deploy/nginx.conf."""

import json
import os
import sqlite3
import tracemalloc
from datetime import UTC, datetime, timedelta

import pytest
from conftest import SITE

from feeds import create_app
from feeds.web.accesslog import MAX_LINE
from feeds.web.salt import SHARED_MEMORY, Salts

FEEDLY = "Feedly/1.0 (+http://www.feedly.com/fetcher.html; {} subscribers; like FeedFetcher-Google)"
INOREADER = ("Mozilla/5.0 (compatible; Inoreader/1.0; +https://www.inoreader.com/feed-fetcher; "
             "{} subscribers; )")
NEWSBOAT = "Newsboat/2.36 (Linux x86_64)"
NETNEWSWIRE = "NetNewsWire (RSS Reader; https://netnewswire.com/)"
BROWSER = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/120.0.0.0 Safari/537.36")
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
QUERY = "/feed?topics=climate,transit&sort=heat"
TODAY = datetime.now(UTC).replace(hour=1, minute=0, second=0, microsecond=0)


def day(back: int) -> str:
    return (TODAY - timedelta(days=back)).date().isoformat()


def polls_of_one_day(back: int) -> list[tuple[int, str, str, int, str]]:
    """(hours after 01:00, address, uri, status, user agent) of one day of traffic."""
    return [
        (0, "192.0.2.10", "/feed.rss", 200, FEEDLY.format(10)),
        (5, "192.0.2.11", "/feed.rss", 304, FEEDLY.format(12 + back)),  # the latest: counted
        (2, "192.0.2.10", "/feed.atom", 200, FEEDLY.format(3)),
        (1, "192.0.2.20", "/topics/astronomy.rss", 200, INOREADER.format(5)),
        (1, "2001:db8::1", "/feed.rss", 200, NEWSBOAT),  # known readers: at their first poll
        (2, "2001:db8::1", "/feed.rss", 304, NEWSBOAT),
        (1, "198.51.100.2", "/feed.rss", 200, NEWSBOAT),
        (1, "198.51.100.2", "/topics/astronomy.atom", 200, NEWSBOAT),  # one client, two feeds
        (1, "2001:db8::1", "/feed.atom", 200, NETNEWSWIRE),  # same address, another client
        (1, "198.51.100.3", "/feed.rss?sort=heat&topics=transit,Climate", 200, NEWSBOAT),
        (2, "198.51.100.3", "/feed.json?topics=climate,transit&sort=heat&utm_source=x", 200,
         NEWSBOAT),
        (1, "198.51.100.4", "/feed.rss", 200, "MyScript/1.0"),  # comes back: a reader
        (3, "198.51.100.4", "/feed.rss", 200, "MyScript/1.0"),
        (1, "198.51.100.5", "/feed.rss", 200, "OnceScript/1.0"),  # once: not
        (1, "198.51.100.6", "/feed.rss", 304, "PollScript/1.0"),  # with validators: a reader
        (1, "198.51.100.7", "/feed.rss", 200, BROWSER),  # a browser opening it once: not
        (1, "198.51.100.8", "/feed.atom", 200, BROWSER),  # a browser coming back: a reader
        (4, "198.51.100.8", "/feed.atom", 200, BROWSER),
        *[(hour, "66.249.66.1", "/feed.rss", 200, GOOGLEBOT) for hour in range(6)],
        (1, "198.51.100.9", "/topics/astronomy", 200, NEWSBOAT),  # an HTML page: no feed
        (1, "198.51.100.9", "/topics/nothing.rss", 404, NEWSBOAT),
        (1, "198.51.100.9", "/feed.rss?page=2", 200, NEWSBOAT),  # an archive page: no poll
        (1, "198.51.100.9", "/feed.rss?limit=oops", 400, NEWSBOAT),
    ]


def log_lines(style: str, days: int = 3) -> list[str]:
    lines = []
    for back in range(days - 1, -1, -1):
        for hours, address, uri, status, agent in polls_of_one_day(back):
            when = TODAY - timedelta(days=back) + timedelta(hours=hours)
            if style == "json":
                lines.append(json.dumps({
                    "time": when.isoformat(), "remote_addr": address, "method": "GET",
                    "uri": uri, "status": status, "body_bytes": 100, "request_time": 0.001,
                    "user_agent": agent, "referer": "", "if_none_match": "", "cache": "HIT"}))
            else:
                stamp = when.strftime("%d/%b/%Y:%H:%M:%S +0000")
                lines.append(f'{address} - - [{stamp}] "GET {uri} HTTP/1.1" {status} 100 "-" '
                             f'"{agent}"')
        lines.append("a line that is no request")
    return [line + "\n" for line in lines]


# Each day: Feedly 12 + back on rss and 3 on atom, Inoreader 5 on astronomy; readers of /feed
# rss: 2 Newsboat, MyScript, PollScript; atom: NetNewsWire and the returning browser; one of
# the Newsboat also reads astronomy, another reads the query alone.
def expected(back: int) -> dict[tuple[str, str], tuple[int, int]]:
    """(feed, format) -> (reported, readers) on a day."""
    return {
        ("/feed", "rss"): (12 + back, 4), ("/feed", "atom"): (3, 2), ("/feed", "*"): (15 + back, 6),
        ("/topics/astronomy", "rss"): (5, 0), ("/topics/astronomy", "atom"): (0, 1),
        ("/topics/astronomy", "*"): (5, 1),
        (QUERY, "rss"): (0, 1), (QUERY, "json"): (0, 1), (QUERY, "*"): (0, 1),
        ("*", "*"): (20 + back, 7),  # each client once, whatever it reads
    }


@pytest.fixture
def app(state_dir):
    return create_app({"TESTING": True, "SEEDS_DIR": str(SITE), "RELOAD_SECONDS": 0,
                       "STATE_DIR": str(state_dir), "STATS_TOKEN": "t"})


def totals(app, days: int = 3) -> dict[tuple[str, str, str], tuple[int, int]]:
    """(day, feed, format) -> (reported, readers), from /stats.json."""
    counts = app.test_client().get(f"/stats.json?days={days}",
                                   headers={"Authorization": "Bearer t"}).get_json()["counts"]
    found: dict[tuple[str, str, str], tuple[int, int]] = {}
    for count in counts:
        key = (count["day"], count["feed"], count["format"])
        reported, readers = found.get(key, (0, 0))
        found[key] = (reported + count["reported"], readers + count["readers"])
    return found


@pytest.mark.parametrize("style", ["combined", "json"])
def test_a_generated_log_gives_the_known_counts_day_by_day(app, tmp_path, style):
    log = tmp_path / "access.log"
    log.write_text("".join(log_lines(style)))
    result = app.test_cli_runner().invoke(args=["audience-log", str(log)])
    assert result.exit_code == 0, result.output
    found = totals(app)
    for back in range(3):
        assert {key[1:]: value for key, value in found.items() if key[0] == day(back)} == \
            expected(back), day(back)


def test_a_log_read_again_or_twice_counts_the_same(app, tmp_path):
    log = tmp_path / "access.log"
    log.write_text("".join(log_lines("json", days=2)))
    runner = app.test_cli_runner()
    runner.invoke(args=["audience-log", str(log)])
    first = totals(app)
    assert "0 feed polls" in runner.invoke(args=["audience-log", str(log)]).output
    runner.invoke(args=["audience-log", "--again", str(log)])
    assert totals(app) == first


def test_a_log_is_read_on_from_where_it_stopped_even_once_rotated(app, tmp_path):
    log = tmp_path / "access.log"
    lines = log_lines("combined", days=1)
    log.write_text("".join(lines[:10]))
    runner = app.test_cli_runner()
    runner.invoke(args=["audience-log", str(log)])
    with log.open("a") as file:
        file.write("".join(lines[10:]))
    log.rename(tmp_path / "access.log.1")  # rotated: read on under its new name
    result = runner.invoke(args=["audience-log", str(tmp_path / "access.log.1"), str(log)])
    assert "not found, skipped" in result.output
    assert {key[1:]: value for key, value in totals(app).items() if key[0] == day(0)} == \
        expected(0)


def test_a_line_longer_than_any_request_is_passed_over_and_the_next_counted(app, tmp_path):
    log = tmp_path / "access.log"
    lines = log_lines("combined", days=1)
    log.write_text("x" * (MAX_LINE * 5) + "\n" + "".join(lines))
    app.test_cli_runner().invoke(args=["audience-log", str(log)])
    assert {key[1:]: value for key, value in totals(app).items() if key[0] == day(0)} == \
        expected(0)


def test_the_command_needs_a_state_dir():
    app = create_app({"TESTING": True, "SEEDS_DIR": str(SITE), "RELOAD_SECONDS": 0})
    result = app.test_cli_runner().invoke(args=["audience-log", "-"], input="")
    assert result.exit_code == 2 and "FEEDS_STATE_DIR" in result.output


def test_hostile_log_lines_are_skipped_and_the_rest_counted(app, tmp_path):
    good = log_lines("json", days=1)
    stamp = TODAY.isoformat()
    hostile = [
        '{"time":"' + stamp + '","remote_addr":"1","method":"GET","uri":"/feed.rss",'
        '"status":Infinity}',  # int(inf) is an OverflowError
        '{"a":' + "[" * 5000 + "]" * 5000 + "}",  # nested past the recursion limit
        '{"time":"0001-01-01T00:00:00+23:59","remote_addr":"1","method":"GET",'
        '"uri":"/feed.rss","status":200,"user_agent":"Newsboat/2.36"}',  # before year 1 in UTC
        '1 - - [01/Jan/0001:00:00:00 +2359] "GET /feed.rss HTTP/1.1" 200 1 "-" "Newsboat/2.36"',
        '2 - - [' + TODAY.strftime("%d/%b/%Y:%H:%M:%S +0000") +
        '] "GET //[/feed.rss HTTP/1.1" 200 1 "-" "Newsboat/2.36"',  # urlsplit: a ValueError
    ]
    log = tmp_path / "access.log"
    log.write_text("".join(line + "\n" for line in hostile) + "".join(good))
    result = app.test_cli_runner().invoke(args=["audience-log", str(log)])
    assert result.exit_code == 0, result.output
    assert {key[1:]: value for key, value in totals(app, 1).items()} == expected(0)


def test_polls_dated_in_the_future_are_not_counted_nor_kept(app, tmp_path, state_dir):
    future = [(TODAY + timedelta(days=days)).strftime("%d/%b/%Y:%H:%M:%S +0000")
              for days in (3, 400, 3000)]
    lines = [f'192.0.2.{n} - - [{stamp}] "GET /feed.rss HTTP/1.1" 200 1 "-" "Newsboat/2.36"\n'
             for n, stamp in enumerate(future)]
    log = tmp_path / "access.log"
    log.write_text("".join(lines))
    result = app.test_cli_runner().invoke(args=["audience-log", str(log)])
    assert result.exit_code == 0, result.output
    connection = sqlite3.connect(state_dir / "audience.sqlite3")
    assert connection.execute("SELECT COUNT(*) FROM clients").fetchone() == (0,)
    assert not list(SHARED_MEMORY.glob(f"{Salts(state_dir).prefix}*"))  # no salt of a future day


def test_a_file_with_no_line_end_is_read_in_bounded_memory(app, tmp_path):
    log = tmp_path / "access.log"
    with log.open("wb") as file:
        file.write(b"x" * 30_000_000 + b"\n")  # not a log: a line far past any request's
        file.write("".join(log_lines("combined", days=1)).encode())
        file.write(b"y" * 30_000_000)  # and no line end at all
    tracemalloc.start()
    try:
        result = app.test_cli_runner().invoke(args=["audience-log", str(log)])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.exit_code == 0, result.output
    assert peak < 10_000_000
    assert {key[1:]: value for key, value in totals(app, 1).items()} == expected(0)


def test_a_folder_or_a_fifo_among_the_logs_is_skipped_without_waiting(app, tmp_path):
    log = tmp_path / "access.log"
    log.write_text("".join(log_lines("combined", days=1)))
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)  # no writer: opening it to read would wait for ever
    folder = tmp_path / "old"
    folder.mkdir()
    result = app.test_cli_runner().invoke(args=["audience-log", str(folder), str(fifo), str(log)])
    assert result.exit_code == 0, result.output
    assert f"{folder}: not a regular file, skipped" in result.output
    assert f"{fifo}: not a regular file, skipped" in result.output
    assert {key[1:]: value for key, value in totals(app, 1).items()} == expected(0)
