"""专业技术资格证书 / 职称证书: a committee evaluates, an authority issues.

The sentence `经…系列中级专业技术职务评审委员会评审通过，具备…资格` names the committee; the
issuer (truth) is the 人力资源和社会保障厅/局 that signs under its seal. Layouts: a booklet
spread, a one-page table of the newer 职称证书 (the committee in its own row beside the
issuing unit), and a landscape certificate whose facts are all in one sentence.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from synth import ornaments as orn
from synth import vocab
from synth.blind import overprints
from synth.blind.common import (
    TODAY,
    R,
    finish,
    fit,
    fold_shadow,
    issue_date,
    names,
    runs,
    seal,
    seal_text,
    years_after,
)
from synth.canvas import Seg, union
from synth.dates import fmt_date, fmt_month
from synth.documents import RenderedDoc
from synth.layouts import decorate, new_page, photo, qr
from synth.people import GIVEN_MALE, SURNAMES, Person

# (authority, committee prefix, document-number prefix, area code)
REGIONAL = (
    ("昌吉回族自治州人力资源和社会保障局", "昌吉州", "昌州人社职", "652300"),
    ("乌鲁木齐市人力资源和社会保障局", "乌鲁木齐市", "乌人社职", "650100"),
    ("克拉玛依市人力资源和社会保障局", "克拉玛依市", "克人社职", "650200"),
    ("伊犁哈萨克自治州人力资源和社会保障局", "伊犁州", "伊州人社职", "654000"),
    ("喀什地区人力资源和社会保障局", "喀什地区", "喀地人社职", "653100"),
    ("阿克苏地区人力资源和社会保障局", "阿克苏地区", "阿地人社职", "652900"),
)
PROVINCIAL = (
    ("新疆维吾尔自治区人力资源和社会保障厅", "新疆维吾尔自治区", "新人社职", "650000"),
    ("新疆生产建设兵团人力资源和社会保障局", "新疆生产建设兵团", "兵人社职", "660000"),
)
LEVEL_WORD = {"初级": "初级", "中级": "中级", "副高级": "高级", "正高级": "正高级"}
LEVEL_DIGIT = {"初级": 4, "中级": 3, "副高级": 2, "正高级": 1}


@dataclass
class Title:
    name: str
    name_truth: str
    series: str
    major: str
    title: str
    level: str
    committee: str
    authority: str
    doc_no: str
    cert_no: str
    review: dt.date  # 评审（认定）时间
    issue: dt.date  # 发证日期


def _title(person: Person, rng: random.Random, facts: dict) -> Title:
    series = rng.choice(list(vocab.TITLE_SERIES))
    options = vocab.TITLE_SERIES[series]
    if "title" in facts:
        found = [
            (s, t, lv)
            for s, opts in vocab.TITLE_SERIES.items()
            for t, lv in opts
            if t == facts["title"]
        ]
        series, title, level = found[0] if found else (series, facts["title"], "中级")
    else:  # a level the holder is old enough for: about 23, 28, 33 and 40 at the earliest
        age = TODAY.year - person.birth.year
        fits = [o for o, a in zip(options, (23, 28, 33, 40), strict=False) if a <= age]
        title, level = rng.choices(fits or options[:1], weights=(3, 5, 4, 1)[: len(fits) or 1])[0]
    level = facts.get("title_level", level)
    authority, prefix, docp, code = rng.choice(
        PROVINCIAL if level in ("副高级", "正高级") else REGIONAL + PROVINCIAL[:1]
    )
    authority = facts.get("issuer", authority)
    committee = f"{prefix}{series}系列{LEVEL_WORD[level]}专业技术职务评审委员会"
    first = {"初级": 23, "中级": 28, "副高级": 33, "正高级": 40}.get(level, 23)
    lo = max(years_after(person.birth, first), dt.date(2000, 1, 1))
    issue = issue_date(rng, facts, lo + dt.timedelta(days=90), TODAY)
    review = issue - dt.timedelta(days=rng.choice((0, 20, 45, 75, 110)))
    doc_no = f"{docp}〔{review.year}〕{rng.randint(3, 160)}号"
    cert_no = facts.get("cert_no") or (
        f"{code}{issue.year}{LEVEL_DIGIT[level]}{rng.randrange(10**5):05d}"
    )
    name, truth = names(person, rng, facts)
    major = rng.choice(vocab.SERIES_MAJORS.get(series, ("",)))
    return Title(
        name,
        truth,
        series,
        major,
        title,
        level,
        committee,
        authority,
        doc_no,
        cert_no,
        review,
        issue,
    )


def _fields(person: Person, t: Title, birth: str | None, with_id: bool = True) -> dict[str, str]:
    f = {
        "name": t.name_truth,
        "gender": person.gender,
        "title": t.title,
        "title_level": t.level,
        "cert_no": t.cert_no,
        "issue_date": t.issue.isoformat(),
        "issuer": t.authority,
    }
    if birth:
        f["birth_date"] = birth
    if with_id:
        f["id_number"] = person.id_number
    return f


def _signer(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN_MALE) + rng.choice(("", rng.choice(GIVEN_MALE)))


def render_booklet_committee(person: Person, rng: random.Random, **facts) -> RenderedDoc:
    """Booklet spread: the holder left; right the committee sentence, then the authority."""
    t = _title(person, rng, facts)
    tl = bool(facts.get("text_layer"))
    cv, st = new_page(rng, True, tl, rng.choice(("red", "blue", "green")), size=(2700, 1860))
    ib = decorate(cv, st, rng, kind=rng.choice(("band", "plain", "frame")), margin=50)
    fold_shadow(cv, rng)
    half = cv.w / 2
    size = rng.uniform(42, 50)
    pw = rng.uniform(280, 330)
    px, py = ib[0] + (half - ib[0]) / 2 - pw / 2, ib[1] + 70
    photo(cv, (px, py, px + pw, py + pw * 1.4), rng, female=person.gender == "女")
    cv.add_overlay(
        orn.steel_seal(rng, seal_text(t.authority), int(pw * 0.9)), (px + pw * 0.9, py + pw * 1.3)
    )
    unit = rng.choice(vocab.COMPANIES)
    rows = [
        ("姓　　名", R(t.name, "name", "name")),
        ("性　　别", R(person.gender, "gender", "value")),
        (
            "出生年月",
            R(fmt_month(person.birth, rng.choice(("arabic", "dot"))), "birth_date", "value"),
        ),
        ("身份证号", R(person.id_number, "id_number", "number")),
        ("工作单位", R(unit, None, "value")),
    ]
    x0 = ib[0] + 70
    vx = x0 + cv.measure("出生年月：", "label", size) + 20
    y = py + pw * 1.4 + 120
    lh = min(size * 2.5, (ib[3] - 40 - y) / len(rows))
    for lab, part in rows:
        cv.text((x0, y), lab + "：", "label", size, st.label_color, "ls")
        runs(cv, vx, y, [part], fit(cv, [part], size * 1.05, half - 60 - vx), st.value_color)
        y += lh
    # right page
    rx0, rx1 = half + 90, ib[2] - 70
    cv.spaced(
        ((rx0 + rx1) / 2, ib[1] + 130),
        rng.choice(("专业技术资格证书", "职称证书")),
        "title",
        size * 1.6,
        size * 0.4,
        st.title_color,
        "m",
    )
    segs = [
        Seg("经"),
        Seg(t.committee),
        Seg("评审通过，具备"),
        Seg(t.series + "系列 " if rng.random() < 0.4 else ""),
        Seg(t.title, "value", "title"),
        Seg(rng.choice(("资格。", "专业技术资格。", "任职资格。"))),
    ]
    y = cv.paragraph(rx0, ib[1] + 270, rx1 - rx0, segs, size * 1.05, indent=size * 2.1)
    rows2 = [
        ("专　　业", R(t.major, None, "value")),
        ("评审（认定）时间", R(fmt_date(t.review, "arabic"), None, "value")),
        ("批准文号", R(t.doc_no, None, "value")),
        (rng.choice(("管理号", "证书编号")), R(t.cert_no, "cert_no", "number")),
    ]
    vx = rx0 + cv.measure("评审（认定）时间：", "label", size * 0.95) + 10
    y += size * 0.8
    for lab, part in rows2:
        cv.text((rx0, y), lab + "：", "label", size * 0.95, st.label_color, "ls")
        runs(cv, vx, y, [part], fit(cv, [part], size, rx1 - vx), st.value_color)
        y += size * 2.0
    y = max(y + size, ib[3] - size * 4.2)
    cv.text(
        (rx0, y),
        rng.choice(("发证机关（盖章）：", "发证单位：")),
        "label",
        size * 0.95,
        st.label_color,
        "ls",
    )
    cx = (rx0 + rx1) / 2 + size * 2
    runs(
        cv, cx, y + size * 1.6, [R(t.authority, "issuer", "value")], size * 1.0, st.value_color, "m"
    )
    date_txt = fmt_date(t.issue, rng.choice(("arabic", "cn", "arabic_pad")))
    runs(cv, cx, y + size * 3.3, [R(date_txt, "issue_date", "value")], size, st.value_color, "m")
    b = union(cv.boxes["issuer"], cv.boxes["issue_date"])
    seal(
        cv,
        rng,
        t.authority,
        ((b[0] + b[2]) / 2 + rng.uniform(-60, 60), (b[1] + b[3]) / 2),
        rng.uniform(330, 380),
        rng.choice(("", "职称专用章")),
    )
    birth = person.birth_date[:7]
    return finish(cv, "title_certificate", _fields(person, t, birth), "booklet_committee")


def render_form_table(person: Person, rng: random.Random, **facts) -> RenderedDoc:
    """A4 职称证书 as a table; the committee has its own row (评审组织), the issuing unit signs
    below with its seal; QR code for the look-up."""
    t = _title(person, rng, facts)
    tl = bool(facts.get("text_layer"))
    cv, st = new_page(rng, False, tl, rng.choice(("plain", "blue", "red")))
    ib = decorate(cv, st, rng, kind=rng.choice(("frame", "plain", "guilloche")))
    cv.spaced((cv.w / 2, ib[1] + 300), "职称证书", "title", 150, 70, st.title_color, "m")
    cv.text(
        (cv.w / 2, ib[1] + 400), "PROFESSIONAL TITLE CERTIFICATE", "latin", 40, st.title_color, "ms"
    )
    size = rng.uniform(48, 54)
    level_printed = rng.random() < 0.6
    rows = [
        ("姓名", [R(t.name, "name", "name")]),
        ("性别", [R(person.gender, "gender", "value")]),
        (
            "出生日期",
            [R(fmt_date(person.birth, rng.choice(("arabic", "dash"))), "birth_date", "value")],
        ),
        ("身份证号", [R(person.id_number, "id_number", "number")]),
        ("工作单位", [R(rng.choice(vocab.COMPANIES), None, "value")]),
        ("系列（专业）", [R(f"{t.series}系列（{t.major}）", None, "value")]),
        ("资格名称", [R(t.title, "title", "value")]),
    ]
    if level_printed:
        rows.append(("资格级别", [R(t.level, "title_level", "value")]))
    rows += [
        ("评审组织", [R(t.committee, None, "value")]),
        ("评审（认定）时间", [R(fmt_date(t.review, "arabic_pad"), None, "value")]),
        ("批准文号", [R(t.doc_no, None, "value")]),
        ("证书编号", [R(t.cert_no, "cert_no", "number")]),
    ]
    x0, x1 = ib[0] + 90, ib[2] - 90
    top = ib[1] + 520
    rh = min(size * 2.6, (ib[3] - 700 - top) / len(rows))
    lw = (x1 - x0) * 0.28
    pw = (x1 - x0) * 0.25
    g = st.grid_color
    d = cv.draw
    bottom = top + rh * len(rows)
    d.rectangle((x0, top, x1, bottom), outline=g, width=4)
    d.line((x0 + lw, top, x0 + lw, bottom), fill=g, width=2)
    for i, (lab, parts) in enumerate(rows):
        y0 = top + i * rh
        right = x1 - pw if i < 5 else x1
        if i:
            d.line((x0, y0, right, y0), fill=g, width=2)
        ls = cv.fit_size(lab, "label", size * 0.92, lw - 30)
        cv.text((x0 + lw / 2, y0 + rh * 0.64), lab, "label", ls, st.label_color, "ms")
        runs(
            cv,
            x0 + lw + 25,
            y0 + rh * 0.64,
            parts,
            fit(cv, parts, size, right - x0 - lw - 50),
            st.value_color,
        )
    d.line((x1 - pw, top, x1 - pw, top + rh * 5), fill=g, width=2)
    d.line((x1 - pw, top + rh * 5, x1, top + rh * 5), fill=g, width=2)
    ph = rh * 5 * 0.86
    pcx, pcy = x1 - pw / 2, top + rh * 2.5
    photo(
        cv,
        (pcx - ph / 2.8, pcy - ph / 2, pcx + ph / 2.8, pcy + ph / 2),
        rng,
        female=person.gender == "女",
    )
    y = bottom + 170
    cv.text((x1 - 900, y), "发证单位（盖章）", "label", size, st.label_color, "ls")
    runs(
        cv,
        x1 - 450,
        y + size * 1.9,
        [R(t.authority, "issuer", "value")],
        fit(cv, [R(t.authority)], size, 880),
        st.value_color,
        "m",
    )
    runs(
        cv,
        x1 - 450,
        y + size * 3.7,
        [R(fmt_date(t.issue, rng.choice(("arabic", "cn"))), "issue_date", "value")],
        size,
        st.value_color,
        "m",
    )
    b = union(cv.boxes["issuer"], cv.boxes["issue_date"])
    seal(cv, rng, t.authority, ((b[0] + b[2]) / 2, (b[1] + b[3]) / 2), rng.uniform(400, 460))
    qr(cv, x0, bottom + 120, 280, rng, "扫码查询")
    fields = _fields(person, t, person.birth_date)
    return finish(cv, "title_certificate", fields, "form_table")


def render_landscape_sentence(person: Person, rng: random.Random, **facts) -> RenderedDoc:
    """Landscape 任职资格证书: every fact in one sentence, authority and date under the seal,
    the document number and certificate number small at the bottom left."""
    t = _title(person, rng, facts)
    tl = bool(facts.get("text_layer"))
    cv, st = new_page(rng, True, tl, rng.choice(("gold", "red", "green")))
    ib = decorate(cv, st, rng, kind=rng.choice(("guilloche", "corners", "frame")))
    head = rng.choice(("专业技术职务任职资格证书", "专业技术资格证书"))
    cv.spaced((cv.w / 2, ib[1] + 300), head, "title", 130, 20, st.title_color, "m")
    size = rng.uniform(78, 90)
    ds = rng.choice(("arabic", "cn"))
    birth_txt = fmt_date(person.birth, ds)
    segs = [
        Seg(t.name, "name", "name"),
        Seg("，"),
        Seg(person.gender, "body", "gender"),
        Seg("，"),
        Seg(birth_txt, "body", "birth_date"),
        Seg("生，身份证号 "),
        Seg(person.id_number, "number", "id_number"),
        Seg("。经"),
        Seg(t.committee),
        Seg("评审通过，具备"),
        Seg(t.major + "专业" if rng.random() < 0.5 else ""),
        Seg(t.title, "body", "title"),
        Seg("资格。"),
    ]
    bx0, bw = ib[0] + 220, ib[2] - ib[0] - 440
    y = cv.paragraph(bx0, ib[1] + 560, bw, segs, size, line_h=size * 1.9, indent=size * 2)
    cv.paragraph(bx0, y, bw, [Seg("特发此证。")], size, indent=size * 2)
    sx = ib[2] - 700
    sy = ib[3] - 330
    runs(
        cv,
        sx,
        sy,
        [R(t.authority, "issuer", "body")],
        fit(cv, [R(t.authority)], size * 0.85, 1100),
        st.value_color,
        "m",
    )
    runs(
        cv,
        sx,
        sy + size * 1.6,
        [R(fmt_date(t.issue, ds), "issue_date", "body")],
        size * 0.85,
        st.value_color,
        "m",
    )
    b = union(cv.boxes["issuer"], cv.boxes["issue_date"])
    seal(cv, rng, t.authority, ((b[0] + b[2]) / 2, (b[1] + b[3]) / 2), rng.uniform(430, 500))
    small = 40
    cv.text((ib[0] + 120, ib[3] - 170), f"批准文号：{t.doc_no}", "body", small, (60, 60, 60))
    runs(
        cv,
        ib[0] + 120,
        ib[3] - 100,
        [R("证书编号："), R(t.cert_no, "cert_no", "number")],
        small,
        (60, 60, 60),
    )
    if rng.random() < 0.5:
        cv.text(
            (ib[0] + 120, ib[3] - 240),
            f"评审时间：{fmt_date(t.review, 'arabic')}",
            "body",
            small,
            (60, 60, 60),
        )
    truth_boxes = [cv.boxes[k] for k in ("name", "title", "issuer", "issue_date", "cert_no")]
    heading = [(ib[0], ib[1] + 150, ib[2], ib[1] + 330)]
    overprints.apply(cv, rng, facts, truth_boxes, {"use_only": 0.3, "page_no": 0.3}, heading)
    fields = _fields(person, t, person.birth_date)
    return finish(cv, "title_certificate", fields, "landscape_sentence")


LAYOUTS = {
    "booklet_committee": render_booklet_committee,
    "form_table": render_form_table,
    "landscape_sentence": render_landscape_sentence,
}
