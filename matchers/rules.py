"""The program rules of ../shared/spec/rules.md as one declarative table.

Each `Rule` carries the id from rules.md, the program it belongs to, the notice's own
wording, a severity, a kind (which flag it raises) and a check built by a small factory
(`min_level`, `deadline`, …). A program's name, aliases, notice, deadline and rule ids are
in models/catalogue.py; adding a rule is a row in `RULES` (and its id in the catalogue).

A check returns `passed`, `failed` or `unknown`. `unknown` means the packet cannot show the
fact (no certificate read, birth month only, region not stated): the pipeline sets
needs_review instead of raising a false flag. Facts come from evidence when it was read;
without evidence the declared value is taken as an upper bound, so a declaration that
already falls short fails and one that would pass stays unknown.
"""

from __future__ import annotations

import calendar
import itertools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from dataclasses import field as dc_field
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from extractors.normalize import (
    NORMALIZERS,
    canonical_program,
    comparable,
    normalize_gender,
    parse_date,
)
from extractors.validators import BINGTUAN_CITIES, SOUTHERN_PREFIXES, validate_id_number
from matchers.retirement import (
    SCHEDULES,
    RetirementCategory,
    add_months,
    retirement_age_months,
    retirement_date,
)
from models.catalogue import EDUCATION_RANK, PROGRAMS, FieldKey, get_program
from models.declared import Applicant
from models.results import EvidenceRef, Flag, FlagCode, Severity

__all__ = [
    "RULES",
    "DatedEvidence",
    "EvidencedAward",
    "Rule",
    "RuleInput",
    "RuleKind",
    "RuleResult",
    "RuleStatus",
    "check_rules",
    "get_rule",
    "rules_for",
    "south_status",
]

# The programs' names, short (models/catalogue.py defines them).
XJGJ, ZD, MB, UMQ = (get_program(c).name for c in ("XJGJ", "ZD", "MB", "UMQ"))


# ---------------------------------------------------------------- types


class RuleKind(StrEnum):
    eligibility = "eligibility"  # → INELIGIBLE
    deadline = "deadline"  # → DATE_AFTER_DEADLINE
    duplicate = "duplicate"  # checked across applications by the duplicate finder
    pages = "pages"  # → INELIGIBLE at low severity


_FLAG_OF_KIND: dict[RuleKind, FlagCode | None] = {
    RuleKind.eligibility: FlagCode.INELIGIBLE,
    RuleKind.deadline: FlagCode.DATE_AFTER_DEADLINE,
    RuleKind.duplicate: FlagCode.DUPLICATE_APPLICANT,
    RuleKind.pages: FlagCode.INELIGIBLE,
}


class RuleStatus(StrEnum):
    passed = "passed"
    failed = "failed"
    unknown = "unknown"


class DatedEvidence(BaseModel):
    """A date printed on a piece of evidence (issue date, award date…)."""

    value: str  # ISO date, YYYY-MM or YYYY; "YYYY-MM-DDTHH:MM" when a time is known
    field: str = "issue_date"
    evidence: EvidenceRef | None = None


class EvidencedAward(BaseModel):
    """An honour, award, competition prize or talent-plan selection read from a certificate."""

    name: str | None = None
    level: str | None = None  # 国家级/省级/地市级/县级/其他
    rank: str | None = None
    year: str | None = None
    evidence: EvidenceRef | None = None


class RuleInput(BaseModel):
    """What the rules look at: the declared row plus the best values the evidence shows.

    Evidenced fields are None when no document showed them; the rules then fall back to
    the declared value only as an upper bound (see module docstring).
    """

    model_config = ConfigDict(frozen=True)

    applicant: Applicant
    check_day: date  # the day of the check (UMQ-RETIRE); passed in so reruns agree
    skill_level: str | None = None
    title_level: str | None = None
    education: str | None = None
    doctorate: bool | None = None  # a 博士 degree certificate was read
    awards: tuple[EvidencedAward, ...] = ()
    page_count: int | None = None  # pages of supporting evidence in the packet
    evidence_dates: tuple[DatedEvidence, ...] = ()
    birth_date: str | None = None  # from the ID card, when read
    gender: str | None = None  # from the ID card, when read
    team_size: int | None = None  # overrides the declared team_size when evidence shows it
    is_south: bool | None = None  # None: derived from prefecture, work unit, ID number


