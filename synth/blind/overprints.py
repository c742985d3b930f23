"""Marks added to a copy after it left the issuer: never part of the document, never truth.

A red 与原件一致 / 复印件与原件相符 stamp with the checking unit's seal and a checker's
signature, a typed or handwritten 仅供XX项目申报使用 line across the page, a page number, a fax
header. Each is placed where it covers as few truth values as possible (real clerks stamp the
margin), but none of them is recorded in the truth.
"""

from __future__ import annotations

import datetime as dt
import random

import numpy as np
from PIL import Image, ImageDraw

from synth import vocab
from synth.blind.common import RED, TODAY, date_between, seal, uy  # noqa: F401
from synth.canvas import BBox, Canvas
from synth.fonts import font

PROGRAMS = ("新疆工匠", "准东人才工作室", "少数民族科技骨干特殊培养", "乌鲁木齐市技能大师工作室")
CHECKERS = (
    "新疆维吾尔自治区人力资源和社会保障厅人才开发处",
    "昌吉州人力资源和社会保障局",
    "准东经济技术开发区组织人事部",
    "乌鲁木齐市人力资源和社会保障局",
    "喀什地区人才工作办公室",
)
KINDS = ("certified", "use_only", "page_no", "fax")


def _overlap(a: BBox, b: BBox) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return max(0, w) * max(0, h)


def _best_spot(
    cv: Canvas,
    size: tuple[float, float],
    avoid: list[BBox],
    rng: random.Random,
    tries: int = 40,
    soft: tuple[BBox, ...] = (),
) -> tuple[float, float]:
    """Centre of a size-sized box inside the page that covers the least of `avoid` (truth
    values), then of `soft` (the documents on the page)."""
    w, h = size
    best, best_cost = (cv.w / 2, cv.h / 2), float("inf")
    for _ in range(tries):
        cx = rng.uniform(w / 2 + 20, max(w / 2 + 21, cv.w - w / 2 - 20))
        cy = rng.uniform(h / 2 + 20, max(h / 2 + 21, cv.h - h / 2 - 20))
        box = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
        cost = sum(_overlap(box, a) for a in avoid) + 0.05 * sum(_overlap(box, a) for a in soft)
        if cost < best_cost:
            best, best_cost = (cx, cy), cost
            if cost == 0 and rng.random() < 0.5:
                break
    return best


