"""Certificate renderers: one `render_<doc_type>(person, rng, **facts) -> RenderedDoc` per type.

`facts` fixes what would otherwise be drawn at random: any truth field key (printed as given,
e.g. `skill_level="技师"`, `issue_date="2021-06-30"`, `name=` to print another name), plus
`layout=` (one of LAYOUTS[doc_type]), `era="new"|"old"` (skill), `kind="honour"|"competition"`
(award) or `"diploma"|"degree"` (education), and `text_layer=True` (record text for a PDF text
layer; TrueType fonts only).

Truth `fields` hold contract-normalised values for the keys the page prints: skill levels as
"技师" whatever the wording ("二级/技师", "国家职业资格二级"), dates ISO (YYYY-MM when only the
month is printed), ranks 金奖 for a printed 金牌, ethnicity in full (ID cards print 维吾尔,
truth says 维吾尔族), names with any printed dot variant written as U+00B7 (a name printed
without a dot stays without one), digits half-width. award_level, title_level and an
award_year taken from the date are derived; `field_boxes` hold the ink box of each printed
value in page pixels (award_year → the date or "2022年度" text; no box for derived levels).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
from PIL import Image, ImageDraw

from models.catalogue import PROGRAM_NAMES, SKILL_LEVEL_TO_GRADE
from models.document import DocType
from synth import ornaments as orn
from synth import vocab
from synth.canvas import BBox, Canvas, Seg, union
from synth.damage import transform_box
from synth.dates import cn_number, fmt_date, fmt_month, pick_style, random_date
from synth.fonts import NAME_DOTS, font, printable
from synth.layouts import (
    Row,
    Style,
    decorate,
    line_rows,
    new_page,
    photo,
    qr,
    seal_on,
    stacked_rows,
    table_rows,
    title,
)
from synth.people import COUNTIES, GIVEN_MALE, SURNAMES, Person, make_person

TODAY = dt.date(2025, 9, 30)  # latest date printed on generated evidence
GRADE_CN = {1: "一级", 2: "二级", 3: "三级", 4: "四级", 5: "五级"}
DOC_TYPES = tuple(t.value for t in DocType)


@dataclass
class Region:
    """One document inside a page that holds several (ID card front and back on one copy)."""

    doc_type: str
    bbox: BBox
    fields: dict[str, str]
    field_boxes: dict[str, BBox] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "doc_type": self.doc_type,
            "bbox": list(self.bbox),
            "fields": dict(self.fields),
            "field_boxes": {k: list(v) for k, v in self.field_boxes.items()},
        }


@dataclass
class RenderedDoc:
    image: Image.Image
    doc_type: str
    fields: dict[str, str]
    field_boxes: dict[str, BBox]
    regions: list[Region] = field(default_factory=list)
    layout: str = ""
    canvas: Canvas | None = None  # kept for the text-layer PDF export


# ---------------------------------------------------------------------------------------
# helpers


def _choice(rng: random.Random, facts: dict, key: str, options):
    return facts[key] if key in facts else rng.choice(options)


def _years_after(d: dt.date, years: int) -> dt.date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 Feb
        return d.replace(year=d.year + years, day=28)


_FULLWIDTH = {c: chr(ord(c) + 0xFEE0) for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"}


def _names(
    person: Person, rng: random.Random, facts: dict, id_card: bool = False
) -> tuple[str, str]:
    """(printed name, truth name)."""
    name = facts.get("name", person.name)
    if "name" in facts or "·" not in name:
        return name, name
    weights = dict(NAME_DOTS, **({"．": 15} if id_card else {}))  # old cards print a low dot
    dot = rng.choices(list(weights), weights=list(weights.values()))[0]
    printed = name.replace("·", dot)
    return printed, (printed if dot == "" else name)


def _fw(s: str, rng: random.Random, p: float = 0.04) -> str:
    """Now and then print digits/letters full-width (truth stays half-width)."""
    return "".join(_FULLWIDTH.get(c, c) for c in s) if rng.random() < p else s


def _issue_date(rng: random.Random, facts: dict, lo: dt.date, hi: dt.date) -> dt.date:
    if "issue_date" in facts:
        return dt.date.fromisoformat(facts["issue_date"])
    return random_date(rng, lo, max(lo, hi))


def _finish(
    cv: Canvas, doc_type: str, fields: dict, layout: str, extra_boxes: dict | None = None
) -> RenderedDoc:
    boxes = {k: cv.boxes[k] for k in fields if k in cv.boxes}
    boxes.update(extra_boxes or {})
    return RenderedDoc(cv.render(), doc_type, dict(fields), boxes, [], layout, cv)


def _sign_block(
    cv: Canvas,
    cx: float,
    y: float,
    lines: list[tuple[str, str | None]],
    size: float,
    st: Style,
    role: str = "body",
    line_h: float | None = None,
) -> BBox:
    """Issuer and date lines centred at cx from baseline y (bottom right of most certificates)."""
    line_h = line_h or size * 1.7
    box = None
    for text, key in lines:
        s = cv.fit_size(text, role, size, cv.w * 0.42)
        box = union(box, cv.text((cx, y), text, role, s, st.value_color, "ms", key))
        y += line_h
    return box  # type: ignore[return-value]


def _seal_text(issuer: str) -> str:
    return issuer.replace(" ", "").replace("（", "").replace("）", "")[:22]


def _seal_issuer(
    cv: Canvas,
    rng: random.Random,
    issuer: str,
    size: tuple[float, float],
    bottom: str,
    boxes: dict[str, BBox] | None = None,
) -> None:
    """Stamp the issuer's seal over the issuer and date values: their boxes on the canvas, or
    the table cells that hold them."""
    b = cv.boxes if boxes is None else boxes
    seal = _seal_text(issuer)
    seal_on(cv, rng, seal, union(b["issuer"], b["issue_date"]), rng.uniform(*size), bottom)


def _booklet_spread(
    rng: random.Random,
    tl: Any,
    person: Person,
    *,
    palettes: tuple[str, ...],
    kinds: tuple[str, ...],
    photo_w: tuple[float, float],
    photo_top: float,
    **photo_kw: Any,
) -> tuple[Canvas, Style, BBox, float, float, float, float]:
    """Inner spread of a booklet with the holder's photo centred on the left page.

    Returns (canvas, style, inner box, half width, photo x, photo y, photo width).
    """
    cv, st = new_page(rng, True, tl, palette=rng.choice(palettes))
    ib = decorate(cv, st, rng, kind=rng.choice(kinds))
    _fold(cv, rng)
    half = cv.w / 2
    pw = rng.uniform(*photo_w)
    px = ib[0] + (half - ib[0]) / 2 - pw / 2
    py = ib[1] + photo_top
    photo(cv, (px, py, px + pw, py + pw * 1.4), rng, female=person.gender == "女", **photo_kw)
    return cv, st, ib, half, px, py, pw


def _fold(cv: Canvas, rng: random.Random) -> None:
    """Centre fold of a booklet spread: a soft shadow line."""
    x = cv.w // 2 + rng.randint(-6, 6)
    depth = rng.uniform(25, 55)
    for i in range(-14, 15):
        g = int(255 - depth * (1 - abs(i) / 15) ** 2)
        cv.draw.line((x + i, 0, x + i, cv.h), fill=(g, g, g), width=1)


def _id_label(rng):
    return rng.choice(("证件号码", "身份证号", "公民身份号码", "身份证件号码", "身份证号码"))


# ---------------------------------------------------------------------------------------
# skill_certificate


def _new_skill_number(rng: random.Random, kind: str, year: int, grade: int) -> str:
    org = "0000" if rng.random() < 0.4 else f"{rng.randrange(1, 10000):04d}"
    return (
        f"{kind}{org}65{rng.randrange(10**6):06d}{year % 100:02d}{grade}{rng.randrange(10**6):06d}"
    )


def _old_skill_number(rng: random.Random, year: int, pref2: str, grade: int) -> str:
    org = f"{rng.randrange(5)}{rng.randrange(1000):03d}"  # organisation type + serial
    return f"{year % 100:02d}65{pref2}{org}{grade}{rng.randrange(10**5):05d}"


def render_skill_certificate(person: Person, rng: random.Random, **facts) -> RenderedDoc:
    level = (
        facts.get("skill_level")
        or rng.choices(list(SKILL_LEVEL_TO_GRADE), weights=(8, 12, 25, 30, 25))[0]
    )
    grade = SKILL_LEVEL_TO_GRADE[level]
    earliest = max(_years_after(person.birth, 19), dt.date(2005, 1, 1))
    if "era" in facts:
        era = facts["era"]
    elif "issue_date" in facts:
        era = "new" if facts["issue_date"] >= "2020-09-01" else "old"
    elif "layout" in facts:
        era = "old" if facts["layout"].startswith("old") else "new"
    else:
        era = "new" if rng.random() < 0.65 or earliest > dt.date(2019, 6, 1) else "old"
    if era == "new":
        return _skill_new(person, rng, level, grade, max(earliest, dt.date(2020, 9, 1)), facts)
    return _skill_old(person, rng, level, grade, earliest, facts)


def _skill_new(person, rng, level, grade, earliest, facts) -> RenderedDoc:
    occupation = facts.get("occupation") or rng.choice(list(vocab.OCCUPATIONS))
    direction = rng.choice(vocab.OCCUPATIONS.get(occupation, ("",))) or "--"
    issue = _issue_date(rng, facts, earliest, TODAY)
    org, kind = next(
        ((n, k) for n, k in vocab.EVAL_ORGS if n == facts.get("issuer")),
        rng.choice(vocab.EVAL_ORGS),
    )
    issuer = facts.get("issuer", org)
    cert_no = facts.get("cert_no") or _new_skill_number(rng, kind, issue.year, grade)
    g = GRADE_CN[grade]
    printed_level = rng.choice(
        (f"{g}/{level}", f"{g}/{level}", f"{g}／{level}", f"{level}（{g}）", f"{g}（{level}）")
    )
    ds = pick_style(rng, cn_share=0.3)
    name, name_truth = _names(person, rng, facts)
    id_number = facts.get("id_number", person.id_number)
    rows = [
        Row(rng.choice(("姓名", "姓名", "持证人")), name, "name", "name"),
        Row("证件类型", "居民身份证"),
        Row(_id_label(rng), id_number, "id_number", "number"),
        Row(rng.choice(("职业名称", "职业名称", "职业（工种）", "职业")), occupation, "occupation"),
        Row(rng.choice(("工种/职业方向", "工种／职业方向", "职业方向")), direction),
        Row(
            rng.choice(("职业技能等级", "职业技能等级", "技能等级", "等级")),
            printed_level,
            "skill_level",
        ),
        Row(
            rng.choice(("证书编号", "证书编号", "编号", "证书编码")),
            _fw(cert_no, rng, 0.03),
            "cert_no",
            "number",
        ),
        Row(rng.choice(("评价机构", "评价机构", "认定机构", "评价机构名称")), issuer, "issuer"),
        Row(
            rng.choice(("发证日期", "发证日期", "发证时间", "颁证日期")),
            _fw(fmt_date(issue, ds), rng),
            "issue_date",
        ),
    ]
    fields = {
        "name": name_truth,
        "id_number": id_number,
        "occupation": occupation,
        "skill_level": level,
        "cert_no": cert_no,
        "issue_date": issue.isoformat(),
        "issuer": issuer,
    }
    layout = facts.get("layout") or rng.choice(
        ("new_table", "new_lines", "new_stacked", "new_booklet")
    )
    page = _NewSkill(
        person,
        rows,
        cert_no,
        issuer,
        issue,
        ds,
        bool(facts.get("text_layer")),
        rng.choice(("职业技能等级认定专用章", "技能等级认定专用章", "", "专用章")),
    )
    draw = _NEW_SKILL_LAYOUTS.get(layout)
    if draw is None:  # an unknown layout name draws the last one
        layout, draw = "new_booklet", _new_booklet
    return _finish(draw(rng, page), "skill_certificate", fields, layout)


_NEW_SKILL_HEAD = "职业技能等级证书"


@dataclass
class _NewSkill:
    """A new-era (2020-09 on) skill certificate's content, for its layouts."""

    person: Person
    rows: list[Row]
    cert_no: str
    issuer: str
    issue: dt.date
    date_style: str
    tl: bool  # record text for a PDF text layer
    seal_bottom: str


