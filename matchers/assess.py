"""One applicant's verdict: the declared row against the documents read from the packet.

`assess_applicant` is a plain function (no OCR, no Prefect): tests build packets by hand.
Every flag carries the comparison that raised it in `reasons`; questions the evidence
cannot decide (an unreadable level, a name that OCR may have garbled, a rule that needs a
fact no document shows) become `review_reasons` and status needs_review, never a flag.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import date

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from extractors.normalize import (
    canonical_program,
    comparable,
    normalize_award_level,
    normalize_education,
    normalize_skill_level,
    normalize_title_level,
)
from extractors.validators import (
    IdNumberInfo,
    cert_no_consistency,
    cert_no_consistency_messages,
    validate_id_number,
)
from matchers.names import NameVerdict, compare_names, name_search_key, possible_misread
from matchers.rules import (
    DatedEvidence,
    EvidencedAward,
    RuleInput,
    RuleKind,
    RuleStatus,
    check_rules,
)
from models.catalogue import EDUCATION_RANK, SKILL_LEVELS, TITLE_LEVELS, FieldKey, doc_label
from models.declared import Applicant, DeclaredAward
from models.document import DocType, DocumentReading, ExtractedField
from models.evidence import PacketFile
from models.results import (
    ApplicantResult,
    DocumentResult,
    EvidenceRef,
    Flag,
    FlagCode,
    Severity,
    Status,
)

__all__ = ["AWARD_MATCH_MIN", "assess_applicant", "flag_sort_key"]

CERTIFICATES = (
    DocType.skill_certificate,
    DocType.award_certificate,
    DocType.title_certificate,
    DocType.education_certificate,
)
IDENTITY_DOCS = (*CERTIFICATES, DocType.id_card)
AWARD_MATCH_MIN = 62  # rapidfuzz score (0–100) for a certificate to count as the declared award
# classify.py gives a page with nothing certificate-like on it type `other` at this confidence.
UNPLACED_CONFIDENCE = 0.6
ID_DOUBT_CONFIDENCE = 0.8  # below this a one-digit ID difference may be OCR, not a mismatch
NAME_DOUBT_CONFIDENCE = 0.8  # likewise for a one-character name difference
# Below this a reading that contradicts the declaration is a question, not a flag.
FLAG_MIN_CONFIDENCE = 0.6
_CODE_ORDER = {c: i for i, c in enumerate(FlagCode)}


@dataclass
class _Verdict:
    flags: list[Flag] = field(default_factory=list)
    doubts: list[str] = field(default_factory=list)

    def flag(self, code: FlagCode, severity: Severity, message: str, **kw) -> None:
        self.flags.append(Flag(code=code, severity=severity, message=message, **kw))

    def doubt(self, reason: str) -> None:
        if reason not in self.doubts:
            self.doubts.append(reason)


@dataclass(frozen=True)
class _Doc:
    reading: DocumentReading

    @property
    def type(self) -> DocType:
        return self.reading.doc_type

    def get(self, key: str) -> ExtractedField | None:
        return self.reading.fields.get(key)

    def value(self, key: str) -> str | None:
        f = self.get(key)
        return f.value if f else None

    def where(self) -> str:
        return f"{self.reading.file} 第{self.reading.page}页"


def _ref(f: ExtractedField | None, doc: _Doc | None = None) -> list[EvidenceRef]:
    if f is not None:
        ev = f.evidence
        return [EvidenceRef(file=ev.file, page=ev.page, bbox=ev.bbox)]
    if doc is not None:
        return [EvidenceRef(file=doc.reading.file, page=doc.reading.page, bbox=doc.reading.region)]
    return []


# ---------------------------------------------------------------- files


def _file_flags(files: list[PacketFile], v: _Verdict) -> None:
    for pf in files:
        where = [EvidenceRef(file=pf.file, page=1)]
        if pf.skipped_reason_zh:
            v.flag(FlagCode.UNREADABLE_DOCUMENT, Severity.low,
                   f"文件 {pf.file} 未识别：{pf.skipped_reason_zh}", evidence=where,
                   reasons=["skipped"])  # fmt: skip
            continue
        if pf.error_code:
            v.flag(FlagCode.UNREADABLE_DOCUMENT, Severity.medium,
                   f"文件 {pf.file} 无法识别：{pf.reason_zh}", evidence=where,
                   reasons=[f"error={pf.error_code}", *([pf.detail] if pf.detail else [])])  # fmt: skip
            continue
        for fail in pf.failures:
            v.flag(FlagCode.UNREADABLE_DOCUMENT, Severity.medium,
                   f"文件 {pf.file} 第{fail.page}页无法识别：{fail.reason_zh}",
                   evidence=[EvidenceRef(file=pf.file, page=fail.page)],
                   reasons=[f"error={fail.code}"])  # fmt: skip
        if pf.page_count > pf.pages_read:
            v.flag(FlagCode.UNREADABLE_DOCUMENT, Severity.low,
                   f"文件 {pf.file} 共{pf.page_count}页，超过页数上限，只识别了前{pf.pages_read}页",
                   evidence=where, reasons=["page limit"])  # fmt: skip
        for d in pf.documents:
            if not d.fields and any("no text" in w for w in d.warnings):
                v.doubt(f"{d.file} 第{d.page}页未识别出文字（空白页或图像过差）")


# ---------------------------------------------------------------- identity


def _ids_on(docs: list[_Doc]) -> list[tuple[_Doc, ExtractedField, IdNumberInfo]]:
    out = []
    for d in docs:
        f = d.get("id_number")
        if d.type in IDENTITY_DOCS and f is not None:
            out.append((d, f, validate_id_number(f.value)))
    return out


def _hamming(a: str, b: str) -> int:
    return sum(x != y for x, y in zip(a, b, strict=False)) + abs(len(a) - len(b))


def _identity(
    a: Applicant, docs: list[_Doc], v: _Verdict, as_of: date
) -> tuple[IdNumberInfo, str | None, list[EvidenceRef]]:
    """ID_INVALID / ID_MISMATCH; returns the declared ID's info and the birth date to trust."""
    info = validate_id_number(a.id_number, today=as_of)
    on_docs = _ids_on(docs)
    valid_seen = [(d, f, i) for d, f, i in on_docs if i.valid]
    if not info.valid:
        # The nearest valid number the evidence shows (an ID card first) explains the typo.
        best = min(
            valid_seen,
            key=lambda t: (
                t[0].type is not DocType.id_card,
                _hamming(t[2].normalized, info.normalized),
            ),
            default=None,
        )
        found = best[2].normalized if best else None
        problems = "；".join(info.messages) or "无效"
        msg = ("申报表未填写身份证号码" if not info.normalized
               else f"申报身份证号码{info.normalized}无效：{problems}")  # fmt: skip
        if found:
            msg += f"；{doc_label(best[0].type)}显示为{found}"
        v.flag(FlagCode.ID_INVALID, Severity.high if info.normalized else Severity.medium, msg,
               field="id_number", declared=a.id_number or None, found=found,
               evidence=_ref(best[1]) if best else [],
               reasons=[f"problem={p}" for p in info.problems])  # fmt: skip
        birth = best[2].birth_date if best else None
        return info, birth, _ref(best[1]) if best else []
    for d, f, i in on_docs:
        if i.normalized == info.normalized:
            continue
        if not i.valid:
            v.doubt(
                f"{d.where()} 的身份证号码识别为 {f.value}，校验不通过，可能为识别错误，请人工核对"
            )
            continue
        dist = _hamming(i.normalized, info.normalized)
        # One body digit misread changes the check character too: compare the 17-digit body.
        body = _hamming(i.normalized[:17], info.normalized[:17])
        if body == 1 and f.confidence < ID_DOUBT_CONFIDENCE:
            v.doubt(
                f"{d.where()} 的身份证号码与申报相差一位（识别置信度{f.confidence:.2f}），请人工核对"
            )
            continue
        v.flag(FlagCode.ID_MISMATCH, Severity.high,
               f"申报身份证号码为{info.normalized}，{doc_label(d.type)}（{d.where()}）显示为{i.normalized}",
               field="id_number", declared=info.normalized, found=i.normalized, evidence=_ref(f),
               reasons=[f"{dist} digits differ", f"ocr_confidence={f.confidence:.2f}"])  # fmt: skip
    # The birth date comes from the declared number; show the ID card that bears it.
    same = [f for d, f, i in on_docs if i.normalized == info.normalized]
    card = [
        f for d, f, i in on_docs if i.normalized == info.normalized and d.type is DocType.id_card
    ]
    return info, info.birth_date, _ref((card or same or [None])[0])


