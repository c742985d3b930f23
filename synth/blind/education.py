"""毕业证书 and 学位证书: the facts sit in one sentence.

The heading (`普通高等学校毕业证书`, `中等职业学校毕业证书`, `成人高等教育毕业证书`) names the
kind of school, not the school; the school is named at the bottom, or only in its round seal,
and a 监制 line names the education department (not the school either). 学位证书 names the
school inside the sentence and is signed by its 学位评定委员会.
"""

from __future__ import annotations

import datetime as dt
import random

from synth import vocab
from synth.blind import overprints
from synth.blind.common import R, finish, fit, names, runs, seal
from synth.canvas import Seg, union
from synth.dates import cn_number, fmt_date, fmt_month
from synth.documents import RenderedDoc
from synth.layouts import decorate, new_page, photo
from synth.people import GIVEN_MALE, SURNAMES, Person

YEARS = {"中专": 3, "高中": 3, "大专": 3, "本科": 4, "硕士研究生": 3, "博士研究生": 4}
AGE = {"中专": 18, "高中": 18, "大专": 21, "本科": 22, "硕士研究生": 25, "博士研究生": 29}
DEGREE = {"本科": "学士", "硕士研究生": "硕士", "博士研究生": "博士"}
DEGREE_DIGIT = {"学士": "4", "硕士": "3", "博士": "2"}
SECONDARY_SCHOOLS = (
    "新疆化工学校",
    "新疆石油学校",
    "昌吉州职业技术学校",
    "乌鲁木齐市第一职业中等专业学校",
    "新疆机电职业技术学校",
    "伊犁州职业技术学校",
    "喀什地区职业技术学校",
    "新疆农业学校",
)
ADULT_FORMS = ("函授", "业余", "脱产")


def _signer(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN_MALE) + rng.choice(("", rng.choice(GIVEN_MALE)))


def _grad(person: Person, rng: random.Random, facts: dict, edu: str) -> dt.date:
    if "issue_date" in facts:
        return dt.date.fromisoformat(facts["issue_date"])
    year = min(person.birth.year + AGE[edu] + rng.choice((0, 0, 1, 2, 5)), 2025)
    return dt.date(year, rng.choice((6, 7, 7)), rng.choice((1, 10, 15, 20, 30)))


def _school(rng: random.Random, facts: dict, edu: str) -> tuple[str, str]:
    if edu in ("本科", "硕士研究生", "博士研究生"):
        school, code = rng.choice(vocab.UNIVERSITIES)
    elif edu == "大专":
        school, code = rng.choice(vocab.COLLEGES)
    else:
        school, code = rng.choice(SECONDARY_SCHOOLS), f"{rng.randrange(10**5):05d}"
    return facts.get("school", school), code


def _cn_years(n: int) -> str:
    return cn_number(n)


def _fields(name: str, person: Person, birth: str, school: str, edu: str, no: str, d: dt.date):
    return {
        "name": name,
        "gender": person.gender,
        "birth_date": birth,
        "school": school,
        "education": edu,
        "cert_no": no,
        "issue_date": d.isoformat(),
    }