def _rgba_text(
    lines: list[str], family: str, size: int, color, pad: int = 20, frame: bool = False
) -> Image.Image:
    f = font(family, size)
    widths = [int(f.getlength(s)) for s in lines]
    lh = int(size * 1.35)
    w, h = max(widths) + 2 * pad, lh * len(lines) + 2 * pad
    mask = Image.new("L", (w, h), 0)
    d = ImageDraw.Draw(mask)
    for i, s in enumerate(lines):
        d.text((w / 2, pad + lh * i + lh * 0.8), s, font=f, fill=255, anchor="ms")
    if frame:
        d.rectangle((3, 3, w - 4, h - 4), outline=255, width=max(4, size // 10))
    rgba = np.zeros((h, w, 4), np.uint8)
    rgba[..., :3] = color
    rgba[..., 3] = np.asarray(mask)
    return Image.fromarray(rgba, "RGBA")


def certified_stamp(
    cv: Canvas, rng: random.Random, avoid: list[BBox], scale: float = 1.0, soft=()
) -> BBox:
    """Rectangular red 与原件一致 stamp, checker's signature and date, the unit's round seal."""
    text = rng.choice(("与原件一致", "复印件与原件相符", "与原件核对一致", "此件与原件一致"))
    size = int(rng.uniform(60, 78) * scale)
    lines = [text] + (
        [rng.choice(("审核人：", "核对人：")) + "      "] if rng.random() < 0.6 else []
    )
    stamp = _rgba_text(
        lines, rng.choice(("hei", "sans_bold", "kai")), size, (205, 35, 40), 24, True
    )
    arr = np.asarray(stamp).copy()
    arr[..., 3] = (arr[..., 3] * rng.uniform(0.6, 0.85)).astype(np.uint8)
    stamp = Image.fromarray(arr).rotate(rng.uniform(-8, 8), expand=True, resample=Image.BILINEAR)
    dia = int(rng.uniform(330, 420) * scale)
    need = (stamp.width + dia * 0.6, max(stamp.height, dia) + size * 1.5)
    cx, cy = _best_spot(cv, need, avoid, rng, soft=tuple(soft))
    cv.add_overlay(stamp, (cx - need[0] / 2 + stamp.width / 2, cy - need[1] / 2 + stamp.height / 2))
    unit = rng.choice(CHECKERS + vocab.COMPANIES[:4])
    seal(cv, rng, unit, (cx + need[0] / 2 - dia / 2, cy), dia, rng.choice(("", "", "人事专用章")))
    signer = rng.choice("王李张刘陈马杨") + rng.choice("军敏静涛霞鹏")
    sx, sy = cx - need[0] / 2 + stamp.width * 0.62, cy - need[1] / 2 + stamp.height * 0.8
    if len(lines) > 1:
        cv.text((sx, sy), signer, "kai", size * 0.9, (25, 25, 90), "ls")
    d = date_between(rng, dt.date(2023, 1, 1), TODAY)
    cv.text(
        (cx - need[0] / 2 + 30, cy - need[1] / 2 + stamp.height + size * 0.9),
        f"{d.year}.{d.month}.{d.day}",
        "kai",
        size * 0.7,
        (25, 25, 90),
        "ls",
    )
    return (
        int(cx - need[0] / 2),
        int(cy - need[1] / 2),
        int(cx + need[0] / 2),
        int(cy + need[1] / 2),
    )


def use_only_line(
    cv: Canvas, rng: random.Random, avoid: list[BBox], program: str | None = None, soft=()
) -> BBox:
    """仅供XX项目申报使用 typed or written by hand across the page, often slanted."""
    program = program or rng.choice(PROGRAMS)
    text = rng.choice(
        (
            f"仅供{program}项目申报使用",
            f"此复印件仅供{program}申报使用，再复印无效",
            f"仅供申报{program}使用，他用无效",
        )
    )
    hand = rng.random() < 0.6
    color = rng.choice(((30, 40, 140), (35, 35, 35))) if hand else (40, 40, 40)
    size = int(rng.uniform(60, 90) * min(cv.w, cv.h) / 2480)
    img = _rgba_text([text], "kai" if hand else rng.choice(("hei", "sans")), size, color, 10)
    ang = rng.uniform(12, 35) * rng.choice((-1, 1)) if rng.random() < 0.5 else rng.uniform(-3, 3)
    img = img.rotate(ang, expand=True, resample=Image.BILINEAR)
    cx, cy = _best_spot(cv, (img.width, img.height), avoid, rng, soft=tuple(soft))
    return cv.add_overlay(img, (cx, cy))


def page_number(cv: Canvas, rng: random.Random, n: int | None = None) -> None:
    n = n or rng.randint(1, 24)
    total = n + rng.randint(0, 12)
    s = rng.choice((f"第 {n} 页", f"- {n} -", f"{n}", f"第{n}页 共{total}页", f"{n}/{total}"))
    size = 48 * min(cv.w, cv.h) / 2480
    x = rng.choice((cv.w / 2, cv.w - 200 * cv.w / 2480))
    cv.text((x, cv.h - 80 * cv.h / 3508), s, "sans", size, (40, 40, 40), "ms")


def fax_header(cv: Canvas, rng: random.Random) -> None:
    d = date_between(rng, dt.date(2022, 1, 1), TODAY)
    mon = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
    tel = f"0{rng.choice(('991', '994', '990', '998', '903'))}{rng.randrange(10**7):07d}"
    p, tot = rng.randint(1, 4), rng.randint(4, 9)
    s = (
        f"{mon[d.month - 1]}-{d.day:02d}-{d.year} {rng.randint(8, 18):02d}:{rng.randint(0, 59):02d}"
        f"  FROM:{tel}   TO:{rng.choice(('', '0991' + str(rng.randrange(10**7)).zfill(7)))}"
        f"   P.{p:03d}/{tot:03d}"
    )
    size = 38 * min(cv.w, cv.h) / 2480
    cv.text((60 * cv.w / 2480, 55 * cv.h / 3508), s, "mono", size, (50, 50, 50), "ls")


def apply(
    cv: Canvas,
    rng: random.Random,
    facts: dict,
    avoid: list[BBox],
    p: dict[str, float] | None = None,
    soft: list[BBox] | tuple[BBox, ...] = (),
) -> list[str]:
    """Add overprints: `facts["overprints"]` names them exactly (a tuple of KINDS), else each
    is drawn with its probability in `p`. Stamps and notes keep off the `avoid` boxes (the
    truth values) where they can, and off `soft` ones (the documents) if there is room.
    Returns the kinds drawn."""
    p = p or {"certified": 0.4, "use_only": 0.35, "page_no": 0.3, "fax": 0.1}
    if "overprints" in facts:
        kinds = [k for k in KINDS if k in facts["overprints"]]
        for _ in KINDS:  # keep the generator in step with the random path
            rng.random()
    else:
        kinds = [k for k in KINDS if rng.random() < p.get(k, 0.0)]
    avoid = list(avoid)
    for k in kinds:
        if k == "certified":
            avoid.append(certified_stamp(cv, rng, avoid, min(cv.w, cv.h) / 2480, soft))
        elif k == "use_only":
            avoid.append(use_only_line(cv, rng, avoid, facts.get("program"), soft))
        elif k == "page_no":
            page_number(cv, rng)
        else:
            fax_header(cv, rng)
    return kinds