def _birth_date(
    a: Applicant, id_birth: str | None, id_ev: list[EvidenceRef], docs: list[_Doc], v: _Verdict
) -> None:
    declared = a.birth_date
    if not declared:
        return
    found, ev, source = id_birth, id_ev, "身份证号码"
    if found is None:
        card = next((d for d in docs if d.type is DocType.id_card and d.value("birth_date")), None)
        if card is None:
            return
        f = card.get("birth_date")
        found, ev, source = f.value, _ref(f), "居民身份证"
    n = len(declared)  # compare at the precision the form gives (YYYY-MM or YYYY-MM-DD)
    if found[:n] != declared[:n]:
        v.flag(FlagCode.BIRTHDATE_MISMATCH, Severity.medium,
               f"申报出生日期为{declared}，{source}显示为{found[:max(n, 7)]}",
               field="birth_date", declared=declared, found=found, evidence=ev,
               reasons=[f"compared to {source}", f"precision={n}"])  # fmt: skip


def _names(a: Applicant, docs: list[_Doc], v: _Verdict) -> set[int]:
    """Flags documents in another person's name; returns them (by id) so that they count as
    nobody's evidence for the applicant's levels."""
    foreign: set[int] = set()
    if not a.name:
        v.doubt("申报表未填写姓名，无法核对材料归属")
        return foreign
    declared_id = validate_id_number(a.id_number)
    own_id = {
        id(d) for d, _f, i in _ids_on(docs)
        if i.valid and declared_id.valid and i.normalized == declared_id.normalized
    }  # fmt: skip
    # The applicant's own ID card (its number the declared one, valid): the number proves
    # whose card it is, whatever name was read on it; a page naming the person that card
    # was read to name is that person's too.
    own_card = {id(d) for d in docs if d.type is DocType.id_card and id(d) in own_id}
    card_names = {
        name_search_key(f.value)
        for d in docs
        if id(d) in own_card and (f := d.get("name")) is not None and f.value
    }
    for d in docs:
        f = d.get("name")
        if d.type not in IDENTITY_DOCS or f is None:
            continue
        m = compare_names(a.name, f.value, found_confidence=f.confidence)
        if m.verdict is NameVerdict.different and (
            possible_misread(a.name, f.value, f.confidence, doubt_below=NAME_DOUBT_CONFIDENCE)
            or _one_glyph(a.name, f.value)
            and id(d) in own_id
        ):
            # One glyph off on a page whose own ID number is the applicant's: a slip (OCR's or
            # the printer's), not someone else's certificate; a question.
            v.doubt(f"{d.where()} 的姓名识别为{f.value}（置信度{f.confidence:.2f}），"
                    f"与申报姓名{a.name}仅差一字或为其一部分，可能为识别错误，请人工核对")  # fmt: skip
        elif m.verdict is NameVerdict.different and id(d) in own_card:
            v.doubt(f"{d.where()} 的身份证号码与申报一致，但姓名识别为{f.value}，与申报姓名"
                    f"{a.name}不同：身份证是申报人本人的，姓名可能识别有误或申报有误，请人工核对")  # fmt: skip
        elif m.verdict is NameVerdict.different and name_search_key(f.value) in card_names:
            v.doubt(f"{d.where()} 的姓名识别为{f.value}，与申报人本人身份证（号码与申报一致）上识别"
                    f"的姓名相同、与申报姓名{a.name}不同：不认定为他人材料，请人工核对姓名")  # fmt: skip
        elif m.verdict is NameVerdict.different:
            foreign.add(id(d))
            v.flag(FlagCode.NAME_MISMATCH, Severity.high,
                   f"申报人为{a.name}，{doc_label(d.type)}（{d.where()}）上的姓名为{f.value}",
                   field="name", declared=a.name, found=f.value, evidence=_ref(f),
                   reasons=[*m.reasons, f"score={m.score:.2f}"])  # fmt: skip
        elif m.verdict is NameVerdict.uncertain:
            v.doubt(f"{d.where()} 的姓名识别为{f.value}，与申报姓名{a.name}相近但不能确认"
                    f"（{'；'.join(m.reasons)}）")  # fmt: skip
    return foreign


