"""Normalisers for values read from certificates or declared in forms.

Every function here is pure and total: odd input gives None (or an empty string for
text cleaners), never an exception. Vocabularies come from models.catalogue, so the
outputs are exactly the contract's normalised values.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

import zhconv

from models.catalogue import (
    AWARD_RANKS,
    PROGRAMS,
    SKILL_GRADE_TO_LEVEL,
    SKILL_LEVELS,
    FieldKey,
)

__all__ = [
    "ETHNIC_GROUPS",
    "NORMALIZERS",
    "canonical_program",
    "clean_cert_no",
    "comparable",
    "format_cn_date",
    "name_key",
    "name_parts",
    "normalize_award_level",
    "normalize_award_rank",
    "normalize_education",
    "normalize_ethnicity",
    "normalize_gender",
    "normalize_name",
    "normalize_skill_level",
    "normalize_title",
    "normalize_title_level",
    "parse_date",
    "skill_level_parts",
    "to_halfwidth",
]

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_CJK_RE = re.compile(f"[{_CJK}]")
_ZERO_WIDTH_RE = re.compile("[\u200b-\u200f\u2060\ufeff]")


# ---------------------------------------------------------------- generic text


# Full-width ASCII (U+FF01..U+FF5E) → half-width, ideographic space → space.
_HALFWIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def to_halfwidth(s: str | None) -> str:
    """Full-width ASCII (U+FF01..U+FF5E) and the ideographic space to half-width."""
    return s.translate(_HALFWIDTH) if s else ""


def comparable(s: str | None) -> str:
    """Key for loose equality: half-width, simplified, casefolded, no whitespace."""
    if not s:
        return ""
    # NFKC also folds Kangxi radicals and other compatibility forms OCR emits.
    t = unicodedata.normalize("NFKC", to_halfwidth(s))
    t = _ZERO_WIDTH_RE.sub("", t)
    t = zhconv.convert(t, "zh-cn")
    return "".join(t.casefold().split())


# ---------------------------------------------------------------- names

# Middle-dot look-alikes seen in minority names (contract "names", domain.md).
_DOT_CHARS = (
    "\u00b7"  # · middle dot (canonical)
    "\u0387"  # Greek ano teleia, NFC-equivalent of U+00B7
    "\u2022"  # • bullet
    "\u2024"  # one dot leader
    "\u2027"  # ‧ hyphenation point
    "\u2219"  # ∙ bullet operator
    "\u22c5"  # ⋅ dot operator
    "\u2e31"  # word separator middle dot
    "\u30fb"  # ・ katakana middle dot
    "\uff65"  # ･ half-width katakana middle dot
    "\ufe52"  # ﹒ small full stop
    "\uff0e"  # ． full-width full stop
    "."
)
_DOT_RE = re.compile(f"[{re.escape(_DOT_CHARS)}]")
_NAME_LABEL_RE = re.compile(r"^\s*姓\s*名\s*[:：]?\s*")
_NAME_EDGE_PUNCT = set(":：,，;；、。!！?？\"'“”‘’「」『』【】[]《》<>-_—–~～") | set(_DOT_CHARS)
_NAME_TRAILING_WORDS = ("同志",)


def _is_single_cjk(part: str) -> bool:
    return len(part) == 1 and bool(_CJK_RE.match(part))


def _strip_name_edges(s: str) -> str:
    prev = None
    while prev != s:
        prev = s
        s = s.strip()
        while s and s[-1] in _NAME_EDGE_PUNCT:
            s = s[:-1]
        while s and s[0] in _NAME_EDGE_PUNCT:
            s = s[1:]
        for word in _NAME_TRAILING_WORDS:
            if s.endswith(word) and len(s) > len(word):
                s = s[: -len(word)]
    return s


def _normalize_name_once(s: str) -> str:
    t = _ZERO_WIDTH_RE.sub("", to_halfwidth(s))
    t = _NAME_LABEL_RE.sub("", t)
    t = _strip_name_edges(t)
    t = _DOT_RE.sub("\u00b7", t)
    segments: list[str] = []
    for seg in t.split("\u00b7"):
        parts = seg.split()
        if not parts:
            continue
        if len(parts) > 1 and all(_is_single_cjk(p) for p in parts):
            # Han names padded to a fixed width ("张  三", "王 小 明").
            segments.append("".join(parts))
        elif any(_CJK_RE.search(p) for p in parts):
            segments.append("\u00b7".join(parts))
        else:
            # Latin or Arabic-script names keep their spaces.
            segments.append(" ".join(parts))
    return _strip_name_edges("\u00b7".join(segments))


def normalize_name(s: str | None) -> str:
    """Name as printed, middle dots unified to U+00B7, half-width, labels stripped."""
    if not s:
        return ""
    cur = s
    for _ in range(4):  # converge so the function is idempotent
        nxt = _normalize_name_once(cur)
        if nxt == cur:
            break
        cur = nxt
    return cur


# Standard simplified characters that zhconv folds into others: 乾 (李乾) is not 干, the
# surname 於 is not 于. In names they stay apart (hidden from zhconv behind private-use marks).
_NAME_KEEP = str.maketrans({"乾": "\ue000", "於": "\ue001"})
_NAME_BACK = str.maketrans({"\ue000": "乾", "\ue001": "於"})


def name_key(s: str | None, *, keep_dot: bool = True) -> str:
    """Comparison key: normalize_name, traditional→simplified, casefold.

    keep_dot=False also drops the middle dots, for sources that print none.
    """
    n = unicodedata.normalize("NFKC", normalize_name(s))
    n = zhconv.convert(n.translate(_NAME_KEEP), "zh-cn").translate(_NAME_BACK).casefold()
    if not keep_dot:
        n = n.replace("\u00b7", "").replace(" ", "")
    return n


def name_parts(s: str | None) -> list[str]:
    """Parts of a (minority) name split on the middle dot."""
    return [p for p in normalize_name(s).split("\u00b7") if p]


# ---------------------------------------------------------------- Chinese numerals

_CN_DIGITS: dict[str, int] = {}
for _chars, _val in (
    ("0〇零○OoΟ洞", 0),
    ("1一壹", 1),
    ("2二贰貳两兩", 2),
    ("3三叁參叄", 3),
    ("4四肆", 4),
    ("5五伍", 5),
    ("6六陆陸", 6),
    ("7七柒", 7),
    ("8八捌", 8),
    ("9九玖", 9),
):
    for _c in _chars:
        _CN_DIGITS[_c] = _val
_CN_TENS = {"十": 10, "拾": 10, "廿": 20, "卅": 30}


def _cn_int(s: str) -> int | None:
    """Small Chinese or mixed numeral: 六, 十二, 二十, 三十一, 廿一, 〇六, 12."""
    s = s.strip()
    if not s:
        return None
    if all(c in _CN_DIGITS for c in s):
        return int("".join(str(_CN_DIGITS[c]) for c in s))
    tens_pos = [i for i, c in enumerate(s) if c in _CN_TENS]
    if len(tens_pos) != 1:
        return None
    i = tens_pos[0]
    left, mid, right = s[:i], s[i], s[i + 1 :]
    if len(left) > 1 or len(right) > 1:
        return None
    if mid in ("廿", "卅"):
        if left:
            return None
        base = _CN_TENS[mid]
    else:
        if left and left not in _CN_DIGITS:
            return None
        base = (_CN_DIGITS[left] if left else 1) * 10
    if right:
        if right not in _CN_DIGITS:
            return None
        return base + _CN_DIGITS[right]
    return base


# ---------------------------------------------------------------- skill levels

_GRADE_NUM = "一二三四五壹贰貳叁參肆伍12345"
_GRADE_RE = re.compile(
    rf"(?<![0-9十百])([{_GRADE_NUM}]|iii|ii|iv|i|v)级"
    # 一级建造师, 二级教师, 一级律师… are titles or licences, not skill grades.
    r"(?!建造师|建筑师|造价|注册|教师|律师|演员|演奏员|编剧|导演|美术师|运动员|裁判|警|法官|检察官"
    r"|科员|调研员|巡视员|翻译|播音|作家|医院|甲等|乙等|结构工程师|消防工程师|工程师|实习指导教师)"
)
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5}
_SKILL_NAME_RE = re.compile(
    r"首席技师|特级技师|高级技师"
    r"|(?<!主任)(?<!主管)技师(?!学院)"
    r"|(?:高级|中级|初级)(?:工|技工)(?!程|人员)"
    # bare 高级/中级/初级 only where no title word follows (高级工程师, 中级职称…)
    r"|(?:高级|中级|初级)(?![" + _CJK + r"])"
    r"|(?:高级|中级|初级)(?=职业资格|资格|技能|等级|证书|工人)"
)
_SHORT_SKILL = {"高级": "高级工", "中级": "中级工", "初级": "初级工"}


def _grade_of(token: str) -> int | None:
    if token in _ROMAN:
        return _ROMAN[token]
    return _CN_DIGITS.get(token)


def skill_level_parts(s: str | None) -> tuple[str | None, str | None]:
    """(level from a grade like 二级, level from a name like 技师); either may be None.

    Lets callers flag "二级/高级技师"-style contradictions.
    """
    t = comparable(s)
    if not t:
        return None, None
    grade_level: str | None = None
    m = _GRADE_RE.search(t)
    if m:
        g = _grade_of(m.group(1))
        if g is not None:
            grade_level = SKILL_GRADE_TO_LEVEL.get(g)
    name_level: str | None = None
    n = _SKILL_NAME_RE.search(t)
    if n:
        word = n.group(0)
        if word.endswith("技工"):
            word = word[:-2] + "工"
        word = _SHORT_SKILL.get(word, word)
        name_level = word if word in SKILL_LEVELS else None
    return grade_level, name_level


def normalize_skill_level(s: str | None) -> str | None:
    """One of SKILL_LEVELS, preferring the level name over the grade when both print."""
    grade_level, name_level = skill_level_parts(s)
    return name_level or grade_level


# ---------------------------------------------------------------- title levels

# Checked first: their wording contradicts the generic rules below.
_TITLE_EXCEPTIONS: tuple[tuple[str, str], ...] = (
    ("教授级高级工程师", "正高级"),
    ("教授级高工", "正高级"),
    ("正研级", "正高级"),
    ("高级记者", "正高级"),
    ("高级编辑", "正高级"),
    ("小学高级教师", "中级"),  # pre-2015 primary-school grades
    ("小学一级教师", "初级"),
)
# Phrases holding level words that are not title levels.
_TITLE_NOISE_RE = re.compile(
    r"初级中学|高级中学|中级人民法院|高级人民法院|高级技工学校|技师学院"
    r"|首席技师|特级技师|高级技师|(?:高级|中级|初级)(?:技)?工(?!程)"
)
_TITLE_EXPLICIT: tuple[tuple[str, str], ...] = (
    ("正高级", "正高级"),
    ("正高", "正高级"),
    ("副高级", "副高级"),
    ("副高", "副高级"),
    ("中级", "中级"),
    ("初级", "初级"),
    ("高级", "副高级"),
    ("员级", "初级"),
    ("助理级", "初级"),
)
_ART_TITLE_RE = re.compile(
    r"([一二三四])级(?:演员|演奏员|编剧|导演|作曲|美术师|舞美设计师|指挥|律师|公证员|文学创作|播音员)"
)
_ART_GRADE_LEVEL = {1: "正高级", 2: "副高级", 3: "中级", 4: "初级"}
_TITLE_NAMES: dict[str, str] = {
    # 正高级
    "研究员": "正高级", "教授": "正高级", "主任医师": "正高级", "主任药师": "正高级",
    "主任护师": "正高级", "主任技师": "正高级", "编审": "正高级", "译审": "正高级",
    "研究馆员": "正高级",
    # 副高级
    "高工": "副高级", "副研究员": "副高级", "副教授": "副高级", "副主任医师": "副高级",
    "副主任药师": "副高级", "副主任护师": "副高级", "副主任技师": "副高级",
    "副编审": "副高级", "副译审": "副高级", "副研究馆员": "副高级", "主任记者": "副高级",
    "主任编辑": "副高级",
    # 中级
    "工程师": "中级", "讲师": "中级", "主治医师": "中级", "主管药师": "中级",
    "主管护师": "中级", "主管技师": "中级", "经济师": "中级", "会计师": "中级",
    "统计师": "中级", "审计师": "中级", "农艺师": "中级", "畜牧师": "中级",
    "兽医师": "中级", "实验师": "中级", "政工师": "中级", "工艺美术师": "中级",
    "一级教师": "中级", "一级实习指导教师": "中级", "助理研究员": "中级", "馆员": "中级",
    "记者": "中级", "编辑": "中级", "翻译": "中级",
    # 初级
    "助理工程师": "初级", "技术员": "初级", "助教": "初级", "助理讲师": "初级",
    "医师": "初级", "医士": "初级", "药师": "初级", "药士": "初级", "护师": "初级",
    "护士": "初级", "技士": "初级", "助理经济师": "初级", "经济员": "初级",
    "二级教师": "初级", "三级教师": "初级", "二级实习指导教师": "初级",
    "三级实习指导教师": "初级", "会计员": "初级", "助理会计师": "初级",
    "助理统计师": "初级", "统计员": "初级", "助理审计师": "初级", "审计员": "初级",
    "研究实习员": "初级", "助理实验师": "初级", "实验员": "初级", "助理馆员": "初级",
    "管理员": "初级", "助理编辑": "初级", "助理记者": "初级", "助理翻译": "初级",
    "助理农艺师": "初级", "农业技术员": "初级", "助理畜牧师": "初级",
    "助理兽医师": "初级", "助理政工师": "初级", "助理工艺美术师": "初级",
    "工艺美术员": "初级",
}  # fmt: skip
_TITLE_NAMES_LONGEST_FIRST = sorted(_TITLE_NAMES.items(), key=lambda kv: -len(kv[0]))


def normalize_title_level(s: str | None) -> str | None:
    """初级/中级/副高级/正高级 from an explicit level word or a title name.

    Order: known exceptions, explicit level words (so 初级会计师 is 初级, not the
    中级 of 会计师), art/law grades, then title names longest first. Bare 技师 and
    高级技师 are skill levels here, not health titles, so they give None.
    """
    t = comparable(s)
    if not t:
        return None
    for word, level in _TITLE_EXCEPTIONS:
        if word in t:
            return level
    t = _TITLE_NOISE_RE.sub("|", t)
    for word, level in _TITLE_EXPLICIT:
        if word in t:
            return level
    m = _ART_TITLE_RE.search(t)
    if m:
        g = _CN_DIGITS.get(m.group(1))
        if g in _ART_GRADE_LEVEL:
            return _ART_GRADE_LEVEL[g]
    if "注册" in t:  # 注册会计师 etc. are licences, not title grades
        return None
    for word, level in _TITLE_NAMES_LONGEST_FIRST:
        if word in t:
            return level
    return None


def normalize_title(s: str | None) -> str | None:
    """The title name itself: half-width, no whitespace, edge punctuation dropped."""
    if not s:
        return None
    t = "".join(_ZERO_WIDTH_RE.sub("", to_halfwidth(s)).split())
    t = t.strip(":：,，;；、。.")
    return t or None


# ---------------------------------------------------------------- education

# Highest first; each wording is checked on the comparable() form.
_EDUCATION_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"博士|ph\.?d"), "博士研究生"),
    (re.compile(r"硕士|研究生|mba|mpa|master"), "硕士研究生"),
    (re.compile(r"本科|学士|专升本|专科起点本科|bachelor"), "本科"),
    (re.compile(r"大专|专科|高职|高等职业|高专|高等专科"), "大专"),
    (
        re.compile(r"中专|中等专业|中等职业|职业中专|中职|职高|职业高中|技工学校|技校|中技"),
        "中专",
    ),
    (re.compile(r"高中|高级中学|普高"), "高中"),
)


def normalize_education(s: str | None) -> str | None:
    """One of EDUCATION_LEVELS, or None (初中, 小学, unknown)."""
    t = comparable(s)
    if not t:
        return None
    for pattern, level in _EDUCATION_PATTERNS:
        if pattern.search(t):
            return level
    return None


# ---------------------------------------------------------------- awards

_RANK_RE = re.compile(
    r"(金奖|金牌)|(银奖|银牌)|(铜奖|铜牌)"
    r"|(?<![0-9十特])([一二三123壹贰貳叁參])等(?:奖|(?![" + _CJK + r"0-9]))"
    r"|(优秀奖)"
)


def normalize_award_rank(s: str | None) -> str | None:
    """金奖/银奖/铜奖/一等奖/二等奖/三等奖/优秀奖, or None (特等奖, 第一名, honour titles)."""
    t = comparable(s)
    if not t:
        return None
    m = _RANK_RE.search(t)
    if not m:
        return None
    if m.group(1):
        return "金奖"
    if m.group(2):
        return "银奖"
    if m.group(3):
        return "铜奖"
    if m.group(4):
        rank = f"{'一二三'[_CN_DIGITS[m.group(4)] - 1]}等奖"
        return rank if rank in AWARD_RANKS else None
    return "优秀奖"


# Ranks: 0 国家级, 1 省级, 2 地市级, 3 县级, 4 below county, 5 enterprise.
_AWARD_LEVEL_NAMES = ("国家级", "省级", "地市级", "县级", "其他", "其他")
_XJ_COUNTY_CITIES = (
    "昌吉市|阜康市|博乐市|阿拉山口市|库尔勒市|阿克苏市|库车市|阿图什市|喀什市|和田市"
    "|伊宁市|奎屯市|霍尔果斯市|塔城市|乌苏市|沙湾市|阿勒泰市"
)
_XJ_DISTRICTS = (
    "天山区|沙依巴克区|新市区|水磨沟区|头屯河区|达坂城区|米东区|独山子区|克拉玛依区"
    "|白碱滩区|乌尔禾区|高昌区|伊州区"
)
_XJ_PREFECTURE_NAMES = (
    "乌鲁木齐|克拉玛依|吐鲁番|哈密|昌吉|博尔塔拉|博州|巴音郭楞|巴州|阿克苏|克孜勒苏|克州"
    "|喀什|和田|伊犁|塔城|阿勒泰|石河子|五家渠|阿拉尔|图木舒克|北屯|铁门关|可克达拉|昆玉"
    "|胡杨河"
)
_MINISTRIES = (
    "教育|科学技术|科技|工业和信息化|工信|公安|民政|司法|财政|自然资源|生态环境|住房和城乡建设"
    "|住建|交通运输|水利|农业农村|农业|商务|文化和旅游|文化|退役军人事务|应急管理|卫生|铁道"
)
_AWARD_MARKERS: tuple[tuple[re.Pattern[str], int], ...] = (
    (
        re.compile(
            r"国家级|全国|国务院|中共中央|党中央|中央军委|团中央|中华技能大奖|世界技能"
            r"|人力资源和?社会保障部|人社部|劳动和?社会保障部|劳动部"
            r"|国家(?:最高)?(?:科学技术|科技|自然科学|技术发明|荣誉|勋章)"
        ),
        0,
    ),
    (
        re.compile(
            r"省部级|省级|省|自治区|兵团|新疆|国资委|国有资产监督管理委员会|审计署|中国科学院|中科院|中国工程院"
            rf"|(?:{_MINISTRIES})部|国家[{_CJK}]{{1,12}}?(?:委员会|委|总局|局)"
        ),
        1,
    ),
    (
        re.compile(
            r"地市级|市级|州级|地级|自治州|州|(?<![超城都门])市(?!场)"
            r"|(?<![部远族困疆方内外海边村])地区"
            r"|第[一二三四五六七八九十0-9]{1,3}师|农[一二三四五六七八九十0-9]{1,3}师|建工师"
            rf"|{_XJ_PREFECTURE_NAMES}"
        ),
        2,
    ),
    (
        re.compile(
            r"县级|县|团场|(?<![共兵集社])(?:[一二三四五六七八九十〇零]{2,3}|[0-9]{2,3})团(?![委中体队结])"
            r"|(?:经济技术开发|高新技术产业开发|开发|高新|工业园|新)区"
            rf"|市[{_CJK}]{{1,5}}?区|{_XJ_COUNTY_CITIES}|{_XJ_DISTRICTS}"
        ),
        3,
    ),
    (
        re.compile(
            r"(?:乡|镇)(?:人民政府|政府|党委)|街道|社区|村委会|居委会|村民委员会|居民委员会"
        ),
        4,
    ),
)
_ENTERPRISE_RE = re.compile(r"公司|集团|有限责任|股份|工厂")
# Not on spaces: OCR puts spaces inside one organisation name.
_ORG_SPLIT_RE = re.compile(r"[、,，;；/|\n]+")


def _org_rank(part: str, *, enterprise_words: bool) -> int | None:
    """Most specific level named in one organisation (or award) string."""
    t = comparable(part)
    if not t:
        return None
    if enterprise_words and _ENTERPRISE_RE.search(t):
        return 5
    ranks = [rank for pattern, rank in _AWARD_MARKERS if pattern.search(t)]
    return max(ranks) if ranks else None


def _text_rank(text: str, *, enterprise_words: bool) -> int | None:
    """Co-issuers: the highest level among them; within one issuer the most specific."""
    ranks = [
        r
        for part in _ORG_SPLIT_RE.split(to_halfwidth(text))
        if (r := _org_rank(part, enterprise_words=enterprise_words)) is not None
    ]
    return min(ranks) if ranks else None


def normalize_award_level(award_name: str | None, issuer: str | None = None) -> str | None:
    """国家级/省级/地市级/县级/其他 for an award; None only when both inputs are empty.

    Precedence:
    1. The issuer decides when it names a recognisable body; the award name is used
       only when the issuer is missing or names none.
    2. Within one organisation name the most specific unit wins: 新疆维吾尔自治区乌鲁木齐市
       总工会 is 地市级, 新疆生产建设兵团第八师 is 地市级, …一四二团 is 县级. 自治州 is a
       prefecture (地市级), 自治区 a province, 自治县 a county.
    3. Co-issuers (separated by 、，; or spaces) count at the highest level among them.
    4. Ministries count as 省级 (部委, contract), except 人力资源和社会保障部, which issues
       全国技术能手 and 中华技能大奖 and counts as 国家级.
    5. Enterprises (公司, 集团…) and bodies below county (乡镇, 街道, 社区) give 其他.
    """
    name = award_name or ""
    org = issuer or ""
    if not name.strip() and not org.strip():
        return None
    rank = _text_rank(org, enterprise_words=True) if org.strip() else None
    if rank is None:
        rank = _text_rank(name, enterprise_words=False)
        if rank is None and re.search("公司|集团", comparable(name)):
            rank = 5
    return _AWARD_LEVEL_NAMES[rank] if rank is not None else "其他"


# ---------------------------------------------------------------- dates

_YEAR_CH = "0-9〇零○OoΟ一二三四五六七八九壹贰貳叁參叄肆伍陆陸柒捌玖"
_MD_CH = "0-9〇零○一二三四五六七八九十廿卅壹贰貳叁參叄肆伍陆陸柒捌玖拾两兩"
_CN_DATE_RE = re.compile(
    rf"(?<![0-9])([{_YEAR_CH}]{{4}})\s*年"
    rf"(?:\s*([{_MD_CH}]{{1,3}}|元)\s*月"
    rf"(?:\s*((?:[0-9]{{1,2}}(?![0-9]))|[〇零○一二三四五六七八九十廿卅壹贰貳叁參叄肆伍陆陸柒捌玖拾两兩]{{1,4}})"
    r"\s*[日号號曰]?)?)?"
)
_NUM_DATE_RE = re.compile(
    r"(?<![0-9])([0-9]{4})\s*[.\-/。·]\s*([0-9]{1,2})(?![0-9])"
    r"(?:\s*[.\-/。·]\s*([0-9]{1,2})(?![0-9]))?"
)
_COMPACT_DATE_RE = re.compile(r"(?<![0-9])([0-9]{4})([0-9]{2})([0-9]{2})(?![0-9])")
_WHOLE_YM_RE = re.compile(r"^\s*([0-9]{4})([0-9]{2})?\s*$")
# Digits and separators only, with two separators: spaces inside are gaps, not breaks.
_SPACED_NUM_DATE_RE = re.compile(r"\s*[0-9][0-9\s]*[.\-/][0-9\s]+[.\-/][0-9\s]*[0-9]\s*")


def _ymd(year: int | None, month: int | None, day: int | None) -> str | None:
    if year is None or not 1900 <= year <= 2100:
        return None
    if month is None:
        return f"{year:04d}"
    if not 1 <= month <= 12:
        return None
    if day is None:
        return f"{year:04d}-{month:02d}"
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def _cn_year(s: str) -> int | None:
    if not all(c in _CN_DIGITS for c in s):
        return None
    return int("".join(str(_CN_DIGITS[c]) for c in s))


def _date_candidates(t: str) -> list[tuple[int, int, int | None, int | None, int | None]]:
    """(start, end, year, month, day) of every date-like span; None parts unreadable."""
    out: list[tuple[int, int, int | None, int | None, int | None]] = []
    for m in _CN_DATE_RE.finditer(t):
        month = day = None
        if m.group(2):
            month = 1 if m.group(2) == "元" else _cn_int(m.group(2))
            month = -1 if month is None else month
        if m.group(3):
            day = _cn_int(m.group(3))
            day = -1 if day is None else day
        out.append((m.start(), m.end(), _cn_year(m.group(1)), month, day))
    for m in _NUM_DATE_RE.finditer(t):
        day = int(m.group(3)) if m.group(3) else None
        out.append((m.start(), m.end(), int(m.group(1)), int(m.group(2)), day))
    for m in _COMPACT_DATE_RE.finditer(t):
        out.append((m.start(), m.end(), int(m.group(1)), int(m.group(2)), int(m.group(3))))
    return out


def parse_date(s: str | None) -> str | None:
    """ISO date ("YYYY-MM-DD", or "YYYY-MM"/"YYYY" when that is all there is).

    The first span whose year is plausible (1900-2100) decides; an impossible month
    or day there gives None rather than falling through to a later date, since an
    impossible printed date is itself worth noticing.
    """
    t = _ZERO_WIDTH_RE.sub("", to_halfwidth(s or ""))
    if not t.strip():
        return None
    if _SPACED_NUM_DATE_RE.fullmatch(t):
        # A numeric date OCR read with gaps between the glyphs: "2 01 4.0 7.2 0".
        t = re.sub(r"\s+", "", t)
    whole = _WHOLE_YM_RE.match(t)
    if whole:
        month = int(whole.group(2)) if whole.group(2) else None
        return _ymd(int(whole.group(1)), month, None)
    plausible = [c for c in _date_candidates(t) if c[2] is not None and 1900 <= c[2] <= 2100]
    if not plausible:
        return None
    # Earliest start; at a tie the longest span (2021年6月30日 over 2021年).
    _, _, year, month, day = min(plausible, key=lambda c: (c[0], -(c[1] - c[0])))
    return _ymd(year, month, day)


_CN_ZERO_TO_NINE = "〇一二三四五六七八九"


def _cn_small(n: int) -> str:
    """1..31 in words: 六, 十, 十二, 二十, 三十一."""
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _CN_ZERO_TO_NINE[ones]
    head = "" if tens == 1 else _CN_ZERO_TO_NINE[tens]
    return head + "十" + (_CN_ZERO_TO_NINE[ones] if ones else "")


def format_cn_date(iso: str) -> str:
    """ "2016-06-30" → "二〇一六年六月三十日" (also "YYYY-MM", "YYYY").

    Raises ValueError on anything that is not a valid ISO date: it formats the
    generator's own values, where a bad one is a bug.
    """
    m = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", iso.strip())
    if not m:
        raise ValueError(f"not an ISO date: {iso!r}")
    year = int(m.group(1))
    month = int(m.group(2)) if m.group(2) else None
    day = int(m.group(3)) if m.group(3) else None
    if _ymd(year, month, day) is None:
        raise ValueError(f"not a valid date: {iso!r}")
    out = "".join(_CN_ZERO_TO_NINE[int(c)] for c in m.group(1)) + "年"
    if month is not None:
        out += _cn_small(month) + "月"
    if day is not None:
        out += _cn_small(day) + "日"
    return out


# ---------------------------------------------------------------- person fields


def normalize_gender(s: str | None) -> str | None:
    """男/女, or None when absent or contradictory."""
    t = comparable(s)
    if not t:
        return None
    t = re.sub(r"^性别[:：]?", "", t)
    if t in ("m", "male", "man"):
        return "男"
    if t in ("f", "female", "woman"):
        return "女"
    has_m, has_f = "男" in t, "女" in t
    if has_m != has_f:
        return "男" if has_m else "女"
    return None


ETHNIC_GROUPS: tuple[str, ...] = (
    "汉族", "蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族", "布依族", "朝鲜族",
    "满族", "侗族", "瑶族", "白族", "土家族", "哈尼族", "哈萨克族", "傣族", "黎族", "傈僳族",
    "佤族", "畲族", "高山族", "拉祜族", "水族", "东乡族", "纳西族", "景颇族", "柯尔克孜族",
    "土族", "达斡尔族", "仫佬族", "羌族", "布朗族", "撒拉族", "毛南族", "仡佬族", "锡伯族",
    "阿昌族", "普米族", "塔吉克族", "怒族", "乌孜别克族", "俄罗斯族", "鄂温克族", "德昂族",
    "保安族", "裕固族", "京族", "塔塔尔族", "独龙族", "鄂伦春族", "赫哲族", "门巴族",
    "珞巴族", "基诺族",
)  # fmt: skip
_ETHNIC_STEMS: dict[str, str] = {g[:-1]: g for g in ETHNIC_GROUPS}
# Colloquial short forms and variant transliterations common in Xinjiang forms.
_ETHNIC_ALIASES: dict[str, str] = {
    "维族": "维吾尔族", "维吾儿": "维吾尔族", "维吾儿族": "维吾尔族", "哈族": "哈萨克族",
    "柯族": "柯尔克孜族", "克尔克孜": "柯尔克孜族", "克尔克孜族": "柯尔克孜族",
    "蒙族": "蒙古族", "乌兹别克": "乌孜别克族", "乌兹别克族": "乌孜别克族",
}  # fmt: skip
_ETHNIC_SEARCH_RE = re.compile("(" + "|".join(sorted(_ETHNIC_STEMS, key=len, reverse=True)) + ")族")


def normalize_ethnicity(s: str | None) -> str | None:
    """Canonical "X族" of the 56 groups ("维吾尔" → "维吾尔族"), or None."""
    t = comparable(s)
    if not t:
        return None
    t = re.sub(r"^民族[:：]?", "", t)
    if t in _ETHNIC_ALIASES:
        return _ETHNIC_ALIASES[t]
    if t in _ETHNIC_STEMS.values():
        return t
    if t in _ETHNIC_STEMS:
        return _ETHNIC_STEMS[t]
    m = _ETHNIC_SEARCH_RE.search(t)
    return _ETHNIC_STEMS[m.group(1)] if m else None


def ethnicity_by_tail(text: str) -> str | None:
    """The group whose name alone ends with `text` (two glyphs or more, not the whole name):
    萨克 of 哈萨克 whose head was lost."""
    t = re.sub(r"族$", "", text.strip())
    if len(t) < 2:
        return None
    hits = {v for k, v in _ETHNIC_STEMS.items() if k.endswith(t) and len(k) > len(t)}
    return hits.pop() if len(hits) == 1 else None


# ---------------------------------------------------------------- certificate numbers

_CERT_LABEL_RE = re.compile(r"^(?:(?:证书编号|证书号码|证书号|编号)[:：]?|NO[.:：]|№)")
_CERT_DROP_RE = re.compile(r"[\s\-‐‑‒–—―－_]+")


def clean_cert_no(s: str | None) -> str | None:
    """Half-width, uppercase, spaces and dashes dropped, a leading label removed."""
    if not s:
        return None
    t = _CERT_DROP_RE.sub("", _ZERO_WIDTH_RE.sub("", to_halfwidth(s))).upper()
    t = _CERT_LABEL_RE.sub("", t)
    return t or None


# ---------------------------------------------------------------- programs


def canonical_program(s: str | None) -> str | None:
    """The program name of the contract for a loosely written 申报项目, or None.

    A program's own name matches exactly; otherwise the words of exactly one program's
    aliases must occur (models/catalogue.py).
    """
    t = comparable(s)
    if not t:
        return None
    for p in PROGRAMS:
        if t == comparable(p.name):
            return p.name
    hits = [p.name for p in PROGRAMS if any(w in t for w in p.aliases)]
    return hits[0] if len(hits) == 1 else None


# The normaliser of each level field the rules compare, from raw text onto its ladder in the
# catalogue (award levels need the issuer too: normalize_award_level).
NORMALIZERS = {
    FieldKey.skill_level: normalize_skill_level,
    FieldKey.title_level: normalize_title_level,
    FieldKey.education: normalize_education,
}
