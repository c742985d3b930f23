"""Charts as server-side SVG: the same markup on the dashboard and in the PDF (no script, so it
prints and converts as drawn). Colours are Okabe–Ito's colour-blind-safe set; every bar also
carries its number, and the highest severity is hatched, so nothing depends on colour alone.
A bar with an href is a link (the dashboard's links to the filtered queue)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

FONT = "'Noto Sans CJK SC','Noto Sans SC','WenQuanYi Zen Hei',sans-serif"
BLUE, VERMILLION, ORANGE, GREEN, SKY, GREY = (
    "#0072B2", "#D55E00", "#E69F00", "#009E73", "#56B4E9", "#BBBBBB")  # fmt: skip
WIDTH = 640
ROW = 22
LABEL_W = 190


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    color: str
    hatched: bool = False


SEVERITY_SERIES = (Series("high", "高", VERMILLION, True), Series("medium", "中", ORANGE),
                   Series("low", "低", SKY))  # fmt: skip
DECISION_SERIES = (Series("confirmed", "属实", VERMILLION, True), Series("false_alarm", "误报", GREEN),
                   Series("need_more", "需补充材料", ORANGE), Series("undecided", "未下结论", GREY))  # fmt: skip


def _a(href: str | None, inner: str) -> str:
    return f'<a href="{escape(href)}">{inner}</a>' if href else inner


def _clip(s: str, n: int = 13) -> str:
    return s if len(s) <= n else s[: n - 1] + "…"


def _svg(height: int, body: str, title: str) -> str:
    hatch = ('<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
             f'patternTransform="rotate(45)"><rect width="6" height="6" fill="{VERMILLION}"/>'
             '<line x1="0" y1="0" x2="0" y2="6" stroke="#fff" stroke-width="2"/></pattern></defs>')  # fmt: skip
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
            f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
            f'font-family="{FONT}" font-size="12"><title>{escape(title)}</title>{hatch}{body}</svg>')  # fmt: skip


def _legend(series: Sequence[Series], y: int) -> str:
    out, x = [], LABEL_W
    for s in series:
        fill = "url(#hatch)" if s.hatched else s.color
        out.append(f'<g color="{s.color}"><rect x="{x}" y="{y}" width="12" height="12" '
                   f'fill="{fill}" stroke="{s.color}"/></g>'
                   f'<text x="{x + 16}" y="{y + 11}">{escape(s.label)}</text>')  # fmt: skip
        x += 24 + 13 * len(s.label) + 12
    return "".join(out)


def bars(rows: Sequence[tuple[str, float, str | None]], title: str, *, unit: str = "",
         color: str = BLUE, fmt: str = "{:g}") -> str:  # fmt: skip
    """Horizontal bars, one per row: (label, value, href)."""
    top = max((v for _, v, _ in rows), default=0) or 1
    span = WIDTH - LABEL_W - 70
    out = []
    for i, (label, v, href) in enumerate(rows):
        y = 6 + i * ROW
        w = max(1.0, span * v / top) if v else 0
        bar = (f'<rect class="bar" x="{LABEL_W}" y="{y}" width="{w:.1f}" height="{ROW - 6}" '
               f'fill="{color}"><title>{escape(label)}：{fmt.format(v)}{unit}</title></rect>')  # fmt: skip
        out.append(
            f'<text x="{LABEL_W - 6}" y="{y + 12}" text-anchor="end">{escape(_clip(label))}</text>'
            + _a(href, bar)
            + f'<text x="{LABEL_W + w + 4:.1f}" y="{y + 12}">{fmt.format(v)}{escape(unit)}</text>'
        )  # fmt: skip
    if not rows:
        out.append('<text x="10" y="20" fill="#555">无数据</text>')
    return _svg(12 + max(1, len(rows)) * ROW, "".join(out), title)


def stacked(rows: Sequence[tuple[str, dict[str, int], dict[str, str] | None]],
            series: Sequence[Series], title: str) -> str:  # fmt: skip
    """Horizontal stacked bars: (label, {series key: n}, {series key: href})."""
    top = max((sum(v.values()) for _, v, _ in rows), default=0) or 1
    span = WIDTH - LABEL_W - 60
    out = [_legend(series, 4)]
    for i, (label, values, hrefs) in enumerate(rows):
        y = 26 + i * ROW
        x = float(LABEL_W)
        out.append(f'<text x="{LABEL_W - 6}" y="{y + 12}" text-anchor="end">'
                   f'{escape(_clip(label))}</text>')  # fmt: skip
        for s in series:
            n = values.get(s.key, 0)
            if not n:
                continue
            w = span * n / top
            fill = "url(#hatch)" if s.hatched else s.color
            seg = (f'<g color="{s.color}"><rect class="bar" x="{x:.1f}" y="{y}" width="{w:.1f}" '
                   f'height="{ROW - 6}" fill="{fill}" stroke="#fff" stroke-width="0.5">'
                   f'<title>{escape(label)} · {escape(s.label)}：{n}</title></rect></g>')  # fmt: skip
            out.append(_a((hrefs or {}).get(s.key), seg))
            if w >= 16:
                out.append(f'<text x="{x + w / 2:.1f}" y="{y + 12}" text-anchor="middle" '
                           f'fill="#000" font-size="10" paint-order="stroke" stroke="#fff" pointer-events="none" '
                           f'stroke-width="2.5">{n}</text>')  # fmt: skip
            x += w
        out.append(f'<text x="{x + 4:.1f}" y="{y + 12}">{sum(values.values())}</text>')
    if not rows:
        out.append('<text x="10" y="40" fill="#555">无数据</text>')
    return _svg(32 + max(1, len(rows)) * ROW, "".join(out), title)


def network(links: Sequence[tuple[str, Sequence[tuple[str, str, str | None]]]], title: str,
            *, limit: int = 25) -> str:  # fmt: skip
    """Persons (left) joined to their applications (right): [(person, [(id, program, href)])]."""
    persons = list(links)[:limit]
    apps: list[tuple[str, str, str | None]] = []
    seen: dict[str, int] = {}
    for _, items in persons:
        for aid, prog, href in items:
            if aid not in seen:
                seen[aid] = len(apps)
                apps.append((aid, prog, href))
    rows = max(len(persons), len(apps), 1)
    h = 12 + rows * ROW
    py = {i: 6 + (i + 0.5) * (rows * ROW / max(1, len(persons))) for i in range(len(persons))}
    ay = {i: 6 + (i + 0.5) * ROW for i in range(len(apps))}
    xl, xr = 170, WIDTH - 250
    out = []
    for i, (_, items) in enumerate(persons):
        for aid, prog, _ in items:
            dash = ' stroke-dasharray="4 3"' if prog == "其他批次" else ""
            out.append(f'<line x1="{xl}" y1="{py[i]:.1f}" x2="{xr}" y2="{ay[seen[aid]]:.1f}" '
                       f'stroke="{BLUE}" stroke-width="1.2"{dash}/>')  # fmt: skip
    for i, (person, _) in enumerate(persons):
        out.append(f'<circle cx="{xl}" cy="{py[i]:.1f}" r="5" fill="{VERMILLION}"/>'
                   f'<text x="{xl - 10}" y="{py[i] + 4:.1f}" text-anchor="end">'
                   f'{escape(_clip(person, 12))}</text>')  # fmt: skip
    for i, (aid, prog, href) in enumerate(apps):
        node = (f'<rect x="{xr - 5}" y="{ay[i] - 5:.1f}" width="10" height="10" fill="{SKY}" '
                f'stroke="{BLUE}"/><text x="{xr + 10}" y="{ay[i] + 4:.1f}">{escape(aid)} · '
                f'{escape(_clip(prog, 10))}</text>')  # fmt: skip
        out.append(_a(href, node))
    if not persons:
        out.append('<text x="10" y="20" fill="#555">未发现多头申报</text>')
    return _svg(h, "".join(out), title)


def paired(rows: Sequence[tuple[str, float, float]], labels: tuple[str, str], title: str,
           *, unit: str = "%") -> str:  # fmt: skip
    """Two bars per row (this round beside the previous one): (label, this, previous)."""
    top = max((max(a, b) for _, a, b in rows), default=0) or 1
    span = WIDTH - LABEL_W - 60
    series = (Series("a", labels[0], BLUE), Series("b", labels[1], SKY))
    out = [_legend(series, 4)]
    for i, (label, a, b) in enumerate(rows):
        y = 26 + i * (ROW + 8)
        out.append(f'<text x="{LABEL_W - 6}" y="{y + 14}" text-anchor="end">'
                   f'{escape(_clip(label))}</text>')  # fmt: skip
        for k, (v, s) in enumerate(((a, series[0]), (b, series[1]))):
            w = span * v / top
            yy = y + k * 13
            out.append(f'<rect x="{LABEL_W}" y="{yy}" width="{w:.1f}" height="11" '
                       f'fill="{s.color}"/><text x="{LABEL_W + w + 4:.1f}" y="{yy + 10}" '
                       f'font-size="10">{v:g}{escape(unit)}</text>')  # fmt: skip
    if not rows:
        out.append('<text x="10" y="40" fill="#555">无数据</text>')
    return _svg(32 + max(1, len(rows)) * (ROW + 8), "".join(out), title)
