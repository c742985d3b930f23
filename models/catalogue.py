"""The catalogue of the domain: programs, document types, field keys, labels and ladders.

Said once, read by every stage, the importer, the reports and the generator. Adding a
program or a document type starts here; what is genuinely new (a rule check in
`matchers/rules.py`, a reading cue in `extractors/fields.py`) is added beside it.

Only data lives here: the normalisers that map raw text onto these vocabularies are in
`extractors/normalize.py` (`NORMALIZERS`), the rule logic in `matchers/rules.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from models.document import DocType

__all__ = [
    "APPLICANT_HEADERS",
    "AWARD_HEADERS",
    "AWARD_LEVELS",
    "AWARD_RANKS",
    "DECLARED_LABELS",
    "DOC_SPECS",
    "EDUCATION_LEVELS",
    "EDUCATION_RANK",
    "FIELD_KEYS",
    "PROGRAMS",
    "PROGRAM_NAMES",
    "SECOND_OPINION_FIELDS",
    "SKILL_GRADE_TO_LEVEL",
    "SKILL_LEVELS",
    "SKILL_LEVEL_TO_GRADE",
    "TITLE_LEVELS",
    "DocSpec",
    "FieldKey",
    "Program",
    "doc_label",
    "field_label",
    "get_program",
]

# ---------------------------------------------------------------- level ladders
# Normalised vocabularies of the contract ("Normalised values"), lowest first.

SKILL_LEVELS = ("初级工", "中级工", "高级工", "技师", "高级技师", "特级技师", "首席技师")
# 五级..一级 map onto the first five.
SKILL_GRADE_TO_LEVEL = {5: "初级工", 4: "中级工", 3: "高级工", 2: "技师", 1: "高级技师"}
SKILL_LEVEL_TO_GRADE = {v: k for k, v in SKILL_GRADE_TO_LEVEL.items()}
TITLE_LEVELS = ("初级", "中级", "副高级", "正高级")
EDUCATION_LEVELS = ("中专", "高中", "大专", "本科", "硕士研究生", "博士研究生")
# 中专 = 高中 in the rules' order.
EDUCATION_RANK = {"中专": 0, "高中": 0, "大专": 1, "本科": 2, "硕士研究生": 3, "博士研究生": 4}
AWARD_LEVELS = ("国家级", "省级", "地市级", "县级", "其他")
AWARD_RANKS = ("金奖", "银奖", "铜奖", "一等奖", "二等奖", "三等奖", "优秀奖")


# ---------------------------------------------------------------- field keys


class FieldKey(StrEnum):
    """The field keys of the contract, in its order. A StrEnum: `FieldKey.name == "name"`."""

    name = "name"
    gender = "gender"
    ethnicity = "ethnicity"
    id_number = "id_number"
    birth_date = "birth_date"
    skill_level = "skill_level"
    occupation = "occupation"
    cert_no = "cert_no"
    issue_date = "issue_date"
    issuer = "issuer"
    award_name = "award_name"
    award_level = "award_level"
    award_rank = "award_rank"
    award_year = "award_year"
    title = "title"
    title_level = "title_level"
    education = "education"
    school = "school"

    @property
    def zh(self) -> str:
        return _FIELD_LABELS[self][0]

    @property
    def en(self) -> str:
        return _FIELD_LABELS[self][1]

    @property
    def ladder(self) -> tuple[str, ...] | None:
        """The ordered vocabulary of a level field, lowest first; None for free text."""
        return _LADDERS.get(self)


_FIELD_LABELS: dict[FieldKey, tuple[str, str]] = {
    FieldKey.name: ("姓名", "name"),
    FieldKey.gender: ("性别", "gender"),
    FieldKey.ethnicity: ("民族", "ethnicity"),
    FieldKey.id_number: ("身份证号", "ID number"),
    FieldKey.birth_date: ("出生日期", "birth date"),
    FieldKey.skill_level: ("职业技能等级", "skill level"),
    FieldKey.occupation: ("职业（工种）", "occupation"),
    FieldKey.cert_no: ("证书编号", "certificate number"),
    FieldKey.issue_date: ("发证日期", "issue date"),
    FieldKey.issuer: ("发证机关", "issuer"),
    FieldKey.award_name: ("奖励名称", "award"),
    FieldKey.award_level: ("奖励等级", "award level"),
    FieldKey.award_rank: ("名次", "award rank"),
    FieldKey.award_year: ("年度", "award year"),
    FieldKey.title: ("专业技术职称", "professional title"),
    FieldKey.title_level: ("职称层级", "title level"),
    FieldKey.education: ("学历", "education"),
    FieldKey.school: ("学校", "school"),
}
_LADDERS: dict[FieldKey, tuple[str, ...]] = {
    FieldKey.skill_level: SKILL_LEVELS,
    FieldKey.title_level: TITLE_LEVELS,
    FieldKey.education: EDUCATION_LEVELS,
    FieldKey.award_level: AWARD_LEVELS,
    FieldKey.award_rank: AWARD_RANKS,
}
FIELD_KEYS: tuple[str, ...] = tuple(FieldKey)

# Fields worth a second OCR opinion: their structure can be validated (check digit,
# certificate-number shape, a real date). The order is the order they are re-read in.
SECOND_OPINION_FIELDS = (
    FieldKey.id_number, FieldKey.cert_no, FieldKey.issue_date, FieldKey.birth_date,
)  # fmt: skip

# Keys of the declared table that no document carries, with the labels reports show.
DECLARED_LABELS: dict[str, str] = {
    "program": "申报项目",
    "work_start": "参加工作时间",
    "team_size": "团队人数",
}


# ---------------------------------------------------------------- declared table headers
# Header aliases of the contract (batch-contract.md), canonical key first; the first alias
# is the label a message names when the column is missing.

APPLICANT_HEADERS: dict[str, tuple[str, ...]] = {
    "applicant_id": ("申报编号", "编号", "applicant_id"),
    "program": ("申报项目", "项目", "program"),
    "name": ("姓名", "name"),
    "gender": ("性别",),
    "ethnicity": ("民族",),
    "id_number": ("身份证号", "身份证号码", "公民身份号码"),
    "birth_date": ("出生日期", "出生年月"),
    "work_unit": ("工作单位", "工作单位及部门"),
    "prefecture": ("所在地州", "地州市", "所在地（州、市）"),
    "occupation": ("从事职业（工种）", "职业（工种）", "工种"),
    "skill_level": ("职业技能等级", "职业资格", "职业资格或职业技能等级"),
    "title": ("专业技术职称", "专业技术职务（职称）", "职称"),
    "title_level": ("职称层级",),
    "education": ("最高学历", "学历（学位）", "文化程度"),
    "work_start": ("参加工作时间",),
    "team_size": ("工作室成员人数", "团队人数"),
}
# Sheet 获奖情况.
AWARD_HEADERS: dict[str, tuple[str, ...]] = {
    "applicant_id": ("申报编号", "编号", "applicant_id"),
    "project": ("获奖项目",),
    "award_name": ("奖励名称",),
    "issuer": ("授予单位",),
    "level": ("等级",),
    "rank": ("名次", "排名"),
    "award_year": ("年度",),
}


# ---------------------------------------------------------------- document types


@dataclass(frozen=True)
class DocSpec:
    """What the verifier knows of one document type.

    `cues` are phrases with weights for `extractors/classify.py` (a cue in the page's
    title line counts three times); `fields` the keys the reader looks for on it.
    """

    type: DocType
    zh: str
    en: str
    fields: tuple[FieldKey, ...]
    cues: tuple[tuple[str, float], ...]


F = FieldKey
DOC_SPECS: dict[DocType, DocSpec] = {
    spec.type: spec
    for spec in (
        DocSpec(
            DocType.skill_certificate, "职业资格/技能等级证书", "skill certificate",
            (F.name, F.gender, F.id_number, F.birth_date, F.occupation, F.skill_level,
             F.cert_no, F.issue_date, F.issuer),
            (
                ("职业技能等级证书", 6), ("职业资格证书", 6), ("技能等级证书", 4),
                ("职业技能等级", 2), ("评价机构", 2), ("职业名称", 1.5), ("鉴定", 1),
                ("工种", 1), ("国家职业资格", 2), ("技师", 0.5), ("高级工", 0.5),
                ("技能人才评价", 1.5), ("职业方向", 1.5), ("CERTIFICATE OF SKILL", 2),
                ("技能鉴定", 1.5), ("理论知识", 3), ("操作技能", 3), ("评定成绩", 2.5),
                ("及等级", 2), ("职业(工种)", 2), ("技能等级认定", 2),
            ),
        ),
        DocSpec(
            DocType.award_certificate, "获奖/荣誉证书", "award certificate",
            (F.name, F.award_name, F.award_rank, F.award_year, F.award_level, F.issuer,
             F.issue_date, F.cert_no),
            (
                ("荣誉证书", 6), ("获奖证书", 6), ("奖状", 5), ("荣获", 2), ("授予", 1.5),
                ("特发此证", 3), ("以资鼓励", 3), ("获奖者", 2.5), ("称号", 2),
                ("一等奖", 1.5), ("二等奖", 1.5), ("三等奖", 1.5), ("金奖", 1.5),
                ("银奖", 1.5), ("铜奖", 1.5), ("优秀奖", 1.5), ("大赛", 1), ("竞赛", 1),
                ("奖章", 1.5), ("技术能手", 1.5), ("劳动模范", 1.5), ("表彰", 1.5),
                ("荣誉", 1), ("赛事名称", 3), ("获奖等次", 3), ("获得奖项", 3), ("赛项", 2),
                ("比赛项目", 2), ("竞赛项目", 2), ("英才", 2), ("标兵", 2), ("能手", 2),
                ("同志", 1), ("被评为", 2.5), ("表现突出", 1.5),
            ),
        ),
        DocSpec(
            DocType.title_certificate, "职称证书", "title certificate",
            (F.name, F.gender, F.id_number, F.birth_date, F.title, F.title_level, F.cert_no,
             F.issue_date, F.issuer),
            (
                ("专业技术资格证书", 6), ("职称证书", 6), ("专业技术职务任职资格", 5),
                ("专业技术资格", 3), ("资格名称", 2.5), ("评审委员会", 2), ("任职资格", 2),
                ("职称", 1.5), ("工程师", 1), ("专业技术", 1), ("评审通过", 2),
                ("资格级别", 2),
            ),
        ),
        DocSpec(
            DocType.education_certificate, "学历证书", "education certificate",
            (F.name, F.gender, F.birth_date, F.school, F.education, F.cert_no, F.issue_date),
            (
                ("毕业证书", 6), ("学位证书", 6), ("准予毕业", 4), ("学业证书", 4), ("修完", 2),
                ("学制", 2), ("校长", 2), ("院长", 1), ("学士学位", 3), ("硕士学位", 3),
                ("博士学位", 3), ("在本校", 2), ("专业", 0.5), ("教学计划", 2), ("毕业", 1),
            ),
        ),
        DocSpec(
            DocType.id_card, "居民身份证", "ID card",
            (F.name, F.gender, F.ethnicity, F.birth_date, F.id_number),
            (
                ("居民身份证", 6), ("公民身份号码", 3), ("签发机关", 3), ("有效期限", 3),
                ("住址", 3), ("民族", 1.5), ("出生", 1), ("中华人民共和国", 1), ("身份证", 2),
            ),
        ),
        # Forms, letters and tables: cues that push a page away from the certificates
        # whose labels it repeats.
        DocSpec(
            DocType.other, "其他材料", "other",
            # Only whose page it is: letters from one template for two people are two pages.
            (F.name, F.id_number),
            (
                ("申报表", 6), ("汇总表", 6), ("推荐表", 6), ("登记表", 6), ("劳动合同", 6),
                ("合同", 3), ("甲方", 3), ("乙方", 3), ("推荐信", 6), ("推荐意见", 3),
                ("承诺书", 6), ("证明", 3), ("兹证明", 4), ("情况说明", 5), ("花名册", 5),
                ("信息表", 5), ("审核意见", 3), ("工作简历", 3), ("主要业绩", 3), ("签字", 1),
                ("盖章", 1), ("培养徒弟", 3), ("序号", 2), ("申报人", 2), ("附件", 2),
                ("聘用", 2), ("单位意见", 3), ("兹推荐", 4), ("特此推荐", 4), ("特此证明", 4),
                ("尊敬的", 3), ("同意推荐", 3), ("情况表", 5), ("一览表", 5), ("统计表", 5),
                ("名单", 3), ("带徒", 3), ("拜师", 3), ("徒弟", 3), ("复印件无效", 0),
            ),
        ),
    )
}  # fmt: skip
del F
assert list(DOC_SPECS) == list(DocType), "one DocSpec per DocType, in the enum's order"


def field_label(key: str) -> str | None:
    """The Chinese label of a field key or a declared-only key; None for other keys."""
    if key in _FIELD_LABELS:
        return FieldKey(key).zh
    return DECLARED_LABELS.get(key)


def doc_label(doc_type: DocType | str, lang: str = "zh") -> str:
    spec = DOC_SPECS[DocType(doc_type)]
    return spec.zh if lang == "zh" else spec.en


# ---------------------------------------------------------------- programs


@dataclass(frozen=True)
class Program:
    """One talent program as its notice defines it (rules.md).

    `aliases` are words that identify the program in a loosely written 申报项目 cell
    (exactly one program must match); `rule_ids` the rules of rules.md, whose checks live
    in `matchers/rules.py` (which asserts the two agree).
    """

    name: str
    code: str  # the prefix of its rule ids
    aliases: tuple[str, ...]
    notice: str  # the notice the rules quote
    rule_ids: tuple[str, ...]
    deadline: datetime | None = None  # last moment for the applicant's material
    deadline_label: str | None = None


PROGRAMS: tuple[Program, ...] = (
    Program(
        "新疆工匠", "XJGJ", ("新疆工匠", "工匠"),
        "新疆战略人才培养计划“新疆工匠”项目申报指南（2025年度）",
        ("XJGJ-LEVEL", "XJGJ-DEADLINE", "XJGJ-EXCLUSIVE"),
        datetime(2025, 10, 8, 20, 0), "2025-10-08 20:00",
    ),
    Program(
        "准东人才工作室", "ZD", ("准东",),
        "关于开展2026年准东开发区人才工作室和人才项目申报工作的通知",
        ("ZD-LEAD", "ZD-TEAM", "ZD-DEADLINE", "ZD-PAGES"),
        datetime(2026, 6, 15), "2026-06-15",
    ),
    Program(
        "少数民族科技骨干特殊培养", "MB", ("少数民族科技骨干", "特殊培养", "特培"),
        "新人社函〔2025〕38号 2025年度新疆少数民族科技骨干特殊培养人选申报通知",
        ("MB-AGE", "MB-QUAL", "MB-DEADLINE"),
        datetime(2025, 3, 5), "2025-03-05",
    ),
    Program(
        "乌鲁木齐市技能大师工作室", "UMQ", ("乌鲁木齐", "技能大师工作室"),
        "乌人社规〔2023〕1号 乌鲁木齐市技能大师工作室建设管理办法",
        ("UMQ-LEVEL", "UMQ-RETIRE", "UMQ-TEAM", "UMQ-ONE-STUDIO"),
    ),
)  # fmt: skip
PROGRAM_NAMES: tuple[str, ...] = tuple(p.name for p in PROGRAMS)
_BY_CODE = {p.code: p for p in PROGRAMS}
_BY_NAME = {p.name: p for p in PROGRAMS}


def get_program(key: str) -> Program:
    """A program by its code (XJGJ) or its contract name (新疆工匠)."""
    return _BY_CODE.get(key) or _BY_NAME[key]