# New-era skill layouts: each draws and seals the page.


def _new_table(rng: random.Random, p: _NewSkill) -> Canvas:
    cv, st = new_page(rng, False, p.tl)
    ib = decorate(cv, st, rng)
    top = ib[1] + cv.h * rng.uniform(0.05, 0.09)
    title(cv, _NEW_SKILL_HEAD, cv.w / 2, top + 170, rng.uniform(140, 185), st, rng)
    if rng.random() < 0.5:
        cv.text(
            (cv.w / 2, top + 270),
            "VOCATIONAL SKILL LEVEL CERTIFICATE",
            "latin",
            44,
            st.title_color,
            "ms",
        )
    x0, x1 = ib[0] + cv.w * 0.04, ib[2] - cv.w * 0.04
    y0 = top + cv.h * rng.uniform(0.11, 0.14)
    y1 = y0 + cv.h * rng.uniform(0.5, 0.58)
    rows = list(p.rows)
    if rng.random() < 0.3:  # number printed above the table, top right, instead of a row
        no_row = next(r for r in rows if r.key == "cert_no")
        rows.remove(no_row)
        cv.text(
            (x1, y0 - 40),
            f"{rng.choice(('No.', '编号：', '证书编号：'))}{p.cert_no}",
            "number",
            46,
            st.value_color,
            "rs",
        )
        cv.boxes["cert_no"] = _sub_box(cv, p.cert_no)
    cells = table_rows(cv, rows, (x0, y0, x1, y1), st, rng, rng.uniform(58, 70), photo_rows=4)
    photo(cv, cells["photo"], rng, female=p.person.gender == "女")
    qs = rng.uniform(300, 380)
    if rng.random() < 0.8:
        qr(cv, x0 + 20, y1 + 120, qs, rng, rng.choice(("扫码查验", "证书查询", None)))
    cv.text(
        (x1, ib[3] - 60),
        rng.choice(
            (
                "查询网址：http://jndj.osta.org.cn",
                "技能人才评价证书全国联网查询",
                "证书信息可在人社部门网站查询",
            )
        ),
        "body",
        42,
        (70, 70, 70),
        "rs",
    )
    _seal_issuer(cv, rng, p.issuer, (420, 500), p.seal_bottom, cells)
    return cv


def _new_lines(rng: random.Random, p: _NewSkill) -> Canvas:
    cv, st = new_page(rng, True, p.tl)
    ib = decorate(cv, st, rng)
    title(
        cv, _NEW_SKILL_HEAD, cv.w / 2, ib[1] + rng.uniform(190, 260), rng.uniform(130, 170), st, rng
    )
    pw = rng.uniform(380, 440)
    px = ib[0] + rng.uniform(60, 140)
    py = ib[1] + rng.uniform(380, 460)
    photo(cv, (px, py, px + pw, py + pw * 1.4), rng, female=p.person.gender == "女")
    if rng.random() < 0.8:
        qr(
            cv,
            px + pw * 0.1,
            py + pw * 1.4 + 140,
            pw * 0.8,
            rng,
            rng.choice(("扫码验证", None)),
        )
    sig = rng.random() < 0.5  # issuer and date as a signature block instead of rows
    body_rows = p.rows[:7] if sig else p.rows
    size = rng.uniform(60, 72)
    lx = px + pw + rng.uniform(150, 260)
    line_rows(
        cv,
        body_rows,
        lx,
        py + size,
        ib[2] - lx - 60,
        size,
        st,
        rng,
        line_h=min(size * 2.2, (ib[3] - py - 120) / (len(body_rows) + (2.5 if sig else 0.2))),
    )
    if sig:
        box = _sign_block(
            cv,
            ib[2] - cv.w * 0.2,
            ib[3] - 260,
            [(p.issuer, "issuer"), (_fw(fmt_date(p.issue, p.date_style), rng), "issue_date")],
            size,
            st,
        )
    else:
        box = union(cv.boxes["issuer"], cv.boxes["issue_date"])
    seal_on(cv, rng, _seal_text(p.issuer), box, rng.uniform(400, 480), p.seal_bottom)
    return cv


def _new_stacked(rng: random.Random, p: _NewSkill) -> Canvas:
    cv, st = new_page(rng, False, p.tl)
    ib = decorate(cv, st, rng)
    top = ib[1] + rng.uniform(150, 300)
    title(cv, _NEW_SKILL_HEAD, cv.w / 2, top + 150, rng.uniform(140, 180), st, rng)
    pw = rng.uniform(400, 470)
    ncols = rng.choice((2, 2, 1))
    if ncols == 2:  # photo centred under the title, grid below
        px, py = (ib[0] + ib[2]) / 2 - pw / 2, top + 330
        grid = (ib[0] + 120, py + pw * 1.4 + 150, ib[2] - 80, ib[3] - 420)
    else:  # one column of values, photo beside it on the right
        px, py = ib[2] - pw - 140, top + 380
        grid = (ib[0] + 140, top + 360, px - 100, ib[3] - 260)
    photo(cv, (px, py, px + pw, py + pw * 1.4), rng, female=p.person.gender == "女")
    stacked_rows(cv, p.rows, grid, st, rng, rng.uniform(62, 74), ncols=ncols)
    if rng.random() < 0.7:
        qr(cv, ib[2] - 460, ib[3] - 440, 330, rng)
    _seal_issuer(cv, rng, p.issuer, (420, 500), p.seal_bottom)
    return cv


def _new_booklet(rng: random.Random, p: _NewSkill) -> Canvas:
    """Inner spread of a booklet, holder on the left, certificate on the right."""
    cv, st, ib, half, px, _py, pw = _booklet_spread(
        rng, p.tl, p.person, palettes=("red", "gold", "plain"), kinds=("band", "plain", "frame"),
        photo_w=(360, 420), photo_top=180,
    )  # fmt: skip
    size = rng.uniform(64, 76)
    line_rows(
        cv,
        p.rows[:3],
        ib[0] + 120,
        ib[1] + 180 + pw * 1.4 + 230,
        half - ib[0] - 220,
        size,
        st,
        rng,
    )
    title(
        cv,
        _NEW_SKILL_HEAD,
        half + (ib[2] - half) / 2,
        ib[1] + 230,
        rng.uniform(110, 140),
        st,
        rng,
        max_w=(ib[2] - half) * 0.85,
    )
    line_rows(
        cv,
        p.rows[3:],
        half + 140,
        ib[1] + 480,
        ib[2] - half - 220,
        size,
        st,
        rng,
        line_h=min(size * 2.7, (ib[3] - ib[1] - 640) / 6),
    )
    _seal_issuer(cv, rng, p.issuer, (380, 450), p.seal_bottom)
    return cv


_NEW_SKILL_LAYOUTS = {
    "new_table": _new_table,
    "new_lines": _new_lines,
    "new_stacked": _new_stacked,
    "new_booklet": _new_booklet,
}


def _skill_old(person, rng, level, grade, earliest, facts) -> RenderedDoc:
    occupation = facts.get("occupation") or rng.choice(list(vocab.OCCUPATIONS))
    issue = _issue_date(rng, facts, earliest, dt.date(2020, 8, 31))
    pref2, issuer = rng.choice(vocab.OLD_ISSUERS)
    if issue.year < 2008:
        for a, b in vocab.OLD_ISSUER_PRE2008.items():
            issuer = issuer.replace(a, b)
    issuer = facts.get("issuer", issuer)
    cert_no = facts.get("cert_no") or _old_skill_number(rng, issue.year, pref2, grade)
    g = GRADE_CN[grade]
    printed_level = rng.choice(
        (
            f"国家职业资格{g}",
            f"国家职业资格{g}",
            f"{level}（国家职业资格{g}）",
            f"{g}（{level}）",
            level,
        )
    )
    ds = pick_style(rng, cn_share=0.45)
    name, name_truth = _names(person, rng, facts)
    left, birth_val, with_id = _old_skill_holder(rng, person, name, ds)
    right, split_level = _old_skill_grade(
        rng, occupation, printed_level, cert_no, issuer, issue, ds
    )
    fields = {
        "name": name_truth,
        "gender": person.gender,
        "birth_date": birth_val,
        "occupation": occupation,
        "skill_level": level,
        "cert_no": cert_no,
        "issue_date": issue.isoformat(),
        "issuer": issuer,
    }
    if with_id:
        fields["id_number"] = person.id_number
    layout = facts.get("layout") or rng.choice(("old_booklet", "old_table"))
    page = _OldSkill(
        person,
        left,
        right,
        split_level,
        issuer,
        bool(facts.get("text_layer")),
        rng.choice(("职业技能鉴定专用章", "", "职业资格证书专用章")),
    )
    draw = _OLD_SKILL_LAYOUTS.get(layout)
    if draw is None:  # an unknown layout name draws the last one
        layout, draw = "old_table", _old_table
    cv = draw(rng, page)
    if not split_level:  # occupation and level share one printed value
        combined = f"{occupation}  {printed_level}"
        cv.boxes["occupation"] = _sub_box(cv, occupation, combined)
        cv.boxes["skill_level"] = _sub_box(cv, printed_level, combined)
    return _finish(cv, "skill_certificate", fields, layout)