def render_regular_portrait(person: Person, rng: random.Random, **facts) -> RenderedDoc:
    """普通高等学校毕业证书, portrait: photo top left, the sentence, 校名 and 校（院）长 at the
    bottom, 18-digit number (school code + 1 + year + level + serial)."""
    edu = facts.get("education") or rng.choice(("大专", "本科", "本科", "硕士研究生"))
    if edu not in ("大专", "本科", "硕士研究生", "博士研究生"):  # a 普通高等学校 diploma
        edu = "大专"
    name, truth = names(person, rng, facts)
    grad = _grad(person, rng, facts, edu)
    start = dt.date(grad.year - YEARS[edu], 9, 1)
    school, code = _school(rng, facts, edu)
    level_code = {"本科": "05", "大专": "06", "硕士研究生": "02", "博士研究生": "01"}.get(edu, "07")
    no = facts.get("cert_no") or f"{code}1{grad.year}{level_code}{rng.randrange(10**6):06d}"
    tl = bool(facts.get("text_layer"))
    cv, st = new_page(rng, False, tl, rng.choice(("red", "gold", "plain")))
    ib = decorate(cv, st, rng, kind=rng.choice(("guilloche", "frame")))
    cv.spaced((cv.w / 2, ib[1] + 280), "普通高等学校", "title", 90, 30, st.title_color, "m")
    cv.spaced((cv.w / 2, ib[1] + 470), "毕业证书", "title", 170, 60, st.title_color, "m")
    pw = rng.uniform(300, 350)
    px, py = ib[0] + 150, ib[1] + 620
    photo(
        cv,
        (px, py, px + pw, py + pw * 1.4),
        rng,
        female=person.gender == "女",
        background=(67, 142, 219),
    )
    ds = rng.choice(("cn", "cn", "arabic"))
    birth_txt = fmt_date(person.birth, ds)
    period = f"{fmt_month(start, ds)}至{fmt_month(grad, ds)}"
    printed = {
        "本科": "本科",
        "大专": rng.choice(("专科", "高职（专科）")),
        "硕士研究生": "硕士研究生",
        "博士研究生": "博士研究生",
    }[edu]
    size = rng.uniform(76, 86)
    segs = [
        Seg("学生 "),
        Seg(name, "name", "name"),
        Seg("，性别 "),
        Seg(person.gender, "body", "gender"),
        Seg("，"),
        Seg(birth_txt, "body", "birth_date"),
        Seg(f"生，于{period}在本校 "),
        Seg(rng.choice(vocab.MAJORS)),
        Seg(f" 专业 {_cn_years(YEARS[edu])}年制"),
        Seg(printed, "body", "education"),
        Seg("学习，修完教学计划规定的全部课程，成绩合格，准予毕业。"),
    ]
    bx0, bw = ib[0] + 150, ib[2] - ib[0] - 300
    y = cv.paragraph(bx0, py + pw * 1.4 + 200, bw, segs, size, line_h=size * 2.0, indent=size * 2)
    sy = max(y + size * 1.5, ib[3] - 620)
    widest = max(
        cv.measure("校　名：" + school, "body", size * 0.9),
        cv.measure("证书编号：", "body", size * 0.7) + cv.measure(no, "number", size * 0.7),
    )
    sx = min(cv.w / 2 + 150, ib[2] - 120 - widest)
    runs(cv, sx, sy, [R("校　名："), R(school, "school", "body")], size * 0.9, st.value_color)
    runs(
        cv,
        sx,
        sy + size * 1.6,
        [R("校（院）长："), R(_signer(rng), None, "kai")],
        size * 0.9,
        st.value_color,
    )
    runs(
        cv,
        sx,
        sy + size * 3.2,
        [R("证书编号："), R(no, "cert_no", "number")],
        size * 0.7,
        st.value_color,
    )
    runs(
        cv,
        sx,
        sy + size * 4.6,
        [R(fmt_date(grad, ds), "issue_date", "body")],
        size * 0.9,
        st.value_color,
    )
    b = cv.boxes["school"]
    seal(cv, rng, school, ((b[0] + b[2]) / 2, b[1] + 40), rng.uniform(420, 480))
    fields = _fields(truth, person, person.birth_date, school, edu, no, grad)
    return finish(cv, "education_certificate", fields, "regular_portrait")


def render_secondary_seal(person: Person, rng: random.Random, **facts) -> RenderedDoc:
    """中等职业学校毕业证书, landscape: the school is named only by its seal; the 监制 line is
    the education department's."""
    edu = "中专"
    name, truth = names(person, rng, facts)
    grad = _grad(person, rng, facts, edu)
    start = dt.date(grad.year - 3, 9, 1)
    school = facts.get("school") or rng.choice(SECONDARY_SCHOOLS)
    no = (
        facts.get("cert_no") or f"65{rng.randrange(10**4):04d}{grad.year}{rng.randrange(10**8):08d}"
    )
    tl = bool(facts.get("text_layer"))
    cv, st = new_page(rng, True, tl, rng.choice(("green", "red", "blue")))
    ib = decorate(cv, st, rng, kind=rng.choice(("guilloche", "corners", "frame")))
    cv.spaced(
        (cv.w / 2, ib[1] + 300), "中等职业学校毕业证书", "title", 140, 25, st.title_color, "m"
    )
    pw = rng.uniform(300, 340)
    px, py = ib[0] + 160, ib[1] + 520
    photo(
        cv,
        (px, py, px + pw, py + pw * 1.4),
        rng,
        female=person.gender == "女",
        background=(250, 250, 250),
    )
    size = rng.uniform(78, 88)
    ds = rng.choice(("arabic", "arabic_pad", "cn"))
    segs = [
        Seg("学生"),
        Seg(name, "name", "name"),
        Seg("，"),
        Seg(person.gender, "body", "gender"),
        Seg("，"),
        Seg(fmt_date(person.birth, ds), "body", "birth_date"),
        Seg(f"出生，于{fmt_month(start, ds)}至{fmt_month(grad, ds)}在本校"),
        Seg(rng.choice(("机电技术应用", "化学工艺", "会计事务", "汽车运用与维修", "电子技术应用"))),
        Seg("专业三年制"),
        Seg(rng.choice(("中专", "中等职业教育")), "body", "education"),
        Seg("学习期满，成绩合格，准予毕业。"),
    ]
    bx0 = px + pw + 150
    y = cv.paragraph(
        bx0, py + 80, ib[2] - 160 - bx0, segs, size, line_h=size * 1.95, indent=size * 2
    )
    sy = max(y + size, ib[3] - 420)
    sx = ib[2] - 900
    cv.text((sx, sy), "学校（盖章）", "body", size * 0.85, st.value_color, "ls")
    cv.text((sx - 700, sy), "校长：", "body", size * 0.85, st.value_color, "ls")
    cv.text((sx - 700 + size * 2.6, sy), _signer(rng), "kai", size * 0.95, st.value_color, "ls")
    runs(
        cv,
        sx,
        sy + size * 1.8,
        [R(fmt_date(grad, ds), "issue_date", "body")],
        size * 0.85,
        st.value_color,
    )
    box = seal(
        cv,
        rng,
        school,
        (sx + 200, sy + size * 0.5),
        rng.uniform(460, 520),
        rng.choice(("", "毕业专用章")),
    )
    runs(
        cv,
        ib[0] + 160,
        ib[3] - 120,
        [R("证书编号："), R(no, "cert_no", "number")],
        44,
        (60, 60, 60),
    )
    cv.text((cv.w / 2, ib[3] - 40), "新疆维吾尔自治区教育厅监制", "body", 36, (90, 90, 90), "ms")
    fields = _fields(truth, person, person.birth_date, school, edu, no, grad)
    return finish(cv, "education_certificate", fields, "secondary_seal", {"school": box})


