"""在职证明 letters: one unit, one template for every employee (doc_type `other`, no truth).

The template (letterhead, wording, fonts, layout) is fixed by the unit's name, so two
applicants from one unit get the same page apart from their own particulars: normal, not
reuse. Layouts: a letter on red-ruled letterhead, a form with a table and the unit's opinion,
a short note from the personnel department.
"""

from __future__ import annotations

import datetime as dt
import random

from synth import vocab
from synth.blind import overprints
from synth.blind.common import (
    RED,
    TODAY,
    date_between,
    finish,
    seal,
    stable_rng,
    years_after,
)
from synth.canvas import Canvas, Seg
from synth.dates import fmt_date, fmt_month
from synth.documents import RenderedDoc
from synth.fonts import FontSet
from synth.people import GIVEN_MALE, SURNAMES, Person

DEPTS = ("生产部", "设备管理部", "检修车间", "技术中心", "电气车间", "质量部", "运行部", "动力分厂")
POSTS = ("班组长", "技术员", "主操", "高级技师", "工段长", "检修工", "首席技师", "技术主管")
PROGRAMS = ("新疆工匠", "准东人才工作室", "少数民族科技骨干特殊培养", "乌鲁木齐市技能大师工作室")


def _unit(rng: random.Random, facts: dict) -> str:
    return facts.get("unit") or rng.choice(vocab.COMPANIES)


def _page(unit: str, layout: str, tl: bool) -> tuple[Canvas, random.Random]:
    t = stable_rng(unit, layout)
    cv = Canvas(2480, 3508, FontSet.pick(t, tl), (255, 255, 255), tl)
    return cv, t


def _letterhead(cv: Canvas, t: random.Random, unit: str) -> float:
    """The unit's letterhead; returns the y below it."""
    style = t.choice(("red_rule", "logo_left", "plain_centre"))
    if style == "red_rule":
        cv.text(
            (cv.w / 2, 330),
            unit,
            "serif_bold",
            cv.fit_size(unit, "serif_bold", 110, 1900),
            RED,
            "ms",
        )
        cv.draw.line((200, 400, cv.w - 200, 400), fill=RED, width=7)
        cv.draw.line((200, 416, cv.w - 200, 416), fill=RED, width=2)
        return 520
    if style == "logo_left":
        c = t.choice(((20, 60, 140), (0, 110, 70), (170, 30, 30)))
        cv.draw.ellipse((200, 180, 360, 340), outline=c, width=10)
        cv.text(
            (280, 290),
            unit[:2] if not unit.startswith("新疆") else unit[2:4],
            "sans_bold",
            64,
            c,
            "ms",
        )
        cv.text((400, 280), unit, "sans_bold", cv.fit_size(unit, "sans_bold", 78, 1800), c, "ls")
        if t.random() < 0.5:
            cv.text((400, 335), t.choice(("地址：", "电话：")) + "……", "sans", 30, c, "ls")
        cv.draw.line((200, 380, cv.w - 200, 380), fill=c, width=4)
        return 500
    cv.text((cv.w / 2, 300), unit, "sans", cv.fit_size(unit, "sans", 72, 1800), (30, 30, 30), "ms")
    return 420


def _particulars(person: Person, rng: random.Random) -> dict[str, str]:
    start = date_between(rng, years_after(person.birth, 19), dt.date(2020, 12, 31))
    return {
        "name": person.name,
        "gender": person.gender,
        "ethnicity": person.ethnicity,
        "id": person.id_number,
        "start": fmt_date(start, "arabic"),
        "start_m": fmt_month(start, "arabic"),
        "dept": rng.choice(DEPTS),
        "post": rng.choice(POSTS),
        "occ": rng.choice(list(vocab.OCCUPATIONS)),
        "date": fmt_date(date_between(rng, dt.date(2024, 6, 1), TODAY), "arabic"),
        "program": rng.choice(PROGRAMS),
    }


def _contact(t: random.Random) -> str:
    who = t.choice(SURNAMES) + t.choice(GIVEN_MALE)
    tel = f"0{t.choice(('991', '994', '990', '992'))}-{t.randrange(10**7):07d}"
    return f"联系人：{who}        联系电话：{tel}"


