"""荣誉证书, 获奖证书, 奖状 and the letters (决定, 通报) that announce awards.

Honours sit in quotes and a long one wraps mid-word (`被评为2017年度“自治区青年岗位能手` /
`”。`); talent plans read `入选“庭州英才”人才计划`. The issuer is on the last line above the
date, under a seal; the award level follows the issuer (自治区/兵团 → 省级, 州/市/地区/师 →
地市级, 县 → 县级, a company → 其他) unless the certificate prints one.
"""

from __future__ import annotations

import datetime as dt
import math
import random

from synth import vocab
from synth.blind import overprints
from synth.blind.common import (
    RED,
    TODAY,
    R,
    compose,
    date_between,
    finish,
    fit,
    level_of_issuer,
    names,
    plain_page,
    runs,
    seal,
    years_after,
)
from synth.canvas import BBox, Canvas, Seg, union
from synth.dates import cn_number, fmt_date
from synth.documents import RenderedDoc
from synth.layouts import decorate, new_page
from synth.people import Person, make_person

GOLD = (222, 176, 60)
# Honours for the booklet spread: (honour, issuer). Long ones wrap.
HONOURS = tuple((n, i) for n, i, _ in vocab.HONOURS if not n.endswith("英才")) + (
    ("自治区优秀共青团员", "共青团新疆维吾尔自治区委员会"),
    ("自治区民族团结进步模范个人", "新疆维吾尔自治区人民政府"),
    ("昌吉州优秀高技能人才", "昌吉回族自治州人民政府"),
    ("乌鲁木齐市五一劳动奖章", "乌鲁木齐市总工会"),
    ("兵团青年岗位能手", "共青团新疆生产建设兵团委员会"),
)
TALENT_PLANS = (  # (name in quotes, issuer, what follows the quotes)
    ("庭州英才", "中共昌吉州委人才工作领导小组", "人才计划"),
    ("天山英才", "中共新疆维吾尔自治区委员会人才工作领导小组", "培养计划"),
    ("克拉玛依英才", "中共克拉玛依市委人才工作领导小组", "人才工程"),
    ("天山英才·高技能人才", "中共新疆维吾尔自治区委员会人才工作领导小组", "培养计划"),
)
# 奖状 honours: (honour, issuer); plain titles a county, a city or a company hands out.
JIANGZHUANG = (
    ("先进工作者", "玛纳斯县人民政府"),
    ("劳动模范", "沙雅县人民政府"),
    ("优秀共产党员", "中共呼图壁县委"),
    ("技术标兵", "新疆天业（集团）有限公司"),
    ("先进生产者", "特变电工股份有限公司"),
    ("岗位能手", "国网新疆电力有限公司"),
    ("先进个人", "昌吉市人民政府"),
    ("优秀技能人才", "克拉玛依市人民政府"),
    ("模范职工", "伊犁哈萨克自治州总工会"),
)
COMPETITIONS = (  # (format, organiser printed as issuer)
    ("新疆维吾尔自治区第{n}届职业技能大赛", "新疆维吾尔自治区第{n}届职业技能大赛组织委员会"),
    ("{y}年新疆维吾尔自治区职业技能大赛", "新疆维吾尔自治区人力资源和社会保障厅"),
    ("自治区第{n}届职工职业技能大赛", "新疆维吾尔自治区总工会"),
    ("兵团第{n}届职业技能大赛", "新疆生产建设兵团人力资源和社会保障局"),
    ("昌吉州第{n}届职业技能竞赛", "昌吉回族自治州人力资源和社会保障局"),
    ("乌鲁木齐市第{n}届职业技能大赛", "乌鲁木齐市第{n}届职业技能大赛组委会"),
    ("第{n}届全国职业技能大赛", "中华人民共和国人力资源和社会保障部"),
    ("{y}年呼图壁县职工技能比武", "呼图壁县总工会"),
)
RANK_PRINT = {
    "金奖": ("金奖", "金牌"),
    "银奖": ("银奖", "银牌"),
    "铜奖": ("铜奖", "铜牌"),
    "一等奖": ("一等奖",),
    "二等奖": ("二等奖",),
    "三等奖": ("三等奖",),
    "优秀奖": ("优秀奖",),
}