class RuleResult(BaseModel):
    rule_id: str
    program: str
    kind: RuleKind
    severity: Severity
    status: RuleStatus
    message: str  # Chinese, names the rule id
    flag_code: FlagCode | None = None  # what a failure raises
    field: str | None = None
    declared: str | None = None
    found: str | None = None
    values: dict[str, str] = Field(default_factory=dict)  # the values compared
    evidence: list[EvidenceRef] = Field(default_factory=list)

    def to_flag(self) -> Flag | None:
        """The flag a failed result raises; None when passed, unknown or not flaggable."""
        if self.status is not RuleStatus.failed or self.flag_code is None:
            return None
        return Flag(
            code=self.flag_code,
            severity=self.severity,
            field=self.field,
            declared=self.declared,
            found=self.found,
            evidence=list(self.evidence),
            message=self.message,
            rule=self.rule_id,
            reasons=[f"{k}={v}" for k, v in self.values.items()],
        )


@dataclass(frozen=True)
class Outcome:
    """What a check function returns; Rule.evaluate adds the rule's identity."""

    status: RuleStatus
    detail: str
    values: dict[str, str] = dc_field(default_factory=dict)
    field: str | None = None
    declared: str | None = None
    found: str | None = None
    evidence: tuple[EvidenceRef, ...] = ()


Check = Callable[[RuleInput], list[Outcome]]
# A duplicate rule's check: the programs of one person's applications in the batch (None where
# not stated) → do they break the rule together?
BatchCheck = Callable[[tuple[str | None, ...]], bool]


@dataclass(frozen=True)
class Rule:
    id: str
    program: str
    description: str  # the notice's wording
    severity: Severity
    kind: RuleKind
    check: Check | None = None  # None for duplicate rules (checked across applications)
    source: str = ""  # the notice (../shared/seeds/…)
    batch_check: BatchCheck | None = None  # duplicate rules: run by matchers.linkage.link

    @property
    def flag_code(self) -> FlagCode | None:
        """The flag this rule raises (DUPLICATE_APPLICANT for duplicate rules)."""
        return _FLAG_OF_KIND[self.kind]

    def evaluate(self, inp: RuleInput) -> list[RuleResult]:
        if self.check is None:
            return []
        try:
            outcomes = self.check(inp)
        except Exception as e:  # noqa: BLE001 - one bad input must not stop the batch
            outcomes = [
                Outcome(RuleStatus.unknown, f"规则检查出错（{type(e).__name__}），请人工核对")
            ]
        return [self._result(o) for o in outcomes]

    def _result(self, o: Outcome) -> RuleResult:
        lead = {
            RuleStatus.passed: "符合",
            RuleStatus.failed: "不符合",
            RuleStatus.unknown: "无法判断是否符合",
        }[o.status]
        return RuleResult(
            rule_id=self.id,
            program=self.program,
            kind=self.kind,
            severity=self.severity,
            status=o.status,
            message=f"{lead}{self.id}（{self.description}）：{o.detail}",
            flag_code=self.flag_code,
            field=o.field,
            declared=o.declared,
            found=o.found,
            values=dict(o.values),
            evidence=list(o.evidence),
        )


# ---------------------------------------------------------------- three-valued helpers


def _decide(pred: Callable[..., bool], *domains: Iterable[object]) -> RuleStatus:
    """passed if pred holds for every combination of possible values, failed if for none."""
    seen = {bool(pred(*combo)) for combo in itertools.product(*domains)}
    if seen == {True}:
        return RuleStatus.passed
    if seen == {False}:
        return RuleStatus.failed
    return RuleStatus.unknown


def _ladder(field_name: str) -> tuple[str, ...]:
    ladder = FieldKey(field_name).ladder
    assert ladder is not None, field_name
    return ladder


def _phrase(field_name: str) -> str:
    """How the rules name a fact: a title's level is 'the title' (中级及以上专业技术职称)."""
    key = FieldKey(field_name)
    return (FieldKey.title if key is FieldKey.title_level else key).zh


def _rank(field_name: str, level: str | None) -> int:
    """Position in the rules' order; -1 for none. 中专 = 高中."""
    if level is None:
        return -1
    if field_name == "education":
        return EDUCATION_RANK[level]
    return _ladder(field_name).index(level)


