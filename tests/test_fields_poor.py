"""Reading poor scans (issue 13): boxes as RapidOCR gave them on the blind set's poor pages
(seed and page named per test), misreads and losses included."""

from __future__ import annotations

from extractors.classify import split_documents
from extractors.fields import extract_fields
from models import DocType, OcrMode, PageText, TextLine


def ocr_page(lines: list[tuple[list[int], str]], w: float = 1754, h: float = 1240) -> PageText:
    return PageText(
        file="f.jpg", page=1, mode=OcrMode.ocr, width=w, height=h,
        lines=[TextLine(text=t, bbox=tuple(b), confidence=0.95) for b, t in lines],
    )  # fmt: skip


def values(p: PageText, doc_type: DocType) -> dict:
    return {k: v.value for k, v in extract_fields(p, doc_type).items()}


# 8110 p0060: a title certificate whose sentence names the committee and the title over three
# lines (具备 read 其备, 资 | 格 split), the issuing body under 发证单位 misread under its seal.
TITLE_0060 = [
    ([890, 174, 1011, 213], "职称证书"),
    ([785, 222, 1146, 267], "经新疆维善尔自治区护理系列高级专业技术职务评审"),
    ([758, 248, 1143, 296], "委员会评审通过·其备护理系列副主任护师专业技术资"),
    ([759, 302, 790, 321], "格"),
    ([887, 327, 942, 354], "护理学"),
    ([762, 336, 834, 362], "专业："),
    ([761, 353, 999, 390], "评审（认定）时间：2122年11月19日"),
    ([355, 374, 430, 403], "名：董志"),
    ([893, 378, 1047, 412], "新人社职[2022}10号"),
    ([317, 387, 331, 401], "姓"),
    ([762, 392, 836, 421], "批准文号："),
    ([893, 408, 1051, 442], "6500002023295121"),
    ([357, 413, 415, 439], "别：男"),
    ([763, 422, 839, 450], "证书编号："),
    ([318, 423, 337, 438], "性"),
    ([318, 445, 468, 478], "出生年月：1985年3月"),
    ([318, 474, 579, 515], "身份证号：659002198503312953"),
    ([319, 511, 572, 550], "工作单位：中国石油新疆油田分公司"),
    ([780, 688, 852, 713], "发证单位："),
    ([871, 690, 1145, 735], "新维尔目治区人备源和会保际"),
    ([960, 724, 1067, 753], "2年01月03日"),
]


def test_a_title_after_a_misread_ju_bei_over_a_line_break():
    got = values(ocr_page(TITLE_0060), DocType.title_certificate)
    assert got["title"] == "副主任护师"
    assert got["title_level"] == "副高级"


def test_the_prose_committee_is_not_the_issuer_when_a_labelled_body_signed():
    # The 经 opening the sentence is no glyph of any name; and the committee only evaluated:
    # the body beside 发证单位 signed. Misread past its ending, the issuer stays unread.
    got = values(ocr_page(TITLE_0060), DocType.title_certificate)
    assert "issuer" not in got
    lines = [ln for ln in TITLE_0060 if ln[1] != "新维尔目治区人备源和会保际"]
    lines.append(([871, 690, 1145, 735], "新疆维吾尔自治区人力资源和社会保障"))
    got = values(ocr_page(lines), DocType.title_certificate)
    assert got["issuer"] == "新疆维吾尔自治区人力资源和社会保障厅"


def test_the_prose_committee_stays_the_issuer_when_nothing_else_signed():
    lines = [ln for ln in TITLE_0060 if ln[1] not in ("发证单位：", "新维尔目治区人备源和会保际")]
    got = values(ocr_page(lines), DocType.title_certificate)
    assert got["issuer"] == "新疆维吾尔自治区护理系列高级专业技术职务评审委员会"  # no 经


def test_a_students_name_before_a_comma_read_as_a_colon():
    # 8111 p0062: an adult-education diploma, most of its print lost.
    p = ocr_page(
        [
            ([410, 421, 850, 494], "成人高等教育毕业证书"),
            ([426, 503, 994, 571], "学生塔依尔·依沙克：性别男1974年1月2日生，于1998年8"),
            ([386, 543, 1009, 616], "月至2000年1月在本校护理专业（脱产：专科起点本科学习，修完教"),
        ],
        w=1240, h=1754,
    )  # fmt: skip
    assert values(p, DocType.education_certificate)["name"] == "塔依尔·依沙克"