def _issue(person: Person, rng: random.Random, facts: dict) -> dt.date:
    if "issue_date" in facts:
        return dt.date.fromisoformat(facts["issue_date"])
    return date_between(rng, max(years_after(person.birth, 24), dt.date(2008, 1, 1)), TODAY)


def _date_txt(rng: random.Random, d: dt.date) -> str:
    return fmt_date(d, rng.choice(("cn", "cn", "arabic", "cn_o")))


def _award_fields(name, award, issuer, issue, year, level=None, rank=None, cert_no=None):
    f = {
        "name": name,
        "award_name": award,
        "award_level": level or level_of_issuer(issuer),
        "award_year": str(year),
        "issuer": issuer,
        "issue_date": issue.isoformat(),
    }
    if rank:
        f["award_rank"] = rank
    if cert_no:
        f["cert_no"] = cert_no
    return f


def _sign(
    cv: Canvas,
    rng: random.Random,
    cx: float,
    y: float,
    issuer: str,
    date_txt: str,
    size: float,
    fill,
    max_w: float,
    seal_d: float,
    bottom: str = "",
) -> BBox:
    """Issuer on the last line above the date, centred on cx, under a seal."""
    parts = [R(issuer, "issuer", "body")]
    runs(cv, cx, y, parts, fit(cv, parts, size, max_w), fill, "m")
    runs(cv, cx, y + size * 1.7, [R(date_txt, "issue_date", "body")], size, fill, "m")
    b = union(cv.boxes["issuer"], cv.boxes["issue_date"])
    seal(
        cv,
        rng,
        issuer.split(" ")[-1],
        ((b[0] + b[2]) / 2 + rng.uniform(-80, 80), (b[1] + b[3]) / 2 + rng.uniform(-30, 30)),
        seal_d,
        bottom,
    )
    return b


def _emblem(cv: Canvas, cx: float, cy: float, r: float) -> None:
    """A gold medallion: rings, a five-pointed star, laurel leaves round the lower rim."""
    d = cv.draw
    d.ellipse((cx - r, cy - r, cx + r, cy + r), outline=GOLD, width=max(4, int(r / 14)))
    d.ellipse((cx - r * 0.8, cy - r * 0.8, cx + r * 0.8, cy + r * 0.8), outline=GOLD, width=3)
    pts = []
    for i in range(10):
        a = -math.pi / 2 + i * math.pi / 5
        rr = r * 0.42 if i % 2 == 0 else r * 0.17
        pts.append((cx + rr * math.cos(a), cy - r * 0.05 + rr * math.sin(a)))
    d.polygon(pts, fill=GOLD)
    for side in (-1, 1):
        for k in range(7):
            a = math.radians(100 + k * 17) if side < 0 else math.radians(80 - k * 17)
            lx, ly = cx + r * 1.18 * math.cos(a), cy + r * 1.18 * math.sin(a)
            d.ellipse((lx - r * 0.1, ly - r * 0.05, lx + r * 0.1, ly + r * 0.05), fill=GOLD)


# ---------------------------------------------------------------------------------------