def _norm(field_name: str, value: str | None) -> str | None:
    if not value:
        return None
    if value in _ladder(field_name):
        return value
    return NORMALIZERS[FieldKey(field_name)](value)


@dataclass(frozen=True)
class _Fact:
    field: str
    evidenced: str | None
    declared: str | None

    @property
    def domain(self) -> list[str | None]:
        """Values the fact may take: the evidence, else anything up to the declaration."""
        if self.evidenced:
            return [self.evidenced]
        levels = list(_ladder(self.field))
        if self.declared:
            top = _rank(self.field, self.declared)
            return [None, *(lv for lv in levels if _rank(self.field, lv) <= top)]
        return [None, *levels]

    @property
    def shown(self) -> str:
        zh = _phrase(self.field)
        if self.evidenced:
            return f"证明材料显示{zh}为{self.evidenced}"
        if self.declared:
            return f"申报{zh}为{self.declared}，未见证明材料"
        return f"未申报{zh}，也未见证明材料"

    def values(self) -> dict[str, str]:
        out = {}
        if self.evidenced:
            out[f"{self.field}_evidence"] = self.evidenced
        if self.declared:
            out[f"{self.field}_declared"] = self.declared
        return out


def _fact(inp: RuleInput, field_name: str) -> _Fact:
    return _Fact(
        field_name,
        _norm(field_name, getattr(inp, field_name)),
        _norm(field_name, getattr(inp.applicant, field_name)),
    )


# ---------------------------------------------------------------- 南疆

_SOUTH_PLACES = (
    "南疆|喀什|和田|阿克苏|克孜勒苏|克州|巴音郭楞|巴州|库尔勒|阿图什|阿拉尔|图木舒克|铁门关|昆玉"
    "|库车|莎车|叶城|疏附|疏勒|英吉沙|泽普|麦盖提|岳普湖|伽师|巴楚|塔什库尔干|墨玉|皮山|洛浦|策勒"
    "|于田|民丰|温宿|沙雅|拜城|阿瓦提|柯坪|阿克陶|阿合奇|乌恰|轮台|尉犁|若羌|且末|焉耆|和静|和硕"
    "|博湖"
)
_NORTH_PLACES = (
    "北疆|东疆|乌鲁木齐|克拉玛依|吐鲁番|哈密|昌吉|准东|博尔塔拉|博州|伊犁|伊宁|奎屯|塔城|阿勒泰"
    "|石河子|五家渠|北屯|可克达拉|双河|胡杨河|新星市|白杨市|阜康|独山子|乌苏|沙湾|霍尔果斯"
)
_PLACE_RE = re.compile(f"(?P<south>{_SOUTH_PLACES})|(?P<north>{_NORTH_PLACES})")
# 兵团 divisions: 第一师 阿拉尔, 第二师 铁门关, 第三师 图木舒克, 第十四师 昆玉 are 南疆师市.
_DIVISION_RE = re.compile(r"(?:第|农)([一二三四五六七八九十]{1,3})师(?!范|傅|生|资)")
_SOUTH_DIVISIONS = frozenset({1, 2, 3, 14})
_SOUTH_BINGTUAN_CITIES = frozenset(
    code
    for code, name in BINGTUAN_CITIES.items()
    if name in ("阿拉尔市", "图木舒克市", "铁门关市", "昆玉市")
)
_CN_SMALL = {c: i for i, c in enumerate("零一二三四五六七八九")}


def _division_number(s: str) -> int | None:
    if "十" not in s:
        return _CN_SMALL.get(s) if len(s) == 1 else None
    head, _, tail = s.partition("十")
    tens = _CN_SMALL.get(head, 0) if head else 1
    ones = _CN_SMALL.get(tail, 0) if tail else 0
    return tens * 10 + ones


def _place_region(text: str | None) -> bool | None:
    """True/False for the first south/north place or 兵团 division named, None if none."""
    t = comparable(text)
    if not t:
        return None
    hits: list[tuple[int, bool]] = []
    for m in _PLACE_RE.finditer(t):
        hits.append((m.start(), m.lastgroup == "south"))
    for m in _DIVISION_RE.finditer(t):
        n = _division_number(m.group(1))
        if n is not None:
            hits.append((m.start(), n in _SOUTH_DIVISIONS))
    # An address names the larger unit first, so the earliest hit decides.
    return min(hits)[1] if hits else None