def render_degree_committee(person: Person, rng: random.Random, **facts) -> RenderedDoc:
    """学位证书: the school inside the sentence, signed by its 学位评定委员会 and chairman."""
    edu = facts.get("education") or rng.choice(("本科", "本科", "硕士研究生", "博士研究生"))
    if edu not in DEGREE:
        edu = "本科"
    deg = DEGREE[edu]
    name, truth = names(person, rng, facts)
    grad = _grad(person, rng, facts, edu)
    school, code = _school(rng, facts, edu)
    no = facts.get("cert_no") or f"{code}{DEGREE_DIGIT[deg]}{grad.year}{rng.randrange(10**6):06d}"
    tl = bool(facts.get("text_layer"))
    land = rng.random() < 0.4
    cv, st = new_page(rng, land, tl, rng.choice(("blue", "red", "gold")))
    ib = decorate(cv, st, rng, kind=rng.choice(("guilloche", "frame", "band")))
    cv.spaced((cv.w / 2, ib[1] + 330), f"{deg}学位证书", "title", 160, 50, st.title_color, "m")
    pw = rng.uniform(300, 340)
    if land:
        px, py = ib[0] + 160, ib[1] + 520
        bx0, by = px + pw + 150, py + 80
    else:
        px, py = cv.w / 2 - pw / 2, ib[1] + 520
        bx0, by = ib[0] + 160, py + pw * 1.4 + 220
    photo(cv, (px, py, px + pw, py + pw * 1.4), rng, female=person.gender == "女")
    ds = rng.choice(("arabic", "cn"))
    size = rng.uniform(76, 86)
    plan = {"学士": "本科", "硕士": "硕士研究生", "博士": "博士研究生"}[deg]
    segs = [
        Seg(name, "name", "name"),
        Seg("，"),
        Seg(person.gender, "body", "gender"),
        Seg("，"),
        Seg(fmt_date(person.birth, ds), "body", "birth_date"),
        Seg("生。在"),
        Seg(school, "body", "school"),
        Seg(rng.choice(vocab.MAJORS) + "专业完成了"),
        Seg(plan, "body", "education"),
        Seg("学习计划，业已毕业，经审核符合《中华人民共和国学位条例》的规定，授予"),
        Seg(rng.choice(vocab.DEGREE_BRANCH) + deg + "学位。"),
    ]
    y = cv.paragraph(bx0, by, ib[2] - 160 - bx0, segs, size, line_h=size * 1.95, indent=size * 2)
    sy = max(y + size, ib[3] - 480)
    sx = ib[2] - 700
    committee = f"{school}学位评定委员会"
    cv.text(
        (sx, sy),
        committee,
        "body",
        cv.fit_size(committee, "body", size * 0.85, 1000),
        st.value_color,
        "ms",
    )
    cv.text((sx - 200, sy + size * 1.6), "主席：", "body", size * 0.8, st.value_color, "ls")
    cv.text((sx + 40, sy + size * 1.6), _signer(rng), "kai", size * 0.95, st.value_color, "ls")
    runs(
        cv,
        sx,
        sy + size * 3.1,
        [R(fmt_date(grad, ds), "issue_date", "body")],
        size * 0.85,
        st.value_color,
        "m",
    )
    seal(cv, rng, committee, (sx, sy + size), rng.uniform(420, 480))
    runs(
        cv,
        ib[0] + 160,
        ib[3] - 110,
        [R("证书编号："), R(no, "cert_no", "number")],
        44,
        (60, 60, 60),
    )
    fields = _fields(truth, person, person.birth_date, school, edu, no, grad)
    return finish(cv, "education_certificate", fields, "degree_committee")