def render_honour_spread(person: Person, rng: random.Random, **facts) -> RenderedDoc:
    """Booklet spread as one image: cover left (荣誉证书 and an emblem), text right; the
    honour in quotes wraps over two lines, the closing quote often starting the second."""
    name, truth = names(person, rng, facts)
    honour, issuer = rng.choice(HONOURS)
    honour = facts.get("award_name", honour)
    issuer = facts.get("issuer", issuer)
    issue = _issue(person, rng, facts)
    yearly = rng.random() < 0.7
    year = int(facts.get("award_year", issue.year - 1 if yearly else issue.year))
    tl = bool(facts.get("text_layer"))
    W, H = 3000, 2050
    cv = plain_page(rng, (W, H), tl, (120, 18, 22))
    half = W / 2
    d = cv.draw
    # cover (left)
    d.rectangle((40, 40, half - 40, H - 40), outline=GOLD, width=6)
    d.rectangle((70, 70, half - 70, H - 70), outline=GOLD, width=2)
    _emblem(cv, half / 2, H * 0.3, 220)
    cv.spaced((half / 2, H * 0.62), "荣誉证书", "serif_bold", 190, 40, GOLD, "m")
    if rng.random() < 0.5:
        cv.text((half / 2, H * 0.7), "CERTIFICATE OF HONOR", "latin_serif", 56, GOLD, "ms")
    # inside (right)
    paper = rng.choice(((253, 249, 238), (255, 252, 246), (250, 246, 232)))
    d.rectangle((half, 0, W, H), fill=paper)
    d.rectangle((half + 70, 70, W - 70, H - 70), outline=(200, 150, 70), width=5)
    d.rectangle((half + 95, 95, W - 95, H - 95), outline=(200, 150, 70), width=2)
    for i in range(-14, 15):  # the fold
        g = int(235 - 60 * (1 - abs(i) / 15) ** 2)
        d.line((half + i, 0, half + i, H), fill=(g, g - 10, g - 20), width=1)
    ink = (25, 20, 20)
    size = rng.uniform(92, 104)
    x0 = half + 260
    y = 430
    runs(
        cv, x0, y, [R(name, "name", "name"), R(rng.choice((" 同志：", "同志：")))], size * 1.05, ink
    )
    y += size * 2.1
    q0, q1 = rng.choice((("“", "”"), ("“", "”"), ("「", "」")))
    head = [R("被评为")] + ([R(f"{year}年度", "award_year")] if yearly else []) + [R(q0)]
    k = (
        len(honour)
        if rng.random() < 0.5
        else rng.randint(max(2, len(honour) // 2), len(honour) - 1)
    )
    line1 = head + [R(honour[:k], "award_name")]
    tail = [R(honour[k:], "award_name")] if honour[k:] else []
    tail += [R(q1 + rng.choice(("荣誉称号。", "称号。", "。")))]
    # the text block is as wide as the first line: the quote wraps as a typesetter wraps it
    indent = size * 2
    w1 = indent + sum(cv.measure(p.text, p.role, size) for p in line1)
    avail = W - 260 - x0
    size = min(size * avail / w1 * 0.995, 130)  # the first line fills the text width
    indent = size * 2
    runs(cv, x0 + indent, y, line1, size, ink)
    y += size * 1.9
    runs(cv, x0, y, tail, size, ink)
    y += size * 1.9
    runs(cv, x0 + indent, y, [R(rng.choice(("特发此证，以资鼓励。", "特发此证。")))], size, ink)
    date_txt = _date_txt(rng, issue)
    _sign(cv, rng, W - 620, H - 430, issuer, date_txt, size * 0.8, ink, 1000, 440)
    fields = _award_fields(truth, honour, issuer, issue, year)
    extra = {} if yearly else {"award_year": cv.boxes["issue_date"]}
    return finish(cv, "award_certificate", fields, "honour_spread", extra)


def render_talent_plan(person: Person, rng: random.Random, **facts) -> RenderedDoc:
    """入选证书 of a talent plan: `入选“庭州英才”人才计划`, the plan's leading group signs."""
    name, truth = names(person, rng, facts)
    plan, issuer, what = rng.choice(TALENT_PLANS)
    plan = facts.get("award_name", plan)
    issuer = facts.get("issuer", issuer)
    issue = _issue(person, rng, facts)
    tl = bool(facts.get("text_layer"))
    cv, st = new_page(rng, True, tl, rng.choice(("gold", "red")))
    ib = decorate(cv, st, rng, kind=rng.choice(("guilloche", "corners")))
    head = rng.choice(("入选证书", "荣誉证书", "证书"))
    cv.spaced((cv.w / 2, ib[1] + 330), head, "title", 200, 80, st.title_color, "m")
    size = rng.uniform(100, 115)
    batch = cn_number(rng.randint(1, 6))
    segs = [
        Seg(name, "name", "name"),
        Seg(rng.choice((" 同志：", "同志："))),
    ]
    y = cv.paragraph(ib[0] + 260, ib[1] + 700, ib[2] - ib[0] - 520, segs, size * 1.05)
    body = [
        Seg(rng.choice(("经个人申报、单位推荐、专家评审，", "经评审，", ""))),
        Seg("入选“"),
        Seg(plan, "body", "award_name"),
        Seg(f"”{what}"),
        Seg(rng.choice((f"（第{batch}批）", f"第{batch}批次", ""))),
        Seg("，特发此证。"),
    ]
    y = cv.paragraph(
        ib[0] + 260,
        y + size * 0.3,
        ib[2] - ib[0] - 520,
        body,
        size,
        line_h=size * 1.9,
        indent=size * 2,
    )
    if rng.random() < 0.5:
        period = f"培养周期：{issue.year}年{issue.month}月至{issue.year + 3}年{issue.month}月"
        cv.text(
            (ib[0] + 260 + size * 2, y + size * 0.2),
            period,
            "body",
            size * 0.7,
            st.value_color,
            "ls",
        )
    _sign(
        cv,
        rng,
        ib[2] - 760,
        ib[3] - 330,
        issuer,
        _date_txt(rng, issue),
        size * 0.82,
        st.value_color,
        1250,
        480,
    )
    fields = _award_fields(truth, plan, issuer, issue, issue.year)
    return finish(
        cv, "award_certificate", fields, "talent_plan", {"award_year": cv.boxes["issue_date"]}
    )


def render_jiangzhuang(person: Person, rng: random.Random, **facts) -> RenderedDoc:
    """Landscape 奖状 with a red frame; `授予 XX 同志“先进工作者”称号` or `被评为…`."""
    name, truth = names(person, rng, facts)
    honour, issuer = rng.choice(JIANGZHUANG)
    honour = facts.get("award_name", honour)
    issuer = facts.get("issuer", issuer)
    issue = _issue(person, rng, facts)
    tl = bool(facts.get("text_layer"))
    cv = plain_page(rng, (3508, 2480), tl, rng.choice(((255, 251, 240), (255, 255, 250))))
    d = cv.draw
    m = rng.randint(60, 110)
    d.rectangle((m, m, cv.w - m, cv.h - m), fill=RED)
    inner = m + rng.randint(70, 110)
    d.rectangle((inner, inner, cv.w - inner, cv.h - inner), fill=cv.bg)
    d.rectangle(
        (inner - 22, inner - 22, cv.w - inner + 22, cv.h - inner + 22), outline=GOLD, width=6
    )
    for cx, cy in (
        (inner, inner),
        (cv.w - inner, inner),
        (inner, cv.h - inner),
        (cv.w - inner, cv.h - inner),
    ):
        d.ellipse((cx - 45, cy - 45, cx + 45, cy + 45), fill=GOLD)
    cv.spaced(
        (cv.w / 2, inner + 330),
        "奖状",
        rng.choice(("serif_bold", "kai", "sans_bold")),
        230,
        260,
        RED,
        "m",
    )
    size = rng.uniform(105, 120)
    x0, w = inner + 260, cv.w - 2 * inner - 520
    yearly = rng.random() < 0.5
    year = issue.year - 1 if yearly else issue.year
    if yearly and "award_year" in facts:  # a batch prints the declared year
        year = int(facts["award_year"])
    if rng.random() < 0.5:
        segs = [
            Seg("授予 "),
            Seg(name, "name", "name"),
            Seg(" 同志“"),
            Seg(honour, "body", "award_name"),
            Seg("”称号。"),
        ]
        if yearly:
            segs = [Seg(f"{year}年度", "body", "award_year"), Seg("，")] + segs
        y = cv.paragraph(x0, inner + 750, w, segs, size, line_h=size * 2, indent=size * 2)
    else:
        y = cv.paragraph(x0, inner + 700, w, [Seg(name, "name", "name"), Seg("同志：")], size)
        segs = (
            [Seg("在")]
            + ([Seg(f"{year}年度", "body", "award_year")] if yearly else [Seg("本年度")])
            + [Seg("工作中成绩突出，被评为"), Seg(honour, "body", "award_name"), Seg("。")]
        )
        y = cv.paragraph(x0, y + size * 0.2, w, segs, size, line_h=size * 2, indent=size * 2)
    cv.paragraph(
        x0, y, w, [Seg(rng.choice(("特发此状，以资鼓励。", "以资鼓励。")))], size, indent=size * 2
    )
    _sign(
        cv,
        rng,
        cv.w - inner - 700,
        cv.h - inner - 330,
        issuer,
        _date_txt(rng, issue),
        size * 0.8,
        (25, 20, 20),
        1100,
        460,
    )
    fields = _award_fields(truth, honour, issuer, issue, year)
    extra = {} if yearly else {"award_year": cv.boxes["issue_date"]}
    return finish(cv, "award_certificate", fields, "jiangzhuang", extra)


def _competition(rng: random.Random, facts: dict, issue: dt.date) -> tuple[str, str]:
    fmt, org = rng.choice(COMPETITIONS)
    n = rng.randint(2, 15) if "全国" not in fmt else (1 if issue.year < 2023 else 2)
    comp = facts.get("award_name") or fmt.format(n=cn_number(n), y=issue.year)
    return comp, facts.get("issuer", org.format(n=cn_number(n), y=issue.year))


def render_competition_numbered(person: Person, rng: random.Random, **facts) -> RenderedDoc:
    """Portrait 获奖证书 with its number top right: `在…大赛 焊工 项目中荣获 一等奖`."""
    name, truth = names(person, rng, facts)
    issue = _issue(person, rng, facts)
    comp, issuer = _competition(rng, facts, issue)
    rank = (
        facts.get("award_rank") or rng.choices(list(RANK_PRINT), weights=(3, 3, 3, 5, 6, 7, 4))[0]
    )
    printed = rng.choice(RANK_PRINT[rank])
    event = rng.choice(vocab.COMPETITION_EVENTS + tuple(vocab.OCCUPATIONS)[:8])
    cert_no = (
        facts.get("cert_no")
        or f"XJ{issue.year}{rng.choice(('JN', 'ZG', 'DS'))}{rng.randrange(10**4):04d}"
    )
    tl = bool(facts.get("text_layer"))
    cv, st = new_page(rng, False, tl, rng.choice(("red", "gold", "blue")))
    ib = decorate(cv, st, rng, kind=rng.choice(("guilloche", "frame", "corners")))
    runs(
        cv,
        ib[2] - 120,
        ib[1] + 140,
        [R(rng.choice(("NO.", "No：", "证书编号："))), R(cert_no, "cert_no", "number")],
        50,
        st.value_color,
        "r",
    )
    cv.spaced(
        (cv.w / 2, ib[1] + 520),
        rng.choice(("获奖证书", "荣誉证书")),
        "title",
        190,
        50,
        st.title_color,
        "m",
    )
    size = rng.uniform(92, 104)
    x0, w = ib[0] + 200, ib[2] - ib[0] - 400
    y = cv.paragraph(x0, ib[1] + 950, w, [Seg(name, "name", "name"), Seg("：")], size * 1.05)
    segs = [
        Seg("在"),
        Seg(comp, "body", "award_name"),
        Seg(f" {event} " + rng.choice(("项目", "赛项")) + "中荣获 "),
        Seg(printed, "body", "award_rank"),
        Seg("。"),
    ]
    y = cv.paragraph(x0, y + size * 0.4, w, segs, size, line_h=size * 2.0, indent=size * 2)
    cv.paragraph(x0, y, w, [Seg("特发此证，以资鼓励。")], size, indent=size * 2)
    _sign(
        cv,
        rng,
        ib[2] - 640,
        ib[3] - 420,
        issuer,
        _date_txt(rng, issue),
        size * 0.78,
        st.value_color,
        1050,
        470,
    )
    fields = _award_fields(truth, comp, issuer, issue, issue.year, rank=rank, cert_no=cert_no)
    return finish(
        cv,
        "award_certificate",
        fields,
        "competition_numbered",
        {"award_year": cv.boxes["issue_date"]},
    )


def _bare(name: str) -> str:
    return "".join(c for c in name if c not in "·•・．‧⋅ ")


def _coawardees(rng: random.Random, n: int, person: Person, name: str) -> list[str]:
    sub = random.Random(rng.random())
    out: list[str] = []
    while len(out) < n:  # no two alike: the applicant's name must be printed once
        other = make_person(sub).name
        if other not in out and _bare(other) != _bare(name):
            out.append(other)
    out.insert(rng.randrange(n + 1), name)
    return out


def render_decision_letter(person: Person, rng: random.Random, **facts) -> RenderedDoc:
    """A4 red-header letter: a 决定 granting an honour to a list of names, or a 通报 of a
    competition's results by prize; the applicant is one name of the list."""
    name, truth = names(person, rng, facts)
    issue = _issue(person, rng, facts)
    tl = bool(facts.get("text_layer"))
    cv = plain_page(rng, (2480, 3508), tl)
    notice = rng.random() < 0.45  # 通报 of results
    if "letter" in facts:  # a batch asks for a 通报 of a competition or a 决定 of an honour
        notice = facts["letter"] == "notice"
    if notice:
        comp, issuer = _competition(rng, facts, issue)
        issuer = facts.get(
            "issuer",
            issuer.replace("组织委员会", "").replace("组委会", "") if "人" in issuer else issuer,
        )
        if issuer.endswith("大赛"):
            issuer = "新疆维吾尔自治区人力资源和社会保障厅"
        award, year = comp, issue.year
    else:
        honour, issuer = rng.choice(
            [h for h in HONOURS if "全国" not in h[0] and "中华" not in h[0]]
        )
        award = facts.get("award_name", honour)
        issuer = facts.get("issuer", issuer)
        year = int(facts.get("award_year", issue.year - 1))
    short = issuer.split(" ")[0]
    m = 250
    cv.text(
        (cv.w / 2, 420),
        short + "文件",
        rng.choice(("serif_bold", "sans_bold")),
        cv.fit_size(short + "文件", "serif_bold", 130, cv.w - 2 * m),
        RED,
        "ms",
    )
    bare = short.replace("中共", "").replace("共青团", "")
    abbrev = {"新疆维吾尔自治区": "新", "新疆生产建设兵团": "兵", "昌吉回族自治州": "昌州"}
    ab = next((v for k, v in abbrev.items() if bare.startswith(k)), bare[:1])
    kind = next(
        (
            v
            for k, v in (("人力资源", "人社发"), ("工会", "工发"), ("团", "团发"), ("妇", "妇发"))
            if k in short
        ),
        "政发",
    )
    docno = f"{ab}{kind}〔{issue.year}〕{rng.randint(5, 160)}号"
    cv.text((cv.w / 2, 600), docno, "sans", 52, (20, 20, 20), "ms")
    cv.draw.line((m - 60, 660, cv.w - m + 60, 660), fill=RED, width=8)
    if notice:
        head = f"关于{award}获奖情况的通报"
    else:
        head = f"关于表彰{year}年度“{award}”的决定"
    lines, cur = [], ""
    for c in head:
        if cur and cv.measure(cur + c, "sans_bold", 84) > cv.w - 2 * m:
            lines.append(cur)
            cur = ""
        cur += c
    lines.append(cur)
    y = 860
    for line in lines:
        cv.text((cv.w / 2, y), line, "sans_bold", 84, (20, 20, 20), "ms")
        y += 120
    size = 62
    y = cv.paragraph(m, y + 60, cv.w - 2 * m, [Seg("各有关单位：")], size)
    n = rng.randint(6, 14)
    listed = _coawardees(rng, n, person, name)
    if notice:
        rank = facts.get("award_rank") or rng.choice(("一等奖", "二等奖", "三等奖"))
        intro = [
            Seg(award, "body", "award_name"),
            Seg("已圆满结束。经裁判委员会评定，现将获奖情况通报如下："),
        ]
        y = cv.paragraph(m, y + 20, cv.w - 2 * m, intro, size, indent=size * 2)
        groups = {"一等奖": [], "二等奖": [], "三等奖": []}
        if rank not in groups:  # a batch's medal or 优秀奖: list that rank's family
            medals = ("金奖", "银奖", "铜奖")
            family = medals if rank in medals else ("一等奖", "二等奖", "三等奖", "优秀奖")
            groups = {k: [] for k in family}
        for who in listed:
            groups[rank if who == name else rng.choice(list(groups))].append(who)
    else:
        rank = None
        intro = (
            f"{year}年度，全区广大职工在各自岗位上奋发有为，涌现出一批先进典型。为表彰先进，"
            f"经研究，决定授予以下{len(listed)}名同志“"
        )
        segs = [Seg(intro), Seg(award, "body", "award_name"), Seg("”称号。")]
        y = cv.paragraph(m, y + 20, cv.w - 2 * m, segs, size, indent=size * 2)
        groups = {"": listed}
    colw = (cv.w - 2 * m) / 3
    for label, who in groups.items():
        if not who:
            continue
        if label:
            key = "award_rank" if label == rank else None
            runs(cv, m, y + 20, [R(label, key, "sans_bold"), R("：", None, "sans_bold")], size)
            y += size * 1.8
        for i, p in enumerate(who):
            c = i % 3
            if c == 0 and i:
                y += size * 1.7
            key = "name" if p == name else None
            cv.text(
                (m + size * 2 + c * colw, y + 20),
                p,
                "body",
                cv.fit_size(p, "body", size, colw - size),
                (20, 20, 20),
                "ls",
                key,
            )
        y += size * 2.0
    close = (
        "希望受表彰的同志珍惜荣誉、再接再厉，充分发挥示范引领作用。"
        if not notice
        else "希望获奖选手再接再厉，不断提高技能水平。"
    )
    y = cv.paragraph(m, y + 40, cv.w - 2 * m, [Seg(close)], size, indent=size * 2)
    sy = max(y + 250, cv.h - 800)
    _sign(
        cv,
        rng,
        cv.w - m - 520,
        sy,
        issuer,
        fmt_date(issue, rng.choice(("arabic", "cn"))),
        size,
        (20, 20, 20),
        1000,
        430,
    )
    cv.text((cv.w / 2, cv.h - 150), "— 1 —", "sans", 46, (40, 40, 40), "ms")
    fields = _award_fields(truth, award, issuer, issue, year, rank=rank)
    extra = {}
    if notice:  # the year of a competition is the year of the letter
        extra["award_year"] = cv.boxes["issue_date"]
    else:
        extra["award_year"] = _find(cv, f"{year}年度")
    return finish(cv, "award_certificate", fields, "decision_letter", extra)


def _find(cv: Canvas, sub: str) -> BBox:
    """Box of `sub` inside an earlier text op (a value printed inside a longer line)."""
    from synth.fonts import font

    for op in cv.ops:
        i = op.text.find(sub)
        if i >= 0:
            f = font(op.family, op.size)
            x0 = op.x + f.getlength(op.text[:i])
            b = f.getbbox(sub, anchor="ls")
            return (int(x0 + b[0]), int(op.y + b[1]), int(x0 + b[2]) + 1, int(op.y + b[3]) + 1)
    raise ValueError(sub)


def render_two_honours(person: Person, rng: random.Random, **facts) -> RenderedDoc:
    """Two certificates of the holder side by side on one landscape A4 copy (regions)."""
    keep = {k: v for k, v in facts.items() if k == "name"}  # a copy: pasted as images
    a = render_jiangzhuang(person, random.Random(rng.random()), **keep)
    b = render_talent_plan(person, random.Random(rng.random()), **keep)
    docs = [a, b] if rng.random() < 0.5 else [b, a]
    cv = plain_page(rng, (3508, 2480))
    regions = compose(cv, docs, rng, [1180, 1180], rng.uniform(40, 90), (30, 60))
    cv.boxes.update(regions[0].field_boxes)
    truth = [bx for r in regions for bx in r.field_boxes.values()]
    over = {"certified": 0.6, "use_only": 0.4, "page_no": 0.5, "fax": 0.1}
    overprints.apply(cv, rng, facts, truth, over, [r.bbox for r in regions])
    return finish(cv, "award_certificate", regions[0].fields, "two_honours", regions=regions)


LAYOUTS = {
    "honour_spread": render_honour_spread,
    "talent_plan": render_talent_plan,
    "jiangzhuang": render_jiangzhuang,
    "competition_numbered": render_competition_numbered,
    "decision_letter": render_decision_letter,
    "two_honours": render_two_honours,
}