def south_status(
    prefecture: str | None, work_unit: str | None = None, id_number: str | None = None
) -> tuple[bool | None, str]:
    """(南疆五地州 or 兵团南疆师市?, where that came from); None when nothing tells.

    The stated prefecture decides, then the work unit; the ID number's region prefix
    (6528–6532 or a southern 兵团 city) only as a last resort, since it is where the person
    was first registered, not necessarily where they work now.
    """
    for text, label in ((prefecture, "所在地州"), (work_unit, "工作单位")):
        r = _place_region(text)
        if r is not None:
            return r, f"{label}“{text}”"
    if id_number:
        info = validate_id_number(id_number)
        code = info.region_code
        if code and info.is_xinjiang and info.region_name:
            south = code[:4] in SOUTHERN_PREFIXES or code in _SOUTH_BINGTUAN_CITIES
            return south, f"身份证号地址码{code}（{info.region_name}）"
    return None, "所在地州、工作单位和身份证号均不能确定是否属南疆"


def _south(inp: RuleInput) -> tuple[list[bool], str]:
    if inp.is_south is not None:
        return [inp.is_south], "南疆" if inp.is_south else "非南疆"
    a = inp.applicant
    s, why = south_status(a.prefecture, a.work_unit, a.id_number)
    if s is None:
        return [True, False], why
    return [s], f"{why}，{'属' if s else '不属'}南疆五地州或兵团南疆师市"


# ---------------------------------------------------------------- check factories


def min_level(field_name: str, required: str, *, south: str | None = None) -> Check:
    """The fact is at least `required`; in 南疆 at least `south` when given."""

    def check(inp: RuleInput) -> list[Outcome]:
        fact = _fact(inp, field_name)
        need = _rank(field_name, required)
        values = {"required": required, **fact.values()}
        if south is None:
            status = _decide(lambda v: _rank(field_name, v) >= need, fact.domain)
            req_text = f"要求{required}及以上"
            why = ""
        else:
            south_need = _rank(field_name, south)
            souths, why = _south(inp)
            status = _decide(
                lambda v, s: _rank(field_name, v) >= (south_need if s else need),
                fact.domain,
                souths,
            )
            req_text = f"要求{required}及以上（南疆五地州和兵团南疆师市为{south}及以上）"
            values["required_south"] = south
            values["south"] = why
        detail = f"{fact.shown}，{req_text}"
        if why:
            detail += f"；{why}"
        return [
            Outcome(
                status,
                detail,
                values,
                field=field_name,
                declared=fact.declared,
                found=fact.evidenced,
            )
        ]

    return check


def team_size_between(low: int | None, high: int | None) -> Check:
    """Declared (or evidenced) team members besides the leader within [low, high]."""

    def check(inp: RuleInput) -> list[Outcome]:
        size = inp.team_size if inp.team_size is not None else inp.applicant.team_size
        if low is not None and high is not None:
            req = f"要求{low}至{high}人（不含领衔人）"
        elif low is not None:
            req = f"要求不少于{low}人（不含领办人）"
        else:
            req = f"要求不超过{high}人"
        values = {
            "required": f"{low if low is not None else ''}-{high if high is not None else ''}"
        }
        if size is None:
            return [Outcome(RuleStatus.unknown, f"未填写团队人数，{req}", values, "team_size")]
        values["team_size"] = str(size)
        ok = (low is None or size >= low) and (high is None or size <= high)
        status = RuleStatus.passed if ok else RuleStatus.failed
        return [Outcome(status, f"团队人数为{size}人，{req}", values, "team_size", found=str(size))]

    return check


def _date_bounds(value: str | None) -> tuple[datetime, datetime] | None:
    """Earliest and latest moment a (possibly partial) ISO date can stand for."""
    if not value:
        return None
    m = re.fullmatch(r"\s*(\d{4}-\d{2}-\d{2})[T ](\d{1,2}):(\d{2})(?::\d{2})?\s*", value)
    if m:
        d = date.fromisoformat(m.group(1))
        moment = datetime.combine(d, time(int(m.group(2)), int(m.group(3))))
        return moment, moment
    iso = parse_date(value)
    if not iso:
        return None
    parts = [int(p) for p in iso.split("-")]
    if len(parts) == 3:
        d0 = d1 = date(*parts)
    elif len(parts) == 2:
        y, mo = parts
        d0, d1 = date(y, mo, 1), date(y, mo, calendar.monthrange(y, mo)[1])
    else:
        d0, d1 = date(parts[0], 1, 1), date(parts[0], 12, 31)
    return datetime.combine(d0, time.min), datetime.combine(d1, time.max)


