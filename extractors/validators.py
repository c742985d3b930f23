"""Validators for ID numbers (GB 11643-1999) and certificate numbers (domain.md)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from extractors.normalize import clean_cert_no, normalize_skill_level, parse_date, to_halfwidth
from models.catalogue import SKILL_GRADE_TO_LEVEL

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"


def id_check_char(first17: str) -> str:
    """GB 11643 check character for the first 17 digits."""
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError("need 17 digits")
    return _CHECK_CHARS[sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True)) % 11]


# Xinjiang prefecture-level prefixes (domain.md). 6521/6522 are the pre-2015 吐鲁番/哈密 codes.
XINJIANG_PREFECTURES: dict[str, str] = {
    "6501": "乌鲁木齐市",
    "6502": "克拉玛依市",
    "6504": "吐鲁番市",
    "6505": "哈密市",
    "6521": "吐鲁番地区",
    "6522": "哈密地区",
    "6523": "昌吉回族自治州",
    "6527": "博尔塔拉蒙古自治州",
    "6528": "巴音郭楞蒙古自治州",
    "6529": "阿克苏地区",
    "6530": "克孜勒苏柯尔克孜自治州",
    "6531": "喀什地区",
    "6532": "和田地区",
    "6540": "伊犁哈萨克自治州",
    "6542": "塔城地区",
    "6543": "阿勒泰地区",
    "6590": "自治区直辖县级行政区划（兵团城市）",
}
SOUTHERN_PREFIXES = frozenset({"6528", "6529", "6530", "6531", "6532"})

# ---------------------------------------------------------------- regions

# Province-level codes of GB/T 2260 (first two digits of an address code).
PROVINCE_NAMES: dict[str, str] = {
    "11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区",
    "21": "辽宁省", "22": "吉林省", "23": "黑龙江省",
    "31": "上海市", "32": "江苏省", "33": "浙江省", "34": "安徽省", "35": "福建省",
    "36": "江西省", "37": "山东省",
    "41": "河南省", "42": "湖北省", "43": "湖南省", "44": "广东省", "45": "广西壮族自治区",
    "46": "海南省",
    "50": "重庆市", "51": "四川省", "52": "贵州省", "53": "云南省", "54": "西藏自治区",
    "61": "陕西省", "62": "甘肃省", "63": "青海省", "64": "宁夏回族自治区",
    "65": "新疆维吾尔自治区",
    "71": "台湾省", "81": "香港特别行政区", "82": "澳门特别行政区",
}  # fmt: skip
# 6590xx: county-level cities administered with the 兵团 divisions.
BINGTUAN_CITIES: dict[str, str] = {
    "659001": "石河子市", "659002": "阿拉尔市", "659003": "图木舒克市", "659004": "五家渠市",
    "659005": "北屯市", "659006": "铁门关市", "659007": "双河市", "659008": "可克达拉市",
    "659009": "昆玉市", "659010": "胡杨河市", "659011": "新星市", "659012": "白杨市",
}  # fmt: skip
# Older prefixes still printed on IDs issued before the change (address code = place
# of first registration). 6541 伊犁地区 was merged into 伊犁州 (6540) in 2001.
XINJIANG_LEGACY_PREFECTURES: dict[str, str] = {"6541": "伊犁地区"}


def _region_ok(code6: str) -> bool:
    province = code6[:2]
    if province not in PROVINCE_NAMES:
        return False
    if province != "65":
        return True
    prefix = code6[:4]
    if prefix == "6590":
        return code6 in BINGTUAN_CITIES
    return prefix in XINJIANG_PREFECTURES or prefix in XINJIANG_LEGACY_PREFECTURES


def _region_name(code6: str) -> str | None:
    province = code6[:2]
    if province != "65":
        return PROVINCE_NAMES.get(province)
    if code6 in BINGTUAN_CITIES:
        return BINGTUAN_CITIES[code6]
    prefix = code6[:4]
    return XINJIANG_PREFECTURES.get(prefix) or XINJIANG_LEGACY_PREFECTURES.get(prefix)


# ---------------------------------------------------------------- ID numbers

ID_PROBLEM_MESSAGES: dict[str, str] = {
    "empty": "身份证号码为空",
    "length": "身份证号码位数不对（应为18位，或15位旧号码）",
    "format": "身份证号码含有不应出现的字符",
    "check_digit": "身份证号码校验码错误",
    "birth_date": "身份证号码中的出生日期不存在或不合理",
    "region": "身份证号码的地址码不是有效的行政区划",
}


def id_problem_message(code: str) -> str:
    """Chinese message for an IdNumberInfo problem code."""
    return ID_PROBLEM_MESSAGES.get(code, f"身份证号码有误（{code}）")


@dataclass(frozen=True)
class IdNumberInfo:
    """What an ID number says about its holder, and whether it is well formed."""

    raw: str
    normalized: str  # half-width, no spaces, uppercase X; 15-digit numbers upgraded to 18
    valid: bool
    problems: list[str] = field(default_factory=list)  # codes of ID_PROBLEM_MESSAGES
    birth_date: str | None = None  # ISO, only when the date is real
    sex: str | None = None  # 男/女 from the 17th digit
    region_code: str | None = None  # 6-digit address code
    region_prefix: str | None = None  # 4-digit prefecture prefix
    region_name: str | None = None
    province_code: str | None = None
    province_name: str | None = None
    is_xinjiang: bool = False
    is_south: bool = False  # 南疆: SOUTHERN_PREFIXES
    upgraded_from_15: bool = False

    @property
    def messages(self) -> list[str]:
        return [id_problem_message(p) for p in self.problems]


def upgrade_15_to_18(s: str) -> str:
    """Legacy 15-digit number → 18 digits: century 19 inserted, check char appended."""
    if len(s) != 15 or not s.isdigit():
        raise ValueError("need 15 digits")
    first17 = s[:6] + "19" + s[6:]
    return first17 + id_check_char(first17)


def compact_id(s: str) -> str:
    """An ID number as typed → half-width, no spaces, upper-case X."""
    return "".join(to_halfwidth(s).split()).upper()


def validate_id_number(
    s: str | None, *, today: date | None = None, min_birth_year: int = 1900
) -> IdNumberInfo:
    """Check an ID number (GB 11643-1999): length, check char, birth date, region.

    Birth dates before `min_birth_year` count as impossible for a living applicant;
    the standard's own example 440524188001010014 (born 1880) needs min_birth_year=1800.
    """
    raw = s or ""
    n = compact_id(raw)
    if not n:
        return IdNumberInfo(raw=raw, normalized="", valid=False, problems=["empty"])
    upgraded = False
    if len(n) == 15 and n.isdigit():
        n = upgrade_15_to_18(n)
        upgraded = True
    problems: list[str] = []
    if len(n) != 18:
        problems.append("length")
    elif not n[:17].isdigit() or not (n[17].isdigit() or n[17] == "X"):
        problems.append("format")
    elif id_check_char(n[:17]) != n[17]:
        problems.append("check_digit")

    fields: dict[str, object] = {}
    code6 = n[:6]
    if len(code6) == 6 and code6.isdigit():
        province = code6[:2]
        fields.update(
            region_code=code6,
            region_prefix=code6[:4],
            region_name=_region_name(code6),
            province_code=province,
            province_name=PROVINCE_NAMES.get(province),
            is_xinjiang=province == "65",
            is_south=code6[:4] in SOUTHERN_PREFIXES,
        )
        if not _region_ok(code6):
            problems.append("region")
    if len(n) == 18 and n[:17].isdigit():
        birth = _birth_date(n[6:14], today or date.today(), min_birth_year)
        if birth is None:
            problems.append("birth_date")
        else:
            fields["birth_date"] = birth
        fields["sex"] = "男" if int(n[16]) % 2 else "女"
    return IdNumberInfo(
        raw=raw,
        normalized=n,
        valid=not problems,
        problems=problems,
        upgraded_from_15=upgraded,
        **fields,  # type: ignore[arg-type]
    )


def _birth_date(yyyymmdd: str, today: date, min_year: int) -> str | None:
    try:
        d = date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return None
    if d.year < min_year or d > today:
        return None
    return d.isoformat()


# Common OCR confusions of digits with letters (and × for X).
_OCR_DIGIT_FIX = {
    "O": "0", "o": "0", "D": "0", "Q": "0",
    "I": "1", "l": "1", "|": "1", "i": "1",
    "Z": "2", "z": "2", "S": "5", "s": "5", "B": "8", "G": "6",
}  # fmt: skip
_OCR_CHECK_FIX = {**_OCR_DIGIT_FIX, "x": "X", "×": "X", "χ": "X", "Х": "X"}
_ID_RUN_RE = re.compile(r"[0-9Xx×OoDQIl|iZzSsBG]{15,18}")


def _ocr_fix(s: str) -> str:
    if len(s) not in (15, 18):
        return "".join(_OCR_DIGIT_FIX.get(c, c) for c in s).upper()
    last = _OCR_CHECK_FIX.get(s[-1], s[-1]) if len(s) == 18 else _OCR_DIGIT_FIX.get(s[-1], s[-1])
    return "".join(_OCR_DIGIT_FIX.get(c, c) for c in s[:-1]).upper() + last.upper()


def id_candidates(s: str | None, *, limit: int = 6) -> list[str]:
    """The reading and OCR-repaired variants of it, most literal first, at most `limit`.

    Callers keep the first candidate that validates. Repairs: letters that look like
    digits (O→0, l→1, Z→2, S→5, B→8, G→6…), x/× → X, and an 18- or 15-character run
    cut out of a longer line (a label or stray mark around the number).
    """
    if not s:
        return []
    compact = "".join(to_halfwidth(s).split())
    pieces = [compact]
    if len(compact) not in (15, 18):
        pieces += [m.group(0) for m in _ID_RUN_RE.finditer(compact) if len(m.group(0)) in (15, 18)]
    out: list[str] = []
    for piece in pieces:
        for cand in (piece.upper(), _ocr_fix(piece)):
            if cand and cand not in out:
                out.append(cand)
    return out[:limit]


# ---------------------------------------------------------------- certificate numbers

CERT_PROBLEM_MESSAGES: dict[str, str] = {
    "org_type": "证书编号首位评价机构类别应为Y或S",
    "province_unknown": "证书编号中的省份代码不存在",
    "level_digit": "证书编号中的等级代码应为1–5",
    "year_future": "证书编号中的年份晚于当前年份",
    "level": "证书编号中的等级与证书印制的等级不一致",
    "year": "证书编号中的年份与发证日期不一致",
    "province": "证书编号中的省份与发证机构所在省份不一致",
}

_SKILL_22_RE = re.compile(r"^([A-Z])(\d{4})(\d{2})(\d{6})(\d{2})(\d)(\d{6})$")
# 特级技师: 2 letters + 20 digits, same parts; the serial is taken as 5 digits (a weak
# third-party source; the level digit's value for 特级技师 is not known, so not checked).
_SPECIAL_22_RE = re.compile(r"^([A-Z]{2})(\d{4})(\d{2})(\d{6})(\d{2})(\d)(\d{5})$")
_QUAL_16_RE = re.compile(r"^(\d{2})(\d{2})(\d{2})(\d)(\d{3})(\d)(\d{5})$")
_QUAL_13_RE = re.compile(r"^\d{13}$")
_ORG_TYPE_NAMES = {"Y": "用人单位", "S": "社会培训评价组织"}


@dataclass(frozen=True)
class CertNoInfo:
    """Parts of a skill-certificate number (domain.md); None where the kind has none."""

    raw: str
    normalized: str
    kind: str  # skill_level_22 | special_22 | qualification_16 | qualification_13
    org_type: str | None = None  # Y/S (22) or the 0–4 organisation digit (16)
    org_type_name: str | None = None
    org_code: str | None = None  # 22: positions 2–5; 16: the 3-digit organisation serial
    province_code: str | None = None
    province_name: str | None = None
    site: str | None = None
    year: int | None = None
    level_grade: int | None = None
    level: str | None = None
    prefecture_code: str | None = None  # 16-digit only, 2 digits as printed
    serial: str | None = None
    valid_structure: bool = True
    problems: list[str] = field(default_factory=list)  # codes of CERT_PROBLEM_MESSAGES


def _two_digit_year(yy: str, today: date) -> int:
    y = int(yy)
    return 2000 + y if y <= today.year % 100 else 1900 + y


def parse_cert_no(s: str | None, *, today: date | None = None) -> CertNoInfo | None:
    """Split a 22/16/13-character skill-certificate number; None for other shapes."""
    n = clean_cert_no(s)
    if not n:
        return None
    today = today or date.today()
    raw = s or ""
    problems: list[str] = []

    m = _SKILL_22_RE.match(n) or _SPECIAL_22_RE.match(n)
    if m:
        letters, org, prov, site, yy, grade, serial = m.groups()
        special = len(letters) == 2
        # Reform-era numbers: the two-digit year is always 20xx.
        year = 2000 + int(yy)
        g = int(grade)
        if not special and letters not in _ORG_TYPE_NAMES:
            problems.append("org_type")
        if prov not in PROVINCE_NAMES:
            problems.append("province_unknown")
        if not special and g not in SKILL_GRADE_TO_LEVEL:
            problems.append("level_digit")
        if year > today.year:
            problems.append("year_future")
        level = "特级技师" if special else SKILL_GRADE_TO_LEVEL.get(g)
        return CertNoInfo(
            raw=raw,
            normalized=n,
            kind="special_22" if special else "skill_level_22",
            org_type=letters,
            org_type_name=None if special else _ORG_TYPE_NAMES.get(letters),
            org_code=org,
            province_code=prov,
            province_name=PROVINCE_NAMES.get(prov),
            site=site,
            year=year,
            level_grade=g,
            level=level,
            serial=serial,
            valid_structure=not problems,
            problems=problems,
        )

    m = _QUAL_16_RE.match(n)
    if m:
        yy, prov, pref, org_type, org_serial, grade, serial = m.groups()
        year = _two_digit_year(yy, today)
        g = int(grade)
        # Positions 3–4 may also hold an industry (行业) code; only provinces are known here.
        if prov not in PROVINCE_NAMES:
            problems.append("province_unknown")
        if int(org_type) > 4:
            problems.append("org_type")
        if g not in SKILL_GRADE_TO_LEVEL:
            problems.append("level_digit")
        if year > today.year:
            problems.append("year_future")
        return CertNoInfo(
            raw=raw,
            normalized=n,
            kind="qualification_16",
            org_type=org_type,
            org_code=org_serial,
            province_code=prov,
            province_name=PROVINCE_NAMES.get(prov),
            year=year,
            level_grade=g,
            level=SKILL_GRADE_TO_LEVEL.get(g),
            prefecture_code=pref,
            serial=serial,
            valid_structure=not problems,
            problems=problems,
        )

    if _QUAL_13_RE.match(n):
        # Regional 13-digit numbers: their layout is not documented, so no parts.
        return CertNoInfo(raw=raw, normalized=n, kind="qualification_13")
    return None


def _province_code(province: str | None) -> str | None:
    if not province:
        return None
    p = province.strip()
    if p in PROVINCE_NAMES:
        return p
    for code, name in PROVINCE_NAMES.items():
        if name.startswith(p[:2]):
            return code
    return None


def _cert_checks(
    cert_no: str | None,
    printed_level: str | None,
    issue_date: str | None,
    province: str | None,
    today: date | None,
) -> list[tuple[str, str]]:
    info = parse_cert_no(cert_no, today=today)
    if info is None or info.kind == "qualification_13":
        return []  # no known structure to disagree with
    out: list[tuple[str, str]] = []
    for p in info.problems:
        detail = {
            "org_type": f"（为{info.org_type}）",
            "province_unknown": f"（为{info.province_code}）",
            "level_digit": f"（为{info.level_grade}）",
            "year_future": f"（为{info.year}）",
        }.get(p, "")
        out.append((p, CERT_PROBLEM_MESSAGES[p] + detail))

    printed = normalize_skill_level(printed_level)
    if printed and info.level:
        if info.kind == "special_22":
            mismatch = printed != "特级技师"
        else:
            # 首席技师 numbering is not known; other levels must equal the grade digit.
            mismatch = printed != "首席技师" and printed != info.level
        if mismatch:
            out.append(
                (
                    "level",
                    f"证书编号等级代码为{info.level_grade}（{info.level}），"
                    f"证书印制等级为{printed}",
                )
            )

    issued = parse_date(issue_date)
    if issued and info.year is not None and int(issued[:4]) != info.year:
        out.append(("year", f"证书编号年份为{info.year}年，发证日期为{issued}"))

    expected = _province_code(province)
    if (
        expected
        and info.province_code
        and "province_unknown" not in info.problems
        and info.province_code != expected
    ):
        out.append(
            (
                "province",
                f"证书编号省份代码为{info.province_code}（{info.province_name}），"
                f"发证机构在{PROVINCE_NAMES[expected]}",
            )
        )
    return out


def cert_no_consistency(
    cert_no: str | None,
    *,
    printed_level: str | None = None,
    issue_date: str | None = None,
    province: str | None = "65",
    today: date | None = None,
) -> list[str]:
    """Problem codes where the number's structure disagrees with the printed certificate.

    Empty means consistent, or a number of no known structure (nothing to compare).
    Codes: structural ones of parse_cert_no plus "level", "year", "province"; see
    CERT_PROBLEM_MESSAGES. `province` is the issuer's province (code or name), None
    to skip that check.
    """
    return [code for code, _ in _cert_checks(cert_no, printed_level, issue_date, province, today)]


def cert_no_consistency_messages(
    cert_no: str | None,
    *,
    printed_level: str | None = None,
    issue_date: str | None = None,
    province: str | None = "65",
    today: date | None = None,
) -> list[str]:
    """Same checks as cert_no_consistency, as Chinese messages naming the values."""
    return [msg for _, msg in _cert_checks(cert_no, printed_level, issue_date, province, today)]