def _on_roster(a: Applicant, d: DocumentReading, v: _Verdict) -> DocumentReading:
    """A letter listing winners names the applicant if one of its entries is their name: the
    letter then reads as theirs (that name, the rank it stands under). A list without them,
    as read, is a question: its lines are small and many, and one lost is no finding."""
    if not d.roster or "name" in d.fields or not a.name:
        return d
    verdicts = [(compare_names(a.name, e.name, found_confidence=e.confidence), e) for e in d.roster]
    mine = [e for m, e in verdicts if m.verdict in (NameVerdict.same, NameVerdict.variant)]
    if mine:
        e = mine[0]
        added = {"name": ExtractedField(key="name", value=e.name, raw=e.name,
                                        confidence=e.confidence, evidence=e.evidence,
                                        notes=["found: on a list of winners"])}  # fmt: skip
        if e.rank and "award_rank" not in d.fields:
            added["award_rank"] = added["name"].model_copy(
                update={"key": "award_rank", "value": e.rank, "raw": e.rank,
                        "notes": ["the rank heading the applicant's name stands under"]}
            )  # fmt: skip
        return d.model_copy(update={"fields": {**d.fields, **added}})
    where = f"{d.file} 第{d.page}页"
    near = [
        e for m, e in verdicts
        if m.verdict is NameVerdict.uncertain
        or possible_misread(a.name, e.name, e.confidence, doubt_below=NAME_DOUBT_CONFIDENCE)
    ]  # fmt: skip
    # Not on the list as read: OCR may have lost their line (a list is long, its lines
    # small), so this is a question for a reviewer, not a finding.
    names = "、".join(e.name for e in (near or d.roster)[:4])
    v.doubt(f"{where} 是获奖名单，识别出的名单中未找到申报人{a.name}（名单：{names}"
            f"{'等' if len(near or d.roster) > 4 else ''}），请人工核对")  # fmt: skip
    return d