def render_letterhead(person: Person, rng: random.Random, **facts) -> RenderedDoc:
    unit = _unit(rng, facts)
    cv, t = _page(unit, "letterhead", bool(facts.get("text_layer")))
    p = _particulars(person, rng)
    y = _letterhead(cv, t, unit)
    title = t.choice(("在职证明", "在 职 证 明", "工作证明"))
    cv.text((cv.w / 2, y + 300), title, "sans_bold", 110, (20, 20, 20), "ms")
    size = t.uniform(58, 66)
    m = 260
    wording = t.randrange(3)
    if wording == 0:
        text = (
            f"兹证明{p['name']}同志，性别{p['gender']}，{p['ethnicity']}，身份证号码："
            f"{p['id']}，系我单位正式在职职工，于{p['start']}入职，现在{p['dept']}担任"
            f"{p['post']}，从事{p['occ']}工作。"
        )
    elif wording == 1:
        text = (
            f"{p['name']}（身份证号：{p['id']}），{p['gender']}，自{p['start_m']}起在我公司"
            f"{p['dept']}工作至今，现任{p['post']}，工作表现良好。"
        )
    else:
        text = (
            f"兹有我单位职工{p['name']}，{p['gender']}，{p['ethnicity']}，公民身份号码{p['id']}，"
            f"{p['start_m']}参加工作，一直在我单位{p['dept']}从事{p['occ']}工作，"
            f"现为{p['post']}。"
        )
    yy = cv.paragraph(
        m, y + 560, cv.w - 2 * m, [Seg(text)], size, line_h=size * 1.9, indent=size * 2
    )
    if t.random() < 0.6:
        yy = cv.paragraph(
            m,
            yy,
            cv.w - 2 * m,
            [Seg(f"本证明仅用于{p['program']}项目申报。")],
            size,
            indent=size * 2,
        )
    cv.paragraph(m, yy, cv.w - 2 * m, [Seg("特此证明。")], size, indent=size * 2)
    sx, sy = cv.w - m - 520, yy + 420
    cv.text((sx, sy), unit, "body", cv.fit_size(unit, "body", size, 1000), (20, 20, 20), "ms")
    cv.text((sx, sy + size * 1.7), p["date"], "body", size, (20, 20, 20), "ms")
    seal(
        cv,
        t,
        unit,
        (sx + rng.uniform(-40, 40), sy + rng.uniform(-20, 20)),
        440,
        t.choice(("", "人事专用章")),
    )
    cv.text((m, cv.h - 300), _contact(t), "body", size * 0.8, (40, 40, 40), "ls")
    body = [
        (m, y + 400, cv.w - m, int(yy)),
        (int(sx - 500), int(sy - 250), int(sx + 500), int(sy + 150)),
    ]
    overprints.apply(cv, rng, facts, [], {"certified": 0.2, "page_no": 0.4, "fax": 0.15}, body)
    return finish(cv, "other", {}, "zaizhi_letterhead")


