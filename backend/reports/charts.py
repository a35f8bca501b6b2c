"""Twelve-month trend charts drawn on the server as SVG.

Black lines, round markers and the value written at each point: the chart reads
the same on a screen, printed in black and white, and inside the PDF report. No
script and no inline style, so the pages' content security policy stays strict.
"""

from datetime import date
from xml.sax.saxutils import escape

from django.utils.formats import date_format, number_format
from django.utils.safestring import SafeString, mark_safe

WIDTH = 600
HEIGHT = 220
LEFT = 50
RIGHT = 26
TOP = 28
BOTTOM = 34


def _nice_ceiling(value: int) -> int:
    """The axis' top: 1, 2 or 5 times a power of ten, at or above `value`."""
    if value <= 0:
        return 1
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def trend_svg(title: str, points: list[tuple[date, int | None]]) -> SafeString:
    """A line over the months; a month never compiled leaves a gap and an empty label."""
    top_value = _nice_ceiling(max((v for _, v in points if v is not None), default=0))
    inner_w = WIDTH - LEFT - RIGHT
    inner_h = HEIGHT - TOP - BOTTOM
    step = inner_w / max(len(points) - 1, 1)

    def x(index: int) -> float:
        return LEFT + index * step

    def y(value: int) -> float:
        return TOP + inner_h - inner_h * value / top_value

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'class="trend" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<text x="{LEFT}" y="16" font-size="15" font-weight="bold" fill="#000">'
        f"{escape(title)}</text>",
    ]
    for fraction in (0, 0.5, 1):
        grid = round(top_value * fraction)
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(grid):.1f}" y2="{y(grid):.1f}" '
            f'stroke="#999" stroke-width="0.5" stroke-dasharray="{"" if fraction == 0 else "3 3"}"/>'
        )
        parts.append(
            f'<text x="{LEFT - 6}" y="{y(grid) + 4:.1f}" font-size="12" text-anchor="end" '
            f'fill="#333">{escape(number_format(grid, force_grouping=True))}</text>'
        )
    segment: list[str] = []
    segments: list[list[str]] = []
    for index, (_month, point) in enumerate(points):
        if point is None:
            if segment:
                segments.append(segment)
            segment = []
            continue
        segment.append(f"{x(index):.1f},{y(point):.1f}")
    if segment:
        segments.append(segment)
    for line in segments:
        parts.append(
            f'<polyline points="{" ".join(line)}" fill="none" stroke="#000" stroke-width="1.8"/>'
        )
    for index, (month, value) in enumerate(points):
        label = date_format(month, "M y")
        parts.append(
            f'<text x="{x(index):.1f}" y="{HEIGHT - 12}" font-size="12" text-anchor="middle" '
            f'fill="#333">{escape(label)}</text>'
        )
        if value is None:
            continue
        parts.append(
            f'<circle cx="{x(index):.1f}" cy="{y(value):.1f}" r="3.2" fill="#fff" '
            f'stroke="#000" stroke-width="1.5"/>'
        )
        parts.append(
            f'<text x="{x(index):.1f}" y="{y(value) - 7:.1f}" font-size="12" '
            f'text-anchor="middle" fill="#000">'
            f"{escape(number_format(value, force_grouping=True))}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308  (every text above is escaped)