def _one_glyph(declared: str, found: str) -> bool:
    a, b = name_search_key(declared), name_search_key(found)
    return bool(a and b) and len(a) == len(b) and Levenshtein.distance(a, b) == 1


# ---------------------------------------------------------------- levels


_ORDER = {
    "skill_level": {lv: i for i, lv in enumerate(SKILL_LEVELS)},
    "title_level": {lv: i for i, lv in enumerate(TITLE_LEVELS)},
    "education": EDUCATION_RANK,
}


@dataclass
class _Best:
    level: str | None = None
    field: ExtractedField | None = None
    doc: _Doc | None = None
    docs: int = 0  # documents of the type
    unread: int = 0  # documents of the type whose level could not be read
    foreign: int = 0  # documents of the type in another person's name (not counted above)


def _doc_level(d: _Doc, key: str) -> tuple[str | None, ExtractedField | None]:
    if key == "skill_level":
        f = d.get("skill_level")
        return (normalize_skill_level(f.value) if f else None), f
    if key == "title_level":
        f = d.get("title_level")
        if f and normalize_title_level(f.value):
            return normalize_title_level(f.value), f
        t = d.get("title")
        return (normalize_title_level(t.value) if t else None), t
    f = d.get("education")
    return (normalize_education(f.value) if f else None), f


def _best(
    docs: list[_Doc], doc_type: DocType, key: str, foreign: AbstractSet[int] = frozenset()
) -> _Best:
    """The highest level shown by the applicant's own documents of the type: a borrowed
    certificate (NAME_MISMATCH) supports no claim, so it cannot hide an inflated level."""
    b = _Best()
    order = _ORDER[key]
    for d in docs:
        if d.type is not doc_type:
            continue
        if id(d) in foreign:
            b.foreign += 1
            continue
        b.docs += 1
        level, f = _doc_level(d, key)
        if level is None or level not in order:
            b.unread += 1
        elif b.level is None or order[level] > order[b.level]:
            b.level, b.field, b.doc = level, f, d
    return b


