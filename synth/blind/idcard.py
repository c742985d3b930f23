"""居民身份证 as Xinjiang prints it: bilingual cards, small Uyghur labels above the Chinese.

Front (人像面): 姓名; 性别 and 民族 on one line; 出生 as three items (`1967 年 7 月 9 日`);
住址 over one to three lines; 公民身份号码 along the bottom; photo right. Back (国徽面):
中华人民共和国 / 居民身份证 with their Uyghur, 签发机关, 有效期限. Layouts: the front alone
scanned at card size, the back alone, and A4 photocopies with both sides (regions).
"""

from __future__ import annotations

import random

import numpy as np
from PIL import Image, ImageDraw

from synth import ornaments as orn
from synth.blind import overprints
from synth.blind.common import (
    UY,
    UY_NATION,
    date_between,
    finish,
    names,
    plain_page,
    uy,
    years_after,
)
from synth.canvas import BBox, Canvas
from synth.documents import Region, RenderedDoc
from synth.people import COUNTIES, Person

CARD_W, CARD_H = 1011, 638  # 85.6 × 54 mm at 300 dpi
LABEL = (40, 95, 150)
VALUE = (12, 12, 12)


def _bg(cv: Canvas, ox: float, oy: float, s: float, rng: random.Random, back: bool) -> None:
    """Card ground: pale tint, a vertical tint gradient, fine wavy lines, rounded corners."""
    w, h = int(CARD_W * s), int(CARD_H * s)
    top = np.array(orn.jitter_color(rng, (226, 238, 240) if not back else (236, 240, 246), 5))
    bot = np.array(orn.jitter_color(rng, (240, 244, 236) if not back else (244, 238, 232), 5))
    t = np.linspace(0, 1, h)[:, None, None]
    arr = (top * (1 - t) + bot * t).repeat(w, axis=1).astype(np.uint8)
    card = Image.fromarray(arr, "RGB")
    d = ImageDraw.Draw(card)
    xs = np.arange(0, w + 6, 6, dtype=np.float32)
    per = rng.uniform(0.25, 0.5) * w
    for k, y in enumerate(np.arange(0, h, 9 * s)):
        ys = y + 5 * s * np.sin(2 * np.pi * xs / per + k * 0.35)
        d.line(list(zip(xs.tolist(), ys.tolist(), strict=True)), fill=(205, 222, 228), width=1)
    if rng.random() < 0.6:
        orn.rosette(
            card, (w * (0.33 if back else 0.5), h * 0.55), h * 0.3, (170, 200, 210), rng, 0.2
        )
    mask = Image.new("L", card.size, 0)
    ImageDraw.Draw(mask).rounded_rectangle((0, 0, w - 1, h - 1), radius=int(32 * s), fill=255)
    cv.img.paste(card, (int(ox), int(oy)), mask)
    cv.draw.rounded_rectangle(
        (ox, oy, ox + w, oy + h),
        radius=int(32 * s),
        outline=(120, 120, 120),
        width=max(2, int(2 * s)),
    )


def _address_lines(cv: Canvas, addr: str, fam: str, size: float, width: float) -> list[str]:
    lines, cur = [], ""
    for c in addr:
        if cur and cv.measure(cur + c, fam, size) > width:
            lines.append(cur)
            cur = ""
        cur += c
    if cur:
        lines.append(cur)
    return lines[:3]


