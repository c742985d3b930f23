"""Declared data import: awkward workbooks and CSVs, normalised values, reported problems."""

from __future__ import annotations

import csv
import re
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extractors.declared import load_declared, load_declared_table
from extractors.declared_cells import normalize_header, parse_date_cell
from extractors.validators import id_check_char
from models.catalogue import APPLICANT_HEADERS
from models.declared import Applicant, DeclaredBatch
from models.exceptions import DeclaredDataError


def make_id(prefix6: str, birth: str, seq: int = 11) -> str:
    first17 = f"{prefix6}{birth}{seq:03d}"
    return first17 + id_check_char(first17)


ID_1 = make_id("653101", "19850312", 2)  # 喀什, woman
ID_2 = make_id("650102", "19800101", 11)  # 乌鲁木齐, man
ID_3 = make_id("652801", "19900101", 13)


def write_xlsx(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def store_int_cell(path: Path, written: float, digits: str) -> None:
    """Rewrite a number openpyxl saved as a float into the exact integer other writers store."""
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    for name, data in parts.items():
        if name.startswith("xl/worksheets/"):
            parts[name] = data.replace(f"<v>{written!r}</v>".encode(), f"<v>{digits}</v>".encode())
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)


def by_id(batch: DeclaredBatch) -> dict[str, Applicant]:
    return {a.applicant_id: a for a in batch.applicants}


# ---------------------------------------------------------------- a messy workbook

TITLE = ["2025年新疆工匠申报汇总表"]
HEADER = [
    "序号",  # unknown: kept in raw only
    "*申报编号",
    "申报 项目",
    "姓　名",  # ideographic space
    "性别",
    "民族",
    "公民身份号码",
    "出生年月（例：1985.03）",  # a note after the label
    "工作单位及部门",
    "所在地（州、市）：",
    "职业资格或职业技能等级",
    "专业技术职务（职称）",
    "学历（学位）",
    "参加工作时间",
    "团队人数",
    "备注",
]


def messy_rows() -> list[list[Any]]:
    return [
        TITLE,
        [],
        HEADER,
        [
            1, "XJ-0001", "新疆工匠", "阿依古丽 • 买买提", "女", "维吾尔",
            "６５３１０１１９８５０３１２００２３", "1985.03", "喀什某\n机械有限公司", "喀什地区",
            "国家职业资格二级", "高级工程师", "大学本科", datetime(2005, 7, 1), "８人",
            "<script>alert(1)</script>",
        ],
        [
            2, "XJ-0002", "新疆工匠", "张三", "男", "汉族", 6.50102198001010e17,
            datetime(1980, 1, 1), '=HYPERLINK("http://example.com","点我")', "乌鲁木齐市",
            "二级/技师", "", "大专", "2001年9月", 3, "",
        ],
        [],  # an empty row in the middle
        [
            3, "XJ-0001", "准东人才工作室", "李  四", "男", "汉", int(ID_3), 19900101,
            "准东某公司", "昌吉州", "一级/高级技师", "工程师", "硕士", 31118, "十个", "",
        ],
        [4, None, "新疆工匠", "王五", "男"],  # no 申报编号
        [
            5, "XJ-0004", "天山英才", "赵六", "男", "回族", ID_2, "1985年13月", "", "",
            "二级/高级技师", "", "", "", "", "",
        ],
    ]  # fmt: skip


AWARDS = [
    ["申报编号", "获奖项目", "奖励名称", "授予单位", "等级", "排名", "年度"],
    [
        "XJ-0001",
        "焊工技能大赛",
        "一等奖",
        "新疆维吾尔自治区人力资源和社会保障厅",
        "一等奖",
        "",
        2021,
    ],
    ["XJ-0001", "", "全国技术能手", "人力资源和社会保障部", "国家级", "", "2019年度"],
    ["XJ-0002", "市级竞赛", "三等奖", "乌鲁木齐市总工会", "市级", "第3名", "二〇二〇年"],
    ["XJ-9999", "不存在的申报人", "优秀奖", "", "", "", 2022],
]


@pytest.fixture
def messy(tmp_path: Path) -> DeclaredBatch:
    path = write_xlsx(
        tmp_path / "declared.xlsx",
        {"申 報 人": messy_rows(), "獲獎情況": AWARDS, "说明": [["填表说明"]]},
    )
    # openpyxl itself writes big ints as floats; other writers store the digits.
    store_int_cell(path, float(int(ID_3)), ID_3)
    return load_declared(tmp_path)