def _unplaced(docs: list[_Doc]) -> list[_Doc]:
    """Pages the classifier could not place (nothing certificate-like read: a poor scan)."""
    return [
        d for d in docs
        if d.type is DocType.other and d.reading.doc_type_confidence <= UNPLACED_CONFIDENCE
    ]  # fmt: skip


def _claim(
    key: str, declared: str | None, declared_text: str | None, best: _Best, doc_type: DocType,
    v: _Verdict, evidence_field: str | None = None, unplaced: Sequence[_Doc] = (),
) -> None:  # fmt: skip
    label = FieldKey(key).zh
    shown = declared_text or declared
    if not shown:
        return
    if best.docs == 0 and best.foreign:
        return  # only someone else's certificate: its NAME_MISMATCH flag says it all
    if best.docs == 0 and unplaced:
        # A page whose type could not be read may be the certificate: a question, not a flag.
        where = "、".join(d.where() for d in unplaced[:3])
        v.doubt(f"申报{label}为{shown}，未找到{doc_label(doc_type)}；{where}未能识别材料类型，"
                "可能即为该证书，请人工核对")  # fmt: skip
        return
    if best.docs == 0:
        v.flag(FlagCode.MISSING_EVIDENCE, Severity.medium,
               f"申报{label}为{shown}，材料中未找到{doc_label(doc_type)}",
               field=evidence_field or key, declared=shown,
               reasons=[f"no {doc_type.value} in packet"])  # fmt: skip
        return
    if declared is None:
        if key != "title_level":
            v.doubt(f"申报{label}“{shown}”无法归入标准等级，请人工核对")
        return
    order = _ORDER[key]
    if best.level is None:
        v.doubt(f"{doc_label(doc_type)}上的{label}未能识别，无法核对申报的{shown}")
        return
    if order[declared] > order[best.level]:
        if best.field is not None and best.field.confidence < FLAG_MIN_CONFIDENCE:
            v.doubt(f"申报{label}{shown}高于证书识别结果（{best.level}），但识别置信度低"
                    f"（{best.field.confidence:.2f}，{best.doc.where()}），请人工核对")  # fmt: skip
            return
        if best.unread:
            v.doubt(
                f"申报{label}{shown}高于已识别证书（{best.level}），另有证书等级未能识别，请人工核对"
            )
            return
        v.flag(FlagCode.LEVEL_OVERCLAIM, Severity.high,
               f"申报{label}为{shown}，证书显示为{best.level}（{best.doc.where()}）",
               field=key, declared=shown, found=best.level, evidence=_ref(best.field, best.doc),
               reasons=[f"declared rank {order[declared]} > evidence rank {order[best.level]}",
                        f"best of {best.docs} {doc_type.value}"])  # fmt: skip


# ---------------------------------------------------------------- awards


def _award_text(s: str | None) -> str:
    t = comparable(s)
    for q in "“”\"'「」《》〈〉()（）":
        t = t.replace(q, "")
    return t


def _award_score(decl: DeclaredAward, d: _Doc) -> float:
    found = _award_text(d.value("award_name"))
    if not found:
        return 0.0
    best = 0.0
    for name in (decl.award_name, decl.project):
        t = _award_text(name)
        if t:
            best = max(best, fuzz.ratio(t, found), 0.9 * fuzz.partial_ratio(t, found))
    return best


def _doc_year(d: _Doc) -> tuple[str | None, ExtractedField | None]:
    f = d.get("award_year")
    if f and f.value[:4].isdigit():
        return f.value[:4], f
    f = d.get("issue_date")
    return (f.value[:4], f) if f and f.value[:4].isdigit() else (None, None)