def _old_skill_holder(
    rng: random.Random, person: Person, name: str, ds: str
) -> tuple[list[Row], str, bool]:
    """Rows about the holder: (rows, birth date as truth, whether the ID number is printed)."""
    bstyle = rng.choice(("month", "month", "day"))
    birth_txt = (
        fmt_month(person.birth, ds if ds != "spaced" else "arabic")
        if bstyle == "month"
        else fmt_date(person.birth, ds)
    )
    birth_val = person.birth_date[:7] if bstyle == "month" else person.birth_date
    with_id = rng.random() < 0.8
    left = [
        Row("姓名", name, "name", "name"),
        Row("性别", person.gender, "gender"),
        Row(
            rng.choice(("出生年月", "出生日期")) if bstyle == "month" else "出生日期",
            birth_txt,
            "birth_date",
        ),
    ]
    if with_id:
        left.append(
            Row(
                rng.choice(("身份证号", "身份证号码", "公民身份号码")),
                person.id_number,
                "id_number",
                "number",
            )
        )
    left.append(Row("文化程度", rng.choice(("高中", "中专", "大专", "技校", "本科"))))
    return left, birth_val, with_id


def _old_skill_grade(
    rng: random.Random,
    occupation: str,
    printed_level: str,
    cert_no: str,
    issuer: str,
    issue: dt.date,
    ds: str,
) -> tuple[list[Row], bool]:
    """Rows about the grade and the certificate: (rows, whether the level has a row of its
    own rather than sharing the occupation's)."""
    split_level = rng.random() < 0.6
    right = [Row(rng.choice(("职业（工种）", "职业", "工种")), occupation, "occupation")]
    if split_level:
        right.append(
            Row(rng.choice(("等级", "职业资格等级", "级别")), printed_level, "skill_level")
        )
    else:
        right = [Row("职业（工种）及等级", f"{occupation}  {printed_level}", "occupation")]
    right += [
        Row("理论知识考试成绩", str(rng.randint(62, 96))),
        Row("操作技能考核成绩", str(rng.randint(62, 98))),
        Row("评定成绩", rng.choice(("合格", "良好", "优秀"))),
        Row(rng.choice(("证书编号", "编号")), cert_no, "cert_no", "number"),
        Row("发证机关", issuer, "issuer"),
        Row(
            rng.choice(("发证日期", "发证日期", "颁证日期")),
            _fw(fmt_date(issue, ds), rng),
            "issue_date",
        ),
    ]
    return right, split_level


@dataclass
class _OldSkill:
    """An old-era (before 2020-09) 职业资格证书's content, for its layouts."""

    person: Person
    left: list[Row]  # the holder
    right: list[Row]  # the grade and the certificate
    split_level: bool
    issuer: str
    tl: bool  # record text for a PDF text layer
    seal_bottom: str


# Old-era skill layouts: each draws and seals the page.


def _old_booklet(rng: random.Random, p: _OldSkill) -> Canvas:
    cv, st, ib, half, px, py, pw = _booklet_spread(
        rng, p.tl, p.person, palettes=("red", "plain", "brown"), kinds=("band", "plain", "frame"),
        photo_w=(330, 400), photo_top=150,
        background=(250, 250, 250) if rng.random() < 0.5 else None,
    )  # fmt: skip
    cv.add_overlay(
        orn.steel_seal(rng, _seal_text(p.issuer), int(pw * 0.9)), (px + pw, py + pw * 1.3)
    )
    size = rng.uniform(62, 74)
    line_rows(
        cv,
        p.left,
        ib[0] + 110,
        py + pw * 1.4 + 190,
        half - ib[0] - 200,
        size,
        st,
        rng,
        line_h=min(size * 2.5, (ib[3] - py - pw * 1.4 - 220) / len(p.left)),
    )
    if p.split_level and rng.random() < 0.5:  # the level sometimes stands alone as a heading
        title(
            cv,
            "职业资格证书",
            half + (ib[2] - half) / 2,
            ib[1] + 190,
            rng.uniform(100, 130),
            st,
            rng,
            max_w=(ib[2] - half) * 0.85,
        )
        ry = ib[1] + 400
    else:
        ry = ib[1] + 200
    line_rows(
        cv,
        p.right,
        half + 120,
        ry,
        ib[2] - half - 200,
        size,
        st,
        rng,
        line_h=min(size * 2.6, (ib[3] - ry - 40) / len(p.right)),
    )
    _seal_issuer(cv, rng, p.issuer, (400, 470), p.seal_bottom)
    return cv


def _old_table(rng: random.Random, p: _OldSkill) -> Canvas:
    cv, st = new_page(rng, False, p.tl)
    ib = decorate(cv, st, rng)
    title(cv, "职业资格证书", cv.w / 2, ib[1] + 330, rng.uniform(150, 190), st, rng)
    rows = p.left[:-1] + p.right
    x0, x1 = ib[0] + 110, ib[2] - 110
    y0 = ib[1] + 560
    cells = table_rows(
        cv, rows, (x0, y0, x1, y0 + 150 * len(rows)), st, rng, rng.uniform(54, 62), photo_rows=4
    )
    photo(cv, cells["photo"], rng, female=p.person.gender == "女")
    cv.text(
        (cv.w / 2, ib[3] - 70),
        rng.choice(
            ("中华人民共和国人力资源和社会保障部印制", "中华人民共和国劳动和社会保障部监制", "")
        ),
        "body",
        46,
        (80, 80, 80),
        "ms",
    )
    _seal_issuer(cv, rng, p.issuer, (420, 480), p.seal_bottom, cells)
    return cv


_OLD_SKILL_LAYOUTS = {"old_booklet": _old_booklet, "old_table": _old_table}


# ---------------------------------------------------------------------------------------
# award_certificate


def _ordinal(n: int) -> str:
    return cn_number(n)


def render_award_certificate(person: Person, rng: random.Random, **facts) -> RenderedDoc:
    name, name_truth = _names(person, rng, facts)
    earliest = max(_years_after(person.birth, 23), dt.date(2008, 1, 1))
    issue = _issue_date(rng, facts, earliest, TODAY)
    if "kind" in facts:
        kind = facts["kind"]
    elif "layout" in facts:
        kind = "honour" if facts["layout"].startswith("honour") else "competition"
    elif "award_rank" in facts:
        kind = "competition" if facts["award_rank"] else "honour"
    else:
        kind = "honour" if rng.random() < 0.5 else "competition"
    ds = pick_style(rng, cn_share=0.5)
    date_txt = _fw(fmt_date(issue, ds), rng)
    tl = bool(facts.get("text_layer"))
    fields: dict[str, str] = {"name": name_truth}
    render = _honour if kind == "honour" else _competition
    return render(rng, facts, name, issue, date_txt, tl, fields)


@dataclass
class _HonourText:
    """What an honour certificate says, in the runs each layout sets."""

    name: str
    honour: str
    award_year: int
    year_seg: Seg | None  # "2022年度" when the honour is for the year before the issue
    grant: list[Seg]  # 授予 X 同志“…”称号。
    address: list[Seg]  # X 同志：
    body: list[Seg]  # 荣获/被评为“…”称号。特发此证。


@dataclass
class _Block:
    """Where a certificate's body text goes: left edge, first baseline, width, type size."""

    x0: float
    y: float
    w: float
    size: float


def _honour(
    rng: random.Random,
    facts: dict,
    name: str,
    issue: dt.date,
    date_txt: str,
    tl: bool,
    fields: dict[str, str],
) -> RenderedDoc:
    honour, issuer, level = rng.choice(vocab.HONOURS)
    honour = facts.get("award_name", honour)
    issuer = facts.get("issuer", issuer)
    level = facts.get("award_level", level)
    yearly = rng.random() < 0.35  # "被评为2022年度…": the award year is the year before issue
    award_year = issue.year - 1 if yearly else issue.year
    award_year = int(facts.get("award_year", award_year))
    fields.update(
        award_name=honour,
        award_level=level,
        award_year=str(award_year),
        issuer=issuer,
        issue_date=issue.isoformat(),
    )
    q = rng.choice((("“", "”"), ('"', '"'), ("「", "」")))
    year_seg = Seg(f"{award_year}年度", "body", "award_year") if yearly else None
    grant = [
        Seg("授予 "),
        Seg(name, "name", "name"),
        Seg(" 同志" + q[0]),
        Seg(honour, "body", "award_name"),
        Seg(q[1] + "称号。"),
    ]
    address = [Seg(name, "name", "name"), Seg(" 同志：")]
    layout = facts.get("layout") or rng.choice(("honour_grant", "honour_colon", "honour_centre"))
    head = rng.choice(("荣誉证书", "荣誉证书", "荣 誉 证 书", "证书"))
    body = [Seg("被评为") if year_seg else Seg("荣获")]
    if year_seg:
        body.append(year_seg)
    body += [
        Seg(q[0]),
        Seg(honour, "body", "award_name"),
        Seg(q[1] + rng.choice(("荣誉称号", "称号", "")) + "。"),
        Seg(rng.choice(("特发此证，以资鼓励。", "特发此证。", ""))),
    ]
    text = _HonourText(name, honour, award_year, year_seg, grant, address, body)
    cv, st = new_page(
        rng,
        layout != "honour_centre" or rng.random() < 0.5,
        tl,
        palette=rng.choice(("red", "red", "gold", "plain")),
    )
    ib = decorate(cv, st, rng, kind=rng.choice(("guilloche", "corners", "frame", "guilloche")))
    title(
        cv,
        head.replace(" ", ""),
        cv.w / 2,
        ib[1] + rng.uniform(280, 400),
        rng.uniform(200, 270),
        st,
        rng,
    )
    size = rng.uniform(100, 125) if cv.w > cv.h else rng.uniform(92, 112)
    bx0, bw = ib[0] + cv.w * 0.08, ib[2] - ib[0] - cv.w * 0.16
    block = _Block(bx0, ib[1] + rng.uniform(700, 820), bw, size)
    draw = _HONOUR_LAYOUTS.get(layout)
    if draw is None:  # an unknown layout name draws the last one
        layout, draw = "honour_centre", _honour_centre
    extra_boxes = draw(cv, st, rng, text, block)
    sign = [(issuer, "issuer"), (date_txt, "issue_date")]
    box = _sign_block(
        cv,
        ib[2] - cv.w * rng.uniform(0.2, 0.26),
        ib[3] - rng.uniform(300, 420),
        sign,
        size * 0.85,
        st,
    )
    if not year_seg:
        extra_boxes["award_year"] = cv.boxes["issue_date"]
    seal_on(cv, rng, _seal_text(issuer), box, rng.uniform(430, 520))
    return _finish(cv, "award_certificate", fields, layout, extra_boxes)


# Honour layouts: each sets the body text in `at` and returns boxes of values it printed
# inside a longer line.


def _honour_grant(
    cv: Canvas, st: Style, rng: random.Random, t: _HonourText, at: _Block
) -> dict[str, BBox]:
    segs = list(t.grant)
    if t.year_seg:
        segs = [Seg("在"), t.year_seg, Seg("工作中成绩突出，")] + segs
    cv.paragraph(at.x0, at.y, at.w, segs, at.size, indent=at.size * 2)
    return {}


def _honour_colon(
    cv: Canvas, st: Style, rng: random.Random, t: _HonourText, at: _Block
) -> dict[str, BBox]:
    y = cv.paragraph(at.x0, at.y, at.w, t.address, at.size * 1.1)
    cv.paragraph(at.x0, y + at.size * 0.2, at.w, t.body, at.size, indent=at.size * 2)
    return {}


