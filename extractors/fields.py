"""Fields from positioned text: a blank spaCy `zh` pipeline with rule components.

Components (registered here, in one place):
- `cc_labels`   marks label anchors (姓名, 证件号码, 职业技能等级, 证书编号, 发证日期, 评价机构…)
                as spans in `doc.spans["labels"]`;
- `cc_phrases`  marks wordings that carry a value without a label ("授予…同志",
                "获奖者：", "荣获…一等奖", "学生…，…生") in `doc.spans["phrases"]`;
- `cc_fields`   resolves each label to its value — the rest of its cell, the next cell of
                the row, or the cell under it — normalises it, and keeps the best candidate
                per field with its box in `doc._.fields`.

The doc's text is the page's rows joined by newlines, cells joined by tabs; the layout rides
along in `doc.user_data` so every value can be traced to a box.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING

import spacy
from rapidfuzz.distance import Levenshtein
from spacy.language import Language
from spacy.tokens import Doc

from extractors import normalize as nz
from extractors.layout import (
    Cell,
    Row,
    build_rows,
    sub_bbox,
    typical_height,
    union,
    vertical_overlap,
)
from extractors.lexicon import (
    HONOUR_LINE,
    HONOUR_TAIL,
    ORG_HEAD,
    OVERPRINT,
    PHRASES,
    mend,
)
from extractors.validators import parse_cert_no, validate_id_number
from models import BBox, DocType, Evidence, ExtractedField, PageText, RosterEntry
from models.catalogue import DOC_SPECS

if TYPE_CHECKING:
    from extractors.seals import SealText

SKILL, AWARD, TITLE, EDU, IDC = (
    DocType.skill_certificate,
    DocType.award_certificate,
    DocType.title_certificate,
    DocType.education_certificate,
    DocType.id_card,
)
ALL_TYPES = frozenset(DocType)

# --- value cleaners -----------------------------------------------------------------------

_NAME_BAD = re.compile(r"[0-9A-Za-z：:，,。；;（）()《》“”\"]")
_NOT_NAME = re.compile(
    r"学位|证书|称号|大赛|竞赛|比赛|项目|技能|能手|标兵|模范|奖|专业|学院|大学"
    r"|复印|使用|申报|身份证|有效|中华|人民|共和国|学士|硕士|博士"
    # An ID card's address line standing where the name was lost: "新疆伊犁哈萨克自治州昭苏".
    r"|新疆.{2}|自治[区州县]|地区|公安|街道|[省市县乡镇村路]$"  # (王新疆 is a name)
    r"|表彰|荣誉|希望|以下|珍惜|受表|特发|鼓励|此证|证明"  # a letter's sentence: 希望受表彰的同志…
    r"|资格|扫码|查询|查验|[一二三四五]级$"  # 农艺工二级, 扫码查询: an occupation, a caption
    # Who signs, not who holds: "主席：" over a degree committee's signature.
    r"|^(?:主席|副主席|校长|院长|主任|书记|局长|厅长|部长|会长|理事长|委员|负责人|经办人|审核人"
    r"|签发人|发证人|法定代表人|组长)$"
)
_LABEL_WORDS = ("姓名", "性别", "民族", "证书", "编号", "日期", "号码", "等级", "同志", "单位",
                "文号", "机关", "机构", "组织", "证件", "原件", "效期")  # fmt: skip


# What a copy's overprints say (documents.md): no piece of them is anyone's name.
_OVERPRINT_WORDING = ("仅供申报使用", "项目申报使用", "再复印无效", "复印件与原件相符", "与原件一致",
                      "他用无效", "核对人", "审核人")  # fmt: skip


def _name(s: str) -> str | None:
    # OCR reads the middle dot of a minority name as "?" now and then.
    s = re.sub(r"(?<=[\u4e00-\u9fff])[?？。．](?=[\u4e00-\u9fff])", "·", s)  # and 。 for ·
    s = re.split(r"[，,。；;：:\s]{1}(?=[\u4e00-\u9fff]{1,4}[：:])", s)[0]
    s = re.sub(r"(同志|先生|女士)$", "", s.strip(" ：:，,。"))
    # ... or 同志's 同 with the 志 lost (under a stamp, past the line's box): 阿斯哈尔同. Only
    # on a minority name (a dotted one, or one too long to be Han), whose transliterations
    # do not end in 同; a Han name may (李大同).
    s = re.sub(r"(?:(?<=[·•．・‧⋅][\u4e00-\u9fff]{2})|(?<=[\u4e00-\u9fff]{4}))同$", "", s)
    # The next label and its value read onto the name, the gap lost: 宋云玲别女 (性别 女).
    s = re.sub(r"(?<=[\u4e00-\u9fff]{2})(?:性别[男女]?|别[男女])$", "", s)
    s = re.sub(r"^学生(?=\S{2})", "", s)  # "学生麦麦提·吐尔逊·吾斯曼：" opening a diploma
    s = re.sub(r"^兹证明(?=\S{2})", "", s)  # "兹证明丁飞军同志，…" opening a work certificate
    # The tail of a letter-spaced label "姓  名" read onto the value: 名阿合加孜·努尔兰.
    s = re.sub(r"^名(?=[\u4e00-\u9fff]{2,}[·•．・‧⋅]|[\u4e00-\u9fff]{2,3}$)", "", s)
    # ... or the whole label with one glyph misread and no gap: 姓老马龙, 胜名阿依古丽·肉孜.
    s = re.sub(r"^(?:姓[老各多石]|[胜性牲]名)(?=[\u4e00-\u9fff]{2})", "", s)
    # ... as a comma ("托合提，阿吉"), or printed as a space ("努尔古丽 吾守尔"), when the
    # value holds nothing but the name's parts; two short parts ("张三，李四") are two people.
    parts = re.split(r"[，,]|\s+", s.strip())
    if (
        len(parts) in (2, 3)
        and all(re.fullmatch(r"[\u4e00-\u9fff]{2,8}", p) for p in parts)
        and sum(map(len, parts)) >= 5
        and not nz.normalize_gender(parts[-1])
        and not nz.normalize_ethnicity(parts[-1])
    ):
        s = "·".join(parts)
    n = nz.normalize_name(s)
    if not n or _NAME_BAD.search(n) or any(w in n for w in _LABEL_WORDS):
        return None
    head = find_labels(n)
    if head and head[0][0] == 0 or find_labels_anywhere(n):
        return None  # "管理号", "姜静赛事名称": a label, not (only) a name
    if _misread_label(n):
        return None  # "民旅", "签发机天", "特证人": a label read with a wrong glyph
    if _ORG_END.search(n) or _NOT_NAME.search(n):
        return None  # "评审委员会", "理学硕士学位", "创业创新大赛中": not a person
    if any(n.replace("·", "") in w for w in _OVERPRINT_WORDING):
        return None  # "再复": a piece of a copy's 再复印无效 line standing where a name was lost
    if (
        nz.normalize_ethnicity(n)
        or re.match(r"[民性]", n)
        and (nz.normalize_ethnicity(n[1:]) or nz.normalize_gender(n[1:]))
    ):
        return None  # "维吾尔", "民哈萨克", "性女": an ID card's 民族/性别 cell, label lost
    plain = n.replace("·", "")
    if not 2 <= len(plain) <= 20 or not all("\u4e00" <= c <= "\u9fff" for c in plain):
        return None
    # No middle dot is put back into a name read without one: some are printed so
    # (艾则孜阿里木), and as many were printed so as lost it on the tuning seeds.
    return n


# Labels whose misreading stands where a name was expected (ID cards, old certificates);
# no two-glyph name is one glyph off these (出生 is: 王生).
_SHORT_LABELS = ("民族", "性别", "住址")


def _misread_label(name: str) -> bool:
    """A label or a piece of one, one glyph off (two in a label of four or more read to its
    length): "民旅" 民族, "签发机天" 签发机关, "发机", "有边用限" 有效期限, "评定成情" 评定成绩.
    Labels are seldom words names are made of; the rare name inside a label (文化 in 文化程度)
    is lost as a field, which is a missing value for a reviewer, not a false mismatch."""
    plain = name.replace("·", "")
    for _key, label, _rx in _label_table():
        if len(label) < 3 or "/" in label:
            continue
        if len(plain) >= 2 and plain in label:
            return True
        if abs(len(label) - len(plain)) > 1:
            continue
        allowed = 2 if len(label) >= 4 and len(plain) == len(label) else 1
        if Levenshtein.distance(plain, label) <= allowed:
            return True
    return len(plain) == 2 and any(Levenshtein.distance(plain, lab) == 1 for lab in _SHORT_LABELS)


def _id_number(s: str) -> str | None:
    t = nz.to_halfwidth(s).upper().replace(" ", "")
    m = re.search(r"\d{17}[\dX]|(?<!\d)\d{15}(?![\dX])", t)
    if not m:
        # A digit lost (16–17 left): not a 15-digit number with a tail. Kept as read, so it
        # fails the check and the second opinion re-reads it.
        m = re.search(r"(?<!\d)\d{16,17}(?![\dX])", t)
        return m.group(0) if m else None
    return validate_id_number(m.group(0)).normalized


def _cert_no(s: str) -> str | None:
    # A date printed on the same line ("10763120230129777 2023年06月01日") is no part of it.
    s = re.split(r"\s+(?=[0-9０-９]{4}\s*年)", s)[0]
    t = nz.clean_cert_no(s) or ""
    # The English label run into the number, garbled: "CRICATENO1365…" (Certificate No).
    t = re.sub(r"[A-Z]{3,}N[O0]\.?(?=\d{8})", "", t)
    m = re.search(r"[A-Z]{1,2}\d{20,21}|\d{13,20}|[A-Z0-9]{8,24}", t)
    if not m:
        return None
    value = m.group(0)
    if re.fullmatch(r"[A-Z]\d{16}", value):
        value = value[1:]  # an old 16-digit number with "No." misread before it
    return value if sum(c.isdigit() for c in value) >= 6 else None


def _text(s: str) -> str | None:
    t = nz.to_halfwidth(s).strip(" ：:，,。;；_")
    # Spaces inside a value are OCR's, except one between two names ("中共中央 国务院").
    t = re.sub(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])", "\0", t)
    t = re.sub(r"\s+", "", t).replace("\0", " ")
    if not t or t in {"--", "-", "—", "——", "无", "/"}:
        return None
    # Chinese names print full-width brackets: 新疆天业（集团）有限公司.
    return t.replace("(", "（").replace(")", "）")


def _award_name(s: str) -> str | None:
    # Another label run into the same line: the award is what follows the last one.
    labels = [e for _s, e, _k in find_labels_anywhere(s)]
    if labels:
        s = s[max(labels) :]
    s = re.sub(r"(竞赛|大赛)\s*[—\-－一_]{1,2}\s*(第)", r"\1——\2", s)
    # "授予钟秀婷同志" / "“全国巾帼建功标兵”称号" read across the break: the person goes.
    s = re.sub(r"^[^“\"「『]*?(?:同志|同学)[:：，,]?\s*", "", s)
    # "肉孜·热西提在第一届…大赛": the holder's name, read across the break, goes.
    m = re.match(r"(.{2,20}?)(?:同志)?[:：,，]?\s*(?=(?:在|于|参加).{4})", s.strip())
    if m and _name(m.group(1)):
        s = s.strip()[m.end() :]
    s = re.sub(r"^各[^\s，,。]{0,8}(?:单位|部门)[:：]?", "", s.strip())  # a letter's salutation
    s = re.sub(
        r"^.{0,12}?[〔（(\[【]\d{4}[〕）)\]】]\s*\d{1,4}号", "", s
    )  # its number: …〔2016〕81号
    s = re.sub(r"^(?:参加|在|关于)(?=.{4})", "", s.strip())  # "参加/在2014年…技能大赛": the event
    # "被评为2019年度自治区先进工作者" with its quotes lost: the 年度 is the award's year.
    s = re.sub(r"^(?:19|20)\d{2}\s*年度(?=[^\s，,。]{4})(?!.*" + _COMPETITION + ")", "", s)
    # The letter's closing run on with its quotes and comma lost: "劳动模范特发此状".
    s = re.sub(r"[，,。]?\s*(?:特发此[证状]|以资鼓励).*$", "", s)
    # A quote left at either end (“ read as ‘ is not in the phrases' quote set): no glyph
    # of the honour's name.
    t = _text(s.strip().strip("‘’'“”\"「」『』"))
    # "维修电工项目比赛" is the event within a competition, not the award.
    if t is None or re.search(r"项目|赛项", t):
        return None
    return mend(t)  # "自治区巾国建功标兵"


# The kind of school a diploma's heading names (普通高等学校毕业证书), not a school.
_SCHOOL_KIND = re.compile(
    r"(?:普通|成人|全日制)?(?:高等|中等|初等)?(?:职业|专业|技工|师范)?(?:技术)?(?:学校|院校)"
)


def _school(s: str) -> str | None:
    t = _issuer(re.sub(r"^(?:在|于|就读于)", "", s.strip()))
    if t is not None and _SCHOOL_KIND.fullmatch(t):
        return None
    if t is not None and "（" not in t:
        # The campus's opening bracket lost on a poor scan: "中国石油大学华东）".
        t = re.sub(r"(大学|学院|学校)([\u4e00-\u9fff]{2,6})）$", r"\1（\2）", t)
    return t


def _occupation(s: str) -> str | None:
    t = _text(s)
    if t is None or re.search(r"\d{4,}", t) or not _HAS_CJK.search(t):
        return None  # "Orcupato": an English label misread, not an occupation
    return t


def _occupation_and_level(s: str) -> dict[str, str]:
    out: dict[str, str] = {}
    level = nz.normalize_skill_level(s)
    if level:
        out["skill_level"] = level
    m = re.match(
        r"[\s:：]*([\u4e00-\u9fff]{2,12}?)\s*(?:[(（]?(?:[一二三四五]级|初级|中级|高级|技师|国家职业资格)|$)",
        s,
    )
    occupation = _occupation(m.group(1)) if m else None
    if occupation:
        out["occupation"] = occupation
    return out


def _title(s: str) -> str | None:
    # "具备…专业高级会计师任职资格" → 高级会计师; only a title the level table knows counts
    # ("任职资格证书" under a heading is not one).
    s = nz.to_halfwidth(s).strip(" 。.")
    s = re.sub(r"^(?:资格|名称)\s*[:：]?", "", s)  # "资格正高级工程师": 资格名称 half read
    if "专业" in s:
        s = s.rsplit("专业", 1)[1] or s
    s = re.sub(r"^[\u4e00-\u9fff]{1,8}系列", "", s)  # "卫生系列副主任医师": the series goes
    s = re.sub(r"(?:专业技术)?(?:任职)?资格$", "", s)
    if not 2 <= len(s) <= 10:
        return None
    title = nz.normalize_title(s)
    return title if title and nz.normalize_title_level(title) else None


def _gender(s: str) -> str | None:
    # A seal over the cell may add noise after the character: "女力资源和装".
    g = nz.normalize_gender(s)
    if g is None and s.strip()[:1] in ("男", "女"):
        g = s.strip()[0]
    return g


# Glyphs OCR puts for Chinese numerals in dates ("二〇O七年七月乙十日").
_DATE_CONFUSIONS = str.maketrans(
    {"乙": "二", "O": "〇", "o": "〇", "口": "〇", "D": "〇", "C": "〇", "西": "三", "0": "〇",
     "①": "〇", "◯": "〇", "千": "十", "上": "二"}
)  # fmt: skip
# Years printed elsewhere on the page being read ("2022年度", "培养周期：2022年11月…"):
# which one a garbled Chinese-numeral year is, when its glyphs allow two.
_PAGE_YEARS: ContextVar[frozenset[str]] = ContextVar("credcheck_page_years", default=frozenset())
# Every run of digits the page prints, joined by spaces (a year inside a certificate number).
_PAGE_DIGITS: ContextVar[str] = ContextVar("credcheck_page_digits", default="")


def _cn_year(m: re.Match[str]) -> str:
    """A year has no 十: it is 一 read as 十 (a seal's stroke or a thin horizontal), or 二
    with a stroke lost: the one the page prints elsewhere, else 一. A 6 amid Chinese
    numerals is a 〇 with its ring broken ("二6二三年")."""
    y = m.group(0).replace("6", "〇")
    if "十" not in y:
        return y
    options = [y.replace("十", g) for g in "一二"]
    printed = _PAGE_YEARS.get()
    for o in options:
        got = nz.parse_date(o + "年1月1日")
        if got is not None and got[:4] in printed:
            return o
    return options[0]


def _e_year(m: re.Match[str]) -> str:
    """An E in a Chinese-numeral year is 二 or 三 with strokes joined: the one the page
    prints elsewhere; else left unread (no guess)."""
    y = m.group(0)
    if len(y) != 4 or y.count("E") != 1:
        return y
    fits = [o for o in (y.replace("E", g) for g in "二三")
            if (got := nz.parse_date(o + "年1月1日")) is not None and got[:4] in _PAGE_YEARS.get()]  # fmt: skip
    return fits[0] if len(fits) == 1 else y


_CN = "〇零一二三四五六七八九十"
_CN_DIGIT = str.maketrans("0123456789零", "〇一二三四五六七八九〇")


def _cn_spelling(year: str) -> str:
    return year.translate(_CN_DIGIT)


def _short_year(m: re.Match[str]) -> str:
    """A year read with glyphs lost (二〇年, 2二三年): the one year printed elsewhere on the
    page whose spelling holds what was read, in order, and ends as it; else as read."""
    got = _cn_spelling(m.group(0))
    fits = set()
    for y in _PAGE_YEARS.get():
        it = iter(_cn_spelling(y))
        # Its last glyph read: without it any year of the decade fits (二〇二 of 2022 would
        # take the 2021 a review date prints).
        if got[-1] == _cn_spelling(y)[-1] and all(g in it for g in got):
            fits.add(_cn_spelling(y))
    return fits.pop() if len(fits) == 1 else m.group(0)


def _not_future(d: str | None) -> str | None:
    """A date after this year was misread: the year one glyph off it that the page prints
    elsewhere (二〇三〇 for the 2020 of its 批准文号), when only one is; else as read."""
    if d is None or int(d[:4]) <= date.today().year:
        return d
    near = {y for y in _PAGE_YEARS.get() if _one_slip(y, d[:4]) and int(y) <= date.today().year}
    return near.pop() + d[4:] if len(near) == 1 else d


def _date(s: str) -> str | None:
    d = _not_future(_date_as_read(s))
    if d is not None and int(d[:4]) > date.today().year and re.search(f"[{_CN}]", s):
        d = _stroke_gained(d)
    return d


# Chinese numerals that gain a stroke under a seal or noise and read as the next one.
_STROKE_GAINED = {"3": "2", "2": "1"}


def _stroke_gained(d: str) -> str:
    """A Chinese-numeral year after this year ("二〇三三" for 二〇二三): the one year that a
    single glyph read with a stroke too many (三 for 二, 二 for 一) makes of it, not in the
    future, and that the page's digits hold (its certificate number 6501002023…: the year
    inside a number, which _not_future's page years leave out); else as read, no guess."""
    digits = _PAGE_DIGITS.get()
    fits = set()
    for i in (2, 3):
        g = _STROKE_GAINED.get(d[i])
        if g is not None:
            y = d[:i] + g + d[i + 1 : 4]
            if 1950 <= int(y) <= date.today().year and y in digits:
                fits.add(y)
    return fits.pop() + d[4:] if len(fits) == 1 else d


def _date_as_read(s: str) -> str | None:
    """parse_date, then the repairs a seal or a poor scan calls for in Chinese-numeral dates:
    look-alike glyphs, a lost 〇 or leading 一 of the year, a day without its 日."""
    # An Arabic digit amid Chinese numerals is that numeral ("六月2十日"), and no 年 stands
    # inside a day ("一月二年十四日": 十 read as 年 beside the 十 that was read). Before the
    # first parse, which would take "六月2" for the 2nd.
    s = re.sub(r"\d(?=十)|(?<=十)\d", lambda m: m.group(0).translate(_CN_DIGIT), s)
    s = re.sub(f"(月[{_CN}])年(?=[{_CN}]{{1,2}}日)", r"\1", s)
    d = nz.parse_date(s)
    if d is not None and len(d) == 7:
        # The day's 日 misread as another glyph at the end: "2020年12月4街".
        m = re.search(r"(月\s*\d{1,2})\s*[\u4e00-\u9fff]$", s.strip())
        if m and not s.strip().endswith(("日", "号")):
            fixed = nz.parse_date(s.strip()[: m.end(1)] + "日")
            if fixed is not None and fixed.startswith(d):
                return fixed
    if d is not None and len(d) == 10 or not re.search(f"[{_CN}]", s):
        return d
    t = s.translate(_DATE_CONFUSIONS)
    t = re.sub(f"(?<=[{_CN}])[（(](?=[{_CN}])", "〇", t)  # a ring read as its half: 二（一九
    # A year's second glyph follows from its first (二〇…, 一九…): any other glyph there
    # is that one misread ("二过二年").
    t = re.sub(f"(?<![0-9{_CN}])二(?![{_CN}])[\u4e00-\u9fff](?=[{_CN}]{{2}}年)", "二〇", t)
    t = re.sub(f"(?<![0-9{_CN}])一(?![{_CN}])[\u4e00-\u9fff](?=[{_CN}]{{2}}年)", "一九", t)
    t = re.sub(f"(?<![0-9{_CN}])[{_CN}6]{{4}}(?=年)", _cn_year, t)
    t = re.sub(f"(?<![0-9{_CN}])[{_CN}]*E[{_CN}]*(?=年)", _e_year, t)
    t = re.sub(f"(?<=[{_CN}])明(?=[{_CN}])", "月", t)  # 月 inside a seal's ring reads 明
    t = re.sub(r"十十(?=[月日])", "十一", t)  # no 十十: its 一 crossed by a stroke (十一月)
    # ... nor a day 十十N: its 二 read as 十, since only 二十N has a digit after two glyphs
    # (三十一 aside: N of 2-9 only).
    t = re.sub(r"(?<=月)十十(?=[二三四五六七八九]日)", "二十", t)
    t = re.sub(
        r"(?<![〇零一二三四五六七八九])二([一二三四五六七八九])([一二三四五六七八九〇零])年",
        r"二〇\1\2年",
        t,
    )
    t = re.sub(r"(?<![〇零一二三四五六七八九])九([〇零一二三四五六七八九]{2})年", r"一九\1年", t)
    t = re.sub(f"(?<![0-9{_CN}])[0-9{_CN}]{{2,3}}(?=年\\s*[{_CN}]{{1,2}}\\s*月)", _short_year, t)
    t = re.sub(f"(月[{_CN}]{{1,3}})$", r"\1日", t.strip())
    fixed = nz.parse_date(t)
    if fixed is not None and (d is None or len(fixed) > len(d)):
        return fixed
    return d


def _year(s: str) -> str | None:
    m = re.search(r"(19|20)\d{2}", nz.to_halfwidth(s))
    return m.group(0) if m else None


# Two issuers on one line ("中共中央 国务院", "…党委 …人民政府") are printed apart.
_CO_ISSUER = re.compile(
    r"(党委|县委|州委|市委|中共中央|人民政府|政府|厅|局|部|委员会|总工会|团中央|共青团中央)"
    r"(?=(?:中共|共青团|国务院|全国|新疆|中华|人力资源|[\u4e00-\u9fff]{2,8}(?:人民政府|政府|总工会|妇联)$))"
)


# Two issuers printed with a comma between them ("新疆维吾尔自治区人民政府，新疆生产建设兵团").
_CO_ISSUER_SEP = re.compile(r"^[^，,。]{4,30}(?:政府|兵团|委员会|总工会|厅|局)[，,][^，,。]{4,30}$")


def _mend_edges(text: str) -> str:
    """Misreads `mend` leaves alone, where a seal's ring crosses the first glyph of a long
    phrase ("自治区父力资源和社会保障厅") or a middle glyph of a short phrase that ends a
    name no known ending ends ("克拉玛依市总卫会"); the rest must agree exactly."""
    for phrase in PHRASES:
        n = len(phrase)
        if n >= 9 and phrase not in text:
            i = text.find(phrase[1:])
            if i > 0 and text[i - 1] != phrase[0] and "\u4e00" <= text[i - 1] <= "\u9fff":
                text = text[: i - 1] + phrase + text[i - 1 + n :]
        elif 3 <= n <= 4 and len(text) > n and not _ORG_END.search(text):
            tail = text[-n:]
            diff = sum(a != b for a, b in zip(tail, phrase, strict=True))
            if diff == 1 and tail[0] == phrase[0] and tail[-1] == phrase[-1]:
                text = text[:-n] + phrase
    return text


def _issuer(s: str) -> str | None:
    t = _text(s)
    if t is None or not _HAS_CJK.search(t):
        return None  # "ssuedby": an English label misread
    # The tail of a label whose head glyph was lost: "定机构:国网新疆电力有限公司".
    m = re.match(r"([\u4e00-\u9fff]{2,5})[:：]", t)
    if m and any(lab.endswith(m.group(1)) for lab in SPECS_BY_KEY["issuer"].labels):
        t = t[m.end() :]
    # A label's head run on with its last glyph and the gap lost: "发证机国石油…" (发证机关).
    k = max((k for lab in SPECS_BY_KEY["issuer"].labels for k in range(3, len(lab))
             if t[:k] == lab[:k]), default=0)  # fmt: skip
    if k and ORG_HEAD.match(_lost_head(t[k:])):
        t = t[k:]
    t = _lost_head(t)
    t = re.sub(r"^.{2,20}?同志[，,]?经", "", t)  # "马娜兰同志,经…局" (prose run together)
    # 发证单位（盖章）：, its 章 lost under the seal ("（盖）…") or its bracket read twice.
    t = re.sub(r"^[（(]?(?:盖章|签章|公章|印章)[）)]*[:：]?|^[（(]盖[）)]+[:：]?", "", t)
    t = re.sub(r"^[）)]+", "", t)  # a closing bracket opens no name
    # The sentence after a committee's name is no issuer: "评审委员会 | 评审通过，具备…资格".
    if re.search(r"评审通过|具备|特发此证|[，,。]", t) and not _CO_ISSUER_SEP.search(t):
        return None
    # Not a date either, whatever its digits: "二6二三年九月十七日".
    if len(t) < 4 or re.search(r"\d{4}|年[^年]{0,3}月", t):
        return None
    t = _mend_edges(mend(t))
    t = re.sub(r"(?<=族)自(?=[州县区])", "自治", t)  # 治 lost: 昌吉回族自州
    t = _ring_echo_cut(t)
    t = _stray_head_cut(t)
    # A city's government bodies carry its 市 (克拉玛依市人力资源和社会保障局): a 市 lost
    # between them is put back. Cities whose bare name is also a prefecture's or a school's
    # head (昌吉, 阿克苏, 哈密职业技术学院) are left alone: only government bodies follow here.
    t = re.sub(f"^((?:中共)?{_CITY})(?={_CITY_BODY})", r"\1市", t)
    # A seal over the name's end: "…人力资源和社会保障" lost its 局, "…社会保乌鲁木齐" took
    # the seal's ring text. The bureau's rank follows from whose it is.
    m = re.search(r"人力资源(和?)社会保(?!障[局厅部])", t)
    rest = t[m.end() :] if m else ""
    if m and (rest == "障" or not rest.startswith("障")):  # not "…社会保障服务中心"
        head = t[: m.start()]
        end = "厅" if head.endswith("自治区") else "部" if head in ("", "中华人民共和国") else "局"
        t = f"{head}人力资源{m.group(1)}社会保障{end}"
    if " " not in t:
        t = _CO_ISSUER.sub(r"\1 ", t, count=1)
    return t


# Prefecture-level cities (and the corps' cities) named without 市 only by a misreading when
# their government bodies follow.
_CITY = "(?:乌鲁木齐|克拉玛依|吐鲁番|石河子|五家渠|阿拉尔|图木舒克|北屯|铁门关|库尔勒|奎屯|伊宁)"
_CITY_BODY = "(?:人力资源|人民政府|人社局|总工会|妇女联合会|教育局|财政局|科学技术局)"
# The heads that open a regional or national name; glyphs before them on the same line are a
# neighbouring line's or a ring's.
_TOP_HEAD = re.compile(r"新疆(?:维吾尔自治区|生产建设兵团)|中华人民共和国")


def _stray_head_cut(t: str) -> str:
    """A fragment of a neighbouring line glued before a name that opens with a region's full
    name: "兵团人新疆生产建设兵团人力资源…". Cut when the fragment (1–4 glyphs) is made only of
    glyphs the name itself holds, i.e. it echoes the name; "中共新疆…", "国网新疆…" keep theirs."""
    m = _TOP_HEAD.search(t, 1)
    if m is None or m.start() > 4:
        return t
    junk, rest = t[: m.start()], t[m.start() :]
    if len(rest) >= 8 and all(g in rest for g in junk) and not re.search(r"[\s·]", junk):
        return rest
    return t


def _lost_head(t: str) -> str:
    """A fixed phrase that opens an organisation's name with its first glyph lost at the
    start of the text ("国石油天然气…", "疆维吾尔自治区…"): put back, so the name has its head."""
    if ORG_HEAD.match(t):
        return t
    for phrase in PHRASES:
        if len(phrase) >= 6 and t.startswith(phrase[1:]) and ORG_HEAD.match(phrase):
            return phrase[0] + t
    return t


def _ring_echo_cut(t: str) -> str:
    """Stray glyphs of a seal's ring before the name it repeats: "力资源和社喀什地区人力资源和
    社会保障局", "州人为昌吉回族自治州…". Cut when the name proper begins with a place or an
    owner (ORG_HEAD), the whole does not, and the stray run echoes the name (two glyphs in a
    row of it)."""
    if ORG_HEAD.match(t):
        return t
    for k in range(1, 7):
        rest, junk = t[k:], t[:k]
        if len(rest) >= 6 and ORG_HEAD.match(rest):
            echo = junk in rest if k == 1 else any(junk[i : i + 2] in rest for i in range(k - 1))
            return rest if echo else t
    return t


# --- the field table ----------------------------------------------------------------------


@dataclass(frozen=True)
class FieldSpec:
    key: str
    labels: tuple[str, ...]
    clean: Callable[[str], str | None]
    doc_types: frozenset[DocType] = ALL_TYPES
    below: bool = True  # value may sit under the label
    # For labels that announce two fields at once ("职业(工种)及等级：焊工 四级(中级工)").
    split: Callable[[str], dict[str, str]] | None = None


FIELD_SPECS: tuple[FieldSpec, ...] = (
    FieldSpec("name", ("姓名", "获奖者", "获奖人", "获奖选手", "持证人", "学生姓名"), _name),
    FieldSpec("gender", ("性别",), _gender),
    FieldSpec("ethnicity", ("民族",), nz.normalize_ethnicity),
    FieldSpec(
        "id_number",
        ("公民身份号码", "身份证号码", "身份证件号码", "身份证号", "证件号码", "证件号"),
        _id_number,
    ),
    FieldSpec("birth_date", ("出生日期", "出生年月", "出生"), _date),
    FieldSpec(
        "skill_level",
        ("职业技能等级", "技能等级", "职业资格等级", "资格等级", "等级", "级别"),
        nz.normalize_skill_level,
        frozenset({SKILL}),
    ),
    FieldSpec(
        "occupation_level",
        ("职业(工种)及等级", "职业(工种)及级别", "职业及等级"),
        _text,
        frozenset({SKILL}),
        split=_occupation_and_level,
    ),
    FieldSpec(
        "occupation",
        ("职业名称", "职业（工种）", "职业(工种)", "职业工种", "工种", "职业"),
        _occupation,
        frozenset({SKILL}),
    ),
    FieldSpec(
        "cert_no",
        (
            "证书编号",
            "证书号码",
            "证书号",
            "管理号",
            "编号",
            "证号",
            "NO.",
            "No.",
            "NO:",
            "No:",
            "№",
        ),
        _cert_no,
    ),
    FieldSpec(
        "issue_date",
        (
            "发证日期",
            "发证时间",
            "颁证日期",
            "颁发日期",
            "签发日期",
            "批准日期",
            "授予日期",
            "获证日期",
            "取得时间",
            "取得资格时间",
            "资格取得时间",
            "认定日期",
            "日期",
        ),
        _date,
    ),  # fmt: skip
    FieldSpec(
        "issuer",
        (
            "评价机构名称",
            "评审组织",
            "评审机关",
            "评审委员会",
            "发证机构名称",
            "评价机构",
            "发证机关",
            "发证单位",
            "颁发单位",
            "颁证单位",
            "认定机构",
            "鉴定机构",
            "评审机构",
            "授予单位",
            "批准机关",
            "审批机关",
        ),
        _issuer,
        frozenset({SKILL, AWARD, TITLE, EDU}),
    ),  # fmt: skip
    FieldSpec(
        "title",
        (
            "资格名称",
            "专业技术资格名称",
            "专业技术职务",
            "专业技术资格",
            "任职资格",
            "职称名称",
            "职称",
            "资格",
        ),
        _title,
        frozenset({TITLE}),
    ),  # fmt: skip
    FieldSpec(
        "title_level",
        ("资格级别", "职称级别", "职称层级", "级别", "层级"),
        nz.normalize_title_level,
        frozenset({TITLE}),
    ),
    FieldSpec(
        "education",
        ("学历层次", "培养层次", "学历", "层次"),
        nz.normalize_education,
        frozenset({EDU}),
    ),
    FieldSpec(
        "school",
        ("学校名称", "毕业学校", "毕业院校", "学校", "校名"),
        _school,
        frozenset({EDU}),
    ),
    FieldSpec(
        "award_name",
        ("荣誉称号", "奖项名称", "奖励名称", "赛事名称", "竞赛名称", "比赛名称", "大赛名称"),
        _award_name,
        frozenset({AWARD}),
    ),
    FieldSpec(
        "award_rank",
        ("获奖等级", "获奖等次", "获得奖项", "等次", "名次", "等级", "奖项"),
        nz.normalize_award_rank,
        frozenset({AWARD}),
    ),
    FieldSpec("award_year", ("年度", "获奖年度"), _year, frozenset({AWARD})),
)
SPECS_BY_KEY = {s.key: s for s in FIELD_SPECS}
# Labels that only end a value (not extracted themselves).
STOP_LABELS = ("工种/职业方向", "工种职业方向", "职业方向", "证件类型", "住址", "有效期限", "专业", "学制",
               "照片", "查询网址", "查询", "签发机关", "工作单位", "单位", "专业名称", "批准文号", "文号",
               "评审通过文号", "竞赛项目", "比赛项目", "获奖项目", "项目", "文化程度",
               "理论知识考试成绩", "操作技能考核成绩", "评定成绩", "校(院)长", "校长", "院长",
               "备注", "评审时间", "评审(认定)时间", "评审通过时间")  # fmt: skip

# Confidence factors by where the value was found.
# A cross-line match saw both lines, so it beats a one-line match cut short by the break.
_WHERE = {"same": 1.0, "right": 0.97, "below": 0.93, "cross": 0.96, "phrase": 0.95, "fuzzy": 0.9,
          "pattern": 0.85}  # fmt: skip


# Short labels that also occur in prose: they count only before a colon, a space or the end
# of their cell ("编号：…" but not "编号规则").
GENERIC_LABELS = frozenset({"职业", "等级", "编号", "日期", "资格", "出生", "级别", "层次", "奖项",
                            "工种", "学历", "学校", "职称", "年度", "名次", "等次", "证号", "校名",
                            "专业", "查询"})  # fmt: skip
_SEPARATORS = " \t，,。；;）)】]"


@lru_cache(maxsize=1)
def _label_table() -> list[tuple[str, str, re.Pattern[str]]]:
    table = [(spec.key, label) for spec in FIELD_SPECS for label in spec.labels]
    table += [("_stop", label) for label in STOP_LABELS]
    table.sort(key=lambda kl: len(kl[1]), reverse=True)  # longest label wins
    # Certificates pad labels with spaces ("姓  名"); OCR keeps or drops them, and now and
    # then reads a speck in the gap as a stop or a tilde ("持。证人…", "评价～机～构：…"). A
    # text layer orders a colon drawn inside a justified label by its x: "专业技术职: 务".
    gap = r"\s*(?:[。.·~～]\s*)?"
    colon_gap = r"\s*(?:[。.·~～:：]\s*)?"  # long labels only: "校：长沙…" is no 校长
    return [
        (k, lab, re.compile((colon_gap if len(lab) >= 4 else gap).join(map(re.escape, lab))))
        for k, lab in table
    ]


def find_labels_anywhere(text: str) -> list[tuple[int, int, str]]:
    """Labels of four characters or more wherever they stand ("…有限公司赛事名称…")."""
    out = []
    for key, label, rx in _label_table():
        if len(label) >= 4:
            out += [(m.start(), m.end(), key) for m in rx.finditer(text)]
    return out


def find_labels(text: str) -> list[tuple[int, int, str]]:
    """(start, end, field key) of each label in one cell's text, left to right."""
    out: list[tuple[int, int, str]] = []
    i = 0
    while i < len(text):
        boundary = i == 0 or text[i - 1] in _SEPARATORS
        for key, label, rx in _label_table():
            m = rx.match(text, i)
            if not m:
                continue
            after = text[m.end() : m.end() + 1]
            colon = after in ("：", ":") and after != ""
            if not (boundary or colon):
                continue
            if label in GENERIC_LABELS and not (colon or after == "" or after.isspace()):
                continue
            if not colon and _word_not_label(key, text[m.end() :]):
                continue
            out.append((i, m.end(), key))
            i = m.end()
            break
        else:
            i += 1
    return out


def _word_not_label(key: str, rest: str) -> bool:
    """A strict label run straight into words that are not its value starts a word of its
    own: 民族乐器制作工 is an occupation, not 民族 + "乐器制作工"."""
    if key not in _STRICT_KEYS or not re.match(r"[\u4e00-\u9fff]{2}", rest):
        return False
    return SPECS_BY_KEY[key].clean(rest) is None


# --- spaCy plumbing -----------------------------------------------------------------------

if not Doc.has_extension("fields"):
    Doc.set_extension("fields", default=None)


@dataclass
class Candidate:
    key: str
    value: str
    raw: str
    bbox: BBox
    confidence: float
    how: str
    notes: list[str] = field(default_factory=list)


def _cell_at(doc: Doc, offset: int) -> tuple[int, Cell] | None:
    for start, end, cell in doc.user_data["spans"]:
        if start <= offset < end or (offset == end and start == end):
            return start, cell
    return None


# Fields whose values have a shape strict enough to vouch for a misread label.
_STRICT_KEYS = frozenset({"gender", "ethnicity", "id_number", "birth_date", "issue_date",
                          "skill_level", "title_level", "education", "cert_no", "award_rank"})  # fmt: skip


def _fuzzy_label(text: str, doc_type: DocType) -> tuple[int, int, str] | None:
    """A label at the start of a cell with one character misread ("民放回" for 民族回).

    Accepted only when the rest of the cell cleans as that field's value, so a near-miss
    on prose cannot invent a field.
    """
    for key, label, _rx in _label_table():
        if key not in _STRICT_KEYS or len(label) < 2 or len(text) <= len(label):
            continue
        spec = SPECS_BY_KEY[key]
        if doc_type not in spec.doc_types:
            continue
        head = text[: len(label)]
        diffs = [a for a, b in zip(head, label, strict=True) if a != b]
        # One misread CJK glyph, never punctuation: "校(院)长" is not a misread "校名".
        if len(diffs) != 1 or head[0] != label[0] or not "\u4e00" <= diffs[0] <= "\u9fff":
            continue
        if spec.clean(text[len(label) :].lstrip(" :")) is not None:
            return 0, len(label), key
    # The head of a letter-spaced label boxed with another line ("管" lost into a column of
    # first characters): what is left, with its colon, still names one field ("理号：…").
    m = re.match(r"([\u4e00-\u9fff]{2,5})\s*[:：]", text)
    key = _label_suffixes().get(m.group(1)) if m else None
    if m and key in _STRICT_KEYS and doc_type in SPECS_BY_KEY[key].doc_types:
        if SPECS_BY_KEY[key].clean(text[m.end() :].strip()) is not None:
            return 0, m.end(1), key
    return None


@lru_cache(maxsize=1)
def _label_suffixes() -> dict[str, str]:
    """Labels less their first character (two characters or more left, no label themselves)
    → the one field they belong to; a tail two fields share ("号码") is left out."""
    full = {lab for _k, lab, _rx in _label_table()}
    keys: dict[str, set[str]] = {}
    for key, label, _rx in _label_table():
        if len(label) >= 3 and label[1:] not in full:
            keys.setdefault(label[1:], set()).add(key)
    return {tail: ks.pop() for tail, ks in keys.items() if len(ks) == 1}


@Language.component("cc_labels")
def cc_labels(doc: Doc) -> Doc:
    spans = []
    headings = doc.user_data["headings"]
    fuzzy = doc.user_data.setdefault("fuzzy", set())
    for start, _end, cell in doc.user_data["spans"]:
        if id(cell) in headings:
            continue
        found = find_labels(cell.text)
        if not found:
            guess = _fuzzy_label(cell.text, doc.user_data["doc_type"])
            if guess:
                found = [guess]
                fuzzy.add(start)
        for s, e, key in found:
            span = doc.char_span(start + s, start + e, label=key, alignment_mode="expand")
            if span is not None:
                spans.append(span)
    doc.spans["labels"] = spans
    starts = {sp.start_char: sp.label_ for sp in spans}
    doc.user_data["labelled"] = {
        id(c): starts[s] for s, _e, c in doc.user_data["spans"] if s in starts
    }
    return doc


_COMPETITION = r"(?:大赛|竞赛|比赛|比武|技能赛|选拔赛|锦标赛|运动会)"

# An honour title on a line of its own; never joined across lines (the name above it
# would run into it).
_HONOUR_PHRASE = re.compile(r"(?:被评为|荣获|授予|评为)?[“\"「『]?(?P<v>[^\s，,。:：“\"「『]{0,20}?" + HONOUR_TAIL + r")(?:[”\"」』]|称号|荣誉称号|$)")  # fmt: skip

_RANKS = r"(?:金奖|银奖|铜奖|金牌|银牌|铜牌|[一二三]等奖|优秀奖)"

_PHRASES: tuple[tuple[str, re.Pattern[str]], ...] = (
    # "授予" also opens degree wording (授予工学学士学位): only "授予…同志/同学" names a person.
    ("name", re.compile(r"兹?授予\s*(?P<v>[^\s，,:：“\"]{2,16}?)\s*(?:同志|同学)")),
    # After "学生" a name ends at a comma or 性别: 技工院校学生创业创新大赛 names no student.
    # (The comma before 性别 read as a colon now and then: "学生塔依尔·依沙克：性别男".)
    ("name", re.compile(r"学生[:：]?\s*(?P<v>[^\s，,:：“\"]{2,16}?)\s*(?:，|,|[:：]?\s*性别)")),
    ("name", re.compile(r"(?:兹有|获奖者[:：]?|获奖人[:：]?)\s*(?P<v>[^\s，,:：“\"]{2,16}?)\s*(?:同志|同学|，|,|:|：|性别|在|荣获|于|\s|$)")),
    ("name", re.compile(r"^(?P<v>[^\s，,:：“\"]{2,16}?)\s*(?:同志|同学|先生|女士)\s*[:：，,]?")),
    ("name", re.compile(r"^(?P<v>[^\s，,:：“\"]{2,16}?)\s*[:：]$")),
    # 姓 and 名 spaced apart over the value's line: OCR boxes the label's 名 with the name
    # ("名贾刚") and the 姓 alone or not at all.
    ("name", re.compile(r"^名\s*(?P<v>[^\s，,:：“\"称单字次额]{2,16})$")),
    # "买合木提·玉素甫·木合塔尔，男" may end its line (学位证书 wrap there).
    ("name", re.compile(r"^(?!学生)(?P<v>[^\s，,:：“\"]{2,16}?)[，,]\s*(?:性别)?[男女](?:[，,]|$)")),
    ("gender", re.compile(r"^[^\s，,:：]{2,16}[，,]\s*(?P<v>[男女])(?:[，,]|$)")),
    # The series before the title goes like a speciality: "具备中等职业学校教师系列助理讲师…".
    # 具 is read 其 now and then ("其备护理系列副主任护师专业技术资格").
    ("title", re.compile(r"(?:[具其]备|取得|具有)(?:[^，,。]*?(?:专业|系列))??(?P<v>[^，,。]{2,12}?)(?:专业技术)?(?:任职)?资格")),
    ("issuer", re.compile(r"(?:^|[，,]|同志)经(?P<v>[^\s，,。]{4,40}?(?:厅|局|委员会))(?:评审通过|评审|认定|批准)")),
    # Not from the 经 that opens the sentence: 经 is no glyph of the name.
    ("issuer", re.compile(r"^(?!经)(?P<v>[^\s，,。]{4,40}?(?:厅|局|委员会))(?:评审通过|评审|认定|批准)")),
    ("award_name", re.compile(r"[“\"「『](?P<v>[^”“\"」』]{2,40})[”“\"」』]\s*(?:荣誉)?称号")),
    ("award_name", re.compile(r"授予.*?(?:同志)?\s*[“\"「『]?(?P<v>[^\s“”\"「」『』，,]{2,30}?)[”\"」』]?(?:荣誉)?称号")),
    ("award_name", re.compile(r"(?:参加|在)?(?P<v>(?:\d{4}年|第[一二三四五六七八九十\d]+届|[^\s，,。:：参在]{2,}?)[^\s，,。:：]*?" + _COMPETITION + ")")),
    ("award_name", _HONOUR_PHRASE),
    # Whatever the honour's wording, 被评为 … ends at the sentence's end: "被评为" | "先进生产者。"
    ("award_name", re.compile(r"(?:被评为|荣获)\s*[“\"「『]?(?!" + _RANKS + r")(?P<v>[^\s，,。:：“\"「『”」』]{2,24}?)[”\"」』]?\s*(?:荣誉)?(?:称号)?\s*(?:[。，,！!]|以资鼓励|特发此证|特颁此证|特此表彰|予以表彰)")),
    # A talent plan: 入选“天山英才·高技能人才”培养计划 (the opening quote lost now and then).
    # The closing quote read as an opening one, or lost: the plan's name ends where 培养计划 /
    # 培养工程 begins.
    ("award_name", re.compile(r"入选\s*[“\"「『]?(?P<v>[^”“\"」』，,。\s]{2,24}?)(?:[”“\"」』]\s*(?:[^，,。\s]{0,6}?计划|工程)|(?=培养(?:计划|工程)))")),
    ("award_rank", re.compile(r"(?P<v>金奖|银奖|铜奖|金牌|银牌|铜牌|一等奖|二等奖|三等奖|优秀奖)")),
    ("gender", re.compile(r"性别\s*[:：]?\s*(?P<v>[男女])")),
    ("birth_date", re.compile(r"(?P<v>[\d〇零○Oo一二三四五六七八九十]{4}\s*年\s*[\d一二三四五六七八九十]{1,3}\s*月(?:\s*[\d一二三四五六七八九十]{1,3}\s*日)?|(?:19|20)\d{2}[.\-/]\d{1,2}(?:[.\-/]\d{1,2})?)\s*(?:出)?生")),
    ("education", re.compile(r"(?P<v>专科起点本科|高中起点专科|高中起点本科)")),  # whatever follows
    # The level, its program's length or kind in brackets perhaps ("本科（四年制）学习"), then
    # what was done at it; or the level after its length ("四年制本科", whatever follows).
    ("education", re.compile(r"(?P<v>专升本|博士研究生|硕士研究生|研究生|本科|专科(?!起点)|大专|高等职业教育|高职|中等职业教育|中等专业|中专|职业高中|高中(?!起点))(?:[（(][^（()）]{1,6}[）)]|\)|）)?[^，,。]{0,4}?(?:学习|课程|毕业|学历)")),
    ("education", re.compile(r"(?<![\d〇零一二三四五六七八九十])[二三四五六两2-6]\s*年制\s*(?P<v>博士研究生|硕士研究生|研究生|本科|专科(?!起点)|大专|高职|中专|高中(?!起点))")),
)  # fmt: skip


@Language.component("cc_phrases")
def cc_phrases(doc: Doc) -> Doc:
    spans = []
    headings = doc.user_data["headings"]
    for start, end, cell in doc.user_data["spans"]:
        if id(cell) in headings and not re.search(HONOUR_TAIL + r"|称号$", cell.text):
            continue
        text = doc.text[start:end]
        for key, pattern in _PHRASES:
            for m in pattern.finditer(text):
                s, e = m.start("v") + start, m.end("v") + start
                span = doc.char_span(s, e, label=key, alignment_mode="expand")
                if span is not None:
                    spans.append(span)
    spans += _names_over_prose(doc)
    doc.spans["phrases"] = spans
    doc.user_data["cross"] = _cross_line_phrases(doc)
    return doc


# How the line under a name alone on its line opens: "马国旭" / "在2020年度工作中…被评为".
_PROSE_OPENER = re.compile(r"^(?:在|于|荣获|被评为|参加|获得|经)")


def _names_over_prose(doc: Doc) -> list:
    """A name printed alone, in larger type, over the sentence that tells what it won or
    over the honour title itself."""
    rows: list[Row] = doc.user_data["rows"]
    starts = {id(c): s for s, _e, c in doc.user_data["spans"]}
    out = []
    for upper, lower in zip(rows, rows[1:], strict=False):
        if len(upper.cells) != 1:
            continue
        a, b = upper.cells[0], lower.cells[0]
        if b.bbox[1] - a.bbox[3] > 1.5 * max(a.height, 1.0):
            continue
        if not (_PROSE_OPENER.match(b.text) or HONOUR_LINE.fullmatch(b.text.strip())):
            continue
        if _name(a.text) is None or id(a) in doc.user_data["labelled"]:
            continue
        text = a.text
        lead = len(text) - len(text.lstrip())
        s = starts[id(a)] + lead
        span = doc.char_span(s, s + len(text.strip()), label="name", alignment_mode="expand")
        if span is not None:
            out.append(span)
    return out


def _cross_line_phrases(doc: Doc) -> list[tuple[str, str, Cell, Cell, int, int]]:
    """Prose wraps mid-value ("学生古再丽努尔·帕尔哈提·买合木" / "提，性别女，…"): match the
    phrases over each pair of consecutive one-cell rows and keep what crosses the break."""
    rows: list[Row] = doc.user_data["rows"]
    headings = doc.user_data["headings"]
    out = []
    for upper, lower in zip(rows, rows[1:], strict=False):
        # A quote opened and not closed on its line ("被评为" | "“先进" / "个人”荣誉称号")
        # goes on under it, whatever else the line holds; its quotes keep the name out.
        quoted = _open_quote(upper.cells[-1].text)
        if len(upper.cells) != 1 and not quoted:
            continue
        a, b = upper.cells[-1], lower.cells[0]
        if id(a) in headings or id(b) in headings:
            continue
        if b.bbox[1] - a.bbox[3] > 1.5 * max(a.height, 1.0):
            continue
        # The wrapped line may be boxed in pieces ("动模范”" | "荣誉称号。"): read on.
        joined = a.text + "".join(c.text for c in lower.cells)
        for key, pattern in _PHRASES:
            if pattern is _HONOUR_PHRASE and not quoted:
                continue
            for m in pattern.finditer(joined):
                if m.start() < len(a.text) < m.end():
                    out.append((key, m.group("v"), a, b, m.start("v"), m.end("v")))
    return out


def _open_quote(text: str) -> bool:
    return max(text.rfind(q) for q in "“「『") > max(text.rfind(q) for q in "”」』")


# Values that may run on to the next line under them (long organisation names).
CONTINUED = frozenset({"issuer", "school", "cert_no", "award_name"})


@Language.component("cc_fields")
def cc_fields(doc: Doc) -> Doc:
    doc_type: DocType = doc.user_data["doc_type"]
    rows: list[Row] = doc.user_data["rows"]
    found: dict[str, list[Candidate]] = {}
    labels = list(doc.spans["labels"])
    label_starts = sorted(s.start_char for s in labels)
    fuzzy = doc.user_data.get("fuzzy", set())
    # Cells taken whole as a label's value (the cell right of or under it): the shape
    # patterns leave them alone, so 出生日期 | 1989.01.22 is not an issue date.
    consumed: dict[int, str] = doc.user_data.setdefault("consumed", {})

    def add(key: str, raw: str, cell: Cell, start: int, end: int, how: str) -> bool:
        spec = SPECS_BY_KEY[key]
        bbox = sub_bbox(cell, start, end)
        if spec.split is not None:
            parts = spec.split(raw)
            for k, v in parts.items():
                found.setdefault(k, []).append(
                    Candidate(k, v, raw.strip(), bbox, cell.confidence * _WHERE[how], how)
                )
            return bool(parts)
        value = spec.clean(raw)
        if key in _DATE_KEYS and (value is None or len(value) < len("YYYY-MM-DD")):
            # "1967年" | "7月" | "9日": a date printed as separate items on one line.
            value, raw, bbox = _date_along_row(doc, rows, cell, key, value, raw, bbox)
        if key in CONTINUED:
            value, raw, bbox = _continue(doc, rows, cell, key, value, raw, bbox)
        if value is None:
            return False
        found.setdefault(key, []).append(
            Candidate(key, value, raw.strip(), bbox, cell.confidence * _WHERE[how], how)
        )
        if how in ("right", "below"):
            consumed[id(cell)] = key
        return True

    for span in labels:
        key = span.label_
        if key == "_stop":
            _stop_value(doc, rows, span, consumed)
            continue
        if doc_type not in SPECS_BY_KEY[key].doc_types:
            continue
        located = _cell_at(doc, span.start_char)
        if located is None:
            continue
        cell_start, cell = located
        how_same = "fuzzy" if cell_start in fuzzy else "same"
        cell_end = cell_start + len(cell.text)
        # a) the rest of the cell, up to the next label
        nxt = next((s for s in label_starts if span.end_char < s < cell_end), cell_end)
        a, b = span.end_char - cell_start, nxt - cell_start
        raw = cell.text[a:b]
        stripped = raw.lstrip(" :：")
        a += len(raw) - len(stripped)
        if stripped.strip() and add(key, stripped, cell, a, b, how_same):
            continue
        # b) the next cell of the row, level with the label
        right = _level_right(doc, rows, cell)
        if (
            right is not None
            and not _under_bare_label(doc, rows, right)
            and add(key, right.text, right, 0, len(right.text), "right")
        ):
            continue
        # c) the cell under the label
        if SPECS_BY_KEY[key].below:
            under = _cell_below(rows, cell)
            if under is not None and not _starts_with_label(doc, under):
                if add(key, under.text, under, 0, len(under.text), "below"):
                    continue
        # d) right of the label and a little lower: the value centred on a label stacked
        # over its English half (姓名 / Name | 赵飞欣).
        lower = _cell_right_lower(doc, rows, cell)
        if lower is not None and add(key, lower.text, lower, 0, len(lower.text), "right"):
            continue
        # e) right of the label and a little higher: a page skewed the other way (a photo of
        # a phone's screen turned a few degrees: 姓名 | …麦麦提 half a line above it).
        upper = _cell_right_upper(doc, rows, cell)
        if upper is not None:
            add(key, upper.text, upper, 0, len(upper.text), "right")

    for span in doc.spans["phrases"]:
        key = span.label_
        if doc_type not in SPECS_BY_KEY[key].doc_types:
            continue
        located = _cell_at(doc, span.start_char)
        if located is None:
            continue
        cell_start, cell = located
        a, b = span.start_char - cell_start, span.end_char - cell_start
        add(key, cell.text[a:b], cell, a, b, "phrase")

    for key, text, upper, lower, a, b in doc.user_data["cross"]:
        if doc_type not in SPECS_BY_KEY[key].doc_types:
            continue
        value = SPECS_BY_KEY[key].clean(text)
        if value is not None:
            bbox = union(
                [sub_bbox(upper, a, len(upper.text)), sub_bbox(lower, 0, b - len(upper.text))]
            )
            conf = min(upper.confidence, lower.confidence) * _WHERE["cross"]
            found.setdefault(key, []).append(Candidate(key, value, text, bbox, conf, "cross"))

    doc._.fields = found
    return doc


_DATE_KEYS = frozenset({"birth_date", "issue_date"})


def _stop_value(doc: Doc, rows: list[Row], span, consumed: dict[int, str]) -> None:
    """A label read alone in its box whose value is not extracted (评审（认定）时间 |
    2022年12月07日): the box right of it, level with it, is that label's value, never a
    shape pattern's (the committee's date is no issue date when the signed one is lost)."""
    located = _cell_at(doc, span.start_char)
    if located is None:
        return
    cell_start, cell = located
    if cell.text[span.end_char - cell_start :].strip(" :：\t"):
        return  # a value in the same box: _add_patterns sees it there
    right = _level_right(doc, rows, cell)
    # Dates only: an ID or a number beside 照片 or 单位 is not that label's to keep.
    if right is not None and _DATE_RE.search(right.text):
        consumed.setdefault(id(right), "_stop")


def _level_right(doc: Doc, rows: list[Row], cell: Cell) -> Cell | None:
    """The next box of the label's row, level with it and opening no label of its own:
    where a value right of its label stands."""
    row = rows[cell.row]
    if cell.col + 1 >= len(row.cells):
        return None
    right = row.cells[cell.col + 1]
    if vertical_overlap(cell.bbox, right.bbox) > 0.5 and not _starts_with_label(doc, right):
        return right
    return None


def _date_along_row(
    doc: Doc, rows: list[Row], cell: Cell, key: str, value: str | None, raw: str, bbox: BBox
) -> tuple[str | None, str, BBox]:
    """Join the cells right of a partial date on its row, up to the next label, while the
    date grows (year → month → day)."""
    if cell.row < 0 or cell.row >= len(rows):
        return value, raw, bbox
    row = rows[cell.row]
    h = max(cell.height, 1.0)
    joined, boxes, prev = raw.strip(), [bbox], cell
    for nxt in row.cells[cell.col + 1 :]:
        if (
            id(nxt) in doc.user_data["labelled"]
            or nxt.bbox[0] - prev.bbox[2] > 6 * h
            or vertical_overlap(cell.bbox, nxt.bbox) < 0.5
        ):
            break
        longer = SPECS_BY_KEY[key].clean(joined + " " + nxt.text.strip())
        if longer is None or value is not None and len(longer) <= len(value):
            break
        if value is not None and not longer.startswith(value):
            break  # the next cell is another date, not the rest of this one
        joined, value, prev = joined + " " + nxt.text.strip(), longer, nxt
        boxes.append(nxt.bbox)
        if len(value) == len("YYYY-MM-DD"):
            break
    return value, joined, union(boxes)


def _continue(
    doc: Doc, rows: list[Row], cell: Cell, key: str, value: str | None, raw: str, bbox: BBox
) -> tuple[str | None, str, BBox]:
    """Append the line under a value when the value runs on there (a long name wraps)."""
    if key == "cert_no":
        info = parse_cert_no(value) if value else None
        if info is not None and info.valid_structure:
            return value, raw, bbox
    elif key == "award_name":
        if value is None or re.search(f"(?:{_COMPETITION}|{HONOUR_TAIL}|称号|奖)$", value):
            return value, raw, bbox
    elif value is not None and _ORG_END.search(value):
        return value, raw, bbox
    if not raw.strip():
        return value, raw, bbox
    below = _cell_below(rows, cell, max_gap=1.2)
    if below is None:
        return value, raw, bbox
    text = below.text.strip()
    # "…农业技术系列高级" / "专业技术职务评审委员会": the rest of an organisation's name may
    # open with a label's words; it still ends the name, and no colon follows a label there.
    below_label = doc.user_data["labelled"].get(id(below))
    heads = find_labels(text)
    org_tail = (
        key in ("issuer", "school")
        and _ORG_END.search(text) is not None
        and not re.search(r"[:：]", text)
        and (
            below_label not in ("_stop", "issuer", "school")
            # "评审委员会" alone under "…中级专业技术职务": a label word, but no value follows it.
            or below_label == "issuer"
            and bool(heads)
            and heads[-1][1] >= len(text)
        )
    )
    if not org_tail and (below_label is not None or heads):
        return value, raw, bbox
    if key == "cert_no" and not re.fullmatch(r"[0-9A-Z]{2,12}", text):
        return value, raw, bbox
    if key != "cert_no" and not re.fullmatch(r"[\u4e00-\u9fff()（）]{2,30}", text):
        return value, raw, bbox
    joined = raw.strip() + text
    new = SPECS_BY_KEY[key].clean(joined)
    if new is None:
        return value, raw, bbox
    return new, joined, union([bbox, below.bbox])


# Endings that close an organisation's name (a wrapped issuer stops there).
_ORG_ENDINGS = (
    "厅", "局", "委员会", "总工会", "工会", "商会", "联合会", "人民政府", "政府", "中心", "协会",
    "学会", "学院", "大学", "学校", "公司", "集团", "部", "委", "办公室", "研究院", "兵团",
    "行政公署", "组委会",
)  # fmt: skip
_ORG_END = re.compile(
    "(?:" + "|".join(_ORG_ENDINGS + ("研究所", "医院", "站", "所", "处", "出版社", "合作社")) + ")$"
)


def _starts_with_label(doc: Doc, cell: Cell) -> bool:
    return id(cell) in doc.user_data["labelled"]


def _under_bare_label(doc: Doc, rows: list[Row], cell: Cell) -> bool:
    """The cell stands under a label that is alone in its cell: it is that label's value,
    not the next cell of a row it only grazes (stacked layouts on a skewed scan:
    职业名称 | 钎焊工, where 钎焊工 is under 工种/职业方向)."""
    x0, y0, x1, _y1 = cell.bbox
    h = max(cell.height, 1.0)
    for row in rows[max(0, cell.row - 2) : cell.row]:
        for c in row.cells:
            if id(c) not in doc.user_data["labelled"] or y0 - c.bbox[3] > 1.5 * h:
                continue
            overlap = min(x1, c.bbox[2]) - max(x0, c.bbox[0])
            if overlap <= 0.3 * min(x1 - x0, c.bbox[2] - c.bbox[0]):
                continue
            found = find_labels(c.text)
            if found and not c.text[found[-1][1] :].strip(" :："):
                return True
    return False


def _cell_right_lower(doc: Doc, rows: list[Row], cell: Cell) -> Cell | None:
    """The first cell right of `cell` on the next row that starts within the label's height
    (its top above the label's bottom), with no label between them."""
    found = find_labels(cell.text)
    if cell.row + 1 >= len(rows) or not found or cell.text[found[-1][1] :].strip(" :："):
        return None
    x1, y0, y1 = cell.bbox[2], cell.bbox[1], cell.bbox[3]
    h = max(cell.height, 1.0)
    for c in rows[cell.row + 1].cells:
        if c.bbox[0] <= x1 - 0.2 * h or not (y0 < c.bbox[1] < y1):
            continue
        if c.bbox[0] - x1 > 8 * h or _starts_with_label(doc, c):
            return None
        between = [
            o for o in rows[cell.row].cells
            if x1 <= o.bbox[0] < c.bbox[0] and _starts_with_label(doc, o)
        ]  # fmt: skip
        return None if between else c
    return None


def _cell_right_upper(doc: Doc, rows: list[Row], cell: Cell) -> Cell | None:
    """`_cell_right_lower` mirrored: the first cell right of a label alone in its box, on the
    row above, whose bottom lies within the label's height and whose middle is above it,
    with nothing right of the label on its own row. Not a cell another label's value (a
    label left of it on its row) or one another label took."""
    found = find_labels(cell.text)
    if cell.row < 1 or not found or cell.text[found[-1][1] :].strip(" :："):
        return None
    if cell.col + 1 < len(rows[cell.row].cells):
        return None
    x1, y0, y1 = cell.bbox[2], cell.bbox[1], cell.bbox[3]
    h = max(cell.height, 1.0)
    consumed = doc.user_data.get("consumed", {})
    above = rows[cell.row - 1].cells
    for i, c in enumerate(above):
        if c.bbox[0] <= x1 - 0.2 * h or not (y0 < c.bbox[3] < y1):
            continue
        if (c.bbox[1] + c.bbox[3]) / 2 >= y0 or c.bbox[0] - x1 > 8 * h:
            return None
        if _starts_with_label(doc, c) or id(c) in consumed:
            return None
        if any(_starts_with_label(doc, o) for o in above[:i]):
            return None
        return c
    return None


def _cell_below(
    rows: list[Row], cell: Cell, *, x_from: float | None = None, max_gap: float = 2.5
) -> Cell | None:
    x0, _y0, x1, y1 = cell.bbox
    if x_from is not None:
        x0 = x_from
    for row in rows[cell.row + 1 : cell.row + 3]:
        if row.top - y1 > max_gap * max(cell.height, 1.0):
            return None
        for c in row.cells:
            overlap = min(x1, c.bbox[2]) - max(x0, c.bbox[0])
            if overlap > 0.3 * min(x1 - x0, c.bbox[2] - c.bbox[0]):
                return c
    return None


@lru_cache(maxsize=1)
def field_pipeline() -> Language:
    nlp = spacy.blank("zh")  # character segmenter: no model, nothing downloaded
    nlp.add_pipe("cc_labels")
    nlp.add_pipe("cc_phrases")
    nlp.add_pipe("cc_fields")
    return nlp


@lru_cache(maxsize=1)
def _label_prefixes() -> frozenset[str]:
    return frozenset(lab[:i] for _k, lab, _rx in _label_table() for i in range(1, len(lab)))


def _split_stacked_glyphs(rows: list[Row]) -> bool:
    """ "姓性" in one tall box: the first glyphs of two letter-spaced labels in a column
    (姓  名 over 性  别), boxed together by the detector. Each glyph goes back to its row as
    a cell of its own, so the labels can be joined again."""
    prefixes = _label_prefixes()
    split = False
    for row in list(rows):
        for cell in list(row.cells):
            text = cell.text.replace(" ", "")
            x0, y0, x1, y1 = cell.bbox
            if not (
                2 <= len(text) <= 3
                and all(ch in prefixes for ch in text)
                and y1 - y0 >= 2 * (x1 - x0)
                and text not in prefixes
            ):
                continue
            step = (y1 - y0) / len(text)
            pieces = [
                Cell(ch, (x0, y0 + i * step, x1, y0 + (i + 1) * step), cell.confidence,
                     cell.index)
                for i, ch in enumerate(text)
            ]  # fmt: skip
            row.cells.remove(cell)
            for piece in pieces:  # into the row it stands level with
                near = [r for r in rows if r.cells]
                home = max(near, key=lambda r: _row_overlap(r, piece.bbox), default=row)
                if home is not row and _row_overlap(home, piece.bbox) <= 0:
                    home = row
                home.cells.append(piece)
                home.cells.sort(key=lambda c: c.bbox[0])
            split = True
    rows[:] = [r for r in rows if r.cells]
    return split


def _row_overlap(row: Row, box: BBox) -> float:
    return min(row.bottom, box[3]) - max(row.top, box[1])


def _goes_on(head: str, text: str) -> bool:
    """`text` continues the label piece `head` (a further piece, or the rest of a label)."""
    joined = head + text
    if joined.replace(" ", "") in _label_prefixes() and len(text.strip()) <= 2:
        return True
    return any(joined.startswith(lab) and len(lab) > len(head) for _k, lab, _rx in _label_table())


def _merge_split_labels(rows: list[Row]) -> None:
    """Join "姓" + "名：张三" or "证书编" + "号123…": letter-spaced labels come out of OCR as
    separate boxes, split wherever the spacing was widest (on skewed scans, not always in
    one row)."""
    split = _split_stacked_glyphs(rows)
    cells = [c for row in rows for c in row.cells]
    gone: set[int] = set()
    for left in cells:  # grows while merging: a merged piece is looked at again
        head = left.text.replace(" ", "")
        if id(left) in gone:
            continue
        if head not in _label_prefixes():
            # "性另" + "别：男": the label's second glyph caught twice, once misread.
            if len(head) == 2 and head[0] in _label_prefixes():
                head = head[0]
            else:
                continue
        h = max(left.height, 1.0)
        # The nearest box on the right that goes on with the label: a speck between the
        # glyphs ("性" "一" "别：男") is passed over.
        right = min(
            (c for c in cells
             if id(c) not in gone and c is not left and c.bbox[0] > left.bbox[0]
             and c.bbox[0] - left.bbox[2] < 8 * h
             and vertical_overlap(left.bbox, c.bbox) > 0.3
             and _goes_on(head, c.text)),
            key=lambda c: c.bbox[0],
            default=None,
        )  # fmt: skip
        if right is None:
            continue
        joined = head + right.text
        if joined.replace(" ", "") in _label_prefixes() and len(right.text.strip()) <= 2:
            # "认" + "定" + "机构…": still a piece of a label; the next pass goes on from here.
            left.text = joined.replace(" ", "")
            left.bbox = union([left.bbox, right.bbox])
            gone.add(id(right))
            cells.append(left)
            continue
        # _goes_on chose `right` because a label longer than `head` starts here (longest
        # first). A space after the label keeps a short label ("职业") a label.
        label = next(lab for _k, lab, _rx in _label_table() if joined.startswith(lab))
        left.text = label + " " + joined[len(label) :]
        left.bbox = union([left.bbox, right.bbox])
        left.confidence = min(left.confidence, right.confidence)
        gone.add(id(right))
    for cell in cells:
        # "名：" with no 姓 anywhere (the glyph never detected): still the name's label.
        if id(cell) not in gone and re.match(r"名\s*[:：]", cell.text):
            cell.text = "姓" + cell.text
    if gone or split:
        for row in rows:
            row.cells = [c for c in row.cells if id(c) not in gone]
        rows[:] = [r for r in rows if r.cells]
        for r, row in enumerate(rows):
            for col, cell in enumerate(row.cells):
                cell.row, cell.col = r, col


# The English half of a bilingual label (姓名 Name, 发证机关 Issued by) and the Uyghur
# script of Xinjiang's cards: never a value. Blanked in place (same length), so offsets into
# a cell's text stay offsets into its box.
_FOREIGN_LABEL = re.compile(
    r"(?<![A-Za-z])(?:"
    r"occupation\s*&\s*level|appraisal\s*result|full\s*name|name|sex|gender|nationality|ethnic(?:ity|\s*group)?|date\s*of\s*birth|birth"
    r"|i\.?\s*d\.?\s*(?:card\s*)?(?:no|number)\.?|occupation|profession|level|grade|theory"
    r"|skills?|result|certificate\s*(?:no|number)\.?|cert\.?\s*no\.?"
    r"|issued\s*by|issuing\s*(?:authority|agency)|date\s*of\s*issue|issue\s*date"
    r"|address|work\s*unit|employer|valid(?:ity)?(?:\s*period)?|specialty|major|title"
    r")(?![A-Za-z])|[\u0600-\u06ff\ufb50-\ufdff\ufe70-\ufeff]+",
    re.IGNORECASE,
)


# Other Latin words beside Chinese on a line (a bilingual label misread: "ssued by",
# "Levei"): three letters or more, not touching a digit (certificate numbers keep theirs).
_LATIN_WORDS = re.compile(r"(?<![A-Za-z0-9])[A-Za-z][A-Za-z.' ]{2,}(?![A-Za-z0-9])")
_HAS_CJK = re.compile(r"[\u4e00-\u9fff]")


def _blank_foreign_labels(text: str) -> str:
    text = _FOREIGN_LABEL.sub(lambda m: " " * len(m.group(0)), text)
    if _HAS_CJK.search(text):
        text = _LATIN_WORDS.sub(lambda m: " " * len(m.group(0)), text)
    return text


def make_doc(page: PageText, doc_type: DocType) -> Doc:
    # One char for one char, so offsets into the text stay offsets into the box. Lines left
    # blank (an English label alone: "Name" under 姓名) take no part in the rows.
    lines = [
        ln.model_copy(update={"text": _blank_foreign_labels(nz.to_halfwidth(ln.text))})
        for ln in page.lines
    ]
    rows = build_rows([ln for ln in lines if ln.text.strip()])
    _merge_split_labels(rows)
    all_cells = [c for row in rows for c in row.cells]
    typical = typical_height(all_cells)
    parts: list[str] = []
    spans: list[tuple[int, int, Cell]] = []
    offset = 0
    for r, row in enumerate(rows):
        if r:
            parts.append("\n")
            offset += 1
        for c, cell in enumerate(row.cells):
            if c:
                parts.append("\t")
                offset += 1
            parts.append(cell.text)
            spans.append((offset, offset + len(cell.text), cell))
            offset += len(cell.text)
    nlp = field_pipeline()
    doc = nlp.make_doc("".join(parts))
    doc.user_data["rows"] = rows
    doc.user_data["spans"] = spans
    doc.user_data["doc_type"] = doc_type
    # Headings (the certificate's name in large type) hold no labels. They are short: a long
    # line with a tall box is body text on a skewed scan, its box grown by the slant.
    doc.user_data["headings"] = {
        id(c) for c in all_cells if c.height > 1.6 * typical and len(c.text.strip()) <= 16
    }
    doc.user_data["typical_height"] = typical
    return doc


# --- from candidates to fields ------------------------------------------------------------

# Which fields each document type is expected to carry (models/catalogue.py).
TYPE_FIELDS: dict[DocType, tuple[str, ...]] = {t: s.fields for t, s in DOC_SPECS.items()}


def extract_fields(page: PageText, doc_type: DocType) -> dict[str, ExtractedField]:
    """Run the pipeline over one page (or region) and choose one value per field."""
    doc_type = DocType(doc_type)
    printed = " ".join(nz.to_halfwidth(ln.text) for ln in page.lines)
    token = _PAGE_YEARS.set(frozenset(re.findall(r"(?<!\d)((?:19|20)\d{2})(?!\d)", printed)))
    digits = _PAGE_DIGITS.set(" ".join(re.findall(r"\d{4,}", printed)))
    try:
        return _extract_fields(page, doc_type)
    finally:
        _PAGE_DIGITS.reset(digits)
        _PAGE_YEARS.reset(token)


def _extract_fields(page: PageText, doc_type: DocType) -> dict[str, ExtractedField]:
    doc = field_pipeline()(make_doc(page, doc_type))
    cands: dict[str, list[Candidate]] = doc._.fields or {}
    _add_patterns(doc, doc_type, cands)
    wanted = TYPE_FIELDS[doc_type]
    _dates_the_id_proves(doc, cands, wanted)
    if doc_type is AWARD and _roster(doc):
        # A letter listing the winners under 一等奖： / 二等奖：: whose rank is whose is for
        # the assessment of one applicant, not for the page; no rank and no holder here.
        cands.pop("award_rank", None)
        cands.pop("name", None)
    out: dict[str, ExtractedField] = {}
    for key in wanted:
        best = _choose(key, cands.get(key, []), doc_type)
        if best is not None:
            out[key] = _to_field(page, best)
    _derive(page, doc_type, out)
    return out


def _roster(doc: Doc) -> bool:
    """A list of winners: two or more rank headings (一等奖： …), or four or more cells that
    are a name and nothing else (决定授予以下14名同志…)."""
    bare = sum(1 for _s, _e, c in doc.user_data["spans"] if _name(c.text) == c.text.strip())
    if bare >= 4:
        return True
    heads = {
        nz.normalize_award_rank(c.text)
        for _s, _e, c in doc.user_data["spans"]
        if re.fullmatch(r"\s*(?:[一二三]等奖|金奖|银奖|铜奖|优秀奖)\s*[:：]?\s*", c.text)
    }
    return len(heads - {None}) >= 2


_RANK_HEAD = re.compile(r"\s*(一等奖|二等奖|三等奖|金奖|银奖|铜奖|优秀奖)\s*[:：]?\s*(.*)")


def extract_roster(page: PageText) -> list[RosterEntry]:
    """The people a letter lists (通报, 决定), each under the rank heading above it, in
    reading order; [] when the page is no such list. The list starts at its first rank
    heading or at the line announcing it (以下…, …如下) and ends at the next prose line;
    a cell counts only when everything in it is a name."""
    doc = make_doc(page, AWARD)
    if not _roster(doc):
        return []
    out: list[RosterEntry] = []
    rank: str | None = None
    started = False
    columns, size = _list_columns([c for row in doc.user_data["rows"] for c in row.cells])
    for row in doc.user_data["rows"]:
        texts = [c.text.strip() for c in row.cells]
        if started and out and any(len(t) > 16 or re.search("[，。,]", t) for t in texts):
            break  # the closing sentence (希望受表彰的同志…)
        for cell, text in zip(row.cells, texts, strict=True):
            m = _RANK_HEAD.fullmatch(text)
            if m:
                rank, started = nz.normalize_award_rank(m.group(1)), True
                text = m.group(2)  # "一等奖：张三、李四"
            elif re.search(r"以下|如下|名单", text):
                started = True
                continue
            if not started or not text:
                continue
            parts = [p for p in re.split(r"[、;；]|\s{2,}", text) if p.strip()]
            if len(parts) == 1 and text == cell.text.strip():
                parts = _unglued(cell, columns, size)
            names = [_name(p) for p in parts]
            # Three-part minority names run to 16 glyphs (阿卜杜热西提·阿里木·阿布都热依木).
            if not names or not all(
                n and len(n.replace("·", "")) <= (16 if "·" in n else 12) for n in names
            ):
                continue
            for name in names:
                out.append(
                    RosterEntry(
                        name=name, rank=rank, confidence=round(cell.confidence, 4),
                        evidence=Evidence(file=page.file, page=page.page,
                                          bbox=tuple(round(v, 1) for v in cell.bbox)),
                    )
                )  # fmt: skip
    return out


Column = list[tuple[float, float]]  # (left edge, middle height) of each name in a column


def _list_columns(cells: list[Cell]) -> tuple[list[Column], tuple[float, float]]:
    """A list's columns: the names whose left edges line up (within a glyph, a skewed
    scan's drift), two or more to a column; and how wide a box of n glyphs is (a·n + b: a
    glyph, and the margin OCR leaves round a line), fitted over the names."""
    names = [
        c for c in cells if _name(c.text.strip()) and not re.search(r"[、;；\s]", c.text.strip())
    ]
    if len(names) < 4:
        return [], (0.0, 0.0)
    ns = [sum(_glyphs(c.text.strip())) for c in names]
    ws = [c.bbox[2] - c.bbox[0] for c in names]
    n0, w0 = sum(ns) / len(ns), sum(ws) / len(ws)
    var = sum((n - n0) ** 2 for n in ns)
    a = sum((n - n0) * (w - w0) for n, w in zip(ns, ws, strict=True)) / var if var else 0.0
    b = w0 - a * n0
    if a <= 0 or b < 0:  # names of one length, or a fit gone wrong: no margin
        a, b = sorted(w / n for n, w in zip(ns, ws, strict=True))[len(ns) // 2], 0.0
    columns: list[Column] = []
    for c in sorted(names, key=lambda c: c.bbox[0]):
        edge = (c.bbox[0], (c.bbox[1] + c.bbox[3]) / 2)
        if columns and edge[0] - columns[-1][-1][0] <= a:
            columns[-1].append(edge)
        else:
            columns.append([edge])
    # A column holding one name (the last of a short list) counts when it stands where the
    # list's spacing puts the next column: a list's columns are evenly spaced.
    kept: list[Column] = []
    for col in columns:
        if len(col) >= 2:
            kept.append(col)
        elif len(kept) >= 2:
            pitch = kept[-1][0][0] - kept[-2][0][0]
            if abs(col[0][0] - (kept[-1][0][0] + pitch)) <= a:
                kept.append(col)
    return kept, (a, b)


def _glyphs(text: str) -> list[float]:
    return [1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.55 for ch in text]


def _unglued(cell: Cell, columns: list[Column], size: tuple[float, float]) -> list[str]:
    """A list's names in columns read as one box when the gap between two columns was lost
    ("努尔加玛丽·巴合提·沙肯潘鹏" over two columns): cut where the next column starts (as
    the name nearest in height starts it: a skewed scan drifts), by the glyphs' widths,
    when both pieces are names."""
    text = cell.text.strip()
    x0, x1 = cell.bbox[0], cell.bbox[2]
    mid = (cell.bbox[1] + cell.bbox[3]) / 2
    glyph, margin = size
    for column in columns:
        col = min(column, key=lambda e: abs(e[1] - mid))[0]
        if not glyph or col - x0 < 1.5 * glyph or x1 - col < 1.2 * glyph:
            continue
        weights = _glyphs(text)
        tail = (x1 - col - margin) / glyph
        cut = min(range(2, len(text) - 1), key=lambda i: abs(sum(weights[i:]) - tail), default=0)
        # The lost gap read as a middle dot ("艾则孜‧汤飞华") is no part of either name.
        head, rest = text[:cut].rstrip("·•．・‧⋅"), text[cut:].lstrip("·•．・‧⋅")
        if (
            cut
            and _name(head)
            and _name(rest)
            and not any(re.search(r"^\W|\W$", p) for p in (head, rest))
        ):
            box = (col, cell.bbox[1], x1, cell.bbox[3])
            return [head, *_unglued(Cell(rest, box, cell.confidence, cell.index), columns, size)]
    return [text]


def _dates_the_id_proves(doc: Doc, cands: dict[str, list[Candidate]], wanted) -> None:
    """A date equal to the birth date a valid ID number on the page encodes is the birth
    date, wherever it stands and whatever labels it (or none); never the issue date."""
    ids = [c for c in cands.get("id_number", []) if validate_id_number(c.value).valid]
    if not ids:
        return
    birth = validate_id_number(max(ids, key=lambda c: c.confidence).value).birth_date
    if not birth:
        return
    if "issue_date" in cands:
        cands["issue_date"] = [c for c in cands["issue_date"] if c.value != birth]
        if not cands["issue_date"]:
            del cands["issue_date"]
    if "birth_date" not in wanted or "birth_date" in cands:
        return
    for _s, _e, cell in doc.user_data["spans"]:
        for m in _DATE_RE.finditer(cell.text):
            value = _date(m.group(0))
            if value and len(value) >= 7 and birth.startswith(value):
                _pattern_cand(cands, "birth_date", cell, m)


# Who issues a title certificate: a human-resources (人事/人社) department, a government or
# its title-reform office; not the committee that evaluated, not the holder's employer.
_AUTHORITY = re.compile(
    r"(?:人力资源和社会保障|人事|人社)(?:厅|局|部)$|人民政府$|职称改革[\u4e00-\u9fff]*(?:小组|办公室)$"
)


def _choose(key: str, cands: list[Candidate], doc_type: DocType) -> Candidate | None:
    if not cands:
        return None
    if key == "issue_date":
        labelled = [c for c in cands if c.how != "pattern"]
        if labelled:
            return max(labelled, key=lambda c: c.confidence)
        # Unlabelled: the issue date stands lowest on the page; a birth date sits higher.
        return max(cands, key=lambda c: (c.bbox[1], c.confidence))
    if key == "issuer" and doc_type is TITLE:
        # "经…评审委员会评审通过": the committee evaluated, the authority issued; the
        # committee is the issuer only when no authority is printed.
        # (A labelled committee too: 评审组织：…评审委员会 beside 发证单位（盖章）.)
        authority = [c for c in cands if _AUTHORITY.search(c.value)]
        # A body printed beside an issuing label (发证单位：…) signed, whatever the prose's
        # committee: the committee is not taken over it. When that body is misread past
        # an organisation's ending (a seal over it), the issuer stays unread.
        signed = [c for c in cands if c.how in _LABELLED and "委员会" not in c.value]
        if not authority and signed:
            cands = [c for c in signed if _ORG_END.search(c.value)]
            if not cands:
                return None
        cands = authority or cands
    if key == "id_number":
        valid = [c for c in cands if validate_id_number(c.value).valid]
        pool = valid or cands
        return max(pool, key=lambda c: c.confidence)
    best = max(cands, key=lambda c: c.confidence)
    if key in _TEXT_KEYS:
        # A value cut by a line break is a piece of the reading across it: prefer that.
        longer = [c for c in cands if c.how == "cross" and best.value in c.value
                  and len(c.value) > len(best.value) and c.confidence >= 0.9 * best.confidence]  # fmt: skip
        # ... unless the page prints the value whole in two places or more: then the line
        # above only ran into it ("…获奖情况的通报" | "乌鲁木齐市第三届职业技能大赛已…").
        whole = {c.bbox for c in cands if c.how != "cross" and c.value == best.value}
        if longer and len(whole) < 2:
            best = max(longer, key=lambda c: (len(c.value), c.confidence))
    return best


_TEXT_KEYS = frozenset({"issuer", "school", "award_name", "name"})
_LABELLED = frozenset({"same", "right", "below", "fuzzy"})  # found beside or under a label


_ID_RE = re.compile(r"(?<![0-9A-Z])\d{17}[\dXx](?![0-9A-Z])")
_CERT_RE = re.compile(r"(?<![0-9A-Z])(?:[A-Z]{1,2}\d{20,21}|\d{16}|\d{13})(?![0-9A-Z])")
_DATE_RE = re.compile(
    # The day's 日 may be lost under a seal: "2021年3月14" ends its line.
    r"(?:19|20)\d{2}\s*(?:年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*(?:日|[\u4e00-\u9fff]?$))?|[.\-/]\d{1,2}[.\-/]\d{1,2})"
    r"|[〇零○OoC0-9一二三四五六七八九十乙上E①◯（(]{2,4}\s*年\s*[一二三四五六七八九十千]{1,2}\s*[月明]"
    # The day: a digit amid its numerals, a 年 read for its 十 ("二年十四日").
    r"(?:\s*[一二三四五六七八九十千西乙1-9]{1,3}(?:年[一二三四五六七八九十]{1,2})?\s*日?)?"
)


def _add_patterns(doc: Doc, doc_type: DocType, cands: dict[str, list[Candidate]]) -> None:
    """Values recognisable by their shape alone, for fields no label or phrase led to.

    Cells that start with another field's label are passed over: the date after 出生年月 is
    not an issue date, whatever it looks like.
    """
    wanted = set(TYPE_FIELDS[doc_type]) - set(cands)  # decided once, before any pattern adds
    labelled = _labelled_cells(doc)
    stamped = _near_overprints(doc)
    consumed = doc.user_data.get("consumed", {})
    for _start, _end, cell in doc.user_data["spans"]:
        text = cell.text
        other_label = labelled.get(id(cell)) or consumed.get(id(cell))
        if "id_number" in wanted and other_label in (None, "id_number"):
            for m in _ID_RE.finditer(text):
                _pattern_cand(cands, "id_number", cell, m)
        if "cert_no" in wanted and other_label in (None, "cert_no"):
            for m in _CERT_RE.finditer(text):
                if not _ID_RE.fullmatch(m.group(0)):
                    _pattern_cand(cands, "cert_no", cell, m)
        # A certificate number's line may end with the date ("编号：… 2023年06月01日").
        review = other_label == "_stop" and re.match(r"\s*评审", text)
        if id(cell) in stamped:
            pass  # the date a copy was certified on (与原件核对 2023.7.24) is no issue date
        elif "issue_date" in wanted and (other_label in (None, "issue_date", "cert_no") or review):
            # After 评审时间 the first date is the committee's; a date after it on the line
            # (a text layer joins the signature's date to it) is the issue date.
            for m in list(_DATE_RE.finditer(text))[1 if review else 0 :]:
                after = text[m.end() : m.end() + 2].strip() or _next_line_start(doc, cell)
                # Not a birth date (…生) nor a span of study (于2019年09月至2023年06月).
                if not after.startswith(("生", "至", "起")) and not text[: m.start()].endswith(
                    ("于", "至", "自")
                ):
                    _pattern_cand(cands, "issue_date", cell, m)
            # A numeric date read with gaps between its glyphs: "2 01 4.0 7.2 0".
            squeezed = re.sub(r"(?<=[\d.\-/])\s+(?=[\d.\-/])", "", text.strip())
            if squeezed != text.strip() and _DATE_RE.fullmatch(squeezed):
                _pattern_cand(cands, "issue_date", cell, re.match(r".+", text))
        if other_label is None and len(text) <= 14:
            for key in ("skill_level", "title", "education"):
                if key in wanted:
                    value = SPECS_BY_KEY[key].clean(text)
                    if value:
                        _add_cand(cands, key, value, text, cell.bbox, cell.confidence * 0.8)
    if "issue_date" in wanted:
        _dates_over_two_lines(doc, cands, labelled)
    if "award_rank" in wanted:
        _rank_in_two_boxes(doc, cands)
    if "occupation" in wanted and "occupation" not in cands:
        _occupation_after_lost_label(doc, cands, labelled)
    committees_only = doc_type is TITLE and all(
        "委员会" in c.value for c in cands.get("issuer", [])
    )  # the authority that sealed it signs at the bottom, unlabelled
    if "issuer" in wanted or committees_only:
        _issuer_from_layout(doc, cands, labelled)
    if "school" in wanted:
        for _s, _e, cell in doc.user_data["spans"]:
            m = _SCHOOL_RE.search(cell.text)
            if m and _SCHOOL_KIND.fullmatch(m.group(0)):
                continue
            if m and id(cell) not in labelled and "本校" not in cell.text[: m.start()]:
                _pattern_cand(cands, "school", cell, m)
    if "name" in wanted:
        _name_before_tongzhi(doc, cands)
    if doc_type is IDC:
        _id_card_by_content(doc, cands, labelled, wanted)


# A school's name: …大学/学院/学校/中学, then a campus in brackets ("中国石油大学
# (华东)") or a school attached to it ("…高等专科学校附属中专"). Not a bare …中专: the
# prose says "3年制中专学习".
_SCHOOL_RE = re.compile(
    r"[\u4e00-\u9fff()]{2,30}(?:大学|学院|学校|中学)"
    r"(?:\s*\(?[\u4e00-\u9fff]{2,6}\)|附属[\u4e00-\u9fff]{0,8}(?:中学|中专|小学|学校|医院))?"
)


def _next_line_start(doc: Doc, cell: Cell) -> str:
    """First glyph of the line under a prose line: "…一九六八年十二月" / "生，于…" wraps a
    birth date's 生 onto it."""
    rows: list[Row] = doc.user_data["rows"]
    if 0 <= cell.row < len(rows) - 1 and rows[cell.row + 1].cells:
        return rows[cell.row + 1].cells[0].text.strip()[:1]
    return ""


_YEAR_ONLY = re.compile(r"(?:(?:19|20)\d{2}|[〇零○一二三四五六七八九]{4})\s*年")
_MONTH_DAY = re.compile(
    r"\d{1,2}\s*月\s*\d{1,2}\s*日?|[一二三四五六七八九十]{1,2}\s*月\s*[一二三四五六七八九十]{1,3}\s*日?"
)


def _dates_over_two_lines(
    doc: Doc, cands: dict[str, list[Candidate]], labelled: dict[int, str]
) -> None:
    """A signature date OCR boxed in two pieces, "2024年" | "06月19日" (a gap in the print)
    or "2024年" over "06月19日": no single cell holds a date."""
    cells = [c for _s, _e, c in doc.user_data["spans"] if id(c) not in labelled]
    for upper in cells:
        if not _YEAR_ONLY.fullmatch(upper.text.strip()):
            continue
        h = max(upper.height, 1.0)
        for lower in cells:
            if lower is upper or not _MONTH_DAY.fullmatch(lower.text.strip()):
                continue
            gap = lower.bbox[1] - upper.bbox[3]
            overlap = min(upper.bbox[2], lower.bbox[2]) - max(upper.bbox[0], lower.bbox[0])
            beside = (
                vertical_overlap(upper.bbox, lower.bbox) > 0.5
                and -0.5 * h < lower.bbox[0] - upper.bbox[2] < 1.5 * h
            )
            under = -0.3 * h < gap < 1.2 * h and overlap > 0.3 * min(
                upper.bbox[2] - upper.bbox[0], lower.bbox[2] - lower.bbox[0]
            )
            if beside or under:
                joined = upper.text.strip() + lower.text.strip()
                value = _date(joined)
                if value:
                    conf = min(upper.confidence, lower.confidence) * 0.85
                    _add_cand(cands, "issue_date", value, joined,
                              union([upper.bbox, lower.bbox]), conf)  # fmt: skip
                break


_CERTIFIED = re.compile(r"原件|核对|审核|复印")


def _near_overprints(doc: Doc) -> set[int]:
    """Cells of an overprint and the cells just under or beside one (its date)."""
    cells = [c for _s, _e, c in doc.user_data["spans"]]
    marks = [c for c in cells if OVERPRINT.search(c.text)]
    out = {id(c) for c in marks}
    # A copy's certification stamp (与原件一致, 核对人) dates itself beside; a 仅供…使用 line
    # across the page does not, and the signature's date may stand right of it.
    certified = {id(c) for c in marks if _CERTIFIED.search(c.text)}
    typical = doc.user_data.get("typical_height", 1.0)
    for m in marks:
        h = max(min(m.height, 1.5 * typical), 1.0)  # a slanted stamp's box is tall
        for c in cells:
            # Under it, not just touching a corner: a slanted stamp's box ends where the
            # issue date's begins (a pixel in common).
            below = 0 <= c.bbox[1] - m.bbox[3] < 2.5 * h and (
                min(c.bbox[2], m.bbox[2]) - max(c.bbox[0], m.bbox[0])
                > 0.25 * min(c.bbox[2] - c.bbox[0], m.bbox[2] - m.bbox[0])
            )
            beside = (
                id(m) in certified
                and vertical_overlap(c.bbox, m.bbox) > 0.5
                and 0 <= c.bbox[0] - m.bbox[2] < 2 * h
            )
            if below or beside:
                out.add(id(c))
    return out


def _name_before_tongzhi(doc: Doc, cands: dict[str, list[Candidate]]) -> None:
    """ "马悦萍" | "同志：": the name boxed apart from the 同志 after it."""
    for row in doc.user_data["rows"]:
        for left, right in zip(row.cells, row.cells[1:], strict=False):
            if re.match(r"(?:同志|同学)\s*[:：，,]?$", right.text.strip()):
                value = _name(left.text)
                if value:
                    conf = left.confidence * _WHERE["pattern"]
                    _add_cand(cands, "name", value, left.text, left.bbox, conf)
                    return


def _rank_in_two_boxes(doc: Doc, cands: dict[str, list[Candidate]]) -> None:
    """ "一" | "等奖": the numeral boxed apart from the rest of the rank."""
    cells = [c for _s, _e, c in doc.user_data["spans"]]
    for tail in cells:
        if tail.text.strip() != "等奖":
            continue
        h = max(tail.height, 1.0)
        for head in cells:
            if (
                head is not tail
                and head.text.strip() in ("一", "二", "三")
                and vertical_overlap(head.bbox, tail.bbox) > 0.5
                and -h < tail.bbox[0] - head.bbox[2] < h
                and head.bbox[0] < tail.bbox[0]
            ):
                raw = head.text.strip() + "等奖"
                value = nz.normalize_award_rank(raw)  # the contract's ranks only
                if value is None:
                    return
                conf = min(head.confidence, tail.confidence) * _WHERE["pattern"]
                _add_cand(cands, "award_rank", value, raw, union([head.bbox, tail.bbox]), conf)
                return


def _occupation_after_lost_label(
    doc: Doc, cands: dict[str, list[Candidate]], labelled: dict[int, str]
) -> None:
    """ "工 种" letter-spaced with its 工 never detected: "种电力电缆安装运维工" holds the
    label's tail and the occupation."""
    for _s, _e, cell in doc.user_data["spans"]:
        m = re.fullmatch(r"种\s*[:：]?\s*([\u4e00-\u9fff]{2,14}(?:工|员|师))", cell.text.strip())
        value = _occupation(m.group(1)) if m and id(cell) not in labelled else None
        if value:
            box = sub_bbox(cell, m.start(1), m.end(1))
            _add_cand(cands, "occupation", value, m.group(1), box,
                      cell.confidence * _WHERE["pattern"])  # fmt: skip
            return


def _labelled_cells(doc: Doc) -> dict[int, str]:
    """id(cell) → key of the label that starts the cell (set by cc_labels)."""
    return doc.user_data["labelled"]


def _id_card_by_content(
    doc: Doc, cands: dict[str, list[Candidate]], labelled: dict[int, str], wanted: set[str]
) -> None:
    """ID-card copies whose printed labels are too faint to read: the values alone still say
    what they are (a lone 男/女, an ethnic group, a birth date, a name at the top)."""
    cells = [c for _s, _e, c in doc.user_data["spans"] if id(c) not in labelled]
    for cell in cells:
        text = cell.text.strip()
        if "gender" in wanted and text in ("男", "女"):
            _add_cand(cands, "gender", text, text, cell.bbox, cell.confidence * 0.85)
        if "ethnicity" in wanted:
            m = re.fullmatch(r"(?:民族?)?\s*([\u4e00-\u9fff]{1,6}?)(?:族)?", text)
            eth = nz.normalize_ethnicity(m.group(1)) if m and len(m.group(1)) >= 1 else None
            if eth and (text.startswith("民") or len(text) <= 5):
                _add_cand(cands, "ethnicity", eth, text, cell.bbox, cell.confidence * 0.85)
            # On the gender's row, a group's name that lost its head under the Uyghur line
            # above it ("萨克" of 哈萨克): the one group it ends.
            if not eth and _on_gender_row(text, cell, cells):
                eth = nz.ethnicity_by_tail(text)
                if eth:
                    _add_cand(cands, "ethnicity", eth, text, cell.bbox, cell.confidence * 0.8)
                # ... or the label 民族 run into its value as one misread glyph: "良汉".
                m = re.fullmatch(r"[\u4e00-\u9fff]([\u4e00-\u9fff]{1,5}?)族?", text)
                eth = None if eth or not m else nz.normalize_ethnicity(m.group(1))
                if eth:
                    _add_cand(cands, "ethnicity", eth, text, cell.bbox, cell.confidence * 0.75)
            # The card's row 性别 男 民族 汉 read as one cell without the label between: "男汉".
            m = re.fullmatch(r"[男女]\s*(?:民族?)?\s*([\u4e00-\u9fff]{1,5}?)族?", text)
            eth = nz.normalize_ethnicity(m.group(1)) if m else None
            if eth:
                _add_cand(cands, "ethnicity", eth, text, cell.bbox, cell.confidence * 0.8)
        if "birth_date" in wanted and re.fullmatch(r"(?:19|20)\d{2}年\d{1,2}月\d{1,2}日", text):
            _pattern_cand(cands, "birth_date", cell, re.match(r".+", text))
    if "name" in wanted:
        for cell in sorted(cells, key=lambda c: c.bbox[1]):
            value = _name(cell.text)
            if value and len(value.replace("·", "")) <= 12:
                _add_cand(cands, "name", value, cell.text, cell.bbox, cell.confidence * 0.8)
                break


def _on_gender_row(text: str, cell: Cell, cells: list[Cell]) -> bool:
    return any(
        c is not cell
        and c.text.strip() in ("男", "女")
        and vertical_overlap(c.bbox, cell.bbox) > 0.5
        for c in cells
    )


# A line that is nothing but an organisation's name: the common endings, and the issuers of
# honours (国务院, 团委…). Not 所/站/处, which end too many other words.
_ORG_RE = re.compile(
    r"[\u4e00-\u9fff（）() ]{1,40}(?:"
    + "|".join(_ORG_ENDINGS + ("国务院", "中央", "妇联", "团委", "领导小组", "党委"))
    + ")$"
)


def _issuer_from_layout(
    doc: Doc, cands: dict[str, list[Candidate]], labelled: dict[int, str]
) -> None:
    # Unlabelled issuers sign at the bottom: take the lowest line that names an organisation.
    best, best_value = None, None
    for _s, _e, cell in doc.user_data["spans"]:
        if id(cell) in labelled:
            continue
        text = _mend_edges(re.sub(r"\s+", "", cell.text))
        value = _issuer(cell.text) if _ORG_RE.search(text) else None
        if value and (best is None or cell.bbox[1] > best.bbox[1]):
            best, best_value = cell, value
    if best is not None and best_value:
        _add_cand(cands, "issuer", best_value, best.text, best.bbox, best.confidence * 0.85)


def _add_cand(
    cands: dict[str, list[Candidate]], key: str, value: str, raw: str, bbox: BBox, conf: float
) -> None:
    """A candidate found by its content or shape (not beside its label)."""
    cands.setdefault(key, []).append(Candidate(key, value, raw, bbox, conf, "pattern"))


def _pattern_cand(cands: dict[str, list[Candidate]], key: str, cell: Cell, m: re.Match) -> None:
    value = SPECS_BY_KEY[key].clean(m.group(0))
    if value is not None:
        box = sub_bbox(cell, m.start(), m.end())
        _add_cand(cands, key, value, m.group(0), box, cell.confidence * _WHERE["pattern"])


def _derive(page: PageText, doc_type: DocType, out: dict[str, ExtractedField]) -> None:
    """Fields implied by others: title level from the title, award level and year, ID facts."""
    if doc_type is TITLE and "title_level" not in out and "title" in out:
        level = nz.normalize_title_level(out["title"].value)
        if level:
            out["title_level"] = out["title"].model_copy(
                update={"key": "title_level", "value": level, "notes": ["derived from title"]}
            )
    if doc_type is AWARD:
        if "award_level" not in out and ("award_name" in out or "issuer" in out):
            name = out.get("award_name")
            issuer = out.get("issuer")
            level = nz.normalize_award_level(
                name.value if name else "", issuer.value if issuer else None
            )
            src = name or issuer
            if level and src:
                out["award_level"] = src.model_copy(
                    update={"key": "award_level", "value": level, "raw": src.raw,
                            "notes": ["derived from award name and issuer"]}
                )  # fmt: skip
        if "award_year" not in out:
            _derive_award_year(page, out)
    if doc_type is EDU and "education" not in out and "cert_no" in out:
        _education_by_number(page, out)
    for key in ("issuer", "award_name"):
        if key in out and "第届" in out[key].value:
            _lost_ordinal(page, out[key])
    if "id_number" in out:
        idf = out["id_number"]
        info = validate_id_number(idf.value)
        if info.valid:
            idf.notes.append("check digit ok")
            # What the printed value would say, when OCR missed it (a lone 男 under a seal):
            # the number holds it. An ID card prints the whole birth date, other documents
            # often only the month, so the birth date is taken on ID cards only.
            implied = {"gender": info.sex}
            if doc_type is IDC:
                implied["birth_date"] = info.birth_date
            for key, value in implied.items():
                have = out.get(key)
                if (
                    have is not None
                    and value
                    and doc_type is IDC
                    and have.value != value
                    and (value.startswith(have.value) or _one_slip(have.value, value))
                ):
                    # The checked number outranks a partial or one-glyph-off reading of the
                    # same fact on the same card ("1970" of 1970年 | 6月 | 25日).
                    out[key] = have.model_copy(
                        update={"value": value, "confidence": min(have.confidence, idf.confidence),
                                "notes": [*have.notes, f"read {have.value!r}; completed "
                                          "from the ID number"]}
                    )  # fmt: skip
                    continue
                if key in TYPE_FIELDS[doc_type] and key not in out and value:
                    out[key] = idf.model_copy(
                        update={"key": key, "value": value, "confidence": idf.confidence * 0.9,
                                "notes": ["derived from the ID number"]}
                    )  # fmt: skip
        else:
            out["id_number"].notes.append("fails GB 11643: " + ",".join(info.problems))
            out["id_number"].confidence *= 0.6
    if "cert_no" in out and doc_type is SKILL:
        info = parse_cert_no(out["cert_no"].value)
        if info is None or not info.valid_structure:
            out["cert_no"].confidence *= 0.8


def _lost_ordinal(page: PageText, f: ExtractedField) -> None:
    """A name that lost the numeral of its 第N届 ("…市第届职业技能大赛组委会") takes it from
    the page when the page prints the same name with one numeral there, and only one."""
    head, tail = f.value.split("第届", 1)
    if len(head) < 2 or len(tail) < 2:
        return
    rx = re.compile(
        re.escape(head[-4:]) + r"第([一二三四五六七八九十\d]{1,3})届" + re.escape(tail[:4])
    )
    found = {m.group(1) for ln in page.lines for m in rx.finditer(nz.to_halfwidth(ln.text))}
    if len(found) == 1:
        n = found.pop()
        f.value = f"{head}第{n}届{tail}"
        f.notes.append(f"第{n}届 as the page prints it elsewhere")


# A higher-education diploma's 18-digit number (学历证书电子注册号): the school's 5-digit
# code (1xxxx, adult colleges 5xxxx), the kind of schooling (1 全日制, 5 成人, 6 自学考试,
# 7 网络, 8 开放), the year of graduation, the level (培养层次), a 6-digit serial.
_DIPLOMA_NO = re.compile(r"([15]\d{4})([1-9])((?:19|20)\d{2})(0[1256])(\d{6})")
_DIPLOMA_LEVEL = {"01": "博士研究生", "02": "硕士研究生", "05": "本科", "06": "大专"}
_NOT_HIGHER = re.compile(r"中等(?:职业|专业)学校|中专(?!业)|职业中学|高级中学|普通高中|高中毕业")


def _education_by_number(page: PageText, out: dict[str, ExtractedField]) -> None:
    """A diploma whose sentence lost its level (a line under an overprint unread) still
    prints it in its number: digits 11-12 of the registration number, when the number has
    that structure, its year is the graduation year the page prints, and the page is no
    secondary school's (whose numbers are the province's own)."""
    no = out["cert_no"]
    m = _DIPLOMA_NO.fullmatch(nz.clean_cert_no(no.value) or "")
    if m is None or int(m.group(3)) > date.today().year:
        return
    printed = " ".join(nz.to_halfwidth(ln.text) for ln in page.lines)
    if _NOT_HIGHER.search(re.sub(r"高中起点", "", printed)):
        return
    issued = out.get("issue_date")
    if issued is not None and issued.value[:4] != m.group(3):
        return
    out["education"] = no.model_copy(
        update={"key": "education", "value": _DIPLOMA_LEVEL[m.group(4)],
                "confidence": round(no.confidence * 0.9, 4),
                "notes": ["derived from the diploma number's level digits"]}
    )  # fmt: skip


def _one_slip(read: str, value: str) -> bool:
    """Same length, one character different: an OCR slip, not another date."""
    return len(read) == len(value) and sum(a != b for a, b in zip(read, value, strict=True)) == 1


def _derive_award_year(page: PageText, out: dict[str, ExtractedField]) -> None:
    """The year in the award's name, else a "XXXX年度" in the text, else the issue year."""
    src = out.get("award_name")
    year = _year(src.raw) if src else None
    if year is None:
        for line in page.lines:
            m = re.search(r"((?:19|20)\d{2})\s*年度", nz.to_halfwidth(line.text))
            if m:
                year = m.group(1)
                src = ExtractedField(
                    key="award_year", value=year, raw=line.text, confidence=line.confidence,
                    evidence=Evidence(file=page.file, page=page.page, bbox=line.bbox),
                )  # fmt: skip
                break
    if year is None and "issue_date" in out:
        year, src = out["issue_date"].value[:4], out["issue_date"]
    if year and src:
        out["award_year"] = src.model_copy(
            update={"key": "award_year", "value": year, "notes": ["derived"]}
        )


def _to_field(page: PageText, c: Candidate) -> ExtractedField:
    return ExtractedField(
        key=c.key,
        value=c.value,
        raw=c.raw,
        confidence=round(min(1.0, c.confidence), 4),
        evidence=Evidence(file=page.file, page=page.page, bbox=tuple(round(v, 1) for v in c.bbox)),
        notes=[f"found: {c.how}", *c.notes],
    )


# --- what a seal's name adds to a page's fields ---------------------------------------------

SEAL_MIN_CONFIDENCE = 0.85  # rim text reads worse than print: only sure readings count
_BRACKETS = re.compile(r"[（）()\s]")


def _rim_name(text: str) -> str:
    t = re.sub(r"[^\u4e00-\u9fff（）()]", "", text)
    # 疆 is read; the 新 before it, where the rim text starts on its slant, is often not.
    t = re.sub(r"^[\u4e00-\u9fff](?=疆)", "新", t) if not t.startswith("新疆") else t
    return mend(t)


def wants_seals(doc_type: DocType, fields: dict[str, ExtractedField]) -> bool:
    """Whether a page's seals may add what its print did not give: a diploma's school not
    found (or found without its place), an issuer that lost its head, a title's issuer read
    as the committee that only evaluated."""
    if doc_type is DocType.education_certificate:
        school = fields.get("school")
        return school is None or len(school.value) <= 4
    issuer = fields.get("issuer")
    if issuer is None or doc_type is DocType.id_card:
        return False
    if doc_type is DocType.title_certificate and "委员会" in issuer.value:
        return True
    return not ORG_HEAD.match(issuer.value)


def seal_fields(
    doc_type: DocType,
    fields: dict[str, ExtractedField],
    texts: list[SealText],  # extractors.seals.read_seals
    file: str,
    page: int,
) -> None:
    """Put a seal's name where the print left a gap (in place): the first sure rim reading
    that fills one."""
    for st in texts:
        if st.confidence < SEAL_MIN_CONFIDENCE:
            continue
        got = _from_rim(doc_type, fields, _rim_name(st.text), st.confidence)
        if got is not None:
            key, value, conf = got
            fields[key] = ExtractedField(
                key=key, value=value, raw=st.text, confidence=round(conf, 4),
                evidence=Evidence(file=file, page=page,
                                  bbox=tuple(round(v, 1) for v in st.seal.bbox)),
                notes=[f"found: the seal's rim ({st.text})"],
            )  # fmt: skip
            return


def _from_rim(
    doc_type: DocType, fields: dict[str, ExtractedField], name: str, conf: float
) -> tuple[str, str, float] | None:
    """(key, value, confidence) a rim's name gives the page, or None."""
    if doc_type is DocType.education_certificate:
        m = _SCHOOL_RE.search(name)
        value = _school(m.group(0)) if m and not _SCHOOL_KIND.fullmatch(m.group(0)) else None
        cur = fields.get("school")
        if value and (cur is None or (value.endswith(cur.value) and value != cur.value)):
            return "school", value, conf * 0.9
        return None
    cur = fields.get("issuer")
    value = _issuer(name) if cur is not None else None
    if not value or cur is None or value == cur.value:
        return None
    conf = min(cur.confidence, conf)
    if doc_type is DocType.title_certificate and "委员会" in cur.value:
        # Who sealed it issued it; a committee's own seal is no issuer.
        return ("issuer", value, conf) if _AUTHORITY.search(value) else None
    # A head lost under the seal: the rim's name ends with what was read ("业（集团）有限
    # 公司" | 新疆天业集团有限公司), or what was read ends with the rim's name after a
    # stray glyph or two of the ring ("州人为昌吉…局").
    have, rim = _BRACKETS.sub("", cur.value), _BRACKETS.sub("", value)
    if len(have) >= 4 and rim.endswith(have) and len(rim) > len(have):
        return "issuer", rim[: len(rim) - len(have)] + cur.value, conf
    if len(rim) >= 6 and have.endswith(rim) and 0 < len(have) - len(rim) <= 8:
        return "issuer", value, conf
    return None