def _awards(a: Applicant, docs: list[_Doc], v: _Verdict, as_of: date | None = None) -> None:
    award_docs = [d for d in docs if d.type is DocType.award_certificate]
    pairs = sorted(
        ((_award_score(decl, d), i, j) for i, decl in enumerate(a.awards)
         for j, d in enumerate(award_docs)),
        key=lambda t: (-t[0], t[1], t[2]),
    )  # fmt: skip
    taken_decl: dict[int, tuple[int, float]] = {}
    taken_doc: set[int] = set()
    for score, i, j in pairs:
        if score < AWARD_MATCH_MIN or i in taken_decl or j in taken_doc:
            continue
        taken_decl[i], _ = (j, score), taken_doc.add(j)
    unnamed = [
        d for j, d in enumerate(award_docs) if j not in taken_doc and not d.value("award_name")
    ]
    # A page the classifier could not place (nothing certificate-like read: a poor scan) may
    # be the missing award certificate: a reviewer decides, not a flag.
    unplaced = _unplaced(docs)
    for i, decl in enumerate(a.awards):
        title = decl.award_name or decl.project or f"第{i + 1}项奖励"
        if i not in taken_decl:
            if unnamed:
                v.doubt(
                    f"申报奖励“{title}”未找到对应证书，另有获奖证书的奖项名称未能识别，请人工核对"
                )
                continue
            if unplaced:
                where = "、".join(d.where() for d in unplaced[:3])
                v.doubt(
                    f"申报奖励“{title}”未找到对应证书；{where}未能识别材料类型，"
                    "可能即为该证书，请人工核对"
                )
                continue
            v.flag(FlagCode.AWARD_UNSUPPORTED, Severity.medium,
                   f"申报奖励“{title}”（{decl.award_year or '年度不详'}）未找到对应的获奖证书",
                   field="award_name", declared=title,
                   reasons=[f"{len(award_docs)} award certificates, none scored ≥ {AWARD_MATCH_MIN}"])  # fmt: skip
            continue
        j, score = taken_decl[i]
        _award_fields(decl, title, award_docs[j], score, v, as_of)


def _award_fields(
    decl: DeclaredAward, title: str, d: _Doc, score: float, v: _Verdict, as_of: date | None = None
) -> None:
    base = [f"matched {d.where()} (name score {score:.0f})"]
    level_f = d.get("award_level")
    found_level = level_f.value if level_f else normalize_award_level(
        d.value("award_name"), d.value("issuer"))  # fmt: skip
    checks: list[tuple[str, str | None, str | None, ExtractedField | None, str]] = [
        ("award_level", decl.award_level, found_level, level_f, "级别"),
        ("award_rank", decl.award_rank, d.value("award_rank"), d.get("award_rank"), "名次"),
    ]
    for key, declared, found, f, label in checks:
        if (
            key == "award_level" and declared and found == "其他" and declared != found
            and not re.search(r"公司|集团|企业|厂", d.value("issuer") or "")
        ):  # fmt: skip
            # No issuer's or honour's tier was recognised (a plan's name, an issuer unread):
            # that is not evidence of another level.
            v.doubt(f"申报奖励“{title}”的级别为{declared}，未能从证书（{d.where()}）的颁发单位或"
                    "奖项名称确定级别，请人工核对")  # fmt: skip
            continue
        if (
            declared
            and found
            and declared != found
            and f is not None
            and (f.confidence < FLAG_MIN_CONFIDENCE)
        ):
            v.doubt(f"申报奖励“{title}”的{label}为{declared}，证书识别为{found}，但识别置信度低"
                    f"（{f.confidence:.2f}，{d.where()}），请人工核对")  # fmt: skip
            continue
        if declared and found and declared != found:
            v.flag(FlagCode.AWARD_MISMATCH, Severity.medium,
                   f"申报奖励“{title}”的{label}为{declared}，证书显示为{found}（{d.where()}）",
                   field=key, declared=declared, found=found, evidence=_ref(f, d),
                   reasons=base)  # fmt: skip
    year, yf = _doc_year(d)
    if year and as_of is not None and int(year) > as_of.year + 1:
        v.doubt(f"{d.where()} 的获奖年度识别为{year}，晚于核验日期，可能为识别错误，请人工核对")
        year = None
    if decl.award_year and year and decl.award_year[:4].isdigit():
        gap = abs(int(decl.award_year[:4]) - int(year))
        # "2022年度" honours are issued the next year: one year apart is the same award.
        if gap >= 2:
            v.flag(FlagCode.AWARD_MISMATCH, Severity.medium,
                   f"申报奖励“{title}”的年度为{decl.award_year}，证书显示为{year}（{d.where()}）",
                   field="award_year", declared=decl.award_year, found=year,
                   evidence=_ref(yf, d), reasons=[*base, f"{gap} years apart"])  # fmt: skip