def _honour_centre(
    cv: Canvas, st: Style, rng: random.Random, t: _HonourText, at: _Block
) -> dict[str, BBox]:
    boxes: dict[str, BBox] = {}
    size = at.size
    cv.text(
        (cv.w / 2, at.y),
        t.name + rng.choice((" 同志", "同志：", "")),
        "name",
        size * 1.25,
        st.value_color,
        "ms",
    )
    cv.boxes["name"] = _sub_box(cv, t.name)
    y = at.y + size * 2.4
    if t.year_seg:
        cv.text(
            (cv.w / 2, y),
            f"在{t.award_year}年度工作中表现突出，被评为",
            "body",
            size * 0.9,
            st.value_color,
            "ms",
        )
        boxes["award_year"] = _sub_box(cv, f"{t.award_year}年度")
        y += size * 2.0
    hs = cv.fit_size(t.honour, "title", size * 1.6, cv.w * 0.7)
    cv.text((cv.w / 2, y + size * 0.6), t.honour, "title", hs, st.title_color, "ms", "award_name")
    return boxes


_HONOUR_LAYOUTS = {
    "honour_grant": _honour_grant,
    "honour_colon": _honour_colon,
    "honour_centre": _honour_centre,
}


@dataclass
class _CompetitionText:
    """What a competition certificate says."""

    name: str
    competition: str
    event: str
    rank: str  # as printed (金牌 for 金奖 now and then)
    cert_no: str | None  # printed on some certificates only


def _competition(
    rng: random.Random,
    facts: dict,
    name: str,
    issue: dt.date,
    date_txt: str,
    tl: bool,
    fields: dict[str, str],
) -> RenderedDoc:
    comp_fmt, issuer, level = rng.choice(vocab.COMPETITIONS)
    n = {"第{n}届全国职业技能大赛": 1 if issue.year < 2023 else 2}.get(comp_fmt, rng.randint(1, 9))
    comp = facts.get("award_name") or comp_fmt.format(n=_ordinal(n), y=issue.year)
    issuer = facts.get("issuer", issuer)
    level = facts.get("award_level", level)
    rank = facts.get("award_rank") or rng.choices(vocab.RANKS, weights=(6, 6, 6, 10, 12, 14, 8))[0]
    rank_txt = rng.choice(vocab.RANK_PRINT_VARIANTS.get(rank, (rank,)))
    event = rng.choice(vocab.COMPETITION_EVENTS)
    fields.update(
        award_name=comp,
        award_level=level,
        award_rank=rank,
        award_year=str(issue.year),
        issuer=issuer,
        issue_date=issue.isoformat(),
    )
    layout = facts.get("layout") or rng.choice(("comp_winner", "comp_colon", "comp_jiangzhuang"))
    numbered = rng.random() < 0.3
    cert_no = f"{issue.year}{rng.randrange(10**4):04d}{rng.randrange(1000):03d}"
    if numbered:
        fields["cert_no"] = cert_no
    text = _CompetitionText(name, comp, event, rank_txt, cert_no if numbered else None)
    # an unknown layout name draws a comp_colon page and keeps its name
    cv, st, ib, sy = _COMPETITION_LAYOUTS.get(layout, _comp_colon)(rng, tl, text)
    box = _sign_block(
        cv,
        ib[2] - cv.w * rng.uniform(0.2, 0.26),
        sy,
        [(issuer, "issuer"), (date_txt, "issue_date")],
        rng.uniform(80, 96),
        st,
    )
    extra_boxes = {"award_year": cv.boxes["issue_date"]}
    seal_on(cv, rng, _seal_text(issuer), box, rng.uniform(430, 520), rng.choice(("", "", "专用章")))
    return _finish(cv, "award_certificate", fields, layout, extra_boxes)


# Competition layouts: each draws the page and returns (canvas, style, inner box, the
# baseline of the issuer's signature block).


def _comp_winner(
    rng: random.Random, tl: bool, t: _CompetitionText
) -> tuple[Canvas, Style, BBox, float]:
    cv, st = new_page(rng, rng.random() < 0.4, tl)
    ib = decorate(cv, st, rng)
    title(
        cv,
        rng.choice(("获奖证书", "荣誉证书", "证书")),
        cv.w / 2,
        ib[1] + rng.uniform(300, 380),
        rng.uniform(190, 250),
        st,
        rng,
    )
    rows = [
        Row(rng.choice(("获奖者", "获奖人", "姓名", "获奖选手")), t.name, "name", "name"),
        Row(rng.choice(("竞赛名称", "赛事名称", "大赛名称")), t.competition, "award_name"),
        Row(rng.choice(("竞赛项目", "比赛项目", "赛项")), t.event),
        Row(rng.choice(("获得奖项", "奖项", "名次", "获奖等次")), t.rank, "award_rank"),
    ]
    if rng.random() < 0.5:
        rows.insert(1, Row("工作单位", rng.choice(vocab.COMPANIES)))
    if t.cert_no is not None:
        rows.append(Row("证书编号", t.cert_no, "cert_no", "number"))
    size = rng.uniform(84, 100)
    x0 = ib[0] + (ib[2] - ib[0]) * 0.1
    ry = ib[1] + rng.uniform(700, 820)
    lh = min(size * rng.uniform(2.2, 2.9), (ib[3] - 520 - ry) / len(rows))
    end = line_rows(cv, rows, x0, ry, (ib[2] - ib[0]) * 0.8, size, st, rng, line_h=lh)
    return cv, st, ib, max(end + size * 0.5, ib[3] - rng.uniform(300, 420))


def _comp_colon(
    rng: random.Random, tl: bool, t: _CompetitionText
) -> tuple[Canvas, Style, BBox, float]:
    return _comp_letter(rng, tl, t, jiangzhuang=False)


def _comp_jiangzhuang(
    rng: random.Random, tl: bool, t: _CompetitionText
) -> tuple[Canvas, Style, BBox, float]:
    return _comp_letter(rng, tl, t, jiangzhuang=True)


def _comp_letter(
    rng: random.Random, tl: bool, t: _CompetitionText, *, jiangzhuang: bool
) -> tuple[Canvas, Style, BBox, float]:
    """Addressed to the winner ("X 同志："), as a certificate or a red 奖状."""
    land = jiangzhuang or rng.random() < 0.6
    cv, st = new_page(rng, land, tl, palette="red" if jiangzhuang else None)
    ib = decorate(cv, st, rng, kind="corners" if jiangzhuang else None)
    head = "奖状" if jiangzhuang else rng.choice(("荣誉证书", "获奖证书"))
    title(
        cv,
        head,
        cv.w / 2,
        ib[1] + rng.uniform(280, 380),
        rng.uniform(190, 260),
        st,
        rng,
        spacing=rng.uniform(80, 300) if head == "奖状" else None,
    )
    size = rng.uniform(100, 122) if land else rng.uniform(90, 108)
    bx0, bw = ib[0] + cv.w * 0.08, ib[2] - ib[0] - cv.w * 0.16
    y = cv.paragraph(
        bx0,
        ib[1] + rng.uniform(680, 800),
        bw,
        [Seg(t.name, "name", "name"), Seg(rng.choice((" 同志：", "：", " 同学：")))],
        size * 1.08,
    )
    tail = (
        "特发此状，以资鼓励。"
        if head == "奖状"
        else rng.choice(("特发此证，以资鼓励。", "特发此证。"))
    )
    comma = rng.random() < 0.5
    segs = [
        Seg(rng.choice(("在", "在", "参加"))),
        Seg(t.competition, "body", "award_name"),
        Seg(("中，" if comma else "") + t.event),
        Seg(
            rng.choice(("项目", "赛项"))
            + rng.choice(("荣获", "获得") if comma else ("中荣获", "比赛中荣获", "获得"))
        ),
        Seg(t.rank, "body", "award_rank"),
        Seg("。" + tail),
    ]
    cv.paragraph(bx0, y + size * 0.3, bw, segs, size, indent=size * 2)
    if t.cert_no is not None:
        cv.text((ib[0] + 120, ib[3] - 90), f"证书编号：{t.cert_no}", "body", 46, (60, 60, 60), "ls")
        cv.boxes["cert_no"] = _sub_box(cv, t.cert_no)
    return cv, st, ib, ib[3] - rng.uniform(320, 430)


_COMPETITION_LAYOUTS = {
    "comp_winner": _comp_winner,
    "comp_colon": _comp_colon,
    "comp_jiangzhuang": _comp_jiangzhuang,
}


def _sub_box(cv: Canvas, sub: str, within: str | None = None) -> BBox:
    """Box of a substring inside the last text op that contains it (values inside longer lines).
    Ops hold text as printed: a name dot the font lacks was printed as · (fonts.printable)."""
    for op in reversed(cv.ops):
        psub = printable(op.family, sub)
        pwithin = printable(op.family, within) if within is not None else None
        i = op.text.find(psub)
        if i >= 0 and (pwithin is None or pwithin in op.text or op.text in pwithin):
            f = font(op.family, op.size)
            x0 = op.x + f.getlength(op.text[:i])
            b = f.getbbox(psub, anchor="ls")
            return (int(x0 + b[0]), int(op.y + b[1]), int(x0 + b[2]) + 1, int(op.y + b[3]) + 1)
    if within and within.find(sub) >= 0:
        # `within` was wrapped over several lines (a long value in a table cell): the union of
        # the parts of `sub` on each line.
        s0 = within.find(sub)
        s1 = s0 + len(sub)
        boxes = []
        for op in cv.ops:
            # printable() swaps one glyph for one: offsets into `within` stay valid.
            j = printable(op.family, within).find(op.text) if op.text.strip() else -1
            if j < 0 or j >= s1 or j + len(op.text) <= s0:
                continue
            a, b = max(s0, j) - j, min(s1, j + len(op.text)) - j
            f = font(op.family, op.size)
            x0 = op.x + f.getlength(op.text[:a])
            bb = f.getbbox(op.text[a:b], anchor="ls")
            boxes.append((x0 + bb[0], op.y + bb[1], x0 + bb[2] + 1, op.y + bb[3] + 1))
        if boxes:
            return (int(min(b[0] for b in boxes)), int(min(b[1] for b in boxes)),
                    int(max(b[2] for b in boxes)), int(max(b[3] for b in boxes)))  # fmt: skip
    raise KeyError(sub)


# ---------------------------------------------------------------------------------------
# title_certificate

SERIES_ISSUER_NAME = {
    "工程": "工程技术",
    "高等学校教师": "高等学校教师",
    "中等职业学校教师": "中等职业学校教师",
    "卫生": "卫生",
    "护理": "卫生",
    "农业": "农业技术",
    "经济": "经济",
    "会计": "会计",
    "中小学教师": "中小学教师",
}


