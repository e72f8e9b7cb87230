"""The audience counts shaped for /stats: a series per day for the site and the top feeds,
and tables by feed and by reader service for the latest day; as JSON and CSV too."""

import csv
import io
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

from .audience_store import EVERY, Count
from .chart import Series

TOP_FEEDS = 6


@dataclass(frozen=True, slots=True)
class FeedRow:
    """One feed on the latest day: all formats together, then each."""

    feed: str
    subscribers: int
    reported: int
    readers: int
    formats: tuple[tuple[str, int], ...]  # (format, subscribers)


@dataclass(frozen=True, slots=True)
class ServiceRow:
    """One reader service on the latest day, over every feed."""

    service: str
    reported: int
    readers: int


@dataclass(frozen=True, slots=True)
class Report:
    """What /stats shows."""

    days: tuple[str, ...]
    series: tuple[Series, ...]  # the site first, then the top feeds
    day: str  # the latest day with counts
    feeds: tuple[FeedRow, ...]
    services: tuple[ServiceRow, ...]
    counts: tuple[Count, ...]


def build_report(counts: Sequence[Count], today: date, days: int) -> Report:
    """The report over the last `days` days up to today."""
    span = tuple((today - timedelta(days=back)).isoformat() for back in range(days - 1, -1, -1))
    totals: dict[tuple[str, str], int] = {}
    for count in counts:
        if count.format == EVERY:
            key = (count.feed, count.day)
            totals[key] = totals.get(key, 0) + count.subscribers
    day = max((count.day for count in counts), default=today.isoformat())
    feeds = _feed_rows(counts, day)
    series = [Series("All feeds", tuple(totals.get((EVERY, d), 0) for d in span))]
    series += [Series(row.feed, tuple(totals.get((row.feed, d), 0) for d in span))
               for row in feeds[:TOP_FEEDS]]
    return Report(span, tuple(series), day, feeds, _service_rows(counts, day), tuple(counts))


def _feed_rows(counts: Sequence[Count], day: str) -> tuple[FeedRow, ...]:
    """Every feed's row on day, most subscribers first."""
    together: dict[str, list[int]] = {}
    apart: dict[str, dict[str, int]] = {}
    for count in counts:
        if count.day != day or count.feed == EVERY:
            continue
        if count.format == EVERY:
            row = together.setdefault(count.feed, [0, 0])
            row[0] += count.reported
            row[1] += count.readers
        else:
            formats = apart.setdefault(count.feed, {})
            formats[count.format] = formats.get(count.format, 0) + count.subscribers
    rows = [FeedRow(feed, reported + readers, reported, readers,
                    tuple(sorted(apart.get(feed, {}).items())))
            for feed, (reported, readers) in together.items()]
    return tuple(sorted(rows, key=lambda row: (-row.subscribers, row.feed)))


def _service_rows(counts: Sequence[Count], day: str) -> tuple[ServiceRow, ...]:
    """Every service's row on day over all feeds, most subscribers first."""
    rows = [ServiceRow(c.service, c.reported, c.readers) for c in counts
            if c.day == day and c.feed == EVERY and c.format == EVERY]
    return tuple(sorted(rows, key=lambda row: (-row.reported - row.readers, row.service)))


def as_json(report: Report) -> dict[str, Any]:
    """The report as plain data."""
    return {
        "day": report.day,
        "days": [{"day": day, "subscribers": value}
                 for day, value in zip(report.days, report.series[0].values, strict=True)],
        "feeds": [{**asdict(row), "formats": dict(row.formats)} for row in report.feeds],
        "services": [asdict(row) for row in report.services],
        "counts": [{**asdict(count), "subscribers": count.subscribers}
                   for count in report.counts],
    }


def as_csv(report: Report) -> str:
    """Every count, one row each (feed and format `*` stand for all of them)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["day", "feed", "format", "service", "reported", "readers", "subscribers"])
    for count in report.counts:
        writer.writerow([count.day, count.feed, count.format, _cell(count.service),
                         count.reported, count.readers, count.subscribers])
    return out.getvalue()


def _cell(text: str) -> str:
    """text, never read as a formula by a spreadsheet (a service name comes from a client)."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
