"""Intakes for the officials' view, loaded straight into the store (no OCR): the small one of
tests/test_officials.py counted by hand, and generated ones of any size for the browser test
and bench/officials.py (prefectures, ID regions, issuers, flags pointing at documents,
conclusions, 多头申报, a previous round of the same program)."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from extractors.validators import id_check_char
from models.declared import Applicant as Declared
from models.results import (
    ApplicantResult,
    DocumentResult,
    DuplicateGroup,
    EvidenceRef,
    Flag,
    Results,
)

AS_OF = dt.date(2025, 9, 30)
HOSTILE_NAME = '=HYPERLINK("http://x","点我")'


def _ev(file: str) -> list[EvidenceRef]:
    return [EvidenceRef(file=file, page=1, bbox=(1, 2, 3, 4))]


def _doc(file: str, issuer: str | None) -> DocumentResult:
    fields = {"issuer": issuer} if issuer else {}
    return DocumentResult(file=file, page=1, doc_type="skill_certificate", fields=fields,
                          confidence=0.9)  # fmt: skip


def _lead(name: str = "lead"):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    User = get_user_model()
    u = User.objects.filter(username=name).first()
    if u is None:
        u = User.objects.create_user(name, password="a-long-password-1")
        u.groups.add(Group.objects.get(name="组长"))
    return u


def _decide(intake, verdicts: dict[tuple[str, str], str], user) -> None:
    """FlagDecisions on the latest run's flags, by (申报编号, code)."""
    from store import models as sm
    from webapp.models import FlagDecision
    from webapp.views import signature

    flags = sm.Flag.objects.filter(result__run__intake=intake).select_related("result__applicant")
    FlagDecision.objects.bulk_create(
        FlagDecision(flag=f, applicant=f.result.applicant, signature=signature(f), verdict=v,
                     reason="核对原件", user=user)
        for f in flags
        if (v := verdicts.get((f.result.applicant.applicant_id, f.code)))
    )  # fmt: skip


def _files(root, intake, ids: list[str], work: Path) -> None:
    from store import models as sm
    from store import records

    scan = work / "scan.png"
    scan.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 64)
    for aid in ids:
        a = sm.Applicant.objects.get(intake=intake, applicant_id=aid)
        records.add_packet_files(root, a, [("s.jpg", scan)])


def store_hand_intake(root: Path):
    """tests/test_officials.py's _hand() intake, stored; returns it. Its previous round
    (新疆工匠-2024) holds A1's ID number."""
    from store import records
    from store.dataroot import DataRoot
    from tests.test_officials import ID_KASHGAR, ID_URUMQI, ID_URUMQI_2
    from webapp.models import ApplicantDecision

    dr = DataRoot(root)
    prev = records.get_intake("新疆工匠", 2024, key="新疆工匠-2024")
    records.import_declared(prev, [
        Declared(applicant_id="P1", program="新疆工匠", name="买买提·艾力", id_number=ID_KASHGAR),
        Declared(applicant_id="P2", program="新疆工匠", name="某人", id_number="650102197001011234"),
    ])  # fmt: skip
    records.record_run(prev, Results(applicants=[
        ApplicantResult(applicant_id="P1", program="新疆工匠", status="flagged", flags=[
            Flag(code="LEVEL_OVERCLAIM", severity="high", message="m")]),
        ApplicantResult(applicant_id="P2", program="新疆工匠", status="clear"),
    ]), as_of=AS_OF)  # fmt: skip

    it = records.get_intake("新疆工匠", 2025, key="新疆工匠-2025")
    records.import_declared(it, [
        Declared(applicant_id="A1", program="新疆工匠", name="买买提·艾力", id_number=ID_KASHGAR,
                 prefecture="喀什地区"),
        Declared(applicant_id="A2", program="新疆工匠", name="李四", id_number=ID_URUMQI),
        Declared(applicant_id="A3", program="准东人才工作室", name="王五", id_number=ID_URUMQI_2,
                 prefecture="喀什"),
        Declared(applicant_id="A4", program="新疆工匠", name="赵六", prefecture="和田地区"),
        Declared(applicant_id="A5", program="新疆工匠", name="孙七"),
    ])  # fmt: skip
    _files(dr, it, ["A1", "A2", "A3", "A4"], root)
    records.record_run(it, Results(applicants=[
        ApplicantResult(applicant_id="A1", program="新疆工匠", status="flagged", documents=[
            _doc("packets/A1/s.jpg", "喀什地区人社局"), _doc("packets/A1/id.jpg", None)], flags=[
            Flag(code="LEVEL_OVERCLAIM", severity="high", field="skill_level", declared="高级技师",
                 found="技师", evidence=_ev("packets/A1/s.jpg"), message="等级虚报"),
            Flag(code="NAME_MISMATCH", severity="medium", field="name", message="姓名不符")]),
        ApplicantResult(applicant_id="A2", program="新疆工匠", status="clear", documents=[
            _doc("packets/A2/s.jpg", "新疆维吾尔自治区人力资源和社会保障厅")]),
        ApplicantResult(applicant_id="A3", program="准东人才工作室", status="needs_review",
                        documents=[_doc("packets/A3/s.jpg", "喀什地区人社局")], flags=[
            Flag(code="LEVEL_OVERCLAIM", severity="low", evidence=_ev("packets/A3/s.jpg"),
                 message="等级虚报")]),
        ApplicantResult(applicant_id="A4", program="新疆工匠", status="flagged", flags=[
            Flag(code="LEVEL_OVERCLAIM", severity="high", message="等级虚报"),
            Flag(code="ID_MISMATCH", severity="high", field="id_number", message="身份证号不符")]),
        ApplicantResult(applicant_id="A5", program="新疆工匠", status="needs_review"),
    ], duplicates=[
        DuplicateGroup(code="DUPLICATE_APPLICANT", applicant_ids=["A1", "OLD-9"], score=0.98,
                       reasons=["same id_number"]),
        DuplicateGroup(code="DUPLICATE_EVIDENCE", applicant_ids=["A2", "A3"],
                       reasons=["same cert_no"]),
    ]), as_of=AS_OF)  # fmt: skip
    lead = _lead()
    _decide(it, {("A1", "LEVEL_OVERCLAIM"): "confirmed", ("A1", "NAME_MISMATCH"): "false_alarm",
                 ("A4", "LEVEL_OVERCLAIM"): "confirmed", ("A4", "ID_MISMATCH"): "need_originals"},
            lead)  # fmt: skip
    from store import models as sm

    ApplicantDecision.objects.create(
        applicant=sm.Applicant.objects.get(intake=it, applicant_id="A4"), outcome="fail",
        note="等级虚报属实", user=lead)  # fmt: skip
    return it