def render_title_certificate(person: Person, rng: random.Random, **facts) -> RenderedDoc:
    name, name_truth = _names(person, rng, facts)
    series, t, tlevel = _title_of(rng, facts)
    offset = {"初级": 23, "中级": 28, "副高级": 33, "正高级": 40}[tlevel]
    earliest = max(_years_after(person.birth, offset), dt.date(2003, 1, 1))
    issue = _issue_date(rng, facts, earliest, TODAY)
    issuer = facts.get("issuer") or rng.choice(vocab.TITLE_ISSUERS).format(
        series=SERIES_ISSUER_NAME[series]
    )
    if "评审委员会" in issuer and tlevel in ("初级", "中级") and "高级" in issuer:
        issuer = issuer.replace("高级", "中级")
    fmt = rng.randrange(4)
    cert_no = facts.get("cert_no") or _title_numbers(rng, issue.year)[fmt]
    major = rng.choice(vocab.SERIES_MAJORS[series])
    ds = pick_style(rng, cn_share=0.35)
    by_id = rng.random() < 0.55
    fields = {
        "name": name_truth,
        "gender": person.gender,
        "title": t,
        "title_level": tlevel,
        "cert_no": cert_no,
        "issue_date": issue.isoformat(),
        "issuer": issuer,
    }
    rows = _title_rows(rng, person, name, by_id, fields, major, issue, ds)
    layout = facts.get("layout") or rng.choice(("title_booklet", "title_table", "title_para"))
    tl = bool(facts.get("text_layer"))
    head = rng.choice(
        ("专业技术资格证书", "专业技术职务任职资格证书", "职称证书", "专业技术资格证书")
    )
    page = _TitlePage(
        person, name, t, major, issuer, rows, tl, head,
        rng.choice(("", "职称专用章", "专业技术资格评审专用章")),
    )  # fmt: skip
    draw = _TITLE_LAYOUTS.get(layout)
    if draw is None:  # an unknown layout name draws the last one
        layout, draw = "title_para", _title_para
    return _finish(draw(rng, page), "title_certificate", fields, layout)


def _title_of(rng: random.Random, facts: dict) -> tuple[str, str, str]:
    """(series, title, title level): the given title's, else one of the given or a drawn level."""
    series = next(
        (s for s, ts in vocab.TITLE_SERIES.items() if any(t == facts.get("title") for t, _ in ts)),
        None,
    )
    series = series or rng.choice(list(vocab.TITLE_SERIES))
    options = vocab.TITLE_SERIES[series]
    if "title" in facts:
        t, tlevel = next((t, lv) for t, lv in options if t == facts["title"])
    else:
        wanted = (
            facts.get("title_level")
            or rng.choices(("初级", "中级", "副高级", "正高级"), weights=(15, 40, 35, 10))[0]
        )
        t, tlevel = next(((t, lv) for t, lv in options if lv == wanted), options[-1])
    return series, t, tlevel


def _title_numbers(rng: random.Random, yr: int) -> tuple[str, str, str, str]:
    """One number in each of the four formats seen (all drawn, so the draws do not depend
    on the format picked)."""
    return (
        f"65{yr}{rng.randrange(1, 5)}{rng.randrange(10**6):06d}",
        f"XJ{yr}{rng.choice('GZC')}{rng.randrange(10**6):06d}",
        f"{yr}{rng.randrange(10**8):08d}",
        f"{rng.randrange(10**4):04d}{yr % 100:02d}{rng.randrange(10**6):06d}",
    )


def _title_rows(
    rng: random.Random,
    person: Person,
    name: str,
    by_id: bool,
    fields: dict[str, str],
    major: str,
    issue: dt.date,
    ds: str,
) -> list[Row]:
    """The certificate's rows; adds the identity printed (ID number or birth date) to fields."""
    yr = issue.year
    t, tlevel, issuer = fields["title"], fields["title_level"], fields["issuer"]
    rows = [Row("姓名", name, "name", "name"), Row("性别", person.gender, "gender")]
    if by_id:
        rows.append(Row(_id_label(rng), person.id_number, "id_number", "number"))
        fields["id_number"] = person.id_number
    else:
        bs = rng.choice(("month", "day"))
        rows.append(
            Row(
                "出生年月" if bs == "month" else "出生日期",
                fmt_month(person.birth, "arabic")
                if bs == "month"
                else fmt_date(person.birth, "arabic"),
                "birth_date",
            )
        )
        fields["birth_date"] = person.birth_date[:7] if bs == "month" else person.birth_date
    rows.append(Row(rng.choice(("工作单位", "单位")), rng.choice(vocab.COMPANIES)))
    rows.append(Row(rng.choice(("专业", "专业名称", "从事专业")), major))
    rows.append(Row(rng.choice(("资格名称", "专业技术职务", "职称名称", "资格")), t, "title"))
    if rng.random() < 0.5:
        rows.append(Row(rng.choice(("级别", "资格级别", "职称级别")), tlevel, "title_level"))
    if rng.random() < 0.4:
        rows.append(
            Row(
                rng.choice(("评审通过文号", "批准文号")),
                f"新人社职称〔{yr}〕{rng.randint(10, 300)}号",
            )
        )
    rows.append(
        Row(rng.choice(("评审组织", "审批机关", "发证机关", "评审委员会")), issuer, "issuer")
    )
    rows.append(
        Row(rng.choice(("证书编号", "编号", "管理号")), fields["cert_no"], "cert_no", "number")
    )
    rows.append(
        Row(
            rng.choice(("发证日期", "取得资格时间", "批准日期", "资格取得时间")),
            _fw(fmt_date(issue, ds), rng),
            "issue_date",
        )
    )
    return rows


@dataclass
class _TitlePage:
    """A title certificate's content, for its layouts."""

    person: Person
    name: str  # as printed
    title: str
    major: str
    issuer: str
    rows: list[Row]
    tl: bool  # record text for a PDF text layer
    head: str
    seal_bottom: str


# Title layouts: each draws and seals the page.


def _title_booklet(rng: random.Random, p: _TitlePage) -> Canvas:
    cv, st, ib, half, px, _py, pw = _booklet_spread(
        rng, p.tl, p.person, palettes=("red", "green", "blue", "plain"),
        kinds=("band", "plain", "guilloche"), photo_w=(340, 400), photo_top=140,
    )  # fmt: skip
    cv.add_overlay(
        orn.steel_seal(rng, _seal_text(p.issuer), int(pw * 0.85)),
        (px + pw * 0.95, ib[1] + 140 + pw * 1.25),
    )
    k = 5
    size = rng.uniform(62, 72)
    y0 = ib[1] + 140 + pw * 1.4 + 170
    line_rows(
        cv,
        p.rows[:k],
        ib[0] + 90,
        y0,
        half - ib[0] - 170,
        size,
        st,
        rng,
        line_h=min(size * 2.5, (ib[3] - y0) / k),
    )
    title(
        cv,
        p.head,
        half + (ib[2] - half) / 2,
        ib[1] + 190,
        120,
        st,
        rng,
        8,
        max_w=(ib[2] - half) * 0.85,
    )
    ry = ib[1] + 420
    line_rows(
        cv,
        p.rows[k:],
        half + 110,
        ry,
        ib[2] - half - 180,
        size,
        st,
        rng,
        line_h=min(size * 2.8, (ib[3] - ry) / (len(p.rows) - k)),
    )
    _seal_issuer(cv, rng, p.issuer, (400, 470), p.seal_bottom)
    return cv


def _title_sheet(rng: random.Random, p: _TitlePage, baseline: float) -> tuple[Canvas, Style, BBox]:
    """A portrait sheet headed with the certificate's name; returns (canvas, style, inner box)."""
    cv, st = new_page(rng, False, p.tl)
    ib = decorate(cv, st, rng)
    size = cv.fit_size(p.head, "title", 170, cv.w * 0.75)
    title(cv, p.head, cv.w / 2, ib[1] + baseline, size, st, rng, 10)
    return cv, st, ib


def _title_table(rng: random.Random, p: _TitlePage) -> Canvas:
    cv, st, ib = _title_sheet(rng, p, 320)
    x0, x1 = ib[0] + 100, ib[2] - 100
    y0 = ib[1] + 560
    cells = table_rows(
        cv,
        p.rows,
        (x0, y0, x1, min(ib[3] - 200, y0 + 175 * len(p.rows))),
        st,
        rng,
        rng.uniform(52, 60),
        photo_rows=4,
    )
    photo(cv, cells["photo"], rng, female=p.person.gender == "女")
    _seal_issuer(cv, rng, p.issuer, (420, 480), p.seal_bottom, cells)
    return cv


def _title_para(rng: random.Random, p: _TitlePage) -> Canvas:
    """The grant as a sentence ("X 同志，经…评审通过，具备…资格。"), the rest as lines."""
    cv, st, ib = _title_sheet(rng, p, 330)
    size = rng.uniform(70, 82)
    bx0, bw = ib[0] + 140, ib[2] - ib[0] - 280
    segs = [
        Seg(p.name, "name", "name"),
        Seg(" 同志，经"),
        Seg(p.issuer, "body", "issuer"),
        Seg(rng.choice(("评审通过，", "评审，")) + "具备"),
        Seg(p.major),
        Seg("专业"),
        Seg(p.title, "body", "title"),
        Seg(rng.choice(("任职资格。", "资格。", "专业技术资格。"))),
    ]
    y = cv.paragraph(bx0, ib[1] + 680, bw, segs, size, indent=size * 2)
    rest = [r for r in p.rows if r.key not in ("name", "issuer", "title")]
    line_rows(cv, rest, bx0 + 40, y + size, bw - 80, size * 0.85, st, rng)
    _seal_issuer(cv, rng, p.issuer, (430, 500), p.seal_bottom)
    return cv


_TITLE_LAYOUTS = {
    "title_booklet": _title_booklet,
    "title_table": _title_table,
    "title_para": _title_para,
}


# ---------------------------------------------------------------------------------------
# education_certificate

EDU_YEARS = {"中专": 3, "高中": 3, "大专": 3, "本科": 4, "硕士研究生": 3, "博士研究生": 4}
EDU_AGE = {"中专": 18, "高中": 18, "大专": 21, "本科": 22, "硕士研究生": 25, "博士研究生": 29}
EDU_PRINT = {
    "中专": ("中专", "中等专业"),
    "高中": ("高中",),
    "大专": ("专科", "高职（专科）", "大专"),
    "本科": ("本科",),
    "硕士研究生": ("硕士研究生",),
    "博士研究生": ("博士研究生",),
}
EDU_CODE = {"本科": "05", "大专": "06", "硕士研究生": "02", "博士研究生": "01"}
DEGREE = {"本科": ("学士", "4"), "硕士研究生": ("硕士", "3"), "博士研究生": ("博士", "2")}