# Papers dated more than a year after both the check day and the deadline were misread (a
# check day given by hand may lie before the deadline).
FUTURE_SLACK_DAYS = 366


def deadline(due: datetime, *, label: str) -> Check:
    """Evidence dated after `due` (a date-only value counts as on time on the due day)."""

    def check(inp: RuleInput) -> list[Outcome]:
        day_end = datetime.combine(due.date(), time.max)
        late: list[Outcome] = []
        unsure: list[Outcome] = []
        for item in inp.evidence_dates:
            bounds = _date_bounds(item.value)
            if bounds is None:
                continue
            lo, hi = bounds
            has_time = lo == hi
            limit = due if has_time else day_end
            ev = (item.evidence,) if item.evidence else ()
            where = _where(item.evidence)
            values = {"deadline": label, "date": item.value, "field": item.field}
            if lo.date() > max(inp.check_day, due.date()) + timedelta(days=FUTURE_SLACK_DAYS):
                # Dated long after both the check and the deadline (2084-07-20): a misread
                # year, not a late paper.
                unsure.append(
                    Outcome(
                        RuleStatus.unknown,
                        f"{where}日期识别为{item.value}，远晚于核验日期和截止时间，可能为识别错误，请人工核对",
                        values, item.field, found=item.value, evidence=ev,
                    )
                )  # fmt: skip
            elif lo > limit:
                late.append(
                    Outcome(
                        RuleStatus.failed,
                        f"{where}日期为{item.value}，晚于截止时间{label}",
                        values,
                        item.field,
                        found=item.value,
                        evidence=ev,
                    )
                )
            elif hi > limit:
                unsure.append(
                    Outcome(
                        RuleStatus.unknown,
                        f"{where}日期仅能读出{item.value}，无法确定是否晚于截止时间{label}",
                        values,
                        item.field,
                        found=item.value,
                        evidence=ev,
                    )
                )
        if late or unsure:
            return late + unsure
        n = sum(1 for i in inp.evidence_dates if _date_bounds(i.value))
        return [
            Outcome(
                RuleStatus.passed,
                f"{n}个材料日期均不晚于截止时间{label}",
                {"deadline": label, "dated_items": str(n)},
            )
        ]

    return check


def _where(ev: EvidenceRef | None) -> str:
    return f"材料{ev.file}第{ev.page}页" if ev else "材料"


def max_pages(limit: int) -> Check:
    def check(inp: RuleInput) -> list[Outcome]:
        values = {"limit": str(limit)}
        if inp.page_count is None:
            return [Outcome(RuleStatus.unknown, "未能统计佐证材料页数", values)]
        values["pages"] = str(inp.page_count)
        ok = inp.page_count <= limit
        return [
            Outcome(
                RuleStatus.passed if ok else RuleStatus.failed,
                f"佐证材料共{inp.page_count}页，一般不超过{limit}页",
                values,
                found=str(inp.page_count),
            )
        ]

    return check


def _birth(inp: RuleInput) -> tuple[str | None, str]:
    """Birth date and its source: ID card, then the declared ID number, then the form."""
    if inp.birth_date and parse_date(inp.birth_date):
        return parse_date(inp.birth_date), "身份证件"
    a = inp.applicant
    if a.id_number:
        info = validate_id_number(a.id_number)
        if info.valid and info.birth_date:
            return info.birth_date, "申报身份证号"
    if a.birth_date and parse_date(a.birth_date):
        return parse_date(a.birth_date), "申报出生日期"
    return None, ""


def _gender(inp: RuleInput) -> tuple[str | None, str]:
    g = normalize_gender(inp.gender)
    if g:
        return g, "身份证件"
    a = inp.applicant
    if a.id_number:
        info = validate_id_number(a.id_number)
        if info.valid and info.sex:
            return info.sex, "申报身份证号"
    g = normalize_gender(a.gender)
    return (g, "申报性别") if g else (None, "")