# ---------------------------------------------------------------- generated intakes

REGIONS = [  # (ID address code, declared 地州), weighted by repetition
    ("650102", "乌鲁木齐市"), ("650102", "乌鲁木齐市"), ("650105", "乌鲁木齐市"),
    ("653101", "喀什地区"), ("653101", "喀什地区"), ("653201", "和田地区"),
    ("652901", "阿克苏地区"), ("654002", "伊犁哈萨克自治州"), ("652301", "昌吉回族自治州"),
    ("652801", "巴音郭楞蒙古自治州"), ("650202", "克拉玛依市"), ("654201", "塔城地区"),
]  # fmt: skip
ISSUERS = ["新疆维吾尔自治区人力资源和社会保障厅", "乌鲁木齐市人力资源和社会保障局",
           "喀什地区人力资源和社会保障局", "某职业技能鉴定中心", "和田地区职业技能鉴定所",
           "新疆维吾尔自治区总工会"]  # fmt: skip
CODES = [("LEVEL_OVERCLAIM", 5), ("MISSING_EVIDENCE", 3), ("NAME_MISMATCH", 2), ("ID_MISMATCH", 1),
         ("CERT_NO_INCONSISTENT", 2), ("AWARD_UNSUPPORTED", 2), ("TAMPER_SUSPECTED", 1)]  # fmt: skip
NAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"


def _id(rng: random.Random, region: str) -> str:
    born = dt.date(1965, 1, 1) + dt.timedelta(days=rng.randrange(0, 12000))
    first = f"{region}{born:%Y%m%d}{rng.randrange(0, 1000):03d}"
    return first + id_check_char(first)