def test_header_below_title_row_and_aliases(messy: DeclaredBatch) -> None:
    assert messy.source == "declared.xlsx"
    assert [a.applicant_id for a in messy.applicants] == [
        "XJ-0001",
        "XJ-0002",
        "XJ-0001#2",
        "XJ-0004",
    ]
    assert [a.row for a in messy.applicants] == [4, 5, 7, 9]


def test_values_are_normalised(messy: DeclaredBatch) -> None:
    a = by_id(messy)["XJ-0001"]
    assert a.program == "新疆工匠"
    assert a.name == "阿依古丽·买买提"
    assert a.gender == "女" and a.ethnicity == "维吾尔族"
    assert a.id_number == ID_1  # full-width digits
    assert a.birth_date == "1985-03"
    assert a.work_unit == "喀什某机械有限公司"  # in-cell line break between CJK joined
    assert a.prefecture == "喀什地区"
    assert a.skill_level == "技师"  # 国家职业资格二级
    assert a.title == "高级工程师" and a.title_level == "副高级"  # derived from the title
    assert a.education == "本科"
    assert a.work_start == "2005-07-01"
    assert a.team_size == 8
    assert a.problems == []


def test_unknown_columns_and_html_are_kept_as_text(messy: DeclaredBatch) -> None:
    a = by_id(messy)["XJ-0001"]
    assert a.raw["序号"] == "1"
    assert a.raw["备注"] == "<script>alert(1)</script>"
    assert a.raw["姓 名"] == "阿依古丽 • 买买提"  # raw keeps the form's text, spaces collapsed


def test_numeric_id_that_lost_precision(messy: DeclaredBatch) -> None:
    a = by_id(messy)["XJ-0002"]
    assert a.id_number is None
    assert any(
        p.startswith("第5行“公民身份号码”列") and "以数字形式存储" in p and "精度" in p
        for p in a.problems
    ), a.problems
    assert a.birth_date == "1980-01-01"  # a real Excel date
    assert a.skill_level == "技师"
    assert a.work_start == "2001-09"
    assert a.team_size == 3


def test_formula_is_text_never_evaluated(messy: DeclaredBatch) -> None:
    a = by_id(messy)["XJ-0002"]
    assert a.work_unit == '=HYPERLINK("http://example.com","点我")'
    assert any("“工作单位及部门”列" in p and "公式" in p for p in a.problems), a.problems


def test_int_id_compact_date_and_excel_serial(messy: DeclaredBatch) -> None:
    a = by_id(messy)["XJ-0001#2"]
    assert a.id_number == ID_3  # an int cell keeps every digit
    assert a.birth_date == "1990-01-01"  # 19900101
    assert a.work_start == "1985-03-12"  # Excel serial 31118
    assert a.name == "李四"
    assert a.ethnicity == "汉族"
    assert a.skill_level == "高级技师" and a.title_level == "中级" and a.education == "硕士研究生"
    assert a.team_size is None
    assert any("“团队人数”列" in p and "不是数字" in p for p in a.problems)


def test_duplicated_id_keeps_both(messy: DeclaredBatch) -> None:
    dup = by_id(messy)["XJ-0001#2"]
    assert dup.program == "准东人才工作室"
    assert any("第7行" in p and "与第4行重复" in p and "XJ-0001#2" in p for p in dup.problems)
    assert by_id(messy)["XJ-0001"].problems == []


def test_bad_row_problems_name_row_and_column(messy: DeclaredBatch) -> None:
    a = by_id(messy)["XJ-0004"]
    assert a.birth_date is None
    probs = "\n".join(a.problems)
    assert "第9行“出生年月（例：1985.03）”列：“1985年13月”无法识别为日期" in probs
    assert "申报项目“天山英才”不是本系统支持的项目" in probs
    assert "等级（技师）与名称（高级技师）不一致" in probs
    assert a.skill_level == "高级技师"
    assert a.program == "天山英才"


def test_batch_problems(messy: DeclaredBatch) -> None:
    probs = messy.problems
    assert "申报人表第6行为空行，已跳过" in probs
    assert any(p.startswith("申报人表第8行没有申报编号") and "王五" in p for p in probs), probs
    assert any("获奖情况表第5行的申报编号“XJ-9999”在申报人表中不存在" in p for p in probs), probs