def render_form(person: Person, rng: random.Random, **facts) -> RenderedDoc:
    unit = _unit(rng, facts)
    cv, t = _page(unit, "form", bool(facts.get("text_layer")))
    p = _particulars(person, rng)
    y = _letterhead(cv, t, unit) if t.random() < 0.5 else 300
    cv.text(
        (cv.w / 2, y + 200),
        t.choice(("在职人员证明表", "职工在职证明")),
        "sans_bold",
        96,
        (20, 20, 20),
        "ms",
    )
    rows = [
        ("姓名", p["name"], "性别", p["gender"]),
        ("民族", p["ethnicity"], "入职时间", p["start_m"]),
        ("身份证号", p["id"], None, None),
        ("所在部门", p["dept"], "岗位", p["post"]),
        ("从事工种", p["occ"], "用工性质", t.choice(("合同制", "正式在编", "劳动合同制"))),
    ]
    x0, x1 = 200, cv.w - 200
    top = y + 380
    rh = 170
    d = cv.draw
    size = 56
    cols = (x0, x0 + 380, x0 + 1100, x0 + 1480, x1)
    for i, (l1, v1, l2, v2) in enumerate(rows):
        y0 = top + i * rh
        d.rectangle((x0, y0, x1, y0 + rh), outline=(30, 30, 30), width=3)
        d.line((cols[1], y0, cols[1], y0 + rh), fill=(30, 30, 30), width=3)
        cv.text(((cols[0] + cols[1]) / 2, y0 + rh * 0.62), l1, "sans", size, (20, 20, 20), "ms")
        cv.text((cols[1] + 30, y0 + rh * 0.62), v1, "body", size, (20, 20, 20), "ls")
        if l2:
            for c in (2, 3):
                d.line((cols[c], y0, cols[c], y0 + rh), fill=(30, 30, 30), width=3)
            cv.text(((cols[2] + cols[3]) / 2, y0 + rh * 0.62), l2, "sans", size, (20, 20, 20), "ms")
            cv.text(
                (cols[3] + 30, y0 + rh * 0.62),
                v2,
                "body",
                cv.fit_size(v2, "body", size, 560),
                (20, 20, 20),
                "ls",
            )
    y0 = top + len(rows) * rh
    d.rectangle((x0, y0, x1, y0 + 900), outline=(30, 30, 30), width=3)
    d.line((cols[1], y0, cols[1], y0 + 900), fill=(30, 30, 30), width=3)
    cv.text(((cols[0] + cols[1]) / 2, y0 + 450), "单位意见", "sans", size, (20, 20, 20), "ms")
    cv.paragraph(
        cols[1] + 40,
        y0 + 120,
        x1 - cols[1] - 80,
        [Seg("经核实，该同志为我单位在职职工，以上情况属实。")],
        size,
        indent=size * 2,
    )
    cv.text((x1 - 420, y0 + 680), "（盖章）", "body", size, (20, 20, 20), "ms")
    cv.text((x1 - 420, y0 + 800), p["date"], "body", size, (20, 20, 20), "ms")
    seal(cv, t, unit, (x1 - 420 + rng.uniform(-30, 30), y0 + 700), 430)
    table = [(x0, top, x1, y0 + 900)]
    overprints.apply(cv, rng, facts, [], {"page_no": 0.5, "use_only": 0.2}, table)
    return finish(cv, "other", {}, "zaizhi_form")


def render_hr_note(person: Person, rng: random.Random, **facts) -> RenderedDoc:
    unit = _unit(rng, facts)
    cv, t = _page(unit, "hr_note", bool(facts.get("text_layer")))
    p = _particulars(person, rng)
    cv.text((cv.w / 2, 520), "证　明", "serif_bold", 120, (20, 20, 20), "ms")
    size = t.uniform(62, 70)
    m = 300
    y = cv.paragraph(m, 800, cv.w - 2 * m, [Seg(t.choice(("致：", "")) + "有关单位：")], size)
    text = (
        f"{p['name']}，身份证号{p['id']}，{p['start_m']}至今在{unit}{p['dept']}工作，"
        f"岗位为{p['post']}。"
    )
    y = cv.paragraph(m, y + 40, cv.w - 2 * m, [Seg(text)], size, line_h=size * 2, indent=size * 2)
    y = cv.paragraph(m, y, cv.w - 2 * m, [Seg("特此证明。")], size, indent=size * 2)
    dept = t.choice(("人力资源部", "人事部", "组织人事部", "党群人事部"))
    sx, sy = cv.w - m - 450, y + 400
    cv.text(
        (sx, sy),
        f"{unit}{dept}" if t.random() < 0.5 else dept,
        "body",
        cv.fit_size(unit + dept, "body", size, 1300),
        (20, 20, 20),
        "ms",
    )
    cv.text((sx, sy + size * 1.7), p["date"], "body", size, (20, 20, 20), "ms")
    seal(cv, t, unit, (sx + rng.uniform(-40, 40), sy), 420, dept if len(dept) <= 5 else "")
    addr = (
        f"地址：{t.choice(('乌鲁木齐市', '昌吉市', '克拉玛依市', '石河子市'))}"
        f"{t.choice(('北京南路', '天山路', '准噶尔路', '世纪大道'))}{t.randint(1, 999)}号"
    )
    cv.text((m, cv.h - 330), addr, "body", 44, (60, 60, 60), "ls")
    cv.text((m, cv.h - 260), _contact(t), "body", 44, (60, 60, 60), "ls")
    body = [
        (m, 700, cv.w - m, int(y)),
        (int(sx - 650), int(sy - 250), int(sx + 650), int(sy + 150)),
    ]
    overprints.apply(cv, rng, facts, [], {"certified": 0.3, "use_only": 0.3, "fax": 0.2}, body)
    return finish(cv, "other", {}, "zaizhi_hr_note")


LAYOUTS = {
    "zaizhi_letterhead": render_letterhead,
    "zaizhi_form": render_form,
    "zaizhi_hr_note": render_hr_note,
}