# ---------------------------------------------------------------- certificate numbers


def _cert_numbers(docs: list[_Doc], v: _Verdict, as_of: date) -> None:
    for d in docs:
        f = d.get("cert_no")
        if d.type is not DocType.skill_certificate or f is None:
            continue
        issuer = d.value("issuer") or ""
        # "自治区…厅" alone is Xinjiang's own issuer; the other four regions are named.
        other_region = any(w in issuer for w in ("广西", "西藏", "宁夏", "内蒙古"))
        province = (
            "65"
            if any(w in issuer for w in ("新疆", "兵团", "乌鲁木齐"))
            or ("自治区" in issuer and not other_region)
            else None
        )
        kw = dict(printed_level=d.value("skill_level"), issue_date=d.value("issue_date"),
                  province=province, today=as_of)  # fmt: skip
        codes = cert_no_consistency(f.value, **kw)
        msgs = cert_no_consistency_messages(f.value, **kw)
        relevant = [(c, m) for c, m in zip(codes, msgs, strict=True)
                    if c in ("level", "year", "province")]  # fmt: skip
        if not relevant:
            if codes:  # structure broken: more likely a misread than a forgery
                v.doubt(
                    f"{d.where()} 的证书编号{f.value}结构不符（{'；'.join(msgs)}），可能为识别错误"
                )
            continue
        if f.confidence < 0.6:
            v.doubt(f"{d.where()} 的证书编号与证书内容不一致，但编号识别置信度低，请人工核对")
            continue
        v.flag(FlagCode.CERT_NO_INCONSISTENT, Severity.high,
               f"证书编号{f.value}与证书内容不一致（{d.where()}）：{'；'.join(m for _, m in relevant)}",
               field="cert_no", found=f.value, evidence=_ref(f),
               reasons=[f"check={c}" for c, _ in relevant])  # fmt: skip


# ---------------------------------------------------------------- rules


def _rule_input(
    a: Applicant, docs: list[_Doc], files: list[PacketFile], best: dict[str, _Best],
    id_birth: str | None, as_of: date, foreign: AbstractSet[int] = frozenset(),
) -> RuleInput:  # fmt: skip
    own = [d for d in docs if id(d) not in foreign]  # dates, card, degree, awards: theirs
    awards = []
    for d in own:
        if d.type is DocType.award_certificate:
            year, _ = _doc_year(d)
            awards.append(EvidencedAward(
                name=d.value("award_name"),
                level=d.value("award_level") or normalize_award_level(
                    d.value("award_name"), d.value("issuer")),
                rank=d.value("award_rank"), year=year,
                evidence=_ref(d.get("award_name"), d)[0],
            ))  # fmt: skip
    dates = []
    for d in own:
        f = d.get("issue_date")
        if d.type in CERTIFICATES and f is not None:
            dates.append(DatedEvidence(value=f.value, field="issue_date", evidence=_ref(f)[0]))
    card = next((d for d in own if d.type is DocType.id_card), None)
    gender = card.value("gender") if card else None
    edu = [d for d in own if d.type is DocType.education_certificate]
    return RuleInput(
        applicant=a,
        check_day=as_of,
        skill_level=_confident(best["skill_level"]),
        title_level=_confident(best["title_level"]),
        education=_confident(best["education"]),
        doctorate=any(normalize_education(d.value("education")) == "博士研究生" for d in edu)
        or None,
        awards=tuple(awards),
        page_count=sum(pf.pages_read for pf in files if pf.readable),
        evidence_dates=tuple(dates),
        birth_date=id_birth,
        gender=gender,
    )