def test_awards_attach_by_id(messy: DeclaredBatch) -> None:
    a = by_id(messy)["XJ-0001"]
    assert [(w.award_name, w.award_level, w.award_rank, w.award_year) for w in a.awards] == [
        ("一等奖", "省级", "一等奖", "2021"),  # 等级 holds a rank: level from the issuer
        ("全国技术能手", "国家级", None, "2019"),
    ]
    assert a.awards[0].project == "焊工技能大赛" and a.awards[0].row == 2
    b = by_id(messy)["XJ-0002"]
    assert [(w.award_level, w.award_rank, w.award_year) for w in b.awards] == [
        ("地市级", "三等奖", "2020")
    ]
    assert by_id(messy)["XJ-0001#2"].awards == []


# ---------------------------------------------------------------- sheets and files


def test_single_sheet_of_any_name_is_the_applicant_sheet(tmp_path: Path) -> None:
    write_xlsx(
        tmp_path / "declared.xlsx",
        {"Sheet1": [["申报编号", "姓名", "身份证号"], ["A1", "张三", ID_2]]},
    )
    batch = load_declared(tmp_path)
    assert [a.applicant_id for a in batch.applicants] == ["A1"]
    assert batch.applicants[0].id_number == ID_2


def test_unnamed_applicant_sheet_is_reported(tmp_path: Path) -> None:
    write_xlsx(
        tmp_path / "declared.xlsx",
        {
            "汇总": [["申报编号", "姓名", "申报项目"], ["A1", "张三", "新疆工匠"]],
            "获奖情况": [["申报编号", "奖励名称"], ["A1", "全国技术能手"]],
        },
    )
    batch = load_declared(tmp_path)
    assert batch.applicants[0].awards[0].award_name == "全国技术能手"
    assert any("已将“汇总”作为申报人表读取" in p for p in batch.problems)


def test_missing_id_column_and_missing_header(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "a.xlsx", {"申报人": [["姓名", "身份证号"], ["张三", ID_2]]})
    batch = load_declared_table(path)
    assert batch.applicants == []
    assert any("缺少“申报编号”列" in p and "1行数据均未能导入" in p for p in batch.problems)

    path = write_xlsx(tmp_path / "b.xlsx", {"申报人": [["随便什么"], ["x"]]})
    batch = load_declared_table(path)
    assert batch.applicants == [] and any("未找到表头" in p for p in batch.problems)

    path = write_xlsx(tmp_path / "c.xlsx", {"申报人": []})
    assert load_declared_table(path).problems == ["申报人表为空，没有申报人"]