def render_education_certificate(person: Person, rng: random.Random, **facts) -> RenderedDoc:
    name, name_truth = _names(person, rng, facts)
    edu = facts.get("education") or rng.choices(list(EDU_YEARS), weights=(12, 5, 30, 35, 13, 5))[0]
    if "education" not in facts and facts.get("layout") == "degree" and edu not in DEGREE:
        edu = "本科"
    kind = facts.get("kind") or {
        "degree": "degree",
        "diploma_land": "diploma",
        "diploma_port": "diploma",
    }.get(facts.get("layout", ""), "degree" if edu in DEGREE and rng.random() < 0.35 else "diploma")
    grad_year = min(person.birth.year + EDU_AGE[edu] + rng.choice((0, 0, 0, 1, 2, 4, 7)), 2025)
    grad = dt.date(grad_year, rng.choice((6, 7, 7)), rng.choice((1, 10, 20, 30)))
    if "issue_date" in facts:
        grad = dt.date.fromisoformat(facts["issue_date"])
    school, major, cert_no = _school_and_number(rng, edu, kind, grad)
    school = facts.get("school", school)
    cert_no = facts.get("cert_no", cert_no)
    ds = pick_style(rng, cn_share=0.6)
    bstyle = rng.choice(("day", "day", "month"))
    birth_txt = (
        fmt_date(person.birth, ds if ds != "dot" else "arabic")
        if bstyle == "day"
        else fmt_month(person.birth, ds)
    )
    fields = {
        "name": name_truth,
        "gender": person.gender,
        "birth_date": person.birth_date if bstyle == "day" else person.birth_date[:7],
        "school": school,
        "education": edu,
        "cert_no": cert_no,
        "issue_date": grad.isoformat(),
    }
    tl = bool(facts.get("text_layer"))
    head = "毕业证书" if kind == "diploma" else f"{DEGREE[edu][0]}学位证书"
    layout = facts.get("layout") or (
        rng.choice(("diploma_land", "diploma_port")) if kind == "diploma" else "degree"
    )
    land = layout == "diploma_land" or (layout == "degree" and rng.random() < 0.5)
    cv, st, ib, bx0, by = _education_page(rng, person, tl, head, land, school)
    bw = ib[2] - bx0 - 150
    size = rng.uniform(84, 100) if land else rng.uniform(86, 100)
    level_txt = rng.choice(EDU_PRINT[edu])
    ms = ds if ds != "spaced" else "arabic"
    start = dt.date(grad.year - EDU_YEARS[edu], 9, 1)
    period = f"{fmt_month(start, ms)}至{fmt_month(grad, ms)}"
    if kind == "diploma":
        segs, sign_role = _diploma_text(rng, person, name, birth_txt, period, major, edu, level_txt)
    else:
        segs, sign_role = _degree_text(rng, person, name, birth_txt, school, major, edu)
    y = cv.paragraph(bx0, by, bw, segs, size, line_h=size * rng.uniform(1.8, 2.2), indent=size * 2)
    sy = max(y + size, ib[3] - rng.uniform(420, 520))
    sx = ib[2] - cv.w * 0.25
    signer = (
        rng.choice(SURNAMES) + rng.choice(GIVEN_MALE) + rng.choice(("", rng.choice(GIVEN_MALE)))
    )
    cv.text((sx - cv.w * 0.06, sy), sign_role, "body", size * 0.8, st.value_color, "rs")
    cv.text((sx - cv.w * 0.06 + 20, sy), signer, "kai", size * 0.95, st.value_color, "ls")
    lines = [(school, "school"), (_fw(fmt_date(grad, ds), rng), "issue_date")]
    box = _sign_block(cv, sx + cv.w * 0.06, sy + size * 1.9, lines, size * 0.85, st)
    cv.text(
        (bx0 if not land else ib[0] + 130, ib[3] - 110),
        rng.choice(("证书编号：", "证书编号 ", "编号：")) + cert_no,
        "body",
        48,
        (50, 50, 50),
        "ls",
    )
    cv.boxes["cert_no"] = _sub_box(cv, cert_no)
    seal_on(cv, rng, _seal_text(school), box, rng.uniform(420, 500))
    return _finish(cv, "education_certificate", fields, layout)


def _school_and_number(
    rng: random.Random, edu: str, kind: str, grad: dt.date
) -> tuple[str, str, str]:
    """(school, major, certificate number) for a certificate of `edu` issued on `grad`."""
    if edu in ("本科", "硕士研究生", "博士研究生"):
        school, code = rng.choice(vocab.UNIVERSITIES)
    elif edu == "大专":
        school, code = rng.choice(vocab.COLLEGES)
    else:
        school, code = rng.choice(vocab.SECONDARY), f"{rng.randrange(10**5):05d}"
    major = rng.choice(vocab.MAJORS)
    if kind == "degree":
        cert_no = f"{code}{DEGREE[edu][1]}{grad.year}{rng.randrange(10**6):06d}"
    elif edu in EDU_CODE:
        cert_no = f"{code}1{grad.year}{EDU_CODE[edu]}{rng.randrange(10**5):05d}"
    else:
        cert_no = f"{grad.year}{rng.randrange(10**8):08d}"
    return school, major, cert_no


def _education_page(
    rng: random.Random, person: Person, tl: bool, head: str, land: bool, school: str
) -> tuple[Canvas, Style, BBox, float, float]:
    """Page, title, photo and the school's steel seal; returns (canvas, style, inner box,
    left edge and first baseline of the body text)."""
    cv, st = new_page(rng, land, tl, palette=rng.choice(("red", "plain", "gold", "blue")))
    ib = decorate(cv, st, rng, kind=rng.choice(("guilloche", "frame", "plain", "guilloche")))
    title(
        cv,
        head,
        cv.w / 2,
        ib[1] + rng.uniform(240, 330),
        cv.fit_size(head, "title", rng.uniform(160, 210), cv.w * 0.6),
        st,
        rng,
    )
    pw = rng.uniform(330, 400)
    if land:
        px, py = ib[0] + 130, ib[1] + 560
        bx0 = px + pw + 150
    else:
        px, py = ib[0] + 160, ib[1] + 520
        bx0 = ib[0] + 160
    photo(
        cv,
        (px, py, px + pw, py + pw * 1.4),
        rng,
        female=person.gender == "女",
        background=rng.choice(((67, 142, 219), (250, 250, 250), None)),
    )
    cv.add_overlay(orn.steel_seal(rng, school, int(pw * 0.9)), (px + pw * 0.9, py + pw * 1.3))
    by = py + 60 if land else py + pw * 1.4 + 220
    return cv, st, ib, bx0, by


def _diploma_text(
    rng: random.Random,
    person: Person,
    name: str,
    birth_txt: str,
    period: str,
    major: str,
    edu: str,
    level_txt: str,
) -> tuple[list[Seg], str]:
    """(body runs, signer's role) of a 毕业证书."""
    segs = [
        Seg(rng.choice(("学生 ", "学生"))),
        Seg(name, "name", "name"),
        Seg("，性别 "),
        Seg(person.gender, "body", "gender"),
        Seg("，"),
        Seg(birth_txt, "body", "birth_date"),
        Seg("生，于" + period + "在本校"),
        Seg(major),
        Seg("专业" + (f"{EDU_YEARS[edu]}年制" if rng.random() < 0.6 else "")),
        Seg(level_txt, "body", "education"),
        Seg(
            "学习，修完"
            + rng.choice(("教学计划规定的全部课程", "全部课程"))
            + "，成绩合格，准予毕业。"
        ),
    ]
    if edu == "高中":
        segs[7:10] = [Seg("高中", "body", "education"), Seg("三年")]
    return segs, "校（院）长：" if edu not in ("中专", "高中") else "校长："


def _degree_text(
    rng: random.Random,
    person: Person,
    name: str,
    birth_txt: str,
    school: str,
    major: str,
    edu: str,
) -> tuple[list[Seg], str]:
    """(body runs, signer's role) of a 学位证书."""
    deg = DEGREE[edu][0]
    branch = rng.choice(vocab.DEGREE_BRANCH)
    segs = [
        Seg(name, "name", "name"),
        Seg("，"),
        Seg(person.gender, "body", "gender"),
        Seg("，"),
        Seg(birth_txt, "body", "birth_date"),
        Seg("生。在"),
        Seg(school, "body", "school"),
        Seg(major + "专业完成了"),
        Seg(
            {"学士": "本科", "硕士": "硕士研究生", "博士": "博士研究生"}[deg],
            "body",
            "education",
        ),
        Seg(
            "学习计划，业已毕业，经审核符合《中华人民共和国学位条例》的规定，授予"
            + branch
            + deg
            + "学位。"
        ),
    ]
    return segs, rng.choice(("学位评定委员会主席：", "校长："))


# ---------------------------------------------------------------------------------------
# id_card

CARD_W, CARD_H = 1011, 638  # 85.6 × 54 mm at 300 dpi


def _authority(person: Person) -> str:
    county = dict(COUNTIES.get(person.id_number[:4], [])).get(
        person.id_number[:6], "乌鲁木齐市天山区"
    )
    if county.startswith("乌鲁木齐市") or county.startswith("克拉玛依市"):
        city, district = county[:5], county[5:]
        return f"{city}公安局{district}分局"
    return f"{county}公安局"


def _valid_period(person: Person, rng: random.Random) -> str:
    issued = random_date(
        rng, max(_years_after(person.birth, 16), dt.date(2005, 1, 1)), dt.date(2024, 12, 31)
    )
    age = (issued - person.birth).days // 365
    years = 10 if age < 26 else 20 if age < 46 else None
    tail = "长期" if years is None else _years_after(issued, years).strftime("%Y.%m.%d")
    return f"{issued:%Y.%m.%d}-{tail}"


def _card_base(cv: Canvas, ox: float, oy: float, s: float, rng: random.Random, back: bool) -> None:
    w, h = CARD_W * s, CARD_H * s
    card = Image.new(
        "RGB",
        (int(w), int(h)),
        orn.jitter_color(rng, (232, 240, 238) if not back else (238, 242, 246), 6),
    )
    orn.security_background(card, (120, 170, 190), rng, spacing=int(12 * s))
    if rng.random() < 0.7:
        orn.rosette(
            card, (w * (0.3 if back else 0.45), h * 0.55), h * 0.35, (150, 190, 200), rng, 0.25
        )
    mask = Image.new("L", card.size, 0)
    ImageDraw.Draw(mask).rounded_rectangle(
        (0, 0, card.width - 1, card.height - 1), radius=int(36 * s), fill=255
    )
    cv.img.paste(card, (int(ox), int(oy)), mask)
    cv.draw.rounded_rectangle(
        (ox, oy, ox + w, oy + h), radius=int(36 * s), outline=(90, 90, 90), width=max(2, int(2 * s))
    )


