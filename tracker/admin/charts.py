"""Server-rendered SVG charts for the admin (no JavaScript, no CDN)."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils.html import escape

COLOURS = {"violation": "#b2182b", "possible": "#ef8a62", "not_violation": "#8c8c8c"}
LABELS = {"violation": "violation", "possible": "possible", "not_violation": "not a violation"}


def _amount(value: float) -> str:
    """A weighted count as people read it: 1, 0.5, 1.04 (two decimals at most)."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def compliance_svg(series: list[dict], *, width: int = 720, height: int = 220) -> str:
    """Stacked daily bars by verdict, with a line at the start (day 0). Accessible: a title, a
    description and a text label per bar."""
    pad_left, pad_bottom, pad_top = 32, 28, 18
    plot_w, plot_h = width - pad_left - 8, height - pad_bottom - pad_top
    peak = max([d["total"] for d in series] + [1])
    bar_w = plot_w / max(len(series), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="cc-title cc-desc" width="{width}" height="{height}" viewBox="0 0 {width} {height}">',
        '<title id="cc-title">Incidents per day before and after the start, by verdict</title>',
        f'<desc id="cc-desc">{len(series)} days; at most {_amount(peak)} incidents on one day.</desc>',
        f'<line x1="{pad_left}" y1="{pad_top + plot_h}" x2="{width - 8}" y2="{pad_top + plot_h}" stroke="#444"/>',
        f'<text x="4" y="{pad_top + 4}" font-size="11">{_amount(peak)}</text><text x="4" y="{pad_top + plot_h}" font-size="11">0</text>',
    ]
    for i, day in enumerate(series):
        x, y = pad_left + i * bar_w, pad_top + plot_h
        for verdict in ("not_violation", "possible", "violation"):
            count = day["by_verdict"][verdict]
            if count:
                h = plot_h * count / peak
                y -= h
                parts.append(
                    f'<rect x="{x + 1:.1f}" y="{y:.1f}" width="{max(bar_w - 2, 1):.1f}" height="{h:.1f}" fill="{COLOURS[verdict]}">'
                    f"<title>{escape(day['date'])}: {_amount(count)} {LABELS[verdict]}</title></rect>"
                )
        if day["day"] == 0:
            parts.append(
                f'<line x1="{x:.1f}" y1="{pad_top - 6}" x2="{x:.1f}" y2="{pad_top + plot_h}" stroke="#222" stroke-dasharray="4 3"/>'
            )
            parts.append(f'<text x="{x + 3:.1f}" y="{pad_top - 6}" font-size="11">start ({escape(day["date"])})</text>')
    first, last = series[0]["date"], series[-1]["date"]
    parts.append(f'<text x="{pad_left}" y="{height - 8}" font-size="11">{escape(first)}</text>')
    parts.append(f'<text x="{width - 8}" y="{height - 8}" font-size="11" text-anchor="end">{escape(last)}</text>')
    legend_x = pad_left + 150
    for verdict in ("violation", "possible", "not_violation"):
        parts.append(f'<rect x="{legend_x}" y="{height - 18}" width="10" height="10" fill="{COLOURS[verdict]}"/>')
        parts.append(f'<text x="{legend_x + 14}" y="{height - 9}" font-size="11">{LABELS[verdict]}</text>')
        legend_x += 110
    parts.append("</svg>")
    return "".join(parts)


def declared_starts_svg(curated: datetime, declared: list[dict], *, zone: str = "UTC", width: int = 720) -> str:
    """The curated start and each party's declared start on one time line (`declared`: dicts
    with `party` and `starts_at`), so that how far apart the claims are shows at a glance.
    Labels give local time in `zone` and the offset from the curated start."""
    tz = ZoneInfo(zone)
    # One mark per party and instant: several reports often carry the same claim.
    claims: dict[tuple[str, datetime], int] = {}
    for d in declared:
        key = (str(d["party"]), d["starts_at"])
        claims[key] = claims.get(key, 0) + 1
    points = [("Curated start", curated, True, 0)] + [
        (party, instant, False, reports) for (party, instant), reports in sorted(claims.items(), key=lambda c: (c[0][1], c[0][0]))
    ]
    first, last = min(p[1] for p in points), max(p[1] for p in points)
    span = max((last - first).total_seconds(), 3600.0)
    pad_x, row_h, top = 40, 22, 30
    plot_w = width - 2 * pad_x
    height = top + row_h * len(points) + 30

    def x_of(instant) -> float:
        return pad_x + plot_w * (instant - first).total_seconds() / span

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="ds-title ds-desc" width="{width}" height="{height}" viewBox="0 0 {width} {height}">',
        '<title id="ds-title">Declared starts against the curated start</title>',
        f'<desc id="ds-desc">{len(claims)} declared start(s) from {escape(first.astimezone(tz).strftime("%Y-%m-%d %H:%M"))} '
        f"to {escape(last.astimezone(tz).strftime('%Y-%m-%d %H:%M'))} ({escape(zone)}).</desc>",
        f'<line x1="{pad_x}" y1="{top - 10}" x2="{width - pad_x}" y2="{top - 10}" stroke="#444"/>',
        f'<text x="{pad_x}" y="{top - 16}" font-size="11">{escape(first.astimezone(tz).strftime("%Y-%m-%d %H:%M"))}</text>',
        f'<text x="{width - pad_x}" y="{top - 16}" font-size="11" text-anchor="end">{escape(last.astimezone(tz).strftime("%Y-%m-%d %H:%M"))}</text>',
    ]
    for row, (label, instant, is_curated, reports) in enumerate(points):
        x, y = x_of(instant), top + row_h * row + 8
        colour = "#222" if is_curated else "#2166ac"
        offset = (instant - curated).total_seconds() / 3600
        when = instant.astimezone(tz).strftime("%Y-%m-%d %H:%M")
        note = "" if is_curated else f" ({offset:+.1f} h; {reports} report{'s' if reports > 1 else ''})"
        parts.append(f'<line x1="{x:.1f}" y1="{top - 10}" x2="{x:.1f}" y2="{y}" stroke="{colour}" stroke-dasharray="2 3"/>')
        shape = (
            f'<rect x="{x - 5:.1f}" y="{y - 5}" width="10" height="10" fill="{colour}"/>'
            if is_curated
            else f'<circle cx="{x:.1f}" cy="{y}" r="5" fill="{colour}"/>'
        )
        parts.append(f"<g>{shape}<title>{escape(label)}: {escape(when)} {escape(zone)}{escape(note)}</title></g>")
        anchor, dx = ("end", -9) if x > width / 2 else ("start", 9)
        parts.append(
            f'<text x="{x + dx:.1f}" y="{y + 4}" font-size="12" text-anchor="{anchor}">{escape(label)}: {escape(when)}{escape(note)}</text>'
        )
    parts.append(f'<text x="{pad_x}" y="{height - 8}" font-size="11">Times in {escape(zone)}.</text>')
    parts.append("</svg>")
    return "".join(parts)