def _confident(b: _Best) -> str | None:
    """The level rules may act on: none when it was read with low confidence (a rule then
    cannot tell, and says so as a question)."""
    if b.field is not None and b.field.confidence < FLAG_MIN_CONFIDENCE:
        return None
    return b.level


def _rules(a: Applicant, inp: RuleInput, v: _Verdict) -> list[str]:
    checked = []
    for r in check_rules(a.program, inp):
        if r.kind is RuleKind.duplicate:
            continue
        checked.append(f"{r.rule_id}:{r.status.value}")
        if r.status is RuleStatus.failed:
            flag = r.to_flag()
            if flag is not None:
                v.flags.append(flag)
        elif r.status is RuleStatus.unknown:
            v.doubt(r.message)
    return checked


# ---------------------------------------------------------------- entry point


def status_of(flags: list[Flag], review_reasons: list[str]) -> Status:
    """Flagged when anything is flagged, else needs review when anything is doubted."""
    return Status.flagged if flags else Status.needs_review if review_reasons else Status.clear


def flag_sort_key(f: Flag) -> tuple:
    ev = f.evidence[0] if f.evidence else None
    return (_CODE_ORDER[f.code], ev.file if ev else "", ev.page if ev else 0, f.field or "",
            f.message)  # fmt: skip


def documents_of(files: Iterable[PacketFile]) -> list[DocumentReading]:
    return [
        d
        for pf in sorted(files, key=lambda p: p.file)
        for d in sorted(pf.documents, key=lambda d: (d.page, d.region or (0, 0, 0, 0)))
    ]


def assess_applicant(
    applicant: Applicant,
    files: list[PacketFile],
    *,
    as_of: date,
    questions: Sequence[str] = (),
) -> ApplicantResult:
    """The verdict on one application. `as_of` is the day of the check (rules, ID dates);
    `questions` are what the caller already knows a reviewer must answer (no packet folder),
    listed first among the review reasons."""
    files = sorted(files, key=lambda p: p.file)
    readings = documents_of(files)
    v = _Verdict()
    for q in questions:
        v.doubt(q)
    for p in applicant.problems:
        v.doubt(f"申报表：{p}")
    if applicant.program and canonical_program(applicant.program) is None:
        v.doubt(f"申报项目“{applicant.program}”无法识别，未检查项目条件")
    _file_flags(files, v)
    docs = [_Doc(_on_roster(applicant, d, v)) for d in readings]
    _info, id_birth, id_ev = _identity(applicant, docs, v, as_of)
    _birth_date(applicant, id_birth, id_ev, docs, v)
    foreign = _names(applicant, docs, v)
    best = {
        "skill_level": _best(docs, DocType.skill_certificate, "skill_level", foreign),
        "title_level": _best(docs, DocType.title_certificate, "title_level", foreign),
        "education": _best(docs, DocType.education_certificate, "education", foreign),
    }
    a = applicant
    unplaced = _unplaced(docs)
    _claim("skill_level", a.skill_level, a.skill_level,
           best["skill_level"], DocType.skill_certificate, v, unplaced=unplaced)  # fmt: skip
    title_level = a.title_level or normalize_title_level(a.title)
    _claim("title_level", title_level, a.title or a.title_level, best["title_level"],
           DocType.title_certificate, v, evidence_field="title" if a.title else None,
           unplaced=unplaced)  # fmt: skip
    _claim("education", a.education, a.education, best["education"],
           DocType.education_certificate, v, unplaced=unplaced)  # fmt: skip
    _awards(a, docs, v, as_of)
    _cert_numbers(docs, v, as_of)
    _rules(a, _rule_input(a, docs, files, best, id_birth, as_of, foreign), v)
    flags = sorted(v.flags, key=flag_sort_key)
    status = status_of(flags, v.doubts)
    return ApplicantResult(
        applicant_id=a.applicant_id,
        program=canonical_program(a.program) or a.program,
        name=a.name,
        status=status,
        documents=[
            DocumentResult(
                file=d.file,
                page=d.page,
                doc_type=d.doc_type,
                fields=d.values(),
                confidence=round(d.confidence, 3),
            )
            for d in readings
        ],  # fmt: skip
        flags=flags,
        review_reasons=v.doubts,
    )