def draw_front(
    cv: Canvas,
    person: Person,
    ox: float,
    oy: float,
    s: float,
    rng: random.Random,
    name: str,
    uy_values: bool | None = None,
) -> dict[str, str]:
    """The bilingual front at (ox, oy), scale s; records truth boxes in cv.boxes."""
    _bg(cv, ox, oy, s, rng, back=False)
    fam = rng.choice(("hei", "hei", "sans"))
    lsz, usz, vsz = 25 * s, 17 * s, 36 * s
    lx, vx = ox + 46 * s, ox + 160 * s
    uy_values = rng.random() < 0.5 if uy_values is None else uy_values

    def label(x, y, zh, ug):
        uy(cv, (x, oy + (y - 27) * s), UY[ug], usz, LABEL)
        cv.text((x, oy + y * s), zh, "hei", lsz, LABEL, "ls")

    label(lx, 104, "姓名", "name")
    ns = cv.fit_size(name, fam, 40 * s, 470 * s, 0.55)
    cv.text((vx, oy + 106 * s), name, fam, ns, VALUE, "ls", "name")

    label(lx, 180, "性别", "sex")
    cv.text((vx, oy + 181 * s), person.gender, fam, vsz, VALUE, "ls", "gender")
    nx = ox + 300 * s
    label(nx, 180, "民族", "nation")
    eth = person.ethnicity[:-1] if person.ethnicity.endswith("族") else person.ethnicity
    cv.text((nx + 110 * s, oy + 181 * s), eth, fam, vsz, VALUE, "ls", "ethnicity")
    if uy_values:  # the holder's sex and nationality also in Uyghur, small, above the value
        uy(cv, (vx, oy + 153 * s), UY[person.gender], usz * 1.1, VALUE)
        uy(cv, (nx + 110 * s, oy + 153 * s), UY_NATION.get(person.ethnicity, ""), usz * 1.1, VALUE)

    label(lx, 256, "出生", "birth")
    b = person.birth
    y = oy + 257 * s
    gap = rng.uniform(0.9, 1.15)
    cv.text((vx, y), str(b.year), fam, vsz, VALUE, "ls", "birth_date")
    xs = [
        vx + 98 * s * gap,
        vx + 165 * s * gap,
        vx + 218 * s * gap,
        vx + 283 * s * gap,
        vx + 336 * s * gap,
    ]
    cv.text((xs[0], y), "年", "hei", lsz, LABEL, "ls")
    cv.text((xs[1], y), str(b.month), fam, vsz, VALUE, "ls", "birth_date")
    cv.text((xs[2], y), "月", "hei", lsz, LABEL, "ls")
    cv.text((xs[3], y), str(b.day), fam, vsz, VALUE, "ls", "birth_date")
    cv.text((xs[4], y), "日", "hei", lsz, LABEL, "ls")
    for x, ug in zip((xs[0], xs[2], xs[4]), ("year", "month", "day"), strict=True):
        uy(cv, (x, y - 27 * s), UY[ug], usz * 0.9, LABEL)

    label(lx, 332, "住址", "address")
    asz = 32 * s
    lines = _address_lines(cv, person.address, fam, asz, 455 * s)
    for i, line in enumerate(lines):
        cv.text((vx, oy + (334 + 42 * i) * s), line, fam, asz, VALUE, "ls")

    uy(cv, (lx, oy + 532 * s), UY["idno"], usz, LABEL)
    cv.text((lx, oy + 566 * s), "公民身份号码", "hei", lsz, LABEL, "ls")
    num_fam = rng.choice(("latin", "mono", "hei"))
    cv.text(
        (ox + 330 * s, oy + 568 * s),
        person.id_number,
        num_fam,
        cv.fit_size(person.id_number, num_fam, 42 * s, 600 * s),
        VALUE,
        "ls",
        "id_number",
    )
    pw, ph = 262 * s, 330 * s
    px, py = ox + 675 * s, oy + 78 * s
    orn.draw_photo(
        cv.img,
        (px, py, px + pw, py + ph),
        rng,
        female=person.gender == "女",
        background=(246, 246, 246),
    )
    return {
        "name": name,
        "gender": person.gender,
        "ethnicity": person.ethnicity,
        "birth_date": person.birth_date,
        "id_number": person.id_number,
    }


def authority(person: Person) -> str:
    county = dict(COUNTIES.get(person.id_number[:4], [])).get(person.id_number[:6], "")
    county = county or "乌鲁木齐市天山区"
    for city in ("乌鲁木齐市", "克拉玛依市"):
        if county.startswith(city):
            return f"{city}公安局{county[len(city) :]}分局"
    return f"{county}公安局"


def valid_period(person: Person, rng: random.Random) -> str:
    issued = date_between(
        rng,
        max(years_after(person.birth, 16), years_after(person.birth, 2006 - person.birth.year)),
        years_after(person.birth, 2024 - person.birth.year),  # 29 February: the 28th
    )
    age = issued.year - person.birth.year
    years = 10 if age < 26 else 20 if age < 46 else None
    tail = "长期" if years is None else years_after(issued, years).strftime("%Y.%m.%d")
    return f"{issued:%Y.%m.%d}-{tail}"


def draw_back(cv: Canvas, person: Person, ox: float, oy: float, s: float, rng: random.Random):
    _bg(cv, ox, oy, s, rng, back=True)
    orn.draw_emblem(cv.img, (ox + 150 * s, oy + 165 * s), 98 * s, rng)
    cx = ox + 640 * s
    uy(cv, (cx, oy + 96 * s), UY["prc"], 24 * s, (30, 30, 30), "ms")
    cv.spaced((cx, oy + 160 * s), "中华人民共和国", "hei", 48 * s, 12 * s, (20, 20, 20), "m")
    uy(cv, (cx, oy + 222 * s), UY["card"], 32 * s, (30, 30, 30), "ms", bold=True)
    cv.spaced((cx, oy + 310 * s), "居民身份证", "hei", 74 * s, 22 * s, (20, 20, 20), "m")
    lx, vx = ox + 200 * s, ox + 372 * s
    for y, zh, ug, val in (
        (488, "签发机关", "authority", authority(person)),
        (568, "有效期限", "valid", valid_period(person, rng)),
    ):
        uy(cv, (lx, oy + (y - 28) * s), UY[ug], 17 * s, LABEL)
        cv.text((lx, oy + y * s), zh, "hei", 25 * s, LABEL, "ls")
        cv.text(
            (vx, oy + (y + 1) * s),
            val,
            "hei",
            cv.fit_size(val, "hei", 30 * s, 560 * s),
            VALUE,
            "ls",
        )


