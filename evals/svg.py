"""Inline SVG bar charts for the HTML report: no scripts, no external assets."""

from collections.abc import Sequence
from html import escape

_ROW, _LABEL, _BAR, _VALUE = 20, 128, 180, 44


def bar_chart(title: str, bars: Sequence[tuple[str, float, str]], scale: float | None = None) -> str:
    """Horizontal bars, one per (label, value, value text); `scale` is the value of a full bar."""
    top = max([scale or 0.0, *(value for _, value, _ in bars)]) or 1.0
    height = 28 + _ROW * max(len(bars), 1)
    width = _LABEL + _BAR + _VALUE
    rows = []
    for i, (label, value, shown) in enumerate(bars):
        y = 24 + i * _ROW
        length = max(0.0, value) / top * _BAR
        rows.append(
            f'<text x="{_LABEL - 6}" y="{y + 13}" text-anchor="end" class="label">{escape(_clip(label))}</text>'
            f'<rect x="{_LABEL}" y="{y + 2}" width="{_BAR}" height="{_ROW - 6}" class="track"/>'
            f'<rect x="{_LABEL}" y="{y + 2}" width="{length:.1f}" height="{_ROW - 6}" class="bar">'
            f'<title>{escape(label)}: {escape(shown)}</title></rect>'
            f'<text x="{_LABEL + length + 5:.1f}" y="{y + 13}" class="value">{escape(shown)}</text>')
    if not bars:
        rows.append(f'<text x="{_LABEL}" y="38" class="value">no data</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">'
            f'<text x="0" y="14" class="title">{escape(title)}</text>{"".join(rows)}</svg>')


def _clip(label: str, limit: int = 21) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
