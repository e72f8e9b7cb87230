"""A line chart of subscribers over days as inline SVG, drawn by hand: a few polylines, axes
and labels need no library, and the page stays one server-rendered document with no script."""

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT = 880, 300
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 36
COLOURS = ("#c2410c", "#1d4ed8", "#15803d", "#7c3aed", "#ca8a04", "#0e7490", "#be185d")


@dataclass(frozen=True, slots=True)
class Series:
    """One line: its name and a value per day."""

    name: str
    values: tuple[int, ...]


def nice_top(highest: int) -> int:
    """A round number at or above highest for the top of the axis: 4, 8, 10, 20, 40, 50,
    80, 100, 200..."""
    magnitude = 1
    while True:
        for factor in (4, 8, 10, 20, 40, 50, 80):
            if factor * magnitude >= highest:
                return factor * magnitude
        magnitude *= 10


def line_chart(days: Sequence[str], series: Sequence[Series], title: str) -> str:
    """An SVG chart of series over days (YYYY-MM-DD), the first series drawn boldest."""
    top = nice_top(max((max(s.values, default=0) for s in series), default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(index: int) -> float:
        return LEFT + (plot_w * index / (len(days) - 1) if len(days) > 1 else plot_w / 2)

    def y(value: int) -> float:
        return TOP + plot_h - plot_h * value / top

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
             f'role="img" aria-label="{escape(title)}" class="chart">',
             f"<title>{escape(title)}</title>"]
    for step in range(5):
        value = top * step // 4
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" '
                     f'y2="{y(value):.1f}" class="grid"/>'
                     f'<text x="{LEFT - 8}" y="{y(value) + 4:.1f}" class="axis" '
                     f'text-anchor="end">{value:,}</text>')
    for index in _label_positions(len(days)):
        parts.append(f'<text x="{x(index):.1f}" y="{HEIGHT - 12}" class="axis" '
                     f'text-anchor="middle">{escape(days[index][5:])}</text>')
    for number, line in reversed(list(enumerate(series))):
        colour, width = COLOURS[number % len(COLOURS)], 3.5 if number == 0 else 2
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(line.values))
        parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" '
                     f'stroke-width="{width}" stroke-linejoin="round"><title>'
                     f"{escape(line.name)}</title></polyline>")
        parts += [f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="{width}" fill="{colour}"/>'
                  for i, v in enumerate(line.values) if len(days) <= 31]
    parts.append("</svg>")
    return "\n".join(parts)


def colour_of(number: int) -> str:
    """The colour of the number-th series, for the legend."""
    return COLOURS[number % len(COLOURS)]


def _label_positions(count: int, most: int = 8) -> list[int]:
    """Which days get a label: at most `most`, evenly spread, ending with the last day."""
    step = max(1, -(-count // most))
    return list(range((count - 1) % step, count, step))