# ---------------------------------------------------------------------------------------
# layouts


def _card_page(rng: random.Random, tl: bool, s: float) -> tuple[Canvas, float, float]:
    m = rng.randint(50, 140)
    bed = rng.choice(((255, 255, 255), (246, 246, 244), (60, 60, 62), (230, 228, 222)))
    cv = plain_page(rng, (int(CARD_W * s) + 2 * m, int(CARD_H * s) + 2 * m), tl, bed)
    return cv, m + rng.uniform(-m * 0.4, m * 0.4), m + rng.uniform(-m * 0.4, m * 0.4)


def render_card_front(person: Person, rng: random.Random, **facts) -> RenderedDoc:
    """The front alone, scanned or photographed at card size (about 600 dpi)."""
    name, truth = names(person, rng, facts, low_dot=True)
    s = rng.uniform(1.9, 2.4)
    cv, ox, oy = _card_page(rng, bool(facts.get("text_layer")), s)
    fields = draw_front(cv, person, ox, oy, s, rng, name)
    fields["name"] = truth
    return finish(cv, "id_card", fields, "card_front")


def render_card_back(person: Person, rng: random.Random, **facts) -> RenderedDoc:
    """The back alone: no field of the contract is printed on it."""
    s = rng.uniform(1.9, 2.4)
    cv, ox, oy = _card_page(rng, bool(facts.get("text_layer")), s)
    draw_back(cv, person, ox, oy, s, rng)
    return finish(cv, "id_card", {}, "card_back")


def _a4_copy(
    person: Person,
    rng: random.Random,
    facts: dict,
    layout: str,
    spots,
    s: float,
    caption: bool,
    over: dict[str, float],
) -> RenderedDoc:
    name, truth = names(person, rng, facts, low_dot=True)
    cv = plain_page(rng, (2480, 3508), bool(facts.get("text_layer")))
    if caption:
        cv.text(
            (cv.w / 2, 280),
            rng.choice(("居民身份证复印件", "身份证正反面复印件", "申报人身份证")),
            rng.choice(("hei", "sans", "serif")),
            78,
            (20, 20, 20),
            "ms",
        )
    sides = ["front", "back"]
    if rng.random() < 0.2:
        sides.reverse()
    regions: list[Region] = []
    fields: dict[str, str] = {}
    boxes: dict[str, BBox] = {}
    for side, (ox, oy) in zip(sides, spots, strict=True):
        cv.boxes.clear()
        if side == "front":
            fields = draw_front(cv, person, ox, oy, s, rng, name)
            fields["name"] = truth
            boxes = dict(cv.boxes)
        else:
            draw_back(cv, person, ox, oy, s, rng)
        bbox = (int(ox), int(oy), int(ox + CARD_W * s), int(oy + CARD_H * s))
        regions.append(
            Region(
                "id_card",
                bbox,
                dict(fields) if side == "front" else {},
                dict(boxes) if side == "front" else {},
            )
        )
    cv.boxes.clear()
    cv.boxes.update(boxes)
    overprints.apply(cv, rng, facts, list(boxes.values()), over, [r.bbox for r in regions])
    return finish(cv, "id_card", fields, layout, regions=regions)


def render_a4_certified(person: Person, rng: random.Random, **facts) -> RenderedDoc:
    """A4 photocopy, front above back, usually certified (与原件一致) and marked for one use."""
    s = rng.uniform(1.15, 1.4)
    cw, ch = CARD_W * s, CARD_H * s
    x0 = (2480 - cw) / 2 + rng.uniform(-150, 150)
    y0 = rng.uniform(420, 700)
    y1 = y0 + ch + rng.uniform(180, 420)
    spots = [(x0, y0), (x0 + rng.uniform(-80, 80), y1)]
    return _a4_copy(
        person,
        rng,
        facts,
        "a4_certified",
        spots,
        s,
        rng.random() < 0.5,
        {"certified": 0.85, "use_only": 0.6, "page_no": 0.3, "fax": 0.0},
    )


def render_a4_side_fax(person: Person, rng: random.Random, **facts) -> RenderedDoc:
    """Both sides next to each other near the top of a faxed or scanned A4, page-numbered."""
    s = rng.uniform(1.02, 1.12)
    cw = CARD_W * s
    gap = rng.uniform(30, 2480 - 2 * cw - 60)
    x0 = (2480 - 2 * cw - gap) / 2
    y0 = rng.uniform(300, 900)
    spots = [(x0, y0), (x0 + cw + gap, y0 + rng.uniform(-20, 20))]
    return _a4_copy(
        person,
        rng,
        facts,
        "a4_side_fax",
        spots,
        s,
        False,
        {"certified": 0.3, "use_only": 0.4, "page_no": 0.7, "fax": 0.6},
    )


LAYOUTS = {
    "card_front": render_card_front,
    "card_back": render_card_back,
    "a4_certified": render_a4_certified,
    "a4_side_fax": render_a4_side_fax,
}