def test_two_honours_split_when_the_talent_plans_closing_quote_is_lost():
    # 8110 p0076: the left certificate's plan in quotes with the closing one lost, its
    # signature and date garbled; it must still stand as a document of its own, so the
    # right one's honour, issuer and date are not read onto it.
    p = ocr_page(
        [
            ([254, 3, 486, 51], "此件与原件一致"),
            ([273, 45, 463, 95], "审核人：李库"),
            ([255, 106, 355, 138], "2023.5.9"),
            ([313, 419, 566, 482], "荣誉证书"),
            ([1205, 421, 1383, 489], "奖状"),
            ([137, 518, 321, 558], "蔡凯鹏同志："),
            ([1029, 541, 1536, 592], "2023年度，授予蔡凯鹏同志“岗位能手“称号。"),
            ([192, 580, 705, 627], "经个人申报、单位推荐、专家评审，入选“"),
            ([1025, 593, 1265, 632], "特发此状，以资鼓励"),
            ([139, 631, 714, 678], "天山英才·高技能人才培养计划（第四批）·特"),
            ([136, 681, 240, 714], "发此证。"),
            ([500, 771, 735, 801], "湖作#家自办区委#会人中工作#学"),
            ([567, 797, 722, 841], "一年十十月二日"),
            ([1391, 810, 1596, 847], "国网新福电力有限公司"),
            ([1400, 844, 1585, 880], "二O二四年九月四日"),
            ([828, 1182, 874, 1218], "2/2"),
        ]
    )
    parts = split_documents(p)
    assert len(parts) == 2
    left = values(parts[0][1], DocType.award_certificate)
    assert left["award_name"] == "天山英才·高技能人才"
    assert "issuer" not in left and "issue_date" not in left


def test_an_issuer_after_a_seal_note_with_its_bracket_doubled_or_its_zhang_lost():
    # 8111 p0072 "(盖章))喀什…", p0078 "(盖)伊翠哈萨克…": the note is no part of the name.
    for text, want in (
        ("(盖章))喀什地区人力资源和社会保障局", "喀什地区人力资源和社会保障局"),
        ("(盖)伊翠哈萨克自治州人力资源和社会保障局", "伊犁哈萨克自治州人力资源和社会保障局"),
    ):
        p = ocr_page(
            [
                ([500, 100, 800, 150], "职称证书"),
                ([300, 300, 600, 340], "姓名：罗磊勇"),
                ([300, 900, 450, 940], "发证单位"),
                ([480, 900, 1000, 940], text),
            ]
        )
        assert values(p, DocType.title_certificate)["issuer"] == want


def test_values_right_of_their_labels_and_half_a_line_higher_on_a_skewed_photo():
    # 8111 p0081: a phone's screen photographed turned a few degrees; each value stands
    # right of its label and about half a line above it, so rows put them apart.
    p = ocr_page(
        [
            ([192, 276, 471, 340], "职业技能等级证书"),
            ([367, 589, 591, 634], "努尔古丽·买买提·麦麦提"),
            ([111, 627, 156, 657], "姓名"),
            ([489, 653, 597, 691], "居民身份证"),
            ([110, 685, 197, 723], "证件类型"),
            ([404, 716, 606, 764], "652926*******2402"),
            ([114, 751, 199, 788], "证件号码"),
            ([501, 786, 609, 825], "电子商务师"),
            ([115, 817, 201, 855], "职业名称"),
            ([120, 882, 249, 920], "工种/职业方向"),
            ([471, 923, 611, 964], "高级工（三级）"),
            ([120, 951, 244, 989], "职业技能等级"),
        ],
        w=720, h=1560,
    )  # fmt: skip
    got = values(p, DocType.skill_certificate)
    assert got["name"] == "努尔古丽·买买提·麦麦提"
    assert got["occupation"] == "电子商务师"
    assert got["skill_level"] == "高级工"
    assert "id_number" not in got  # masked: no number is read