def generate(root: Path, n: int, *, seed: int = 1, year: int = 2025,
             program: str = "新疆工匠", previous: bool = True):  # fmt: skip
    """An intake of n applications (and, with `previous`, last year's round of n // 2 with
    some of the same people). Returns the intake."""
    from store import models as sm
    from store import records
    from webapp.models import ApplicantDecision

    rng = random.Random(seed)
    people = []
    for i in range(n):
        region, pref = rng.choice(REGIONS)
        if rng.random() < 0.08:  # declared elsewhere than the ID number says
            pref = rng.choice(REGIONS)[1]
        if rng.random() < 0.05:
            pref = None
        name = rng.choice(NAMES) + "".join(rng.choice("明华军玲伟芳强敏静丽") for _ in range(2))
        people.append((f"XJ{year}-{i:05d}", name, _id(rng, region), pref))
    people[0] = (people[0][0], HOSTILE_NAME, *people[0][2:])  # formulas stay text everywhere
    if previous:
        generate_previous(root, people, seed=seed, year=year - 1, program=program)
    it = records.get_intake(program, year, key=f"{program}-{year}")
    records.import_declared(it, [
        Declared(applicant_id=aid, program=program, name=name, id_number=idn, prefecture=pref)
        for aid, name, idn, pref in people
    ])  # fmt: skip
    apps = {a.applicant_id: a for a in it.applicants.all()}
    content, _ = sm.StoredFile.objects.get_or_create(sha256="0" * 64, defaults={"size": 1})
    with_files = [aid for aid, *_ in people if rng.random() > 0.04]
    sm.PacketFile.objects.bulk_create(
        sm.PacketFile(applicant=apps[aid], name="s.jpg", content=content) for aid in with_files)
    weights = [w for _, w in CODES]
    results = []
    for aid, _name, _idn, _pref in people:
        docs = [_doc(f"packets/{aid}/s.jpg", rng.choice(ISSUERS)),
                _doc(f"packets/{aid}/a.jpg", rng.choice(ISSUERS + [None]))]  # fmt: skip
        flags = []
        if rng.random() < 0.45:
            for _ in range(rng.choice((1, 1, 2, 3))):
                code = rng.choices([c for c, _ in CODES], weights)[0]
                flags.append(Flag(code=code, severity=rng.choice(("high", "high", "medium", "low")),
                                  field="skill_level", declared="高级技师", found="技师",
                                  evidence=_ev(rng.choice(docs).file), message="生成的疑点"))
        status = "flagged" if flags else rng.choice(("clear", "clear", "clear", "needs_review"))
        results.append(ApplicantResult(applicant_id=aid, program=program, status=status,
                                       documents=docs, flags=flags))  # fmt: skip
    dups = []
    ids = [p[0] for p in people]
    for k in range(max(2, n // 40)):
        a, b = rng.sample(ids, 2)
        dups.append(DuplicateGroup(code="DUPLICATE_APPLICANT", applicant_ids=[a, b], score=0.97,
                                   reasons=["same id_number", "name 同名"]))  # fmt: skip
        if k % 3 == 0:
            dups.append(DuplicateGroup(code="DUPLICATE_APPLICANT", applicant_ids=[a, f"OLD-{k}"],
                                       score=0.9, reasons=["same id_number (earlier intake)"]))
    dups.append(DuplicateGroup(code="DUPLICATE_EVIDENCE", applicant_ids=rng.sample(ids, 2),
                               reasons=["same cert_no"]))  # fmt: skip
    records.record_run(it, Results(applicants=results, duplicates=dups), as_of=AS_OF)
    lead = _lead()
    verdicts = {}
    for r in results:
        for f in r.flags:
            if rng.random() < 0.4:
                good = {"LEVEL_OVERCLAIM": 0.8, "NAME_MISMATCH": 0.3}.get(f.code.value, 0.6)
                verdicts[(r.applicant_id, f.code.value)] = (
                    "confirmed" if rng.random() < good else
                    rng.choice(("false_alarm", "false_alarm", "need_originals")))  # fmt: skip
    _decide(it, verdicts, lead)
    decided = [r.applicant_id for r in results if r.flags and rng.random() < 0.15]
    ApplicantDecision.objects.bulk_create(
        ApplicantDecision(applicant=apps[aid], outcome="fail", note="疑点属实", user=lead)
        for aid in decided)  # fmt: skip
    # Waiting times: uploads spread over the last three weeks.
    sm.PacketFile.objects.bulk_update(_aged(it, rng, dt.datetime.now(dt.UTC)), ["uploaded"])
    return it


def _aged(it, rng: random.Random, now: dt.datetime) -> list:
    from store import models as sm

    out = list(sm.PacketFile.objects.filter(applicant__intake=it))
    for pf in out:
        pf.uploaded = now - dt.timedelta(hours=rng.randrange(1, 24 * 21))
    return out


def generate_previous(root: Path, people: list, *, seed: int, year: int, program: str):
    from store import records

    rng = random.Random(seed + 1)
    prev = records.get_intake(program, year, key=f"{program}-{year}")
    again = rng.sample(people, len(people) // 5)  # a fifth apply again
    rows = [(f"XJ{year}-{i:05d}", p[1], p[2], p[3]) for i, p in enumerate(again)]
    rows += [(f"XJ{year}-{len(rows) + i:05d}", "往年申报人", _id(rng, rng.choice(REGIONS)[0]), None)
             for i in range(len(people) // 2 - len(rows))]  # fmt: skip
    records.import_declared(prev, [
        Declared(applicant_id=aid, program=program, name=name, id_number=idn, prefecture=pref)
        for aid, name, idn, pref in rows
    ])  # fmt: skip
    from store import models as sm

    content, _ = sm.StoredFile.objects.get_or_create(sha256="0" * 64, defaults={"size": 1})
    sm.PacketFile.objects.bulk_create(
        sm.PacketFile(applicant=a, name="s.jpg", content=content) for a in prev.applicants.all())
    results = []
    for aid, *_ in rows:
        flags = [Flag(code=rng.choices([c for c, _ in CODES], [w for _, w in CODES])[0],
                      severity="high", message="生成的疑点")] if rng.random() < 0.35 else []
        results.append(ApplicantResult(applicant_id=aid, program=program,
                                       status="flagged" if flags else "clear", flags=flags))
    records.record_run(prev, Results(applicants=results), as_of=dt.date(year, 9, 30))
    return prev
