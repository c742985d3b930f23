"""Generic page layouts shared by the document renderers.

A renderer decides *what* is printed (rows of label/value, paragraphs); these helpers decide
*where*, in several styles: two-column tables, "label：value" lines, value-under-label grids,
booklet spreads. Every printed truth value is drawn with its key so its box is recorded.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from PIL import ImageDraw

from synth import ornaments as orn
from synth.canvas import BBox, Canvas
from synth.fonts import FontSet

A4_SHORT, A4_LONG = 2480, 3508
RGB = tuple[int, int, int]


@dataclass
class Row:
    label: str
    value: str
    key: str | None = None
    role: str = "value"  # "name" rows print in the name font, "number" rows in the digit font


@dataclass
class Style:
    palette: dict[str, RGB]
    title_color: RGB
    label_color: RGB
    value_color: RGB
    sep: str  # after labels: "：", ":", " " or ""
    justify: bool  # distribute label characters over a common width (姓　　名)
    underline: bool  # print a rule under values, as forms do
    grid_color: RGB = (60, 60, 60)
    extras: dict = field(default_factory=dict)


def new_page(
    rng: random.Random,
    landscape: bool,
    text_layer: bool = False,
    palette: str | None = None,
    size: tuple[int, int] | None = None,
) -> tuple[Canvas, Style]:
    pal_name = palette or rng.choice(
        ("red", "red", "gold", "blue", "green", "plain", "brown", "plain")
    )
    pal = {k: orn.jitter_color(rng, v, 6) for k, v in orn.PALETTES[pal_name].items()}
    w, h = size or ((A4_LONG, A4_SHORT) if landscape else (A4_SHORT, A4_LONG))
    paper = pal["paper"] if rng.random() < 0.75 else (255, 255, 255)
    cv = Canvas(w, h, FontSet.pick(rng, text_layer), paper, text_layer)
    r = rng.random()
    title_color = (
        pal["accent"]
        if r < 0.55
        else (20, 20, 20)
        if r < 0.8
        else (190, 25, 30)
        if r < 0.9
        else (160, 115, 35)
    )
    value_color = rng.choice(((15, 15, 15), (15, 15, 15), (30, 30, 60), (40, 30, 30)))
    label_color = rng.choice((value_color, value_color, (70, 70, 70), pal["accent"]))
    st = Style(
        palette=pal,
        title_color=title_color,
        label_color=label_color,
        value_color=value_color,
        sep=rng.choice(("：", "：", "：", ":", "", " ")),
        justify=rng.random() < 0.45,
        underline=rng.random() < 0.25,
        grid_color=rng.choice(((60, 60, 60), pal["accent"], (120, 120, 120))),
    )
    st.extras["palette_name"] = pal_name
    return cv, st


def decorate(
    cv: Canvas, st: Style, rng: random.Random, kind: str | None = None, margin: float | None = None
) -> BBox:
    """Background and border; returns the inner box free for content."""
    d = cv.draw
    w, h = cv.w, cv.h
    kind = kind or rng.choice(("guilloche", "guilloche", "frame", "corners", "plain", "band"))
    m = margin if margin is not None else min(w, h) * rng.uniform(0.035, 0.06)
    if rng.random() < 0.35:
        orn.security_background(cv.img, st.palette["line"], rng)
    if rng.random() < 0.35:
        orn.rosette(
            cv.img,
            (w / 2, h / 2),
            min(w, h) * rng.uniform(0.2, 0.32),
            st.palette["line"],
            rng,
            0.12,
        )
    band = min(w, h) * rng.uniform(0.025, 0.045)
    if kind == "guilloche":
        c2 = orn.jitter_color(rng, st.palette["accent"], 30) if rng.random() < 0.4 else None
        orn.guilloche_border(d, (m, m, w - m, h - m), band, st.palette["line"], rng, c2)
        inner = m + band + min(w, h) * 0.03
    elif kind == "frame":
        orn.simple_frame(d, (m, m, w - m, h - m), st.palette["accent"], rng)
        inner = m + min(w, h) * 0.04
    elif kind == "corners":
        d.rectangle((m, m, w - m, h - m), outline=st.palette["accent"], width=rng.choice((4, 8)))
        orn.corner_ornaments(d, (m, m, w - m, h - m), st.palette["accent"], min(w, h) * 0.06, rng)
        inner = m + min(w, h) * 0.05
    elif kind == "band":  # solid coloured band with a thin inner line (booklet inners)
        d.rectangle((m, m, w - m, h - m), outline=st.palette["line"], width=int(band * 0.6))
        d.rectangle(
            (m + band, m + band, w - m - band, h - m - band), outline=st.palette["accent"], width=2
        )
        inner = m + band + min(w, h) * 0.03
    else:
        inner = m
    return (int(inner), int(inner), int(w - inner), int(h - inner))


def title(
    cv: Canvas,
    text: str,
    cx: float,
    baseline: float,
    size: float,
    st: Style,
    rng: random.Random,
    spacing: float | None = None,
    max_w: float | None = None,
) -> BBox:
    """Letter-spaced title centred on cx, shrunk to stay inside max_w (default 78% of page)."""
    spacing = size * rng.uniform(0.05, 0.6) if spacing is None else spacing
    max_w = max_w or cv.w * 0.78
    gaps = max(1, len(text) - 1)
    plain = cv.measure(text, "title", size)
    if plain + spacing * gaps > max_w:
        spacing = max(0.0, (max_w - plain) / gaps)
        if plain > max_w:
            size *= max_w / plain
    return cv.spaced((cx, baseline), text, "title", size, spacing, st.title_color, "m")


def label_text(label: str, st: Style) -> str:
    return label + st.sep if st.sep.strip() else label


def draw_label(
    cv: Canvas, x: float, y: float, label: str, size: float, st: Style, width: float | None = None
) -> BBox:
    """Label at (x, baseline y); justified over `width` when the style asks for it."""
    if st.justify and width and len(label) > 1 and label.isalpha():
        f = cv.measure(label, "label", size)
        gap = max(0.0, (width - f) / (len(label) - 1))
        b = cv.spaced((x, y), label, "label", size, gap, st.label_color, "l")
        if st.sep.strip():
            # A label longer than the column (公民身份号码) pushes its colon out; before, the
            # colon was drawn inside the last glyph and split the label in the text layer.
            cv.text((x + max(width, f), y), st.sep, "label", size, st.label_color)
        return b
    return cv.text((x, y), label_text(label, st), "label", size, st.label_color)


def fit_value(
    cv: Canvas,
    x: float,
    y: float,
    max_w: float,
    row: Row,
    size: float,
    st: Style,
    line_h: float | None = None,
    anchor: str = "ls",
) -> float:
    """Draw a value at baseline y within max_w: shrink, then wrap to two lines.

    Returns the number of lines used."""
    role = row.role
    s = cv.fit_size(row.value, role, size, max_w, min_ratio=0.72)
    if cv.measure(row.value, role, s) <= max_w * 1.001:
        cv.text((x, y), row.value, role, s, st.value_color, anchor, row.key)
        return 1
    s = size * 0.8
    line_h = line_h or s * 1.3
    cut = len(row.value)
    while cut > 1 and cv.measure(row.value[:cut], role, s) > max_w:
        cut -= 1
    space = row.value.rfind(" ", 0, cut + 1)
    if space > 0:  # prefer breaking between words ("焊工  国家职业资格二级")
        cut = space
    first, rest = row.value[:cut].rstrip(), row.value[cut:].lstrip()
    s2 = cv.fit_size(rest, role, s, max_w, 0.5)
    dy = -line_h / 2 if anchor[1] in "mh" else 0
    cv.text((x, y + dy), first, role, s, st.value_color, anchor, row.key)
    cv.text((x, y + dy + line_h), rest, role, s2, st.value_color, anchor, row.key)
    return 2


def table_rows(
    cv: Canvas,
    rows: list[Row],
    box: tuple[float, float, float, float],
    st: Style,
    rng: random.Random,
    size: float,
    photo_rows: int = 0,
    label_frac: float | None = None,
    label_align: str | None = None,
) -> dict[str, BBox]:
    """Two-column grid: label cell, value in the next cell; optional photo cell at the right
    spanning the first `photo_rows` rows. Returns cell boxes by key (and "photo")."""
    x0, y0, x1, y1 = box
    d: ImageDraw.ImageDraw = cv.draw
    n = len(rows)
    rh = (y1 - y0) / n
    lw = (x1 - x0) * (label_frac or rng.uniform(0.24, 0.32))
    pw = (x1 - x0) * 0.27 if photo_rows else 0
    lw_px = max(2, int(size * rng.choice((0.04, 0.05, 0.07))))
    cells: dict[str, BBox] = {}
    align = label_align or rng.choice(("m", "l", "l"))
    if rng.random() < 0.35:  # tinted label column
        light = tuple(int(255 - (255 - c) * 0.25) for c in st.palette["line"])
        d.rectangle((x0, y0, x0 + lw, y1), fill=light)
    d.rectangle((x0, y0, x1, y1), outline=st.grid_color, width=lw_px + 2)
    d.line((x0 + lw, y0, x0 + lw, y1), fill=st.grid_color, width=lw_px)
    for i, row in enumerate(rows):
        top = y0 + i * rh
        right = x1 - pw if i < photo_rows else x1
        if i:
            d.line((x0, top, right if i < photo_rows else x1, top), fill=st.grid_color, width=lw_px)
        base = top + rh / 2 + size * 0.35
        lab = row.label
        if align == "m":
            cv.text(
                (x0 + lw / 2, base),
                lab,
                "label",
                cv.fit_size(lab, "label", size, lw * 0.9),
                st.label_color,
                "ms",
            )
        else:
            ls = cv.fit_size(label_text(lab, st), "label", size, lw - size * 0.8, 0.5)
            draw_label(cv, x0 + size * 0.4, base, lab, ls, st, min(lw - size, ls * 4.2))
        fit_value(cv, x0 + lw + size * 0.5, base, right - x0 - lw - size, row, size, st, rh * 0.42)
        if row.key:
            cells[row.key] = (int(x0 + lw), int(top), int(right), int(top + rh))
    if photo_rows:
        px0 = x1 - pw
        d.line((px0, y0, px0, y0 + rh * photo_rows), fill=st.grid_color, width=lw_px)
        d.line(
            (px0, y0 + rh * photo_rows, x1, y0 + rh * photo_rows), fill=st.grid_color, width=lw_px
        )
        ph_h = min(rh * photo_rows * 0.86, pw * 0.86 * 1.4)
        ph_w = ph_h / 1.4
        cx, cy = px0 + pw / 2, y0 + rh * photo_rows / 2
        cells["photo"] = (
            int(cx - ph_w / 2),
            int(cy - ph_h / 2),
            int(cx + ph_w / 2),
            int(cy + ph_h / 2),
        )
    return cells


def line_rows(
    cv: Canvas,
    rows: list[Row],
    x: float,
    y: float,
    width: float,
    size: float,
    st: Style,
    rng: random.Random,
    line_h: float | None = None,
    label_w: float | None = None,
) -> float:
    """ "label：value" lines from baseline y; returns the baseline after the last row."""
    line_h = line_h or size * rng.uniform(1.8, 2.4)
    longest = max(len(r.label) for r in rows)
    lw = label_w or (cv.measure("国" * longest, "label", size) + size * 0.3)
    vx = x + lw + (cv.measure(st.sep, "label", size) if st.sep.strip() else size * 0.6)
    if not st.justify and rng.random() < 0.4:  # values follow their own label directly
        vx = None
    for row in rows:
        lb = draw_label(cv, x, y, row.label, size, st, lw)
        start = vx if vx is not None else lb[2] + size * 0.25
        used = fit_value(cv, start, y, x + width - start, row, size * 1.04, st, line_h * 0.62)
        if st.underline:
            cv.draw.line(
                (start - size * 0.2, y + size * 0.18, x + width, y + size * 0.18),
                fill=(90, 90, 90),
                width=2,
            )
        y += line_h + (line_h * 0.62 if used > 1 else 0)
    return y


def stacked_rows(
    cv: Canvas,
    rows: list[Row],
    box: tuple[float, float, float, float],
    st: Style,
    rng: random.Random,
    size: float,
    ncols: int = 2,
) -> None:
    """Grid of cells with a small label and the value printed under it."""
    x0, y0, x1, y1 = box
    # Place rows first: long values (issuer, number) take a full grid row.
    placed: list[tuple[int, int, int, Row]] = []  # grid row, column, span, row
    r = c = 0
    for row in rows:
        span = ncols if len(row.value) > 14 else 1
        if c + span > ncols:
            r, c = r + 1, 0
        placed.append((r, c, span, row))
        c += span
        if c >= ncols:
            r, c = r + 1, 0
    nrows = r + (1 if c else 0)
    cw = (x1 - x0) / ncols
    rh = min((y1 - y0) / nrows, size * 3.4)
    size = min(size, rh / 2.4)  # label + value + gap must fit the cell
    lsize = size * rng.uniform(0.6, 0.78)
    lcol = rng.choice(((110, 110, 110), st.label_color, st.palette["accent"]))
    rule = rng.random() < 0.5
    for r, c, span, row in placed:
        cx = x0 + c * cw
        top = y0 + r * rh
        cv.text((cx, top + lsize), row.label, "label", lsize, lcol)
        fit_value(cv, cx, top + lsize + size * 1.45, cw * span - size, row, size, st, size * 1.1)
        if rule:
            cv.draw.line(
                (cx, top + rh - size * 0.45, cx + cw * span - size, top + rh - size * 0.45),
                fill=orn.jitter_color(rng, st.palette["line"], 0),
                width=2,
            )


def seal_on(
    cv: Canvas,
    rng: random.Random,
    text: str,
    target: BBox | None,
    diameter: float,
    bottom: str = "",
    fallback: tuple[float, float] | None = None,
) -> BBox:
    """Stamp a seal overlapping `target` (usually the issuer/date lines), as real seals do."""
    seal = orn.make_seal(
        rng,
        text,
        int(diameter),
        bottom,
        star=rng.random() < 0.85,
        family=rng.choice(("sans_bold", "serif_bold", "hei")),
    )
    if target:
        cx = rng.uniform(target[0] + (target[2] - target[0]) * 0.25, target[2] + diameter * 0.05)
        cy = (target[1] + target[3]) / 2 + rng.uniform(-0.25, 0.25) * diameter
    else:
        cx, cy = fallback or (cv.w * 0.7, cv.h * 0.8)
    cx = min(max(cx, diameter / 2), cv.w - diameter / 2)
    cy = min(max(cy, diameter / 2), cv.h - diameter / 2)
    return cv.add_overlay(seal, (cx, cy))


def photo(cv: Canvas, box, rng: random.Random, **kw) -> None:
    orn.draw_photo(cv.img, box, rng, **kw)


def qr(
    cv: Canvas, x: float, y: float, size: float, rng: random.Random, caption: str | None = None
) -> None:
    orn.draw_qr(cv.draw, int(x), int(y), int(size), rng)
    if caption:
        cv.text(
            (x + size / 2, y + size + size * 0.2), caption, "body", size * 0.11, (60, 60, 60), "ma"
        )
