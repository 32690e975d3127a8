"""Server-rendered SVG charts for the admin (no JavaScript, no CDN)."""

from django.utils.html import escape

COLOURS = {"violation": "#b2182b", "possible": "#ef8a62", "not_violation": "#8c8c8c"}
LABELS = {"violation": "violation", "possible": "possible", "not_violation": "not a violation"}


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
        f'<desc id="cc-desc">{len(series)} days; at most {peak} incidents on one day.</desc>',
        f'<line x1="{pad_left}" y1="{pad_top + plot_h}" x2="{width - 8}" y2="{pad_top + plot_h}" stroke="#444"/>',
        f'<text x="4" y="{pad_top + 4}" font-size="11">{peak}</text><text x="4" y="{pad_top + plot_h}" font-size="11">0</text>',
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
                    f"<title>{escape(day['date'])}: {count} {LABELS[verdict]}</title></rect>"
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