def _card_front(
    cv: Canvas,
    person: Person,
    ox: float,
    oy: float,
    s: float,
    rng: random.Random,
    name: str,
    name_truth: str,
) -> dict:
    _card_base(cv, ox, oy, s, rng, back=False)
    lab = (60, 120, 170)
    val = (15, 15, 15)
    lx, vx = ox + 70 * s, ox + 200 * s

    def L(x, y, t):
        cv.text((x, oy + y * s), t, "hei", 30 * s, lab, "ls")

    vf = rng.choice(("hei", "hei", "sans"))
    L(lx, 110, "姓  名")
    cv.text(
        (vx, oy + 112 * s), name, vf, cv.fit_size(name, vf, 46 * s, 470 * s, 0.6), val, "ls", "name"
    )
    L(lx, 190, "性  别")
    cv.text((vx, oy + 190 * s), person.gender, vf, 38 * s, val, "ls", "gender")
    L(ox + 360 * s, 190, "民  族")
    eth = person.ethnicity[:-1] if person.ethnicity.endswith("族") else person.ethnicity
    cv.text((ox + 480 * s, oy + 190 * s), eth, vf, 38 * s, val, "ls", "ethnicity")
    L(lx, 268, "出  生")
    b = person.birth
    y = oy + 268 * s
    box = cv.text((vx, y), str(b.year), vf, 38 * s, val, "ls")
    cv.text((vx + 120 * s, y), "年", "hei", 30 * s, lab, "ls")
    box = union(box, cv.text((vx + 185 * s, y), str(b.month), vf, 38 * s, val, "ls"))
    cv.text((vx + 250 * s, y), "月", "hei", 30 * s, lab, "ls")
    box = union(box, cv.text((vx + 310 * s, y), str(b.day), vf, 38 * s, val, "ls"))
    cv.text((vx + 380 * s, y), "日", "hei", 30 * s, lab, "ls")
    cv.boxes["birth_date"] = box
    L(lx, 346, "住  址")
    addr = person.address
    for i in range(0, min(len(addr), 36), 12):
        cv.text((vx, oy + (346 + (i // 12) * 54) * s), addr[i : i + 12], vf, 36 * s, val, "ls")
    L(lx, 560, "公民身份号码")
    cv.text((ox + 370 * s, oy + 562 * s), person.id_number, "mono", 46 * s, val, "ls", "id_number")
    pw, ph = 260 * s, 330 * s
    px, py = ox + 690 * s, oy + 90 * s
    orn.draw_photo(
        cv.img,
        (px, py, px + pw, py + ph),
        rng,
        female=person.gender == "女",
        background=(248, 248, 248),
    )
    return {
        "name": name_truth,
        "gender": person.gender,
        "ethnicity": person.ethnicity,
        "birth_date": person.birth_date,
        "id_number": person.id_number,
    }


def _card_back(
    cv: Canvas, person: Person, ox: float, oy: float, s: float, rng: random.Random
) -> None:
    _card_base(cv, ox, oy, s, rng, back=True)
    orn.draw_emblem(cv.img, (ox + 160 * s, oy + 170 * s), 100 * s, rng)
    cv.spaced(
        (ox + 640 * s, oy + 150 * s), "中华人民共和国", "hei", 56 * s, 14 * s, (20, 20, 20), "m"
    )
    cv.spaced((ox + 640 * s, oy + 270 * s), "居民身份证", "hei", 84 * s, 24 * s, (20, 20, 20), "m")
    lab = (40, 40, 40)
    cv.text((ox + 230 * s, oy + 480 * s), "签发机关", "hei", 30 * s, lab, "ls")
    cv.text((ox + 400 * s, oy + 482 * s), _authority(person), "hei", 34 * s, (15, 15, 15), "ls")
    cv.text((ox + 230 * s, oy + 560 * s), "有效期限", "hei", 30 * s, lab, "ls")
    cv.text(
        (ox + 400 * s, oy + 562 * s), _valid_period(person, rng), "hei", 34 * s, (15, 15, 15), "ls"
    )


def render_id_card(person: Person, rng: random.Random, **facts) -> RenderedDoc:
    """A photocopy page: front and back stacked or side by side, or one side alone."""
    name, name_truth = _names(person, rng, facts, id_card=True)
    layout = (
        facts.get("layout")
        or rng.choices(
            ("stacked", "side_by_side", "front_only", "back_only"), weights=(55, 20, 18, 7)
        )[0]
    )
    tl = bool(facts.get("text_layer"))
    cv, st = new_page(rng, False, tl, palette="plain")
    cv.img.paste((255, 255, 255), (0, 0, cv.w, cv.h))
    s = rng.uniform(1.0, 1.25) if layout != "side_by_side" else rng.uniform(0.95, 1.1)
    cw, ch = CARD_W * s, CARD_H * s
    regions: list[Region] = []
    if rng.random() < 0.4:
        cv.text(
            (cv.w / 2, 300),
            rng.choice(("居民身份证复印件", "身份证复印件", "身份证正反面复印件")),
            "sans",
            80,
            (20, 20, 20),
            "ms",
        )
    if layout == "side_by_side":
        gap = rng.uniform(40, 120)
        x0 = (cv.w - 2 * cw - gap) / 2
        y0 = rng.uniform(450, 900)
        spots = [(x0, y0), (x0 + cw + gap, y0)]
    else:
        x0 = (cv.w - cw) / 2 + rng.uniform(-200, 200)
        y0 = rng.uniform(450, 800)
        spots = [(x0, y0), (x0 + rng.uniform(-60, 60), y0 + ch + rng.uniform(150, 450))]
    fields: dict[str, str] = {}
    boxes: dict[str, BBox] = {}
    sides = {
        "stacked": ("front", "back"),
        "side_by_side": ("front", "back"),
        "front_only": ("front",),
        "back_only": ("back",),
    }[layout]
    if len(sides) == 2 and rng.random() < 0.2:
        sides = sides[::-1]  # back copied first
    for side, (ox, oy) in zip(sides, spots, strict=False):
        cv.boxes.clear()
        region_fields: dict[str, str] = {}
        if side == "front":
            fields = region_fields = _card_front(cv, person, ox, oy, s, rng, name, name_truth)
            boxes = dict(cv.boxes)
        else:
            _card_back(cv, person, ox, oy, s, rng)
        bbox = (int(ox), int(oy), int(ox + cw), int(oy + ch))
        regions.append(
            Region("id_card", bbox, dict(region_fields), dict(cv.boxes) if side == "front" else {})
        )
    cv.boxes.clear()
    cv.boxes.update(boxes)
    if rng.random() < 0.45:  # "for this application only" note written across the copy
        note = rng.choice(
            (
                "仅供新疆工匠申报使用",
                "此复印件仅供人才项目申报使用，再复印无效",
                "与原件一致",
                "仅供申报使用 他用无效",
            )
        )
        ny = spots[0][1] + ch + rng.uniform(30, 110) if len(sides) == 2 else spots[0][1] + ch + 120
        cv.text(
            (cv.w / 2, ny),
            note,
            "kai",
            rng.uniform(60, 80),
            rng.choice(((20, 20, 120), (30, 30, 30), (180, 30, 30))),
            "ma",
        )
    doc = _finish(cv, "id_card", fields, layout)
    if len(regions) > 1:
        doc.regions = regions
    return doc


# ---------------------------------------------------------------------------------------
# other: pages that carry names, ID numbers and dates but are not evidence certificates


def render_other(person: Person, rng: random.Random, **facts) -> RenderedDoc:
    layout = facts.get("layout") or rng.choice(
        ("contract", "application_form", "recommendation", "apprentices", "employment_proof")
    )
    tl = bool(facts.get("text_layer"))
    cv, st = new_page(rng, layout == "apprentices" and rng.random() < 0.5, tl, palette="plain")
    cv.img.paste((255, 255, 255), (0, 0, cv.w, cv.h))
    st.value_color = st.label_color = st.title_color = (20, 20, 20)
    page = _OtherPage(
        cv,
        st,
        person,
        company=rng.choice(vocab.COMPANIES),
        d1=random_date(rng, dt.date(2015, 1, 1), TODAY),
        ds=pick_style(rng, cn_share=0.15),
        size=rng.uniform(56, 64),
        occupation=rng.choice(list(vocab.OCCUPATIONS)),
        level=rng.choice(("高级工", "技师", "高级技师")),
    )
    draw = _OTHER_LAYOUTS.get(layout)
    if draw is None:  # an unknown layout name draws the last one
        layout, draw = "employment_proof", _other_employment_proof
    draw(rng, page)
    cv.boxes.clear()
    return _finish(cv, "other", {}, layout)


@dataclass
class _OtherPage:
    """A blank white page and what an "other" page says about the applicant."""

    cv: Canvas
    st: Style
    person: Person
    company: str
    d1: dt.date  # the date the page is signed
    ds: str  # its date style
    size: float  # body type size
    occupation: str
    level: str  # skill level named in the text
    m: int = 260  # page margin


# "Other" layouts: each writes, signs and seals its page.


def _other_contract(rng: random.Random, p: _OtherPage) -> None:
    cv, st, person, m, size, ds = p.cv, p.st, p.person, p.m, p.size, p.ds
    title(cv, rng.choice(("劳动合同书", "劳动合同")), cv.w / 2, 420, 130, st, rng, 30)
    y = line_rows(
        cv,
        [
            Row("甲方（用人单位）", p.company),
            Row("法定代表人", rng.choice(SURNAMES) + rng.choice(GIVEN_MALE) * 2),
            Row("乙方（劳动者）", person.name),
            Row("性别", person.gender),
            Row("居民身份证号码", person.id_number),
            Row("户籍地址", person.address),
        ],
        m,
        700,
        cv.w - 2 * m,
        size,
        st,
        rng,
    )
    end = _years_after(p.d1, rng.choice((3, 5)))
    clauses = [
        "根据《中华人民共和国劳动法》《中华人民共和国劳动合同法》等法律法规的规定，"
        "甲乙双方经平等自愿、协商一致，签订本合同。",
        f"第一条 合同期限：本合同为固定期限劳动合同，自{fmt_date(p.d1, ds)}起"
        f"至{fmt_date(end, ds)}止，其中试用期{rng.choice((1, 2, 3))}个月。",
        f"第二条 工作内容：乙方同意在甲方"
        f"{rng.choice(('生产部', '设备部', '检修车间', '技术中心'))}从事{p.occupation}工作。",
        "第三条 工作时间：甲方实行标准工时制度，乙方每日工作时间不超过八小时，每周不超过四十小时。",
        f"第四条 劳动报酬：乙方月工资为{rng.randint(4, 12) * 1000}元，"
        f"甲方每月{rng.randint(5, 15)}日前以货币形式足额支付。",
    ]
    for c in clauses:
        y = cv.paragraph(m, y + 30, cv.w - 2 * m, [Seg(c)], size, indent=size * 2)
    sign_y = cv.h - 600
    cv.text((m, sign_y), "甲方（盖章）：", "body", size)
    cv.text((cv.w / 2 + 100, sign_y), "乙方（签字）：", "body", size)
    cv.text((cv.w / 2 + 500, sign_y), person.name, "kai", size * 1.2)
    cv.text((m, sign_y + 160), fmt_date(p.d1, ds), "body", size)
    seal_on(
        cv, rng, _seal_text(p.company), (m, sign_y - 80, m + 500, sign_y + 200), 440, "合同专用章"
    )


def _other_application_form(rng: random.Random, p: _OtherPage) -> None:
    cv, st, person, m, size = p.cv, p.st, p.person, p.m, p.size
    prog = rng.choice(PROGRAM_NAMES)
    title(
        cv,
        f"{p.d1.year}年度“{prog}”项目申报表",
        cv.w / 2,
        380,
        cv.fit_size("x" * 16, "title", 100, cv.w * 0.8),
        st,
        rng,
        4,
    )
    rows = [
        Row("姓名", person.name),
        Row("性别", person.gender),
        Row("民族", person.ethnicity),
        Row("出生年月", fmt_month(person.birth, "arabic")),
        Row("身份证号", person.id_number),
        Row("工作单位", p.company),
        Row("职业（工种）", p.occupation),
        Row("职业技能等级", p.level),
        Row("参加工作时间", fmt_month(_years_after(person.birth, 20), "arabic")),
        Row("联系电话", f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"),
    ]
    cells = table_rows(
        cv,
        rows,
        (m - 60, 560, cv.w - m + 60, 560 + 150 * len(rows)),
        st,
        rng,
        size,
        photo_rows=4,
    )
    photo(cv, cells["photo"], rng, female=person.gender == "女", grey=rng.random() < 0.5)
    y = 560 + 150 * len(rows) + 130
    cv.text((m - 40, y), "主要业绩及贡献：", "body", size)
    text = (
        f"该同志自参加工作以来，长期从事{p.occupation}工作，"
        f"{p.d1.year - 3}年取得{p.level}职业资格，"
        f"带徒{rng.randint(3, 15)}名，完成技术革新项目{rng.randint(2, 9)}项，"
        + rng.choice(("多次在职业技能竞赛中获奖", "获得自治区技术能手称号", "参与编制企业操作规程"))
        + "。"
    )
    cv.paragraph(m, y + 110, cv.w - 2 * m, [Seg(text)], size, indent=size * 2)
    cv.text((cv.w - m - 700, cv.h - 520), "单位意见（盖章）：同意推荐", "body", size)
    cv.text((cv.w - m - 500, cv.h - 380), fmt_date(p.d1, p.ds), "body", size)
    seal_on(cv, rng, _seal_text(p.company), (cv.w - m - 700, cv.h - 600, cv.w - m, cv.h - 350), 440)


def _other_recommendation(rng: random.Random, p: _OtherPage) -> None:
    cv, st, person, m, size = p.cv, p.st, p.person, p.m, p.size
    title(cv, rng.choice(("推荐信", "推荐意见", "单位推荐意见")), cv.w / 2, 460, 130, st, rng, 40)
    y = cv.paragraph(
        m,
        760,
        cv.w - 2 * m,
        [Seg(rng.choice(("自治区人力资源和社会保障厅：", "评审委员会：", "尊敬的评审专家：")))],
        size * 1.1,
    )
    text = (
        f"兹推荐我单位{person.name}同志（身份证号：{person.id_number}）参加{p.d1.year}年度人才项目评选。"
        f"该同志于{fmt_month(_years_after(person.birth, 21), 'arabic')}参加工作，"
        f"现任{p.occupation}班组长，"
        f"具有{p.level}职业技能等级，工作中爱岗敬业，技术过硬，在技术攻关和带徒传技方面成绩突出。"
        "经单位研究，同意推荐。"
    )
    y = cv.paragraph(m, y + 60, cv.w - 2 * m, [Seg(text)], size * 1.05, indent=size * 2.1)
    cv.paragraph(m, y + 40, cv.w - 2 * m, [Seg("特此推荐。")], size * 1.05, indent=size * 2.1)
    box = _sign_block(
        cv,
        cv.w - m - 500,
        cv.h - 900,
        [(p.company, None), (fmt_date(p.d1, p.ds), None)],
        size,
        st,
    )
    seal_on(cv, rng, _seal_text(p.company), box, 440)


def _other_apprentices(rng: random.Random, p: _OtherPage) -> None:
    """A table of the applicant's apprentices (now and then the applicant among them)."""
    cv, st, size = p.cv, p.st, p.size
    title(
        cv,
        rng.choice(("师带徒培养对象名单", "技能大师工作室成员名单", "带徒传技情况表")),
        cv.w / 2,
        380,
        110,
        st,
        rng,
        10,
    )
    cols = ["序号", "姓名", "性别", "出生年月", "职业（工种）", "技能等级", "拜师时间"]
    n = rng.randint(6, 12)
    x0, x1 = 200, cv.w - 200
    widths = [0.07, 0.2, 0.08, 0.15, 0.2, 0.14, 0.16]
    xs = [x0]
    for wf in widths:
        xs.append(xs[-1] + wf * (x1 - x0))
    rh = 150
    y0 = 600
    d = cv.draw
    for r in range(n + 2):
        d.line((x0, y0 + r * rh, x1, y0 + r * rh), fill=(30, 30, 30), width=3)
    for x in xs:
        d.line((x, y0, x, y0 + (n + 1) * rh), fill=(30, 30, 30), width=3)
    fs = size * 0.85
    for i, c in enumerate(cols):
        cv.text(
            ((xs[i] + xs[i + 1]) / 2, y0 + rh / 2 + fs * 0.35),
            c,
            "sans_bold",
            cv.fit_size(c, "sans_bold", fs, xs[i + 1] - xs[i] - 20),
            anchor="ms",
        )
    sub = random.Random(rng.random())
    for r in range(n):
        who = p.person if r == 0 and rng.random() < 0.3 else make_person(sub, max_age=40)
        vals = [
            str(r + 1),
            who.name,
            who.gender,
            fmt_month(who.birth, "dot"),
            rng.choice(list(vocab.OCCUPATIONS)),
            rng.choice(("中级工", "高级工", "技师")),
            fmt_month(random_date(rng, dt.date(2018, 1, 1), TODAY), "arabic"),
        ]
        for i, v in enumerate(vals):
            cv.text(
                ((xs[i] + xs[i + 1]) / 2, y0 + (r + 1.5) * rh + fs * 0.35),
                v,
                "body",
                cv.fit_size(v, "body", fs, xs[i + 1] - xs[i] - 20),
                anchor="ms",
            )
    box = _sign_block(
        cv,
        cv.w - 700,
        min(cv.h - 400, y0 + (n + 2) * rh + 300),
        [(p.company, None), (fmt_date(p.d1, p.ds), None)],
        size,
        st,
    )
    seal_on(cv, rng, _seal_text(p.company), box, 420)


def _other_employment_proof(rng: random.Random, p: _OtherPage) -> None:
    cv, st, person, m, size = p.cv, p.st, p.person, p.m, p.size
    title(cv, rng.choice(("在职证明", "工作证明", "证  明")), cv.w / 2, 520, 140, st, rng, 60)
    text = (
        f"兹证明{person.name}同志，{person.gender}，{person.ethnicity}，身份证号码{person.id_number}，"
        f"自{fmt_date(_years_after(person.birth, 21), p.ds)}起在我单位工作至今，"
        f"现从事{p.occupation}工作，"
        f"具有{p.level}职业技能等级。"
    )
    y = cv.paragraph(m, 900, cv.w - 2 * m, [Seg(text)], size * 1.1, indent=size * 2.2)
    cv.paragraph(m, y + 40, cv.w - 2 * m, [Seg("特此证明。")], size * 1.1, indent=size * 2.2)
    box = _sign_block(
        cv, cv.w - m - 500, y + 600, [(p.company, None), (fmt_date(p.d1, p.ds), None)], size, st
    )
    seal_on(cv, rng, _seal_text(p.company), box, 440)


_OTHER_LAYOUTS = {
    "contract": _other_contract,
    "application_form": _other_application_form,
    "recommendation": _other_recommendation,
    "apprentices": _other_apprentices,
    "employment_proof": _other_employment_proof,
}


RENDERERS = {
    "skill_certificate": render_skill_certificate,
    "award_certificate": render_award_certificate,
    "title_certificate": render_title_certificate,
    "education_certificate": render_education_certificate,
    "id_card": render_id_card,
    "other": render_other,
}
LAYOUTS = {
    "skill_certificate": (
        "new_table",
        "new_lines",
        "new_stacked",
        "new_booklet",
        "old_booklet",
        "old_table",
    ),
    "award_certificate": (
        "honour_grant",
        "honour_colon",
        "honour_centre",
        "comp_winner",
        "comp_colon",
        "comp_jiangzhuang",
    ),
    "title_certificate": ("title_booklet", "title_table", "title_para"),
    "education_certificate": ("diploma_land", "diploma_port", "degree"),
    "id_card": ("stacked", "side_by_side", "front_only", "back_only"),
    "other": ("contract", "application_form", "recommendation", "apprentices", "employment_proof"),
}


def render(doc_type: str, person: Person, rng: random.Random, **facts) -> RenderedDoc:
    return RENDERERS[doc_type](person, rng, **facts)


# ---------------------------------------------------------------------------------------
# mounting: a certificate smaller than A4 lying on the scanner glass


def mount(doc: RenderedDoc, rng: random.Random) -> tuple[RenderedDoc, list[list[float]]]:
    """Shrink the certificate to its physical size and lay it, slightly crooked, on an A4 scan.

    Returns the new document and the 3×3 matrix mapping old page points to new ones.
    """
    src = doc.image
    land = src.width > src.height
    page_land = land and rng.random() < 0.5
    W, H = (3508, 2480) if page_land else (2480, 3508)
    fit = min(W / src.width, H / src.height)
    scale = fit * rng.uniform(0.72, 0.93)
    small = cv2.resize(
        np.asarray(src),
        (int(src.width * scale), int(src.height * scale)),
        interpolation=cv2.INTER_AREA,
    )
    sw, sh = small.shape[1], small.shape[0]
    ang = rng.uniform(-1.5, 1.5)
    ox = rng.uniform(0.02, 0.98) * (W - sw)
    oy = rng.uniform(0.02, 0.5 if land and not page_land else 0.98) * (H - sh)
    R = cv2.getRotationMatrix2D((sw / 2, sh / 2), ang, 1.0)
    R[:, 2] += (ox, oy)
    lid = (250, 250, 250) if rng.random() < 0.7 else (238, 238, 236)
    page = cv2.warpAffine(
        small, R, (W, H), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=lid
    )
    corners = np.array([[0, 0, 1], [sw, 0, 1], [sw, sh, 1], [0, sh, 1]], float) @ R.T
    cv2.polylines(
        page,
        [corners.round().astype(np.int32)],
        True,
        (150, 150, 150),
        rng.choice((1, 2, 3)),
        cv2.LINE_AA,
    )
    M = np.vstack([R, [0, 0, 1]]) @ np.diag([scale, scale, 1.0])
    out = RenderedDoc(
        Image.fromarray(page), doc.doc_type, dict(doc.fields), {}, [], doc.layout + "+mounted", None
    )
    out.field_boxes = {k: tuple(transform_box(v, M, (W, H))) for k, v in doc.field_boxes.items()}  # type: ignore[misc]
    out.regions = [
        Region(
            r.doc_type,
            tuple(transform_box(r.bbox, M, (W, H))),
            dict(r.fields),  # type: ignore[arg-type]
            {k: tuple(transform_box(v, M, (W, H))) for k, v in r.field_boxes.items()},
        )  # type: ignore[misc]
        for r in doc.regions
    ]
    return out, M.tolist()