def render_adult_landscape(person: Person, rng: random.Random, **facts) -> RenderedDoc:
    """成人高等教育毕业证书: same sentence as a regular diploma with the form of study
    (函授/业余) and the entry level (专科起点本科, 高中起点专科); another heading."""
    edu = facts.get("education") or rng.choice(("大专", "本科"))
    edu = edu if edu in ("大专", "本科") else "本科"
    name, truth = names(person, rng, facts)
    grad = _grad(person, rng, dict(facts), "本科" if edu == "本科" else "大专")
    shift, day = rng.choice((3, 6, 9)), rng.choice((10, 15))  # adults study after work
    if "issue_date" not in facts:
        grad = dt.date(min(grad.year + shift, 2025), 1, day)
    years = 2 if edu == "本科" else 3
    start = dt.date(grad.year - years, 3, 1)
    school, code = _school(rng, facts, "本科")
    no = facts.get("cert_no") or (
        f"{code}5{grad.year}{'05' if edu == '本科' else '06'}{rng.randrange(10**6):06d}"
    )
    tl = bool(facts.get("text_layer"))
    cv, st = new_page(rng, True, tl, rng.choice(("red", "gold")))
    ib = decorate(cv, st, rng, kind=rng.choice(("guilloche", "frame")))
    cv.spaced(
        (cv.w / 2, ib[1] + 300), "成人高等教育毕业证书", "title", 140, 20, st.title_color, "m"
    )
    pw = rng.uniform(300, 340)
    px, py = ib[0] + 160, ib[1] + 500
    photo(cv, (px, py, px + pw, py + pw * 1.4), rng, female=person.gender == "女")
    ds = rng.choice(("cn", "arabic"))
    size = rng.uniform(76, 84)
    entry = "专科起点" if edu == "本科" else "高中起点"
    segs = [
        Seg("学生 "),
        Seg(name, "name", "name"),
        Seg("，性别 "),
        Seg(person.gender, "body", "gender"),
        Seg("，"),
        Seg(fmt_date(person.birth, ds), "body", "birth_date"),
        Seg(f"生，于{fmt_month(start, ds)}至{fmt_month(grad, ds)}在本校"),
        Seg(rng.choice(vocab.MAJORS) + "专业（" + rng.choice(ADULT_FORMS) + "）" + entry),
        Seg("本科" if edu == "本科" else "专科", "body", "education"),
        Seg("学习，修完教学计划规定的全部课程，成绩合格，准予毕业。"),
    ]
    bx0 = px + pw + 150
    y = cv.paragraph(
        bx0, py + 80, ib[2] - 160 - bx0, segs, size, line_h=size * 1.95, indent=size * 2
    )
    sy = max(y + size, ib[3] - 470)
    sx = ib[2] - 720
    runs(
        cv,
        sx,
        sy,
        [R(school, "school", "body")],
        fit(cv, [R(school)], size * 0.9, 900),
        st.value_color,
        "m",
    )
    runs(
        cv,
        sx,
        sy + size * 1.6,
        [R("校（院）长："), R(_signer(rng), None, "kai")],
        size * 0.85,
        st.value_color,
        "m",
    )
    runs(
        cv,
        sx,
        sy + size * 3.1,
        [R(fmt_date(grad, ds), "issue_date", "body")],
        size * 0.85,
        st.value_color,
        "m",
    )
    b = union(cv.boxes["school"], cv.boxes["issue_date"])
    seal(cv, rng, school, ((b[0] + b[2]) / 2, (b[1] + b[3]) / 2), rng.uniform(420, 480))
    runs(
        cv,
        ib[0] + 160,
        ib[3] - 110,
        [R("证书编号："), R(no, "cert_no", "number")],
        44,
        (60, 60, 60),
    )
    cv.text(
        (ib[0] + 160, ib[3] - 40),
        "中华人民共和国教育部学历证书查询网址：http://www.chsi.com.cn",
        "body",
        32,
        (90, 90, 90),
        "ls",
    )
    truth_boxes = [cv.boxes[k] for k in ("name", "school", "issue_date", "cert_no")]
    heading = [(ib[0], ib[1] + 120, ib[2], ib[1] + 340)]
    overprints.apply(cv, rng, facts, truth_boxes, {"certified": 0.4, "use_only": 0.3}, heading)
    fields = _fields(truth, person, person.birth_date, school, edu, no, grad)
    return finish(cv, "education_certificate", fields, "adult_landscape")


LAYOUTS = {
    "regular_portrait": render_regular_portrait,
    "secondary_seal": render_secondary_seal,
    "degree_committee": render_degree_committee,
    "adult_landscape": render_adult_landscape,
}