def born_on_or_after(earliest: date) -> Check:
    def check(inp: RuleInput) -> list[Outcome]:
        birth, source = _birth(inp)
        values = {"earliest_birth": earliest.isoformat()}
        req = f"要求{earliest.year}年{earliest.month}月{earliest.day}日（含）以后出生"
        if birth is None:
            return [Outcome(RuleStatus.unknown, f"出生日期不详，{req}", values, "birth_date")]
        values["birth_date"] = birth
        values["source"] = source
        lo, hi = _date_bounds(birth) or (None, None)
        assert lo is not None and hi is not None
        first = datetime.combine(earliest, time.min)
        status = _decide(lambda d: d >= first, [lo, hi])
        return [
            Outcome(
                status, f"出生日期为{birth}（{source}），{req}", values, "birth_date", found=birth
            )
        ]

    return check


def _retirement_categories(inp: RuleInput, gender: str) -> tuple[list[RetirementCategory], str]:
    """Men: male. Women: worker posts (50) by default, cadre posts (55) with 副高级+.

    The studio programs are for skilled workers, so a woman is taken to hold a worker post
    unless evidence shows a 副高级 or higher title (then a 55 post). A 副高级 title only
    declared, not evidenced, leaves both possible.
    """
    if gender == "男":
        return ["male"], "男职工"
    fact = _fact(inp, "title_level")
    senior = _rank("title_level", "副高级")
    if fact.evidenced:
        if _rank("title_level", fact.evidenced) >= senior:
            return ["female_cadre"], "证明材料显示副高级及以上职称，按原法定退休年龄55周岁女职工"
        return ["female_worker"], "按原法定退休年龄50周岁女职工（工人岗位）"
    if fact.declared and _rank("title_level", fact.declared) >= senior:
        return (
            ["female_worker", "female_cadre"],
            "申报副高级及以上职称但未见证明材料，按原法定退休年龄50周岁或55周岁女职工两种情形",
        )
    return ["female_worker"], "按原法定退休年龄50周岁女职工（工人岗位）"


def _years_months(months: int) -> str:
    y, m = divmod(months, 12)
    return f"{y}岁{m}个月" if m else f"{y}岁"


def before_retirement(years: int) -> Check:
    """At least `years` before statutory retirement on the check day (inclusive)."""

    def check(inp: RuleInput) -> list[Outcome]:
        birth, b_src = _birth(inp)
        gender, g_src = _gender(inp)
        req = f"要求检查日{inp.check_day.isoformat()}距法定退休年龄{years}年以上（含{years}年）"
        values = {"check_day": inp.check_day.isoformat(), "margin_years": str(years)}
        if birth is None or gender is None:
            missing = "出生日期" if birth is None else "性别"
            return [Outcome(RuleStatus.unknown, f"{missing}不详，{req}", values, "birth_date")]
        cats, cat_why = _retirement_categories(inp, gender)
        lo, hi = _date_bounds(birth) or (None, None)
        assert lo is not None and hi is not None
        births = sorted({lo.date(), hi.date()})
        earliest_ok = add_months(inp.check_day, years * 12)  # retiring on/after it passes
        dates = {(b, c): retirement_date(b, c) for b in births for c in cats}
        status = _decide(lambda b, c: dates[(b, c)] >= earliest_ok, births, cats)
        shown = sorted(set(dates.values()))
        when = shown[0].isoformat()
        if len(shown) > 1:
            when += f"至{shown[-1].isoformat()}"
        ages = sorted({retirement_age_months(b, c) for b in births for c in cats})
        age_text = "或".join(_years_months(a) for a in ages)
        values.update(
            birth_date=birth,
            birth_source=b_src,
            gender=f"{gender}（{g_src}）",
            category="/".join(SCHEDULES[c].label for c in cats),
            retirement_age=age_text,
            retirement_date=when,
        )
        detail = (
            f"出生日期为{birth}（{b_src}），{cat_why}，法定退休年龄{age_text}，"
            f"应于{when}退休；{req}（即退休日不早于{earliest_ok.isoformat()}）"
        )
        return [Outcome(status, detail, values, "birth_date", found=when)]

    return check


_ZD_PLAN_RE = re.compile(r"庭州英才|突出贡献")


