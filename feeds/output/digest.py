"""How a digest period reads: its title, its plain-text summary and its HTML list of articles."""

from datetime import date, timedelta

from markupsafe import escape

from ..view.select import Period


def period_title(period: Period) -> str:
    """"Monday 30 November 2026", or "Week 48 of 2026: 23 November to 29 November 2026"."""
    first = period.start.date()
    if period.digest == "daily":
        return f"{first:%A} {_day(first)}"
    last = first + timedelta(days=6)
    year, week, _ = first.isocalendar()
    return f"Week {week} of {year}: {_day(first)} to {_day(last)}"


def _day(day: date) -> str:
    """30 November 2026."""
    return f"{day.day} {day:%B %Y}"


def period_summary(period: Period) -> str:
    """The period's articles by title, as plain text."""
    shown = len(period.articles)
    titles = "; ".join(article.title for article in period.articles)
    if shown < period.matching_count:
        return f"The top {shown} of {period.matching_count} articles: {titles}"
    return f"{shown} {'article' if shown == 1 else 'articles'}: {titles}"


def period_html(period: Period) -> str:
    """The period's articles as an HTML list: each with its link, provider and excerpt."""
    items = "\n".join(
        f'<li><p><a href="{escape(article.url)}">{escape(article.title)}</a>'
        f'{escape(f" ({article.provider.name})") if article.provider else ""}</p>'
        f'{f"<p>{escape(article.excerpt)}</p>" if article.excerpt else ""}</li>'
        for article in period.articles)
    return f"<ol>\n{items}\n</ol>"
