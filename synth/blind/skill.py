"""职业资格证书 (old national booklet, until 2019) and 职业技能等级证书 (from 2020).

Old booklets carry bilingual labels, inline (`姓名 Name`) or stacked (English under the
Chinese), scores, a 16-digit number and an issuer that is a 鉴定指导中心, a 人社厅/局 or an
industry's own centre; the level is written 高级技师, 国家职业资格一级 or 一级. New certificates
are printed by each evaluation body in its own layout: a college, an enterprise evaluating its
own staff (the company is the issuer), and an e-certificate screenshot; `二级/技师`, a
22-character number and a QR code.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from models.catalogue import SKILL_LEVEL_TO_GRADE
from synth import ornaments as orn
from synth import vocab
from synth.blind import overprints
from synth.blind.common import (
    GRADE_CN,
    TODAY,
    R,
    compose,
    finish,
    fit,
    fold_shadow,
    issue_date,
    names,
    plain_page,
    runs,
    runs_width,
    seal,
    seal_text,
    years_after,
)
from synth.canvas import Canvas, union
from synth.dates import fmt_date, fmt_month
from synth.documents import RenderedDoc
from synth.layouts import decorate, new_page, photo, qr
from synth.people import Person

OLD_ISSUERS = (  # (issuer, prefecture part of the number)
    ("新疆维吾尔自治区职业技能鉴定指导中心", "00"),
    ("新疆维吾尔自治区人力资源和社会保障厅", "00"),
    ("乌鲁木齐市职业技能鉴定指导中心", "01"),
    ("克拉玛依市人力资源和社会保障局", "02"),
    ("昌吉回族自治州职业技能鉴定指导中心", "23"),
    ("巴音郭楞蒙古自治州人力资源和社会保障局", "28"),
    ("阿克苏地区职业技能鉴定指导中心", "29"),
    ("伊犁哈萨克自治州人力资源和社会保障局", "40"),
    ("中国石油天然气集团公司职业技能鉴定指导中心", "02"),
    ("电力行业职业技能鉴定指导中心", "01"),
    ("化学工业职业技能鉴定指导中心", "23"),
    ("铁道行业职业技能鉴定指导中心", "01"),
)
EVAL_COLLEGES = (
    "新疆交通职业技术学院",
    "新疆轻工职业技术学院",
    "昌吉职业技术学院",
    "克拉玛依职业技术学院",
    "新疆技师学院",
    "乌鲁木齐技师学院",
    "新疆天山职业技术大学",
    "伊犁职业技术学院",
    "新疆红星职业技能培训学校",
    "巴音郭楞职业技术学院",
)
EVAL_COMPANIES = (
    "新疆天业（集团）有限公司",
    "新疆中泰化学股份有限公司",
    "特变电工股份有限公司",
    "新疆八一钢铁股份有限公司",
    "国网新疆电力有限公司",
    "中国石油新疆油田分公司",
    "新疆金风科技股份有限公司",
    "新疆众和股份有限公司",
    "新疆其亚铝电有限公司",
)
LOOKUP = ("http://zscx.osta.org.cn", "技能人才评价证书全国联网查询", "http://www.xjrs.gov.cn")


@dataclass
class Skill:
    name: str
    name_truth: str
    level: str
    grade: int
    occupation: str
    direction: str
    issue: dt.date
    issuer: str
    cert_no: str
    kind: str  # Y / S for new certificates, "" for old ones


# Youngest age at which each level is usually reached (years of work the rules ask for).
MIN_AGE = {"初级工": 18, "中级工": 20, "高级工": 22, "技师": 26, "高级技师": 30, "特级技师": 35}
LADDER = tuple(MIN_AGE)


def _level(
    rng: random.Random, facts: dict, person: Person, hi: dt.date, ladder=(8, 12, 25, 30, 25)
) -> tuple[str, int, dt.date]:
    """(level, grade, earliest issue date): a random level the holder is old enough for."""
    level = facts.get("skill_level") or rng.choices(LADDER[: len(ladder)], weights=ladder)[0]
    if "skill_level" not in facts:
        while level != LADDER[0] and years_after(person.birth, MIN_AGE[level]) > hi:
            level = LADDER[LADDER.index(level) - 1]
    earliest = years_after(person.birth, MIN_AGE.get(level, 18))
    return level, SKILL_LEVEL_TO_GRADE.get(level, 0), earliest


def old_number(rng: random.Random, year: int, pref2: str, grade: int) -> str:
    return (
        f"{year % 100:02d}65{pref2}{rng.randrange(5)}{rng.randrange(1000):03d}"
        f"{grade}{rng.randrange(10**5):05d}"
    )


def new_number(rng: random.Random, kind: str, year: int, grade: int) -> str:
    org = "0000" if rng.random() < 0.4 else f"{rng.randrange(1, 10000):04d}"
    site, serial = rng.randrange(10**6), rng.randrange(10**6)
    if grade == 0:  # 特级技师: two capital letters, no level digit (domain.md)
        return f"{kind}T{org}65{site:06d}{year % 100:02d}{serial:06d}"
    return f"{kind}{org}65{site:06d}{year % 100:02d}{grade}{serial:06d}"


def _old(person: Person, rng: random.Random, facts: dict) -> tuple[Skill, str]:
    level, grade, earliest = _level(rng, facts, person, dt.date(2019, 12, 31))
    lo = max(earliest, dt.date(1998, 1, 1))
    issue = issue_date(rng, facts, lo, dt.date(2019, 12, 31))
    issuer, pref2 = rng.choice(OLD_ISSUERS)
    if issue.year < 2008:
        issuer = issuer.replace("人力资源和社会保障", "劳动和社会保障")
    issuer = facts.get("issuer", issuer)
    occ = facts.get("occupation") or rng.choice(list(vocab.OCCUPATIONS))
    work = rng.choice(vocab.OCCUPATIONS.get(occ, ("",)))
    occ = facts.get("occupation") or work or occ  # old booklets print the 工种 when there is one
    cert_no = facts.get("cert_no") or old_number(rng, issue.year, pref2, grade)
    name, truth = names(person, rng, facts)
    g = GRADE_CN[grade]
    printed = rng.choice((level, f"国家职业资格{g}", g, f"{g}（{level}）", f"国家职业资格{g}"))
    return Skill(name, truth, level, grade, occ, "", issue, issuer, cert_no, ""), printed


def _new(person: Person, rng: random.Random, facts: dict, kind: str, issuer: str) -> Skill:
    ladder = (4, 10, 26, 32, 22, 6) if kind == "Y" else (8, 12, 25, 30, 25)
    level, grade, earliest = _level(rng, facts, person, TODAY, ladder)
    lo = max(earliest, dt.date(2020, 9, 1))
    issue = issue_date(rng, facts, lo, TODAY)
    occ = facts.get("occupation") or rng.choice(list(vocab.OCCUPATIONS))
    direction = rng.choice(vocab.OCCUPATIONS.get(occ, ("",))) or "--"
    issuer = facts.get("issuer", issuer)
    cert_no = facts.get("cert_no") or new_number(rng, kind, issue.year, grade)
    name, truth = names(person, rng, facts)
    return Skill(name, truth, level, grade, occ, direction, issue, issuer, cert_no, kind)


def _new_level_text(rng: random.Random, sk: Skill) -> str:
    if sk.grade == 0:
        return sk.level
    g = GRADE_CN[sk.grade]
    return rng.choice(
        (f"{g}/{sk.level}", f"{g}/{sk.level}", f"{g}／{sk.level}", f"{sk.level}（{g}）")
    )


def _old_fields(person: Person, sk: Skill, birth: str, with_id: bool) -> dict[str, str]:
    f = {
        "name": sk.name_truth,
        "gender": person.gender,
        "birth_date": birth,
        "occupation": sk.occupation,
        "skill_level": sk.level,
        "cert_no": sk.cert_no,
        "issue_date": sk.issue.isoformat(),
        "issuer": sk.issuer,
    }
    if with_id:
        f["id_number"] = person.id_number
    return f


def _new_fields(sk: Skill, id_number: str | None) -> dict[str, str]:
    f = {
        "name": sk.name_truth,
        "occupation": sk.occupation,
        "skill_level": sk.level,
        "cert_no": sk.cert_no,
        "issue_date": sk.issue.isoformat(),
        "issuer": sk.issuer,
    }
    if id_number:
        f["id_number"] = id_number
    return f


def _birth(rng: random.Random, person: Person) -> tuple[str, str, str]:
    """(label zh, printed value, truth) for 出生年月 or 出生日期."""
    if rng.random() < 0.7:
        style = rng.choice(("arabic", "arabic_pad", "dot", "cn"))
        return "出生年月", fmt_month(person.birth, style), person.birth_date[:7]
    style = rng.choice(("arabic", "arabic_pad", "dot"))
    return "出生日期", fmt_date(person.birth, style), person.birth_date


def _old_date(rng: random.Random, d: dt.date) -> str:
    return fmt_date(d, rng.choice(("arabic", "arabic_pad", "cn", "dot", "arabic")))


# ---------------------------------------------------------------------------------------
# bilingual labels


def bi_label(
    cv: Canvas,
    x: float,
    y: float,
    zh: str,
    en: str,
    size: float,
    color,
    stacked: bool,
    en_ratio: float = 0.55,
) -> float:
    """`zh en` on one baseline, or `en` under `zh`; returns the right edge of the label."""
    b = cv.text((x, y), zh, "label", size, color, "ls")
    es = size * en_ratio
    if not en:
        return b[2]
    if stacked:
        e = cv.text((x, y + es * 1.45), en, "latin", es, color, "ls")
        return max(b[2], e[2])
    e = cv.text((b[2] + size * 0.3, y), en, "latin", es, color, "ls")
    return e[2]


def _value(
    cv: Canvas,
    x: float,
    y: float,
    text: str,
    key: str | None,
    size: float,
    max_w: float,
    role: str = "value",
    fill=(15, 15, 15),
) -> None:
    s = cv.fit_size(text, role, size, max_w, 0.5)
    cv.text((x, y), text, role, s, fill, "ls", key)


# ---------------------------------------------------------------------------------------
# old booklets


def render_old_spread_inline(person: Person, rng: random.Random, **facts) -> RenderedDoc:
    """Booklet opened flat: photo and person left, qualification right; `姓名 Name` labels."""
    sk, printed = _old(person, rng, facts)
    tl = bool(facts.get("text_layer"))
    cv, st = new_page(rng, True, tl, rng.choice(("green", "red", "brown")), size=(2700, 1860))
    ib = decorate(cv, st, rng, kind=rng.choice(("band", "plain")), margin=rng.uniform(40, 70))
    fold_shadow(cv, rng)
    half = cv.w / 2
    lab = st.label_color
    size = rng.uniform(44, 52)
    # left page
    pw = rng.uniform(300, 350)
    px, py = ib[0] + (half - ib[0]) / 2 - pw / 2, ib[1] + 90
    photo(cv, (px, py, px + pw, py + pw * 1.4), rng, female=person.gender == "女")
    cv.add_overlay(
        orn.steel_seal(rng, seal_text(sk.issuer), int(pw * 0.85)), (px + pw * 0.9, py + pw * 1.3)
    )
    bl, bv, btruth = _birth(rng, person)
    with_id = rng.random() < 0.75
    left = [
        ("姓名", "Name", sk.name, "name", "name"),
        ("性别", "Sex", person.gender, "gender", "value"),
        (bl, "Date of Birth", bv, "birth_date", "value"),
    ]
    if with_id:
        left.append(("身份证号", "ID No.", person.id_number, "id_number", "number"))
    x0 = ib[0] + 90
    y = py + pw * 1.4 + 150
    lh = min(size * 2.6, (ib[3] - y - 20) / len(left))
    col = (
        x0
        + cv.measure("身份证号", "label", size)
        + cv.measure(" Date of Birth", "latin", size * 0.55)
        + 40
    )
    for zh, en, val, key, role in left:
        bi_label(cv, x0, y, zh, en, size, lab, False)
        _value(cv, col, y, val, key, size * 1.05, half - 60 - col, role)
        y += lh
    # right page
    rx = half + 100
    y = ib[1] + 130
    if rng.random() < 0.5:
        cv.text(
            (half + (ib[2] - half) / 2, y),
            "职业资格证书",
            "title",
            size * 1.5,
            st.title_color,
            "ms",
        )
        y += size * 2.2
    split = rng.random() < 0.65
    right: list[tuple[str, str, list[R]]] = []
    if split:
        right.append(("职业（工种）", "Occupation", [R(sk.occupation, "occupation", "value")]))
        right.append(("等级", "Level", [R(printed, "skill_level", "value")]))
    else:
        right.append(
            (
                "职业（工种）及等级",
                "Occupation & Level",
                [
                    R(sk.occupation, "occupation", "value"),
                    R("  "),
                    R(printed, "skill_level", "value"),
                ],
            )
        )
    right += [
        ("理论知识考试成绩", "Theory", [R(str(rng.randint(60, 97)), None, "value")]),
        ("操作技能考核成绩", "Skill", [R(str(rng.randint(60, 98)), None, "value")]),
        ("评定成绩", "Result", [R(rng.choice(("合格", "良好", "优秀")), None, "value")]),
        ("证书编号", "Certificate No.", [R(sk.cert_no, "cert_no", "number")]),
        ("发证机关", "Issued by", [R(sk.issuer, "issuer", "value")]),
        ("发证日期", "Date of Issue", [R(_old_date(rng, sk.issue), "issue_date", "value")]),
    ]
    lh = min(size * 2.5, (ib[3] - y - 30) / len(right))
    for zh, en, parts in right:
        end = bi_label(cv, rx, y, zh, en, size, lab, False)
        avail = ib[2] - 50 - end - size * 0.6
        if runs_width(cv, parts, size * 1.05) * 0.75 > avail:  # too long: under its label
            y += size * 1.5
            end, avail = rx + size * 1.4, ib[2] - 50 - rx - size * 2
        runs(cv, end + size * 0.6, y, parts, fit(cv, parts, size * 1.05, avail), st.value_color)
        y += lh
    seal(
        cv,
        rng,
        sk.issuer,
        (
            cv.boxes["issuer"][0] + rng.uniform(150, 400),
            (cv.boxes["issuer"][1] + cv.boxes["issue_date"][3]) / 2,
        ),
        rng.uniform(330, 400),
        rng.choice(("职业技能鉴定专用章", "")),
    )
    fields = _old_fields(person, sk, btruth, with_id)
    return finish(cv, "skill_certificate", fields, "old_spread_inline")


def render_old_vertical_stacked(person: Person, rng: random.Random, **facts) -> RenderedDoc:
    """Booklet opened upwards: holder on the top page, results below; English under Chinese."""
    sk, printed = _old(person, rng, facts)
    tl = bool(facts.get("text_layer"))
    cv, st = new_page(rng, False, tl, rng.choice(("red", "plain", "blue")), size=(1900, 2700))
    ib = decorate(cv, st, rng, kind=rng.choice(("frame", "band", "plain")), margin=50)
    fold_shadow(cv, rng, vertical=False)
    half = cv.h / 2
    lab = st.label_color
    size = rng.uniform(44, 50)
    pw = rng.uniform(300, 340)
    px, py = ib[0] + 70, ib[1] + 110
    photo(
        cv,
        (px, py, px + pw, py + pw * 1.4),
        rng,
        female=person.gender == "女",
        background=(250, 250, 250),
    )
    cv.add_overlay(
        orn.steel_seal(rng, seal_text(sk.issuer), int(pw * 0.9)), (px + pw, py + pw * 1.35)
    )
    bl, bv, btruth = _birth(rng, person)
    with_id = rng.random() < 0.8
    rows = [
        ("姓　　名", "Name", sk.name, "name", "name"),
        ("性　　别", "Sex", person.gender, "gender", "value"),
        (bl, "Date of Birth", bv, "birth_date", "value"),
    ]
    if with_id:
        rows.append(("身份证号", "ID No.", person.id_number, "id_number", "number"))
    lx = px + pw + 110
    vx = lx + cv.measure("出生年月", "label", size) + 60
    y = py + 60
    lh = min(size * 3.6, (half - 80 - y) / len(rows))
    for zh, en, val, key, role in rows:
        bi_label(cv, lx, y, zh, en, size, lab, True, 0.5)
        _value(cv, vx, y, val, key, size * 1.08, ib[2] - 40 - vx, role)
        y += lh
    level_zh = rng.choice(("等级", "职业资格等级", "级别"))
    rows2 = [
        ("职业（工种）", "Occupation", sk.occupation, "occupation", "value"),
        (level_zh, "Level", printed, "skill_level", "value"),
        ("理论知识考试成绩", "Theoretical Knowledge Test", str(rng.randint(60, 97)), None, "value"),
        ("操作技能考核成绩", "Operational Skill Test", str(rng.randint(60, 98)), None, "value"),
        ("评定成绩", "Appraisal Result", rng.choice(("合格", "良好", "优秀")), None, "value"),
        ("证书编号", "Certificate No.", sk.cert_no, "cert_no", "number"),
        ("发证机关", "Issued by", sk.issuer, "issuer", "value"),
        ("发证日期", "Date of Issue", _old_date(rng, sk.issue), "issue_date", "value"),
    ]
    lx = ib[0] + 80
    vx = lx + cv.measure("理论知识考试成绩", "label", size) + 70
    y = half + 130
    lh = min(size * 2.75, (ib[3] - 40 - y) / len(rows2))
    for zh, en, val, key, role in rows2:
        bi_label(cv, lx, y, zh, en, size, lab, True, 0.45)
        _value(cv, vx, y, val, key, size * 1.05, ib[2] - 40 - vx, role)
        y += lh
    target = union(cv.boxes["issuer"], cv.boxes["issue_date"])
    seal(
        cv,
        rng,
        sk.issuer,
        (target[0] + rng.uniform(100, 350), (target[1] + target[3]) / 2),
        rng.uniform(330, 390),
        rng.choice(("职业技能鉴定专用章", "", "职业资格证书专用章")),
    )
    fields = _old_fields(person, sk, btruth, with_id)
    return finish(cv, "skill_certificate", fields, "old_vertical_stacked")


def render_old_grid_sheet(person: Person, rng: random.Random, **facts) -> RenderedDoc:
    """One landscape sheet: national heading in two languages, the certifying sentence, and a
    ruled grid whose cells hold the Chinese label over the English one."""
    sk, printed = _old(person, rng, facts)
    tl = bool(facts.get("text_layer"))
    cv, st = new_page(rng, True, tl, rng.choice(("gold", "red", "blue")))
    ib = decorate(cv, st, rng, kind=rng.choice(("guilloche", "frame")))
    cx = cv.w / 2
    y = ib[1] + 150
    cv.spaced((cx, y), "中华人民共和国", "title", 70, 30, st.title_color, "m")
    y += 170
    cv.spaced((cx, y), "职业资格证书", "title", 130, 40, st.title_color, "m")
    y += 90
    cv.text(
        (cx, y),
        "OCCUPATIONAL QUALIFICATION CERTIFICATE OF THE PEOPLE'S REPUBLIC OF CHINA",
        "latin_serif",
        38,
        st.title_color,
        "ms",
    )
    y += 90
    cv.text(
        (cx, y),
        "本证书表明持证人通过按国家职业标准组织的职业技能鉴定，取得这一职业资格。",
        "body",
        44,
        (40, 40, 40),
        "ms",
    )
    y += 60
    cv.text(
        (cx, y),
        "This is to certify that the bearer has passed the vocational skill testing "
        "and obtained this occupational qualification.",
        "latin_serif",
        30,
        (60, 60, 60),
        "ms",
    )
    bl, bv, btruth = _birth(rng, person)
    cells = [
        ("姓名", "Name", [R(sk.name, "name", "name")]),
        ("性别", "Sex", [R(person.gender, "gender", "value")]),
        (bl, "Date of Birth", [R(bv, "birth_date", "value")]),
        ("身份证号", "ID No.", [R(person.id_number, "id_number", "number")]),
        (
            "职业（工种）及等级",
            "Occupation & Level",
            [R(sk.occupation, "occupation", "value"), R("  "), R(printed, "skill_level", "value")],
        ),
        ("评定成绩", "Appraisal Result", [R(rng.choice(("合格", "良好")), None, "value")]),
        ("证书编号", "Certificate No.", [R(sk.cert_no, "cert_no", "number")]),
        ("发证日期", "Date of Issue", [R(_old_date(rng, sk.issue), "issue_date", "value")]),
    ]
    x0, x1 = ib[0] + 80, ib[2] - 80
    top = y + 70
    bottom = ib[3] - 330
    pw = (x1 - x0) * 0.16
    gx1 = x1 - pw - 30
    nrow = 4
    rh = (bottom - top) / nrow
    colw = (gx1 - x0) / 2
    lw = colw * 0.36
    g = st.grid_color
    d = cv.draw
    d.rectangle((x0, top, gx1, bottom), outline=g, width=4)
    for r in range(1, nrow):
        d.line((x0, top + r * rh, gx1, top + r * rh), fill=g, width=2)
    for c in range(2):
        d.line((x0 + c * colw + lw, top, x0 + c * colw + lw, bottom), fill=g, width=2)
    d.line((x0 + colw, top, x0 + colw, bottom), fill=g, width=3)
    size = rng.uniform(40, 46)
    order = [0, 1, 2, 3, 4, 5, 6, 7]
    for i, idx in enumerate(order):
        zh, en, parts = cells[idx]
        c, r = divmod(i, nrow)
        cx0, cy0 = x0 + c * colw, top + r * rh
        zs = cv.fit_size(zh, "label", size, lw - 30, 0.6)
        bi_label(cv, cx0 + 16, cy0 + rh * 0.45, zh, en, zs, st.label_color, True, 0.5)
        avail = colw - lw - 40
        vs = fit(cv, parts, size * 1.1, avail)
        keyed = [p for p in parts if p.key]
        if vs < size * 0.8 and len(keyed) > 1:  # occupation over level, two lines in the cell
            for i, p in enumerate(keyed):
                ps = fit(cv, [p], size * 1.05, avail)
                runs(cv, cx0 + lw + 20, cy0 + rh * (0.42 + 0.36 * i), [p], ps, st.value_color)
        else:
            runs(cv, cx0 + lw + 20, cy0 + rh * 0.62, parts, vs, st.value_color)
    photo(cv, (x1 - pw, top, x1, top + pw * 1.4), rng, female=person.gender == "女")
    # issuer as a signature line under the grid, seal over it
    ix = x1 - 40
    by = bottom + 120
    bi_label(cv, ix - 1100, by, "发证机关", "Issued by", size, st.label_color, True, 0.5)
    runs(cv, ix, by, [R(sk.issuer, "issuer", "value")], size * 1.1, st.value_color, "r")
    seal(
        cv,
        rng,
        sk.issuer,
        (ix - 350, by - 20),
        rng.uniform(360, 420),
        rng.choice(("职业技能鉴定专用章", "")),
    )
    ministry = "人力资源和社会保障部印制" if sk.issue.year >= 2008 else "劳动和社会保障部监制"
    cv.text((ib[0] + 80, ib[3] - 40), "中华人民共和国" + ministry, "body", 34, (90, 90, 90), "ls")
    fields = _old_fields(person, sk, btruth, True)
    return finish(cv, "skill_certificate", fields, "old_grid_sheet")


# ---------------------------------------------------------------------------------------
# new certificates, one layout per kind of evaluation body


def _emblem(cv: Canvas, cx: float, cy: float, r: float, color, text: str) -> None:
    d = cv.draw
    d.ellipse((cx - r, cy - r, cx + r, cy + r), outline=color, width=max(3, int(r / 12)))
    d.ellipse((cx - r * 0.78, cy - r * 0.78, cx + r * 0.78, cy + r * 0.78), outline=color, width=2)
    cv.text((cx, cy + r * 0.22), text[:2], "sans_bold", r * 0.7, color, "ms")


def render_new_college(person: Person, rng: random.Random, **facts) -> RenderedDoc:
    """Landscape certificate of a college or training school (social evaluation body)."""
    org = rng.choice(EVAL_COLLEGES)
    sk = _new(person, rng, facts, "S", org)
    tl = bool(facts.get("text_layer"))
    cv, st = new_page(rng, True, tl, rng.choice(("blue", "gold", "green")))
    ib = decorate(cv, st, rng, kind=rng.choice(("guilloche", "frame", "band")))
    acc = st.palette["accent"]
    _emblem(cv, ib[0] + 150, ib[1] + 140, 80, acc, sk.issuer)
    cv.text((ib[0] + 260, ib[1] + 160), sk.issuer, "sans_bold", 46, acc, "ls")
    y = ib[1] + 360
    cv.spaced((cv.w / 2, y), "职业技能等级证书", "title", 140, 36, st.title_color, "m")
    cv.text(
        (cv.w / 2, y + 90), "VOCATIONAL SKILL LEVEL CERTIFICATE", "latin", 40, st.title_color, "ms"
    )
    pw = rng.uniform(330, 380)
    px, py = ib[0] + 140, y + 200
    photo(
        cv,
        (px, py, px + pw, py + pw * 1.4),
        rng,
        female=person.gender == "女",
        background=(67, 142, 219),
    )
    size = rng.uniform(50, 58)
    rows = [
        ("姓　　名", [R(sk.name, "name", "name")]),
        ("证件类型", [R("居民身份证", None, "value")]),
        ("证件号码", [R(person.id_number, "id_number", "number")]),
        ("职业名称", [R(sk.occupation, "occupation", "value")]),
        ("工种/职业方向", [R(sk.direction, None, "value")]),
        ("职业技能等级", [R(_new_level_text(rng, sk), "skill_level", "value")]),
        ("证书编号", [R(sk.cert_no, "cert_no", "number")]),
        (
            "发证日期",
            [
                R(
                    fmt_date(sk.issue, rng.choice(("arabic_pad", "arabic", "cn"))),
                    "issue_date",
                    "value",
                )
            ],
        ),
    ]
    lx = px + pw + 150
    vx = lx + cv.measure("工种/职业方向：", "label", size) + 30
    lh = min(size * 2.15, (ib[3] - 260 - py) / len(rows))
    yy = py + size
    for lab, parts in rows:
        cv.text((lx, yy), lab + "：", "label", size, st.label_color, "ls")
        runs(cv, vx, yy, parts, fit(cv, parts, size * 1.05, ib[2] - 120 - vx), st.value_color)
        yy += lh
    qs = 250
    qx, qy = ib[0] + 140, ib[3] - qs - 90
    qr(cv, qx, qy, qs, rng, None)
    cv.text((qx + qs + 40, qy + qs * 0.45), "扫码查验证书真伪", "body", 36, (70, 70, 70), "ls")
    cv.text(
        (qx + qs + 40, qy + qs * 0.45 + 60),
        "查询网址：" + rng.choice(LOOKUP),
        "body",
        34,
        (70, 70, 70),
        "ls",
    )
    sx = ib[2] - 520
    sy = ib[3] - 150
    cv.text((sx, sy), "评价机构（盖章）：", "label", size * 0.9, st.label_color, "rs")
    runs(
        cv,
        sx,
        sy,
        [R(sk.issuer, "issuer", "value")],
        fit(cv, [R(sk.issuer)], size, 700),
        st.value_color,
        "l",
    )
    b = cv.boxes["issuer"]
    seal(
        cv,
        rng,
        sk.issuer,
        ((b[0] + b[2]) / 2, b[1] - 40),
        rng.uniform(380, 440),
        rng.choice(("职业技能等级认定专用章", "技能等级认定专用章")),
    )
    fields = _new_fields(sk, person.id_number)
    return finish(cv, "skill_certificate", fields, "new_college")


def render_new_enterprise(person: Person, rng: random.Random, **facts) -> RenderedDoc:
    """企业自主评价: a company certifies its own staff; the company is the issuer."""
    company = rng.choice(EVAL_COMPANIES)
    sk = _new(person, rng, facts, "Y", company)  # enterprises also certify 特级技师 (2022)
    tl = bool(facts.get("text_layer"))
    cv, st = new_page(rng, False, tl, rng.choice(("red", "blue", "plain")))
    ib = decorate(cv, st, rng, kind=rng.choice(("frame", "plain", "band")))
    acc = st.palette["accent"]
    cv.draw.rectangle((ib[0], ib[1], ib[2], ib[1] + 230), fill=acc)
    _emblem(cv, ib[0] + 140, ib[1] + 115, 75, (255, 255, 255), sk.issuer)
    cv.text((ib[0] + 250, ib[1] + 105), sk.issuer, "sans_bold", 62, (255, 255, 255), "ls")
    cv.text((ib[0] + 250, ib[1] + 180), "企业技能人才自主评价", "sans", 44, (255, 240, 240), "ls")
    cv.spaced((cv.w / 2, ib[1] + 520), "职业技能等级证书", "title", 150, 30, st.title_color, "m")
    size = rng.uniform(52, 60)
    x0, x1 = ib[0] + 120, ib[2] - 120
    top = ib[1] + 700
    cells = [
        ("姓名", [R(sk.name, "name", "name")]),
        ("证件类型", [R("居民身份证", None, "value")]),
        ("证件号码", [R(person.id_number, "id_number", "number")]),
        ("职业名称", [R(sk.occupation, "occupation", "value")]),
        ("工种/职业方向", [R(sk.direction, None, "value")]),
        ("职业技能等级", [R(_new_level_text(rng, sk), "skill_level", "value")]),
        ("证书编号", [R(sk.cert_no, "cert_no", "number")]),
        ("评价机构", [R(sk.issuer, "issuer", "value")]),
        (
            "发证日期",
            [
                R(
                    fmt_date(sk.issue, rng.choice(("arabic_pad", "dash", "arabic"))),
                    "issue_date",
                    "value",
                )
            ],
        ),
    ]
    rh = size * rng.uniform(2.6, 3.1)
    lw = (x1 - x0) * 0.3
    pw = (x1 - x0) * 0.26
    d = cv.draw
    g = st.grid_color
    bottom = top + rh * len(cells)
    d.rectangle((x0, top, x1, bottom), outline=g, width=5)
    d.line((x0 + lw, top, x0 + lw, bottom), fill=g, width=2)
    for i, (lab, parts) in enumerate(cells):
        y0 = top + i * rh
        right = x1 - pw if i < 5 else x1
        if i:
            d.line((x0, y0, right if i < 5 else x1, y0), fill=g, width=2)
        cv.text((x0 + lw / 2, y0 + rh * 0.62), lab, "label", size * 0.95, st.label_color, "ms")
        avail = right - x0 - lw - 60
        runs(cv, x0 + lw + 30, y0 + rh * 0.62, parts, fit(cv, parts, size, avail), st.value_color)
    d.line((x1 - pw, top, x1 - pw, top + rh * 5), fill=g, width=2)
    d.line((x1 - pw, top + rh * 5, x1, top + rh * 5), fill=g, width=2)
    ph = rh * 5 * 0.84
    pcx, pcy = x1 - pw / 2, top + rh * 2.5
    photo(
        cv,
        (pcx - ph / 2.8, pcy - ph / 2, pcx + ph / 2.8, pcy + ph / 2),
        rng,
        female=person.gender == "女",
        background=(250, 250, 250),
    )
    note = (
        f"本证书由{sk.issuer}依据国家职业技能标准组织评价，经考核合格，"
        "按规定备案，可在技能人才评价证书全国联网查询系统查询。"
    )
    cv.paragraph(x0, bottom + 140, x1 - x0 - 400, [_seg(note)], 40, indent=80)
    qr(cv, x1 - 330, bottom + 80, 300, rng, "扫一扫 查真伪")
    b, d8 = cv.boxes["issuer"], cv.boxes["issue_date"]
    seal(
        cv,
        rng,
        sk.issuer,
        (b[2] - rng.uniform(0, 150), (b[3] + d8[3]) / 2 + 40),
        rng.uniform(360, 420),
        "职业技能等级认定专用章",
    )
    fields = _new_fields(sk, person.id_number)
    return finish(cv, "skill_certificate", fields, "new_enterprise")


def _seg(text: str):
    from synth.canvas import Seg

    return Seg(text)


def render_new_e_screenshot(person: Person, rng: random.Random, **facts) -> RenderedDoc:
    """A phone screenshot of the e-certificate page of a look-up app; the ID may be masked."""
    org = rng.choice(EVAL_COLLEGES + EVAL_COMPANIES[:4])
    kind = "Y" if org in EVAL_COMPANIES else "S"
    sk = _new(person, rng, facts, kind, org)
    cv = plain_page(rng, (1080, 2340), bool(facts.get("text_layer")), (244, 245, 247))
    d = cv.draw
    blue = rng.choice(((22, 119, 255), (210, 50, 45), (20, 140, 120)))
    d.rectangle((0, 0, cv.w, 90), fill=(255, 255, 255))
    cv.text((60, 62), f"{rng.randint(8, 22)}:{rng.randint(0, 59):02d}", "latin", 36, (0, 0, 0))
    cv.text((cv.w - 60, 62), f"{rng.randint(20, 99)}%", "latin", 32, (0, 0, 0), "rs")
    d.rectangle((0, 90, cv.w, 230), fill=(255, 255, 255))
    cv.text(
        (cv.w / 2, 180),
        rng.choice(("证书详情", "电子证书", "我的证书")),
        "sans_bold",
        50,
        (20, 20, 20),
        "ms",
    )
    cv.text((50, 180), "〈", "sans", 50, (20, 20, 20), "ls")
    # thumbnail of the certificate
    tx0, ty0, tx1, ty1 = 60, 270, cv.w - 60, 900
    d.rounded_rectangle(
        (tx0, ty0, tx1, ty1), 24, fill=(255, 252, 240), outline=(210, 180, 120), width=4
    )
    cv.text((cv.w / 2, ty0 + 150), "职业技能等级证书", "serif_bold", 72, (160, 30, 30), "ms")
    photo(cv, (tx0 + 60, ty0 + 220, tx0 + 260, ty0 + 500), rng, female=person.gender == "女")
    for i in range(6):
        d.line(
            (tx0 + 320, ty0 + 250 + i * 50, tx1 - 80, ty0 + 250 + i * 50),
            fill=(225, 215, 200),
            width=14,
        )
    qr(cv, tx1 - 200, ty1 - 200, 150, rng)
    masked = rng.random() < 0.4
    idn = person.id_number
    shown_id = idn[:6] + "********" + idn[-4:] if masked else idn
    rows = [
        ("姓名", R(sk.name, "name", "name")),
        ("证件类型", R("居民身份证", None, "value")),
        ("证件号码", R(shown_id, None if masked else "id_number", "number")),
        ("职业名称", R(sk.occupation, "occupation", "value")),
        ("工种/职业方向", R(sk.direction, None, "value")),
        ("职业技能等级", R(_new_level_text(rng, sk), "skill_level", "value")),
        ("证书编号", R(sk.cert_no, "cert_no", "number")),
        ("评价机构", R(sk.issuer, "issuer", "value")),
        (
            "发证日期",
            R(fmt_date(sk.issue, rng.choice(("dash", "arabic_pad"))), "issue_date", "value"),
        ),
    ]
    y = 960
    rh = 122
    d.rectangle((0, y - 20, cv.w, y + rh * len(rows) + 10), fill=(255, 255, 255))
    for lab, part in rows:
        cv.text((60, y + 70), lab, "sans", 38, (120, 120, 120), "ls")
        s = fit(cv, [part], 40, cv.w - 60 - 360)
        runs(cv, cv.w - 60, y + 70, [part], s, (25, 25, 25), "r")
        d.line((60, y + rh, cv.w - 60, y + rh), fill=(235, 235, 235), width=2)
        y += rh
    cv.text(
        (cv.w / 2, y + 90), "数据来源：" + rng.choice(LOOKUP), "sans", 30, (150, 150, 150), "ms"
    )
    d.rounded_rectangle((120, cv.h - 220, cv.w - 120, cv.h - 110), 50, fill=blue)
    cv.text((cv.w / 2, cv.h - 148), "下载证书", "sans", 44, (255, 255, 255), "ms")
    fields = _new_fields(sk, None if masked else idn)
    return finish(cv, "skill_certificate", fields, "new_e_screenshot")


def render_two_up_old(person: Person, rng: random.Random, **facts) -> RenderedDoc:
    """Two certificates of the holder copied side by side on one landscape A4: the old
    booklet opened upwards at the left, a newer certificate at the right (regions)."""
    own = {k: v for k, v in facts.items() if k not in ("text_layer", "overprints")}
    left = render_old_vertical_stacked(person, random.Random(rng.random()), **own)
    keep = {k: v for k, v in facts.items() if k == "name"}  # a copy: pasted as images
    right = render_new_college(person, random.Random(rng.random()), **keep)
    cv = plain_page(rng, (3508, 2480))
    regions = compose(cv, [left, right], rng, [rng.uniform(1900, 2250), 2000], rng.uniform(50, 120))
    cv.boxes.update(regions[0].field_boxes)
    truth = [b for r in regions for b in r.field_boxes.values()]
    over = {"certified": 0.5, "use_only": 0.3, "page_no": 0.4}
    overprints.apply(cv, rng, facts, truth, over, [r.bbox for r in regions])
    return finish(cv, "skill_certificate", regions[0].fields, "two_up_old_new", regions=regions)


LAYOUTS = {
    "old_spread_inline": render_old_spread_inline,
    "old_vertical_stacked": render_old_vertical_stacked,
    "old_grid_sheet": render_old_grid_sheet,
    "new_college": render_new_college,
    "new_enterprise": render_new_enterprise,
    "new_e_screenshot": render_new_e_screenshot,
    "two_up_old_new": render_two_up_old,
}