def test_a_value_above_another_labels_row_is_not_taken_for_the_label_under_it():
    # A table: 姓名 | 张伟 level; 性别 alone under it, its value lost. 张伟 belongs to 姓名.
    p = ocr_page(
        [
            ([500, 100, 800, 160], "职业技能等级证书"),
            ([100, 300, 180, 340], "姓名"),
            ([300, 290, 420, 332], "张伟"),
            ([100, 325, 180, 365], "性别"),
        ],
        w=1000, h=1400,
    )  # fmt: skip
    got = values(p, DocType.skill_certificate)
    assert got.get("name") == "张伟" and "gender" not in got


# 8110 p0053: a competition's notice; its title line ends …获奖情况的通报 over the line that
# opens with the competition's name, and the signature lost the 三 of 第三届.
NOTICE_0053 = [
    ([300, 100, 1200, 150], "乌鲁木齐市第三届职业技能大赛组委会文件"),
    ([600, 200, 900, 240], "乌政发(2014)58号"),
    ([250, 300, 1250, 350], "关于乌鲁木齐市第三届职业技能大赛获奖情况的通报"),
    ([150, 420, 1350, 460], "乌鲁木齐市第三届职业技能大赛已圆满结束。经裁判委员会评定"),
    ([150, 480, 400, 520], "各有关单位："),
    ([150, 540, 600, 580], "现将获奖情况通报如下："),
    ([150, 620, 350, 660], "一等奖："),
    ([400, 620, 700, 660], "阿合加孜·哈力木"),
    ([800, 620, 950, 660], "高娜"),
    ([150, 700, 350, 740], "二等奖："),
    ([400, 700, 700, 740], "韩琴琳"),
    ([800, 1000, 1400, 1040], "乌鲁木齐市第届职业技能大赛组委会"),
    ([900, 1060, 1200, 1100], "2014年5月25日"),
]


def test_a_competition_printed_whole_twice_takes_nothing_from_the_line_above():
    got = values(ocr_page(NOTICE_0053, w=1500, h=2000), DocType.award_certificate)
    assert got["award_name"] == "乌鲁木齐市第三届职业技能大赛"


def test_a_lost_ordinal_is_the_one_the_page_prints_elsewhere():
    got = values(ocr_page(NOTICE_0053, w=1500, h=2000), DocType.award_certificate)
    assert got["issuer"] == "乌鲁木齐市第三届职业技能大赛组委会"
    # Two different numerals on the page: which one is lost is not known.
    lines = [*NOTICE_0053, ([250, 1200, 1250, 1250], "乌鲁木齐市第四届职业技能大赛组委会文件")]
    got = values(ocr_page(lines, w=1500, h=2000), DocType.award_certificate)
    assert got["issuer"] == "乌鲁木齐市第届职业技能大赛组委会"


def test_a_talent_plan_whose_closing_quote_is_read_as_an_opening_one():
    # 8111 p0068 (left certificate): 入选“天山英才“培养计划.
    p = ocr_page(
        [
            ([300, 200, 500, 260], "证书"),
            ([150, 330, 600, 370], "艾买提·吾守尔同志："),
            ([200, 400, 850, 440], "经评审，入选“天山英才“培养计划（第一批）"),
            ([150, 460, 400, 500], "特发此证。"),
            ([400, 800, 880, 840], "中共新疆维吾尔自治区委员会人才工作领导小组"),
            ([500, 860, 800, 900], "二0二五年二月二十六日"),
        ],
        w=900, h=1240,
    )  # fmt: skip
    assert values(p, DocType.award_certificate)["award_name"] == "天山英才"


def test_a_chinese_day_with_its_er_read_as_shi():
    # 8111 p0076: 二〇一五年七月十十八日 (二十八日, its 二 under the seal read 十).
    from extractors.fields import _date

    assert _date("二〇一五年七月十十八日") == "2015-07-28"
    assert _date("二〇一五年七月十十一日") is None  # 二十一 or 三十一: not known, not guessed


def test_an_honour_keeps_no_single_quote_read_for_its_opening_one():
    # 8110 p0025 (ordinary): the honour's opening quote read as ‘ over a line break.
    from extractors.fields import _award_name

    assert _award_name("‘庭州英才") == "庭州英才"
    assert _award_name("“自治区劳动模范’") == "自治区劳动模范"
