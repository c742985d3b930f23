"""Shared pieces of the blind layouts: pages, runs of keyed text, Uyghur labels, issuer levels.

Drawn from the description of real documents (spec/documents.md), not from the reader. Every
truth value is drawn as its own keyed text run so `Canvas.boxes` records where it is printed.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, features

from synth import ornaments as orn
from synth.canvas import BBox, Canvas, union
from synth.documents import Region, RenderedDoc
from synth.fonts import NAME_DOTS, FontSet
from synth.people import Person

TODAY = dt.date(2025, 9, 30)  # latest date printed on generated evidence
GRADE_CN = {1: "一级", 2: "二级", 3: "三级", 4: "四级", 5: "五级"}
INK = (20, 20, 20)
RED = (200, 30, 35)
A4 = (2480, 3508)
A4_LAND = (3508, 2480)

# ---------------------------------------------------------------------------------------
# Uyghur (Arabic script). Debian `fonts-ukij-uyghur` (UKIJ Tuz); Noto Sans Arabic as second
# choice. Joining and right-to-left order need Pillow's raqm layout; without the font or raqm
# the Uyghur labels are left out and the Chinese ones stand alone.

_UY_FONTS = (
    "/usr/share/fonts/truetype/fonts-ukij-uyghur/UKIJTuz.ttf",
    "/usr/share/fonts/truetype/fonts-ukij-uyghur/UKIJEkran.ttf",
    "/usr/share/fonts/truetype/noto/NotoSansArabic-Regular.ttf",
    "/usr/share/fonts/truetype/noto/NotoNaskhArabic-Regular.ttf",
)
_UY_BOLD = ("/usr/share/fonts/truetype/fonts-ukij-uyghur/UKIJTuzB.ttf",)


@functools.lru_cache(maxsize=1)
def uyghur_font_path(bold: bool = False) -> str | None:
    if not features.check("raqm"):
        return None
    for p in (_UY_BOLD + _UY_FONTS) if bold else _UY_FONTS:
        if Path(p).exists():
            return p
    return None


@functools.lru_cache(maxsize=64)
def _uy_font(size: int, bold: bool) -> ImageFont.FreeTypeFont | None:
    path = uyghur_font_path(bold)
    return ImageFont.truetype(path, max(6, size)) if path else None


def uy(
    cv: Canvas,
    xy: tuple[float, float],
    s: str,
    size: float,
    fill=(60, 60, 60),
    anchor: str = "ls",
    bold: bool = False,
) -> BBox | None:
    """Draw Uyghur text (right-to-left, joined) straight onto the page; None when unavailable.

    Never truth: the labels are context a reader must step over, so no key and no text op.
    """
    f = _uy_font(int(round(size)), bold)
    if f is None or not s:
        return None
    d = ImageDraw.Draw(cv.img)
    box = d.textbbox(xy, s, font=f, anchor=anchor, direction="rtl")
    d.text(xy, s, font=f, fill=fill, anchor=anchor, direction="rtl")
    return tuple(int(v) for v in box)  # type: ignore[return-value]


# Labels of Xinjiang's bilingual ID cards and certificates.
UY = {
    "name": "ئىسمى",
    "sex": "جىنسى",
    "nation": "مىللىتى",
    "birth": "تۇغۇلغان ۋاقتى",
    "address": "ئادرېسى",
    "idno": "كىملىك نومۇرى",
    "year": "يىل",
    "month": "ئاي",
    "day": "كۈن",
    "authority": "تارقاتقان ئورگان",
    "valid": "ئىناۋەتلىك مۇددىتى",
    "prc": "جۇڭخۇا خەلق جۇمھۇرىيىتى",
    "card": "پۇقرالار كىملىكى",
    "男": "ئەر",
    "女": "ئايال",
}
UY_NATION = {
    "维吾尔族": "ئۇيغۇر",
    "汉族": "خەنزۇ",
    "哈萨克族": "قازاق",
    "回族": "خۇيزۇ",
    "柯尔克孜族": "قىرغىز",
    "蒙古族": "موڭغۇل",
    "锡伯族": "شىبە",
    "塔吉克族": "تاجىك",
    "乌孜别克族": "ئۆزبېك",
}


# ---------------------------------------------------------------------------------------
# text runs


@dataclass
class R:
    """One run of a printed line; `key` marks a truth value whose box is recorded."""

    text: str
    key: str | None = None
    role: str = "body"
    size: float | None = None
    fill: tuple[int, int, int] | None = None


def runs_width(cv: Canvas, parts: Iterable[R], size: float) -> float:
    return sum(cv.measure(p.text, p.role, p.size or size) for p in parts if p.text)


def runs(
    cv: Canvas,
    x: float,
    y: float,
    parts: list[R],
    size: float,
    fill=INK,
    align: str = "l",
) -> BBox:
    """Draw runs side by side on baseline y, aligned l/m/r about x; returns the ink box."""
    w = runs_width(cv, parts, size)
    x -= {"l": 0, "m": w / 2, "r": w}[align]
    box: BBox | None = None
    for p in parts:
        if not p.text:
            continue
        s = p.size or size
        if p.text.strip():
            box = union(box, cv.text((x, y), p.text, p.role, s, p.fill or fill, "ls", p.key))
        x += cv.measure(p.text, p.role, s)
    return box or (int(x), int(y), int(x) + 1, int(y) + 1)


def fit(cv: Canvas, parts: list[R], size: float, max_w: float, floor: float = 0.5) -> float:
    """A size at which the runs fit max_w (not below floor × size)."""
    w = runs_width(cv, parts, size)
    return size if w <= max_w else max(size * floor, size * max_w / w * 0.98)


# ---------------------------------------------------------------------------------------
# people, dates, numbers


def names(
    person: Person, rng: random.Random, facts: dict, low_dot: bool = False
) -> tuple[str, str]:
    """(name as printed, truth name): any printed dot or space between parts is `·` in truth."""
    name = facts.get("name", person.name)
    if "·" not in name:
        return name, name
    weights = dict(NAME_DOTS, **({"．": 20} if low_dot else {}))
    dot = rng.choices(list(weights), weights=list(weights.values()))[0]
    printed = name.replace("·", dot)
    return printed, (printed if dot == "" else name)


def years_after(d: dt.date, years: int) -> dt.date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def date_between(rng: random.Random, lo: dt.date, hi: dt.date) -> dt.date:
    if hi <= lo:
        return lo
    return lo + dt.timedelta(days=rng.randrange((hi - lo).days + 1))


def issue_date(rng: random.Random, facts: dict, lo: dt.date, hi: dt.date) -> dt.date:
    if "issue_date" in facts:
        return dt.date.fromisoformat(facts["issue_date"])
    return date_between(rng, lo, hi)


_W = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_check_char(first17: str) -> str:
    """GB 11643 check character (domain.md)."""
    return "10X98765432"[sum(int(c) * w for c, w in zip(first17, _W, strict=True)) % 11]


def stable_rng(*parts: str) -> random.Random:
    """A generator fixed by text (one unit's letter template), the same in every process."""
    return random.Random(zlib.crc32("|".join(parts).encode("utf-8")))


def seal_text(s: str) -> str:
    return s.replace(" ", "").replace("（", "").replace("）", "")[:22]


# ---------------------------------------------------------------------------------------
# award levels follow the issuer (documents.md) unless the certificate prints one


# County-level cities: a 市 that ranks as a county.
COUNTY_CITIES = (
    "库车市",
    "阜康市",
    "昌吉市",
    "博乐市",
    "奎屯市",
    "乌苏市",
    "阿图什市",
    "喀什市",
    "和田市",
    "伊宁市",
    "塔城市",
    "阿勒泰市",
    "库尔勒市",
    "阿克苏市",
)


def level_of_issuer(issuer: str) -> str:
    """自治区/兵团 → 省级; 州/市/地区/师 → 地市级; 县 → 县级; ministries → 国家级; else 其他."""
    head = issuer.split(" ")[0]
    if any(c in head for c in ("公司", "集团", "厂", "学院", "学校", "大学")):
        return "其他"
    if head.startswith(("中华人民共和国", "中共中央", "国务院", "全国", "中华全国", "共青团中央")):
        return "国家级"
    if head.startswith("中国") and "新疆" not in head:
        return "国家级"
    if "县" in head or head.startswith(COUNTY_CITIES):
        return "县级"
    if "师" in head and ("第" in head or "兵团第" in head):
        return "地市级"
    if "自治区" in head or head.startswith(("新疆生产建设兵团", "兵团", "新疆维吾尔")):
        return "省级"
    if any(c in head for c in ("州", "市", "地区", "行政公署")):
        return "地市级"
    return "其他"


# ---------------------------------------------------------------------------------------
# pages and finishing


def plain_page(rng: random.Random, size=A4, text_layer: bool = False, bg=(255, 255, 255)) -> Canvas:
    return Canvas(size[0], size[1], FontSet.pick(rng, text_layer), bg, text_layer)


def seal(
    cv: Canvas,
    rng: random.Random,
    text: str,
    center: tuple[float, float],
    diameter: float,
    bottom: str = "",
    star: bool = True,
) -> BBox:
    s = orn.make_seal(
        rng,
        seal_text(text),
        int(diameter),
        bottom,
        star=star,
        family=rng.choice(("sans_bold", "serif_bold", "hei")),
    )
    cx = min(max(center[0], diameter / 2), cv.w - diameter / 2)
    cy = min(max(center[1], diameter / 2), cv.h - diameter / 2)
    return cv.add_overlay(s, (cx, cy))


def fold_shadow(cv: Canvas, rng: random.Random, x: float | None = None, vertical=True) -> None:
    """The centre fold of a booklet opened flat."""
    if vertical:
        x = cv.w // 2 if x is None else x
    else:
        x = cv.h // 2 if x is None else x
    depth = rng.uniform(25, 55)
    for i in range(-16, 17):
        g = int(255 - depth * (1 - abs(i) / 17) ** 2)
        if vertical:
            cv.draw.line((x + i, 0, x + i, cv.h), fill=(g, g, g), width=1)
        else:
            cv.draw.line((0, x + i, cv.w, x + i), fill=(g, g, g), width=1)


def finish(
    cv: Canvas,
    doc_type: str,
    fields: dict,
    layout: str,
    extra_boxes: dict | None = None,
    regions: list[Region] | None = None,
    image: Image.Image | None = None,
) -> RenderedDoc:
    boxes = {k: cv.boxes[k] for k in fields if k in cv.boxes}
    boxes.update({k: v for k, v in (extra_boxes or {}).items() if k in fields})
    return RenderedDoc(
        image or cv.render(), doc_type, dict(fields), boxes, list(regions or []), layout, cv
    )


def compose(
    cv: Canvas,
    docs: list[RenderedDoc],
    rng: random.Random,
    heights: list[float],
    x0: float,
    gap: tuple[float, float] = (40, 90),
) -> list[Region]:
    """Paste rendered documents side by side (scaled to `heights`), as one copy of several
    small certificates; returns one Region per document with its boxes in page pixels."""
    regions: list[Region] = []
    x = x0
    for doc, target_h in zip(docs, heights, strict=True):
        im = doc.image
        sc = min(target_h / im.height, (cv.w - x - 40) / im.width)
        small = im.resize((int(im.width * sc), int(im.height * sc)), Image.LANCZOS)
        y = (cv.h - small.height) / 2 + rng.uniform(-60, 60)
        y = min(max(y, 20), cv.h - small.height - 20)
        cv.img.paste(small, (int(x), int(y)))
        cv.draw.rectangle(
            (int(x), int(y), int(x) + small.width, int(y) + small.height),
            outline=(150, 150, 150),
            width=2,
        )
        boxes = {k: scale_box(b, sc, x, y) for k, b in doc.field_boxes.items()}
        bbox = (int(x), int(y), int(x) + small.width, int(y) + small.height)
        regions.append(Region(doc.doc_type, bbox, dict(doc.fields), boxes))
        x += small.width + rng.uniform(*gap)
    return regions


def scale_box(b: BBox, sc: float, x: float, y: float) -> BBox:
    return (
        int(b[0] * sc + x),
        int(b[1] * sc + y),
        int(b[2] * sc + x) + 1,
        int(b[3] * sc + y) + 1,
    )