def zd_lead() -> Check:
    """准东 leader conditions (1)–(4) from evidence; (5) is for reviewers, so never failed."""

    def check(inp: RuleInput) -> list[Outcome]:
        met: list[str] = []
        high = [a for a in inp.awards if a.level in ("国家级", "省级")]
        if high:
            met.append(f"省部级及以上人才计划、荣誉或竞赛奖项（{_award_text(high[0])}）")
        local = [
            a
            for a in inp.awards
            if a.level == "地市级" and a.name and _ZD_PLAN_RE.search(comparable(a.name))
        ]
        if local:
            met.append(f"州级有突出贡献优秀人才或“庭州英才”（{_award_text(local[0])}）")
        title = _norm("title_level", inp.title_level)
        if title and _rank("title_level", title) >= _rank("title_level", "副高级"):
            met.append(f"{title}职称")
        skill = _norm("skill_level", inp.skill_level)
        if skill and _rank("skill_level", skill) >= _rank("skill_level", "技师"):
            met.append(f"{skill}技能等级")
        edu = _norm("education", inp.education)
        if inp.doctorate or edu == "博士研究生":
            met.append("博士学位")
        values = {"conditions_met": "；".join(met)} if met else {}
        evidence = tuple(a.evidence for a in high + local if a.evidence)
        if met:
            return [
                Outcome(
                    RuleStatus.passed, "证明材料显示：" + "；".join(met), values, evidence=evidence
                )
            ]
        return [
            Outcome(
                RuleStatus.unknown,
                "证明材料未显示满足条件（1）至（4）中任一项；是否属条件（5）“其他具有一定的专业特长、"
                "绝技绝活，并在本职工作岗位上作出突出贡献的优秀人才”需评审认定",
                values,
            )
        ]

    return check


def _award_text(a: EvidencedAward) -> str:
    return "".join(p for p in (a.level, a.name, a.rank) if p) or "奖项"


def mb_qualification() -> Check:
    """本科+ and 中级+; in 南疆 one (not both) may drop to 大专 / 初级."""
    edu_full, edu_relaxed = _rank("education", "本科"), _rank("education", "大专")
    title_full, title_relaxed = _rank("title_level", "中级"), _rank("title_level", "初级")

    def ok(edu: str | None, title: str | None, south: bool) -> bool:
        e, t = _rank("education", edu), _rank("title_level", title)
        if e >= edu_full and t >= title_full:
            return True
        if not south:
            return False
        return (e >= edu_full and t >= title_relaxed) or (e >= edu_relaxed and t >= title_full)

    def check(inp: RuleInput) -> list[Outcome]:
        edu, title = _fact(inp, "education"), _fact(inp, "title_level")
        souths, why = _south(inp)
        status = _decide(ok, edu.domain, title.domain, souths)
        values = {
            "required": "本科+中级",
            "required_south": "本科+初级 或 大专+中级（不可同时放宽）",
            "south": why,
            **edu.values(),
            **title.values(),
        }
        detail = (
            f"{edu.shown}；{title.shown}；要求本科及以上学历且中级及以上职称，"
            f"南疆地区学历或职称其中一项可放宽至大专或初级，但不可同时放宽；{why}"
        )
        if (
            status is RuleStatus.failed
            and souths == [False]
            and ok(edu.evidenced or edu.declared, title.evidenced or title.declared, True)
        ):
            detail += "（如属通知所称“部分紧缺专业”可放宽，请评审核实）"
        found = "、".join(v for v in (edu.evidenced, title.evidenced) if v) or None
        return [Outcome(status, detail, values, "education", found=found)]

    return check


def exclusive(program: str) -> BatchCheck:
    """Broken by applying to `program` and to any other program (or none named) at once."""
    return lambda programs: program in programs and len(set(programs)) > 1


def at_most_one(program: str) -> BatchCheck:
    """Broken by two or more applications to `program`."""
    return lambda programs: sum(p == program for p in programs) >= 2


# ---------------------------------------------------------------- the table

_SRC_XJGJ, _SRC_ZD, _SRC_MB, _SRC_UMQ = (get_program(p).notice for p in (XJGJ, ZD, MB, UMQ))


def _deadline_of(name: str) -> Check:
    p = get_program(name)
    assert p.deadline is not None and p.deadline_label is not None, name
    return deadline(p.deadline, label=p.deadline_label)


H, M, L = Severity.high, Severity.medium, Severity.low
ELIG, DEAD, DUP, PAGES = RuleKind.eligibility, RuleKind.deadline, RuleKind.duplicate, RuleKind.pages

