"""Field extraction over positioned lines (no OCR): labels, table cells, values below, prose."""

from __future__ import annotations

from extractors.classify import classify_page
from extractors.fields import extract_fields, find_labels
from models import DocType, OcrMode, PageText, TextLine


def page(*lines: tuple[str, tuple[float, float, float, float]], h: float = 2000) -> PageText:
    return PageText(
        file="f.jpg", page=1, mode=OcrMode.ocr, width=1500, height=h,
        lines=[TextLine(text=t, bbox=b, confidence=0.98) for t, b in lines],
    )  # fmt: skip


def row(y: float, *cells: tuple[str, float, float]) -> list[tuple[str, tuple]]:
    return [(t, (x0, y, x1, y + 40)) for t, x0, x1 in cells]


def test_labels_padded_generic_and_prose():
    assert [k for _s, _e, k in find_labels("姓  名：张三")] == ["name"]
    assert [k for _s, _e, k in find_labels("性别 男 民族 维吾尔")] == ["gender", "ethnicity"]
    assert find_labels("编号规则说明") == []  # a generic label needs a colon or a cell end
    assert [k for *_x, k in find_labels("证书编号：S0000")] == ["cert_no"]


def test_skill_certificate_same_cell_right_cell_and_below():
    p = page(
        ("职业技能等级证书", (400, 100, 1100, 200)),
        *row(400, ("姓  名：阿依古丽·吐尔逊", 200, 800)),
        *row(480, ("证件号码", 200, 400), ("65310119850312002X", 450, 900)),
        *row(560, ("职业名称：焊工", 200, 600), ("工种/职业方向：--", 700, 1100)),
        ("职业技能等级", (200, 640, 450, 680)),
        ("二级/技师", (210, 700, 400, 740)),
        *row(800, ("证书编号：Y000065000001212000123", 200, 1000)),
        *row(880, ("评价机构：新疆维吾尔自治区职业技能鉴定中心", 200, 1100)),
        *row(960, ("发证日期：二〇二一年六月三十日", 200, 900)),
    )
    assert classify_page(p).doc_type is DocType.skill_certificate
    f = extract_fields(p, DocType.skill_certificate)
    got = {k: v.value for k, v in f.items()}
    assert got["name"] == "阿依古丽·吐尔逊"
    assert got["id_number"] == "65310119850312002X"
    assert got["occupation"] == "焊工"
    assert got["skill_level"] == "技师"
    assert got["cert_no"] == "Y000065000001212000123"
    assert got["issuer"] == "新疆维吾尔自治区职业技能鉴定中心"
    assert got["issue_date"] == "2021-06-30"
    # evidence boxes point at the value, not the label
    assert f["name"].evidence.bbox[0] > 300
    assert f["id_number"].evidence.bbox[0] == 450
    assert f["skill_level"].evidence.bbox[1] == 700
    assert "found: below" in f["skill_level"].notes


def test_honour_certificate_prose():
    p = page(
        ("荣誉证书", (500, 100, 1000, 250)),
        ("授予 买买提·艾力 同志", (200, 500, 900, 560)),
        ("“全国技术能手”称号", (300, 600, 900, 660)),
        ("特发此证", (300, 700, 600, 760)),
        ("中华人民共和国人力资源和社会保障部", (700, 900, 1400, 960)),
        ("2019年12月", (900, 1000, 1200, 1060)),
    )
    assert classify_page(p).doc_type is DocType.award_certificate
    got = {k: v.value for k, v in extract_fields(p, DocType.award_certificate).items()}
    assert got["name"] == "买买提·艾力"
    assert got["award_name"] == "全国技术能手"
    assert got["award_level"] == "国家级"
    assert got["award_year"] == "2019"
    assert "award_rank" not in got


def test_competition_certificate_prose():
    p = page(
        ("获奖证书", (500, 100, 1000, 250)),
        ("阿依古丽·吐尔逊同志：", (200, 500, 900, 560)),
        ("在新疆维吾尔自治区第二届职业技能大赛焊工项目中荣获", (200, 600, 1300, 660)),
        ("一等奖", (600, 700, 800, 760)),
        ("新疆维吾尔自治区人力资源和社会保障厅", (700, 900, 1400, 960)),
        ("二〇二三年九月", (900, 1000, 1200, 1060)),
    )
    got = {k: v.value for k, v in extract_fields(p, DocType.award_certificate).items()}
    assert got["name"] == "阿依古丽·吐尔逊"
    assert got["award_rank"] == "一等奖"
    assert "职业技能大赛" in got["award_name"]
    assert got["award_level"] == "省级"
    assert got["award_year"] == "2023"
    assert got["issue_date"] == "2023-09"


def test_diploma_prose():
    p = page(
        ("毕业证书", (500, 100, 1000, 250)),
        ("学生王小明，性别男，一九九八年三月十二日生，于二〇一六年九月至", (100, 500, 1400, 560)),
        ("二〇二〇年六月在本校机械工程专业四年制本科学习，修完教学计划规定的", (100, 580, 1400, 640)),
        ("全部课程，成绩合格，准予毕业。", (100, 660, 800, 720)),
        ("校名：新疆大学", (100, 900, 500, 960)),
        ("证书编号：107551202005001234", (100, 1000, 800, 1060)),
        ("二〇二〇年六月三十日", (900, 1000, 1300, 1060)),
    )
    assert classify_page(p).doc_type is DocType.education_certificate
    got = {k: v.value for k, v in extract_fields(p, DocType.education_certificate).items()}
    assert got["name"] == "王小明"
    assert got["gender"] == "男"
    assert got["birth_date"] == "1998-03-12"
    assert got["education"] == "本科"
    assert got["school"] == "新疆大学"
    assert got["cert_no"] == "107551202005001234"
    assert got["issue_date"] == "2020-06-30"


def test_form_page_is_other():
    p = page(
        ("乌鲁木齐市技能大师工作室申报表", (300, 100, 1200, 200)),
        *row(400, ("姓名", 100, 300), ("", 300, 500), ("职业技能等级", 600, 900)),
        *row(480, ("工作单位", 100, 300), ("单位意见", 600, 900)),
        ("申报人签字：", (100, 1500, 500, 1560)),
    )
    assert classify_page(p).doc_type is DocType.other