def test_year_dot_month_numbers(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "申报人"
    ws.append(["申报编号", "姓名", "出生年月"])
    ws.append(["A1", "甲", 1985.03])
    ws.append(["A2", "乙", 1985.1])  # typed 1985.1 or 1985.10? Excel cannot tell
    ws.append(["A3", "丙", 1985.1])
    ws["C4"].number_format = "0.00"  # shown as 1985.10: October
    ws.append(["A4", "丁", date(1985, 3, 1)])
    ws["C5"].number_format = 'yyyy"年"m"月"'  # a month-only date format
    wb.save(tmp_path / "declared.xlsx")
    got = by_id(load_declared(tmp_path))
    assert got["A1"].birth_date == "1985-03"
    assert got["A2"].birth_date == "1985"
    assert any("无法区分1985年1月和10月" in p for p in got["A2"].problems)
    assert got["A3"].birth_date == "1985-10" and got["A3"].problems == []
    assert got["A4"].birth_date == "1985-03"


def test_title_level_column_wins_and_disagreement_is_reported(tmp_path: Path) -> None:
    write_xlsx(
        tmp_path / "declared.xlsx",
        {
            "申报人": [
                ["申报编号", "姓名", "专业技术职称", "职称层级"],
                ["A1", "甲", "工程师", "中级"],
                ["A2", "乙", "工程师", "副高级"],
                ["A3", "丙", "", "初 级"],
            ]
        },
    )
    got = by_id(load_declared(tmp_path))
    assert (got["A1"].title_level, got["A1"].problems) == ("中级", [])
    assert got["A2"].title_level == "副高级"
    assert any("与职称“工程师”（中级）不一致" in p for p in got["A2"].problems)
    assert got["A3"].title_level == "初级" and got["A3"].title is None


def test_placeholders_are_empty_not_problems(tmp_path: Path) -> None:
    write_xlsx(
        tmp_path / "declared.xlsx",
        {
            "申报人": [
                ["申报编号", "姓名", "职业技能等级", "专业技术职称", "最高学历", "工作室成员人数"],
                ["A1", "甲", "无", "/", "初中", "—"],
            ]
        },
    )
    a = load_declared(tmp_path).applicants[0]
    assert (a.skill_level, a.title, a.education, a.team_size) == (None, None, None, None)
    assert a.problems == []


# ---------------------------------------------------------------- CSV

CSV_APPLICANTS = (
    "申报编号,申报项目,姓名,性别,身份证号,出生日期,职业技能等级,工作室成员人数\r\n"
    "UMQ-1,乌鲁木齐市技能大师工作室,古丽娜尔．艾力,女,6.50102E+17,1985/3/12,高级技师,３人\r\n"
    f"UMQ-2,乌鲁木齐市技能大师工作室,王 小 明,男,'{ID_2},31118,一级,1\r\n"
    ",乌鲁木齐市技能大师工作室,无编号,男,,,,\r\n"
)
CSV_AWARDS = (
    "申报编号,奖励名称,授予单位,等级,名次,年度\r\n"
    "UMQ-1,全国技术能手,人力资源和社会保障部,国家级,,2019年度\r\n"
    "UMQ-3,某奖,,,,2020\r\n"
)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_csv_encodings(tmp_path: Path, encoding: str) -> None:
    (tmp_path / "declared.csv").write_bytes(CSV_APPLICANTS.encode(encoding))
    (tmp_path / "awards.csv").write_bytes(CSV_AWARDS.encode(encoding))
    batch = load_declared(tmp_path)
    assert batch.source == "declared.csv+awards.csv"
    got = by_id(batch)
    a = got["UMQ-1"]
    assert a.name == "古丽娜尔·艾力" and a.gender == "女"
    assert a.id_number is None
    assert any("科学计数法" in p for p in a.problems)
    assert a.birth_date == "1985-03-12" and a.team_size == 3 and a.skill_level == "高级技师"
    assert [(w.award_name, w.award_level, w.award_year) for w in a.awards] == [
        ("全国技术能手", "国家级", "2019")
    ]
    b = got["UMQ-2"]
    assert b.name == "王小明" and b.id_number == ID_2  # leading apostrophe dropped
    assert b.birth_date == "1985-03-12"  # serial number exported as text
    assert b.skill_level == "高级技师" and b.team_size == 1
    assert any(p.startswith("declared.csv第4行没有申报编号") for p in batch.problems)
    assert any("awards.csv第3行的申报编号“UMQ-3”" in p for p in batch.problems)


def test_tab_separated_csv_without_awards(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text("编号\t姓名\t性别\nB1\t张三\t男\n", encoding="utf-8")
    batch = load_declared_table(path)
    assert [(a.applicant_id, a.name, a.gender) for a in batch.applicants] == [("B1", "张三", "男")]


def test_xlsx_wins_over_csv(tmp_path: Path) -> None:
    write_xlsx(tmp_path / "declared.xlsx", {"申报人": [["申报编号", "姓名"], ["X1", "甲"]]})
    (tmp_path / "declared.csv").write_text("申报编号,姓名\nC1,乙\n", encoding="utf-8")
    batch = load_declared(tmp_path)
    assert [a.applicant_id for a in batch.applicants] == ["X1"]
    assert any("已使用 declared.xlsx" in p for p in batch.problems)


# ---------------------------------------------------------------- files that cannot be read


def test_no_declared_file(tmp_path: Path) -> None:
    with pytest.raises(DeclaredDataError) as e:
        load_declared(tmp_path)
    assert "没有申报数据表" in e.value.reason_zh


def test_corrupt_workbook(tmp_path: Path) -> None:
    (tmp_path / "declared.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(DeclaredDataError) as e:
        load_declared(tmp_path)
    assert "无法打开" in e.value.reason_zh and e.value.exit_code == 5


def test_old_xls_and_unsupported_table(tmp_path: Path) -> None:
    (tmp_path / "declared.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(DeclaredDataError) as e:
        load_declared(tmp_path)
    assert ".xls" in e.value.reason_zh
    with pytest.raises(DeclaredDataError):
        load_declared_table(tmp_path / "declared.xls")
    with pytest.raises(DeclaredDataError):
        load_declared_table(tmp_path / "missing.xlsx")


# ---------------------------------------------------------------- properties

decorations = st.tuples(
    st.sampled_from(["", " ", "*", "　"]),
    st.sampled_from(["", " ", "*", "：", ":", " *"]),
)


@given(st.sampled_from([(k, a) for k, v in APPLICANT_HEADERS.items() for a in v]), decorations)
def test_every_alias_survives_decoration(pair: tuple[str, str], deco: tuple[str, str]) -> None:
    key, alias = pair
    decorated = deco[0] + alias.replace("（", "(").replace("）", ")") + deco[1]
    assert normalize_header(decorated) == normalize_header(alias)
    assert normalize_header(normalize_header(decorated)) == normalize_header(alias)


@given(st.dates(min_value=date(1930, 1, 1), max_value=date(2030, 12, 31)))
def test_every_date_shape_gives_the_same_day(d: date) -> None:
    serial = (d - date(1899, 12, 30)).days
    shapes: list[Any] = [
        d,
        datetime(d.year, d.month, d.day),
        d.isoformat(),
        f"{d.year}/{d.month}/{d.day}",
        f"{d.year}年{d.month}月{d.day}日",
        int(d.strftime("%Y%m%d")),
        serial,
        float(serial),
        str(serial),
    ]
    for shape in shapes:
        assert parse_date_cell(shape) == (d.isoformat(), None), shape
    assert parse_date_cell(f"{d.year}.{d.month:02d}") == (f"{d.year}-{d.month:02d}", None)


names = st.sampled_from(["张三", "阿依古丽·买买提", "李小明", "古丽娜尔·艾力"])
levels = st.sampled_from(["初级工", "中级工", "高级工", "技师", "高级技师"])


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.tuples(names, levels, st.integers(0, 30)), min_size=1, max_size=6))
def test_workbook_round_trip(tmp_path: Path, rows: list[tuple[str, str, int]]) -> None:
    data: list[list[Any]] = [
        ["申报编号", "申报项目", "姓名", "身份证号", "职业技能等级", "团队人数"]
    ]
    data += [
        [f"R{i}", "新疆工匠", n, make_id("650102", "19800101", i), lv, size]
        for i, (n, lv, size) in enumerate(rows)
    ]
    path = write_xlsx(tmp_path / "round.xlsx", {"申报人": data})
    batch = load_declared_table(path)
    assert batch.problems == []
    assert all(a.problems == [] for a in batch.applicants)
    assert [(a.applicant_id, a.name, a.skill_level, a.team_size) for a in batch.applicants] == [
        (f"R{i}", n, lv, size) for i, (n, lv, size) in enumerate(rows)
    ]


cell_values = st.one_of(
    st.none(),
    st.text(max_size=12),
    st.integers(-(10**19), 10**19),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(),
    st.datetimes(),
    st.booleans(),
)


@given(cell_values, st.sampled_from(["General", "0.00", "yyyy-mm-dd", 'yyyy"年"m"月"', "@"]))
def test_parse_date_cell_never_raises(value: Any, fmt: str) -> None:
    iso, problem = parse_date_cell(value, fmt)
    assert iso is None or re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", iso)
    assert iso is not None or problem is not None or value in (None, "")


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.lists(st.text(max_size=10), min_size=8, max_size=8), max_size=6))
def test_any_csv_content_is_reported_not_raised(tmp_path: Path, rows: list[list[str]]) -> None:
    path = tmp_path / "fuzz.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(
            [
                "申报编号",
                "姓名",
                "身份证号",
                "出生日期",
                "职业技能等级",
                "团队人数",
                "职称层级",
                "性别",
            ]
        )
        w.writerows([[f"F{i}", *r[1:]] for i, r in enumerate(rows)])
    batch = load_declared_table(path)
    # every row has an id, so every row becomes an applicant, in order
    assert [a.applicant_id for a in batch.applicants] == [f"F{i}" for i in range(len(rows))]


def test_declared_table_named_in_capitals_is_found_by_verify_too(tmp_path: Path) -> None:
    # Windows writes "Declared.xlsx": the loader matched it without case, but verify's own
    # check asked for "declared.xlsx" exactly and refused the batch (and cross_checks looked
    # it up again, exactly, for the history's intake name).
    from extractors.declared import find_declared
    from pipelines.flows import check_dirs

    write_xlsx(tmp_path / "Declared.xlsx", {"申报人": [["申报编号", "姓名"], ["X1", "甲"]]})
    (tmp_path / "packets").mkdir()
    assert find_declared(tmp_path) == (tmp_path / "Declared.xlsx", None)
    check_dirs(tmp_path, tmp_path.parent / "out")  # no UsageError
    old = tmp_path.parent / "old"
    old.mkdir()
    (old / "declared.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(DeclaredDataError) as e:
        check_dirs(old, tmp_path.parent / "out")
    assert ".xls" in e.value.reason_zh  # the reason, not just "no table"