RULES: tuple[Rule, ...] = (
    # 新疆工匠
    Rule("XJGJ-LEVEL", XJGJ,
         "原则上具有高级技师及以上职业资格或职业技能等级（南疆五地州和兵团南疆师市可放宽至技师）",
         H, ELIG, min_level("skill_level", "高级技师", south="技师"), _SRC_XJGJ),
    Rule("XJGJ-DEADLINE", XJGJ, "个人材料提交截止时间2025年10月8日20:00前",
         M, DEAD, _deadline_of(XJGJ), _SRC_XJGJ),
    Rule("XJGJ-EXCLUSIVE", XJGJ, "自治区“3+2”重点人才计划各项目之间不得多头申报",
         H, DUP, None, _SRC_XJGJ, exclusive(XJGJ)),
    # 准东人才工作室
    Rule("ZD-LEAD", ZD,
         "领衔人符合下列条件之一：省部级及以上人才计划或技能大师入选者；省部级及以上人才荣誉称号，"
         "人才（职业技能）竞赛奖项获得者；州级有突出贡献优秀人才、“庭州英才”人才计划入选者；"
         "具有高级职称、技师及以上技能等级或博士学位的人才",
         H, ELIG, zd_lead(), _SRC_ZD),
    Rule("ZD-TEAM", ZD, "每个工作室要有5—10名业务骨干和后备人才（不含领衔人）作为重点培养对象",
         H, ELIG, team_size_between(5, 10), _SRC_ZD),
    Rule("ZD-DEADLINE", ZD, "申报材料于2026年6月15日前报送",
         M, DEAD, _deadline_of(ZD), _SRC_ZD),
    Rule("ZD-PAGES", ZD, "人才工作室申报材料要包含相关佐证材料，一般不超过25页",
         L, PAGES, max_pages(25), _SRC_ZD),
    # 少数民族科技骨干特殊培养
    Rule("MB-AGE", MB, "年龄要求在45周岁及以下，即1980年1月1日（含）后出生",
         H, ELIG, born_on_or_after(date(1980, 1, 1)), _SRC_MB),
    Rule("MB-QUAL", MB,
         "具有本科及以上学历、中级及以上专业技术职称（南疆地区学历和专业技术职务可适当放宽至"
         "大专学历和初级职称，但不可同时放宽）",
         H, ELIG, mb_qualification(), _SRC_MB),
    Rule("MB-DEADLINE", MB, "于2025年3月5日前完成个人申报工作",
         M, DEAD, _deadline_of(MB), _SRC_MB),
    # 乌鲁木齐市技能大师工作室
    Rule("UMQ-LEVEL", UMQ, "领办人具有技师及以上职业资格或职业技能等级",
         H, ELIG, min_level("skill_level", "技师"), _SRC_UMQ),
    Rule("UMQ-RETIRE", UMQ, "领办人在职在聘，距法定退休年龄2年以上（含2年）",
         H, ELIG, before_retirement(2), _SRC_UMQ),
    Rule("UMQ-TEAM", UMQ, "拥有不少于2名正式员工组成（不含领办人）的技术技能人才团队",
         H, ELIG, team_size_between(2, None), _SRC_UMQ),
    Rule("UMQ-ONE-STUDIO", UMQ, "同一高技能人才只能领办一个技能大师工作室",
         H, DUP, None, _SRC_UMQ, at_most_one(UMQ)),
)  # fmt: skip

_BY_ID = {r.id: r for r in RULES}
assert len(_BY_ID) == len(RULES), "rule ids must be unique"
assert all(
    tuple(r.id for r in RULES if r.program == p.name) == p.rule_ids for p in PROGRAMS
), "RULES and the catalogue's rule ids disagree"


# ---------------------------------------------------------------- API


def rules_for(program: str | None) -> tuple[Rule, ...]:
    """All rules of a program (duplicate rules included); () for an unknown program."""
    p = canonical_program(program)
    return tuple(r for r in RULES if r.program == p) if p else ()


def get_rule(rule_id: str) -> Rule:
    return _BY_ID[rule_id]


def check_rules(program: str | None, inp: RuleInput) -> list[RuleResult]:
    """Results of every per-applicant rule of the program, in table order.

    Duplicate rules (XJGJ-EXCLUSIVE, UMQ-ONE-STUDIO) need the whole batch and give nothing
    here. An unknown program gives [] (the importer reports it on the applicant's row).
    """
    out: list[RuleResult] = []
    for rule in rules_for(program):
        out.extend(rule.evaluate(inp))
    return out
