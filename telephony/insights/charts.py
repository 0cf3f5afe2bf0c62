"""Charts for the supervisor dashboard as inline SVG drawn on the server: no CDN, no chart library, no
script needed to see them (a wallboard may run a locked-down browser), and the page's strict CSP holds
(colours come from classes in dashboard.css, not inline styles).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

Bar = tuple[str, float | None, str]  # (label under the bar, value or None for "no data", text on the bar)


def columns(
    bars: Sequence[Bar],
    *,
    top: float | None = None,
    cap: float | None = None,
    title: str = "",
    width: int = 420,
    height: int = 180,
) -> Markup:
    """Vertical bars scaled to ``top`` (default: the largest value), each labelled below and valued above.
    ``cap``: the largest value known as a value (the last bin's bound); a bar past it is drawn up to it, at the
    chart's top, class "over", its text saying how far ("> 10 s"). Why: the bin past the last bound has no
    height of its own, and its stand-in (20 s for the bot's p95) drew it twice as tall as a day at 10 s."""
    values = [v if cap is None or v is None else min(v, cap) for _, v, _ in bars]
    scale = top if top else max((v for v in values if v is not None), default=0.0) or 1.0
    n = max(1, len(bars))
    slot, base, room = width / n, height - 24, height - 46
    parts = [_open(width, height, title)]
    for i, ((label, raw, text), value) in enumerate(zip(bars, values, strict=True)):
        x = i * slot + slot * 0.15
        h = 0.0 if value is None else max(1.0, room * min(value, scale) / scale)
        cls = "bar none" if value is None else "bar over" if _past(raw, cap) else "bar"
        parts.append(f'<rect class="{cls}" x="{x:.1f}" y="{base - h:.1f}" width="{slot * 0.7:.1f}" height="{h:.1f}"/>')
        cx = x + slot * 0.35
        parts.append(f'<text class="val" x="{cx:.1f}" y="{base - h - 6:.1f}">{escape(text)}</text>')
        parts.append(f'<text class="lbl" x="{cx:.1f}" y="{height - 6}">{escape(label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def rows(bars: Sequence[Bar], *, title: str = "", width: int = 420, row: int = 30) -> Markup:
    """Horizontal bars, one per row (labels on the left): transfers by reason."""
    if not bars:
        return Markup(f'<p class="empty">{escape("brak danych")}</p>')
    values = [v or 0.0 for _, v, _ in bars]
    scale, label_w = max(values) or 1.0, 170
    height = row * len(bars) + 4
    parts = [_open(width, height, title)]
    for i, (label, value, text) in enumerate(bars):
        y = i * row + 4
        w = max(1.0, (width - label_w - 50) * (value or 0.0) / scale)
        parts.append(f'<text class="lbl left" x="0" y="{y + row * 0.6:.1f}">{escape(label)}</text>')
        parts.append(f'<rect class="bar" x="{label_w}" y="{y}" width="{w:.1f}" height="{row - 10}"/>')
        parts.append(f'<text class="val left" x="{label_w + w + 6:.1f}" y="{y + row * 0.6:.1f}">{escape(text)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _past(value: float | None, cap: float | None) -> bool:
    """Whether ``value`` lies beyond ``cap``, the last value a bar can show as itself."""
    return cap is not None and value is not None and value > cap


def _open(width: int, height: int, title: str) -> str:
    return (
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    )
