"""Reading that does not depend on one drawing of a document (issue 13): split dates,
bilingual labels, committees vs authorities, diploma headings, ID-proven facts."""

from __future__ import annotations

from extractors.fields import extract_fields
from models import DocType
from tests.test_fields import page, row


def values(p, doc_type):
    return {k: v.value for k, v in extract_fields(p, doc_type).items()}


def test_id_card_birth_date_printed_as_three_items():
    p = page(
        *row(240, ("姓名", 200, 300), ("依沙克·阿布来提", 430, 1060)),
        *row(400, ("性别", 200, 310), ("男", 430, 500), ("民族", 700, 820), ("维吾尔", 920, 1140)),
        *row(550, ("出生", 200, 310), ("1970年", 430, 660), ("6月", 720, 910), ("25日", 900, 1090)),
        *row(700, ("住址", 200, 310), ("新疆维吾尔自治区塔城地区和布", 430, 1310)),
        *row(1170, ("公民身份号码", 200, 500), ("652222197006254655", 770, 1660)),
    )
    got = values(p, DocType.id_card)
    assert got["birth_date"] == "1970-06-25"
    f = extract_fields(p, DocType.id_card)["birth_date"]
    assert f.evidence.bbox[0] == 430 and f.evidence.bbox[2] == 1090  # the three boxes


def test_id_card_partial_birth_date_completed_by_the_checked_number():
    # The day under a seal: only "1970年6月" read; the number (check digit ok) says the rest.
    p = page(
        *row(240, ("姓名", 200, 300), ("依沙克·阿布来提", 430, 1060)),
        *row(550, ("出生", 200, 310), ("1970年 6月", 430, 910)),
        *row(1170, ("公民身份号码", 200, 500), ("652222197006254655", 770, 1660)),
    )
    f = extract_fields(p, DocType.id_card)["birth_date"]
    assert f.value == "1970-06-25"
    assert any("completed from the ID number" in n for n in f.notes)
    # ... but a number that fails its check completes nothing.
    p = page(
        *row(550, ("出生", 200, 310), ("1970年 6月", 430, 910)),
        *row(1170, ("公民身份号码", 200, 500), ("652222197006254656", 770, 1660)),
    )
    assert values(p, DocType.id_card)["birth_date"] == "1970-06"


def test_bilingual_labels_are_never_values():
    p = page(
        ("职业资格证书", (500, 60, 1000, 140)),
        *row(
            260,
            ("职业 (工种)", 1450, 1730),
            ("Occupation", 1775, 1956),
            ("民族乐器制作工", 1967, 2342),
        ),
        *row(390, ("等级 Level四级", 1450, 1785)),
        *row(845, ("姓名", 266, 383), ("Name", 362, 474), ("阿依努尔·阿卜杜热西提", 712, 1270)),
        *row(970, ("性别 sex", 265, 450), ("女", 702, 764)),
        *row(1030, ("发证机关 issued by", 1446, 1812)),
        *row(1110, ("中国石油天然气集团公司职业技能鉴定指导中心", 1554, 2456)),
        *row(1240, ("发证日期 Date of Issue", 1447, 1874), ("2002年04月05日", 1883, 2286)),
    )
    got = values(p, DocType.skill_certificate)
    assert got["occupation"] == "民族乐器制作工"
    assert got["skill_level"] == "中级工"
    assert got["name"] == "阿依努尔·阿卜杜热西提"
    assert got["gender"] == "女"
    assert got["issuer"] == "中国石油天然气集团公司职业技能鉴定指导中心"
    assert got["issue_date"] == "2002-04-05"


def test_title_committee_evaluates_the_authority_issues():
    p = page(
        ("专业技术职务任职资格证书", (880, 440, 2620, 560)),
        ("蔡建飞，男，1976年10月10日生，身份证号", (640, 730, 2290, 826)),
        ("65010919761010791X。经阿克苏地区经济系列中级专业技术职务", (470, 900, 2990, 984)),
        ("评审委员会评审通过，具备工商管理专业经济师资格。", (480, 1070, 2530, 1147)),
        ("特发此证。", (640, 1228, 1058, 1317)),
        ("阿克苏地区人力资源和社会保障局", (2026, 1836, 3085, 1907)),
        ("2005年2月16日", (2310, 1968, 2789, 2047)),
        ("证书编号：6529002005337444", (375, 2092, 930, 2133)),
    )
    got = values(p, DocType.title_certificate)
    assert got["issuer"] == "阿克苏地区人力资源和社会保障局"
    assert got["title"] == "经济师"
    # A labelled committee (评审组织) beside the sealing authority (发证单位（盖章）).
    p = page(
        ("职称证书", (200, 90, 395, 126)),
        *row(186, ("姓名 赛力克·叶尔兰", 123, 283)),
        *row(385, ("资格名称 副主任医师", 111, 268)),
        *row(452, ("评审组织 新疆生产建设兵团卫生系列高级专业技术职务评审委员会", 111, 516)),
        *row(485, ("评审(认定)时间 2013年05月30日", 88, 293)),
        *row(605, ("发证单位（盖章）", 308, 409)),
        *row(630, ("新疆生产建设兵团人力资源和社会保障局", 312, 519)),
        *row(680, ("2013年9月17日", 374, 457)),
    )
    got = values(p, DocType.title_certificate)
    assert got["issuer"] == "新疆生产建设兵团人力资源和社会保障局"
    assert got["issue_date"] == "2013-09-17"  # the authority's date, not the committee's
    # A committee alone on the certificate stays its issuer.
    p = page(
        ("职称证书", (200, 90, 395, 126)),
        *row(186, ("姓名：赛力克·叶尔兰", 123, 400)),
        *row(385, ("资格名称：副主任医师", 111, 400)),
        *row(452, ("发证机关：新疆生产建设兵团卫生系列高级专业技术职务评审委员会", 111, 900)),
    )
    assert values(p, DocType.title_certificate)["issuer"] == (
        "新疆生产建设兵团卫生系列高级专业技术职务评审委员会"
    )


def test_title_without_its_speciality():
    p = page(
        ("专业技术资格证书", (1666, 517, 2587, 644)),
        ("亚森·奥斯曼，男，1976年7月19日生，身份证号", (1231, 735, 2642, 842)),
        ("专业技术职务评审委员会评审通过，具备高级教师资格。", (1084, 980, 2778, 1121)),
        ("新疆维吾尔自治区人力资源和社会保障厅", (2324, 1680, 3168, 1752)),
        ("评审时间：2022年4月2日 二〇二二年四月二十二日", (986, 1728, 2900, 1775)),
    )
    got = values(p, DocType.title_certificate)
    assert got["title"] == "高级教师" and got["title_level"] == "副高级"
    assert got["issuer"] == "新疆维吾尔自治区人力资源和社会保障厅"
    assert got["issue_date"] == "2022-04-22"


def test_diploma_heading_names_no_school_and_upgrade_study_is_bachelor():
    p = page(
        ("中等职业学校毕业证书", (638, 716, 1522, 810)),
        ("学生段龙宁，男，1981年3月22日出生，于1996年9", (717, 909, 1738, 988)),
        ("月至1999年7月在本校汽车运用与维修专业三年制", (628, 996, 1612, 1068)),
        ("中等职业教育学习期满，成绩合格，准予毕业。", (623, 1086, 1547, 1158)),
        ("学校（盖章）", (1352, 1375, 1572, 1435)),
        ("1999年7月10日", (1349, 1454, 1619, 1517)),
    )
    assert "school" not in values(p, DocType.education_certificate)
    p = page(
        ("成人高等教育毕业证书", (979, 423, 2529, 551)),
        ("学生丁明涛，性别男，1990年11月30日生，于2017年3", (1058, 749, 3080, 835)),
        ("月至2019年1月在本校农学专业（函授）专科起点本科学习，", (898, 909, 3036, 994)),
        ("修完教学计划规定的全部课程，成绩合格，准予毕业。", (894, 1075, 2817, 1156)),
        ("喀什大学", (2394, 1698, 2703, 1782)),
        ("2019年1月15日", (2314, 1959, 2775, 2038)),
    )
    got = values(p, DocType.education_certificate)
    assert got["education"] == "本科"
    assert got["school"] == "喀什大学"


def test_competition_committee_signs_an_award():
    p = page(
        ("荣誉证书", (858, 661, 1673, 851)),
        ("热西提·吾守尔：", (540, 1140, 1188, 1249)),
        ("在乌鲁木齐市第十三届职业技能", (726, 1331, 1998, 1449)),
        ("大赛 钳工 项目中荣获优秀奖。", (544, 1516, 1840, 1642)),
        ("乌鲁木齐市第十三届职业技能大赛组委会", (1168, 2678, 2107, 2756)),
        ("二〇二四年二月二十四日", (1247, 2785, 2024, 2873)),
    )
    got = values(p, DocType.award_certificate)
    assert got["issuer"] == "乌鲁木齐市第十三届职业技能大赛组委会"
    assert got["award_rank"] == "优秀奖"


def test_misread_english_label_halves_are_dropped_too():
    p = page(
        ("职业资格证书", (1764, 108, 2210, 194)),
        *row(250, ("职业 (工种)", 1443, 1720), ("occupation 机修钳工", 1752, 2157)),
        *row(363, ("等级 Levei国家职业资格二级", 1449, 2084)),
        *row(853, ("证书编号 certificate No. 1865290816286736", 1458, 2433)),
        *row(972, ("发证机关ssued by阿克苏地区职业技能鉴定指导中心", 1461, 2588)),
    )
    got = values(p, DocType.skill_certificate)
    assert got["occupation"] == "机修钳工"
    assert got["skill_level"] == "技师"
    assert got["cert_no"] == "1865290816286736"
    assert got["issuer"] == "阿克苏地区职业技能鉴定指导中心"


def test_the_date_a_valid_id_number_encodes_is_the_birth_date_not_the_issue_date():
    # Labels lost (a photo over them): the dates stand alone; the number tells them apart.
    p = page(
        ("职业资格证书", (896, 1000, 1484, 1098)),
        ("司马义·艾力", (628, 1316, 823, 1366)),
        ("1983年11月9日", (635, 1587, 835, 1628)),
        ("653126198311099677", (633, 1717, 933, 1763)),
        ("2004年7月29日", (1305, 1500, 1508, 1540)),
    )
    got = values(p, DocType.skill_certificate)
    assert got["birth_date"] == "1983-11-09"
    assert got["issue_date"] == "2004-07-29"


def test_stacked_bilingual_labels_value_right_and_a_little_lower():
    p = page(
        ("职业资格证书", (1270, 437, 2259, 581)),
        ("职业（工种）及等级", (1536, 945, 1940, 993)),
        ("姓名", (326, 947, 433, 1012)),
        ("工具钳工国家职业资格三级", (1973, 984, 2599, 1040)),
        ("赵飞欣", (768, 989, 924, 1052)),
        ("Occupation&Level", (1535, 996, 1763, 1031)),
        ("Name", (330, 1003, 410, 1042)),
        ("出生年月", (340, 1484, 521, 1538)),
        ("1996.09", (780, 1531, 951, 1573)),
        ("DateofBirth", (338, 1536, 491, 1572)),
    )
    got = values(p, DocType.skill_certificate)
    assert got["name"] == "赵飞欣"
    assert got["occupation"] == "工具钳工" and got["skill_level"] == "高级工"
    assert got["birth_date"] == "1996-09"


def test_award_number_after_no_and_the_holder_is_no_part_of_the_contest():
    p = page(
        ("NO.XJ2020DS6673", (1622, 330, 2092, 400)),
        ("荣誉证书", (768, 579, 1698, 800)),
        ("肉孜·热西提", (463, 1100, 1016, 1219)),
        ("在第一届全国职业技能大赛网", (656, 1326, 1996, 1444)),
        ("络安全赛项中荣获优秀奖", (454, 1528, 1631, 1650)),
        ("中华人民共和国人力资源和社会保障部", (1044, 2731, 2092, 2813)),
        ("二〇二〇年六月七日", (1207, 2843, 1929, 2959)),
    )
    got = values(p, DocType.award_certificate)
    assert got["cert_no"] == "XJ2020DS6673"
    assert got["award_name"] == "第一届全国职业技能大赛"
    assert got["name"] == "肉孜·热西提"


def test_a_line_grazing_the_row_above_settles_in_the_row_it_is_level_with():
    p = page(
        ("专业技术职务任职资格证书", (1894, 186, 3280, 291)),
        ("资格名称：副主任护师", (1864, 446, 2605, 526)),
        ("评审组织：新疆维吾尔自治区卫生系列中级专业技术", (1863, 651, 3303, 724)),
        ("职务评审委员会", (2236, 784, 2652, 842)),
        ("金佳璐", (698, 812, 930, 898)),
        ("姓名：", (175, 817, 388, 903)),
        ("工作单位：", (179, 1349, 524, 1433)),
        ("乌鲁木齐城市轨道集团有限公司", (709, 1354, 1650, 1422)),
    )
    got = values(p, DocType.title_certificate)
    assert got["name"] == "金佳璐"
    # The employer is no authority: the committee, alone, stays the issuer.
    assert got["issuer"] == "新疆维吾尔自治区卫生系列中级专业技术职务评审委员会"
    p = page(("经新疆维吾尔自治区卫生系列高级专业技术职务评审委员会评审通过，", (100, 100, 2400, 160)),
             ("具备卫生系列副主任医师任职资格。", (100, 200, 1400, 260)))  # fmt: skip
    assert values(p, DocType.title_certificate)["title"] == "副主任医师"


def test_a_list_of_winners_names_no_single_holder_or_rank():
    p = page(
        ("呼图壁县总工会文件", (658, 316, 1824, 452)),
        ("关于2020年呼图壁县职工技能比武获奖情况的通报", (307, 798, 2172, 886)),
        ("一等奖:", (249, 1351, 475, 1436)),
        *row(1477, ("加娜尔·哈那提", 375, 1000), ("丁磊林", 1684, 1887)),
        ("二等奖：", (251, 1696, 474, 1775)),
        *row(1812, ("布合力其·买合木提", 1035, 1556), ("廖莉娟", 1687, 1882)),
        ("呼图壁县总工会", (1487, 2664, 1917, 2729)),
        ("2020年4月13日", (1503, 2770, 1900, 2834)),
    )
    got = values(p, DocType.award_certificate)
    assert "award_rank" not in got and "name" not in got
    assert got["award_name"] == "2020年呼图壁县职工技能比武"
    assert got["issuer"] == "呼图壁县总工会"


def test_two_honours_side_by_side_are_two_documents():
    from extractors.classify import split_documents

    p = page(
        ("复印件与原件相符", (1417, 53, 2072, 202)),  # a stamp across the gap
        ("荣誉证书", (688, 786, 1196, 923)),
        ("奖状", (2468, 900, 2815, 1038)),
        ("高佳同志：", (338, 972, 591, 1059)),
        ("经个人申报、单位推荐、专家评审，入选", (435, 1096, 1366, 1210)),
        ("高佳同志：", (2014, 1098, 2264, 1184)),
        ("克拉玛依英才”人才工程（第二批），特发此证。", (332, 1188, 1417, 1310)),
        ("在2015年度工作中成绩突出，被评为劳动模范。", (2110, 1208, 3161, 1333)),
        ("以资鼓励。", (2100, 1305, 2331, 1389)),
        ("中共克拉玛依市委人才工作领导小组", (959, 1473, 1547, 1561)),
        ("二0一九年一月二十五日", (1016, 1542, 1484, 1630)),
        ("沙雅县人民政府", (2843, 1650, 3141, 1731)),
        ("二〇一六年四月七日", (2803, 1712, 3176, 1801)),
        h=2481,
    ).model_copy(update={"width": 3508})
    parts = split_documents(p)
    assert len(parts) == 2
    (left_region, left), (right_region, right) = parts
    assert left_region[2] <= right_region[0]
    a, b = values(left, DocType.award_certificate), values(right, DocType.award_certificate)
    assert (a["issuer"], a["issue_date"], a["award_year"]) == (
        "中共克拉玛依市委人才工作领导小组", "2019-01-25", "2019",
    )  # fmt: skip
    assert (b["issuer"], b["issue_date"]) == ("沙雅县人民政府", "2016-04-07")


def test_a_form_with_its_labels_in_a_column_is_one_document():
    """Labels in one column, values in another, the heading over the values: one
    certificate (身份证号 and 证书编号 are labels, not headings of a second document)."""
    from extractors.classify import split_documents

    labels = [
        "姓名",
        "性别",
        "出生日期",
        "身份证号",
        "工作单位",
        "资格名称",
        "资格级别",
        "证书编号",
    ]
    vals = ["蒋文明", "男", "1999年3月4日", "650109199903048334", "独山子石化分公司",
            "助理讲师", "初级", "6501002025471592"]  # fmt: skip
    lines = [("职称证书", (882, 368, 1695, 563))]
    for i, (lab, val) in enumerate(zip(labels, vals, strict=True)):
        y = 750 + 130 * i
        lines += [(lab, (500, y, 700, y + 70)), (val, (890, y, 890 + 60 * len(val), y + 70))]
    p = page(*lines, h=3509).model_copy(update={"width": 2481})
    assert len(split_documents(p)) == 1


def test_a_misread_day_glyph_and_a_lost_zhi():
    p = page(
        ("专业技术资格证书", (300, 40, 700, 90)),
        ("发证单位：", (740, 737, 838, 768)),
        ("昌吉回族自州人力资源和社会保障局", (870, 758, 1239, 800)),
        ("2020年12月4街", (980, 794, 1129, 832)),
    )
    got = values(p, DocType.title_certificate)
    assert got["issuer"] == "昌吉回族自治州人力资源和社会保障局"
    assert got["issue_date"] == "2020-12-04"


def test_a_booklet_spread_of_one_certificate_is_one_document():
    """Holder on the left page, the qualification on the right: the holder is named once,
    so the spread is one certificate, read whole."""
    from extractors.classify import split_documents

    left = [("姓名", 300, "阿依古丽·吐尔逊"), ("性别", 420, "女"), ("出生年月", 540, "1985年3月"),
            ("身份证号", 660, "65310119850312002X")]  # fmt: skip
    right = [("职业（工种）", 300, "焊工"), ("等级", 420, "技师"), ("证书编号", 540, "1565010001200123"),
             ("发证机关", 660, "新疆维吾尔自治区职业技能鉴定指导中心"), ("发证日期", 780, "2015年6月30日")]  # fmt: skip
    lines = [("职业资格证书", (2300, 120, 2900, 220))]
    for lab, y, val in left:
        lines += [(lab, (200, y, 420, y + 60)), (val, (480, y, 480 + 40 * len(val), y + 60))]
    for lab, y, val in right:
        lines += [(lab, (1900, y, 2150, y + 60)), (val, (2200, y, 2200 + 40 * len(val), y + 60))]
    p = page(*lines, h=2480).model_copy(update={"width": 3508})
    assert len(split_documents(p)) == 1
    got = values(p, DocType.skill_certificate)
    assert got["name"] == "阿依古丽·吐尔逊" and got["skill_level"] == "技师"


def test_a_doubled_ten_in_a_chinese_month_is_eleven():
    from extractors.fields import _date

    assert _date("二〇二三年十十月一日") == "2023-11-01"
    assert _date("二〇二三年十月十十日") == "2023-10-11"


def test_an_honour_wrapped_onto_a_line_boxed_in_pieces():
    p = page(
        ("万博帅同志：", (1756, 327, 2278, 432)),
        ("被评为“兵团劳", (1968, 502, 2724, 634)),
        *row(720, ("动模范”", 1756, 2229), ("荣誉称号。", 2275, 2646)),
        ("特发此证，以资鼓励。", (1972, 920, 2966, 1047)),
        ("荣誉证书", (290, 1088, 1208, 1324)),
        ("新疆生产建设兵团", (2043, 1526, 2726, 1616)),
        ("二〇一二年七月七日", (2008, 1672, 2764, 1761)),
    )
    got = values(p, DocType.award_certificate)
    assert got["award_name"] == "兵团劳动模范"
    assert got["name"] == "万博帅"


def test_a_stop_for_a_middle_dot_and_a_salutation_before_a_contest():
    p = page(
        ("成人高等教育毕业证书", (924, 482, 2503, 672)),
        ("学生布合力其。阿迪力，性别女，1990年4月4日生，", (1088, 809, 2870, 940)),
        ("于2016年3月至2018年1月在本校农学专业（脱产）专科起点", (940, 956, 2985, 1091)),
        ("本科学匀，修完教学计划规定的全部课程，成绩合格，准予毕业。", (942, 1108, 2943, 1238)),
        ("新疆财经大学", (2243, 1607, 2664, 1687)),
    )
    got = values(p, DocType.education_certificate)
    assert got["name"] == "布合力其·阿迪力" and got["education"] == "本科"
    from extractors.fields import _award_name

    assert _award_name("各有关单位：2020年新疆维吾尔自治区职业技能大赛") == (
        "2020年新疆维吾尔自治区职业技能大赛"
    )


def test_the_list_of_winners_with_the_rank_each_stands_under():
    from extractors.fields import extract_roster

    p = page(
        ("呼图壁县总工会文件", (658, 316, 1824, 452)),
        ("关于2020年呼图壁县职工技能比武获奖情况的通报", (307, 798, 2172, 886)),
        ("2020年呼图壁县职工技能比武已圆满结束，现将获奖情况通报如下：", (254, 1121, 2168, 1194)),
        ("一等奖:", (249, 1351, 475, 1436)),
        *row(1477, ("加娜尔·哈那提", 375, 1000), ("丁磊林", 1684, 1887)),
        ("二等奖：", (251, 1696, 474, 1775)),
        *row(1812, ("布合力其·买合木提", 1035, 1556), ("廖莉娟、何蓉", 1687, 1982)),
        ("希望获奖选手再接再厉，不断提高技能水平。", (374, 2298, 1591, 2364)),
        ("国壁县总", (1514, 2533, 1779, 2645)),
        ("呼图壁县总工会", (1487, 2664, 1917, 2729)),
    )
    got = [(e.name, e.rank) for e in extract_roster(p)]
    assert got == [("加娜尔·哈那提", "一等奖"), ("丁磊林", "一等奖"), ("布合力其·买合木提", "二等奖"),
                   ("廖莉娟", "二等奖"), ("何蓉", "二等奖")]  # fmt: skip
    one = page(("荣誉证书", (500, 100, 1000, 250)), ("授予 买买提·艾力 同志", (200, 500, 900, 560)))
    assert extract_roster(one) == []


def test_misread_english_labels_and_glyphs_in_long_names_are_no_values():
    from extractors.fields import _award_name, _cert_no, _issuer, _occupation

    assert _occupation("Orcupato") is None and _issuer("ssuedby") is None
    assert _cert_no("C0665021647215201") == "0665021647215201"
    assert _issuer("克拉玛依市然力资源租社会保障局") == "克拉玛依市人力资源和社会保障局"
    assert _issuer("中国石油天然汽集团公司职业技能鉴定指导中心") == (
        "中国石油天然气集团公司职业技能鉴定指导中心"
    )
    assert _award_name("昌州人社发（2016）81号关于昌吉州第二届职业技能竞赛") == (
        "昌吉州第二届职业技能竞赛"
    )
    assert _award_name("自治区第一届职工职业技能大赛") == "自治区第一届职工职业技能大赛"


def test_the_date_on_a_certification_stamp_is_no_issue_date():
    """The issue date is garbled (一年六月三十日); the 与原件核对 stamp's date stays the stamp's."""
    p = page(
        ("职业资格证书", (1900, 150, 2400, 230)),
        ("与原件核对", (2820, 340, 3054, 412)),
        ("2023.7.24", (2820, 465, 3015, 507)),
        ("姓名丁瑶娟", (2180, 361, 2528, 414)),
        *row(1752, ("证书编号", 1849, 2014), ("1165024395239027", 2228, 2647)),
        *row(1849, ("发证机关", 1850, 2015), ("克拉玛依市人力资源和社会保障局", 2226, 2850)),
        *row(1950, ("发证日期", 1850, 2017), ("一年六月三十日", 2375, 2640)),
    )
    assert "issue_date" not in values(p, DocType.skill_certificate)


def test_an_occupation_with_its_level_or_a_caption_is_no_name():
    from extractors.fields import _name

    assert _name("农艺工二级") is None and _name("扫码查询") is None
    assert _name("电工仪器仪表装配工国家职业资格二级") is None
    assert _name("谭龙凯") == "谭龙凯"


def test_upgrade_study_wrapped_mid_word_is_still_a_bachelor():
    p = page(
        ("成人高等教育毕业证书", (947, 414, 2524, 595)),
        ("学生海丽其古丽·依明，性别女", (1051, 752, 2173, 879)),
        ("一九九〇年十二月二十五日生，于二〇一四年三月至二〇一六", (914, 889, 3027, 1035)),
        ("年七月在本校计算机科学与技术专业（脱产）专科起点本科学", (910, 1037, 3031, 1189)),
        ("习，修完教学计划规定的全部课程，成绩合格，准予毕业。", (912, 1198, 2908, 1340)),
    )
    assert values(p, DocType.education_certificate)["education"] == "本科"


def test_stamps_across_the_gap_do_not_join_two_certificates_on_one_sheet():
    from extractors.classify import split_documents

    left = [("成人高等教育毕业证书", (524, 879, 1265, 942)),
            ("学生阿依达娜·叶尔江，性别女，一九七五年一月六日生，", (524, 1026, 1519, 1080)),
            ("于一九九四年三月至一九九七年七月在本校应用化工技术专业（", (454, 1107, 1524, 1152)),
            ("函授）高中起点专科学习，修完教学计划规定的全部课程，成绩", (449, 1179, 1522, 1224)),
            ("西安交通大学", (1180, 1526, 1393, 1573)),
            ("一九九七年七月三十日", (1126, 1644, 1454, 1691)),
            ("证书编号：106985199706688801", (230, 1708, 561, 1738))]  # fmt: skip
    right = [("职业（工种）及等级", (2659, 824, 3000, 865)), ("保育师国家职业资格一级", (2722, 868, 3098, 909)),
             ("姓名", (1929, 1159, 2064, 1210)), ("阿依达娜·叶尔江", (2192, 1161, 2452, 1202)),
             ("身份证号", (1933, 1400, 2124, 1447)), ("652325197501065581", (2196, 1407, 2482, 1436)),
             ("证书编号 1465000707186549", (2657, 1173, 3190, 1214)),
             ("发证日期 二O一四年七月二十八日", (2657, 1368, 3275, 1417))]  # fmt: skip
    stamps = [("仅供申报新疆工匠使用，他用无效", (1584, 68, 2601, 177)),
              ("与原件核对一致", (1393, 2022, 1886, 2154)), ("核对人张军", (1436, 2140, 1872, 2245)),
              ("2023.4.13", (1389, 2303, 1619, 2350)), ("12/20", (1686, 2377, 1824, 2438))]  # fmt: skip
    p = page(*left, *right, *stamps, h=2480).model_copy(update={"width": 3508})
    parts = split_documents(p)
    assert len(parts) == 2
    got = values(parts[1][1], DocType.skill_certificate)
    assert got["skill_level"] == "高级技师" and got["issue_date"] == "2014-07-28"


def test_stray_ring_glyphs_before_an_issuer_are_cut_when_they_echo_its_name():
    from extractors.fields import _issuer

    assert _issuer("力资源和社喀什地区人力资源和社会保障局") == "喀什地区人力资源和社会保障局"
    assert (
        _issuer("州人为昌吉回族自治州人力资源和社会保障局") == "昌吉回族自治州人力资源和社会保障局"
    )
    # No echo, no cut; a name with its head is left alone.
    assert _issuer("天业昌吉回族自治州人力资源和社会保障局").startswith("天业")
    assert _issuer("新疆维吾尔自治区人力资源和社会保障厅") == "新疆维吾尔自治区人力资源和社会保障厅"


def test_an_honour_after_bei_ping_wei_ends_at_its_sentence_whatever_its_ending():
    """ "被评为" ends its line and "先进生产者。" opens the next; "模范职工" runs into 以资鼓励 —
    neither ends like an honour in the lexicon."""
    p = page(
        ("奖状", (733, 807, 1075, 923)),
        ("哈力木·哈那提同志：", (277, 1017, 817, 1093)),
        ("在本年度工作中成绩突出，被评为", (389, 1133, 1245, 1207)),
        ("先进生产者。", (274, 1244, 588, 1314)),
        ("以资鼓励。", (388, 1356, 642, 1430)),
        ("特变电工股份有限公司", (1070, 1536, 1533, 1600)),
        ("二〇一四年八月二十日", (1070, 1612, 1530, 1675)),
    )
    assert values(p, DocType.award_certificate)["award_name"] == "先进生产者"
    p = page(
        ("奖状", (1459, 393, 2096, 642)),
        ("艾山·吐尔地同志：", (772, 812, 1480, 919)),
        ("在2024年度工作中成绩突出，被评为模范职工", (951, 945, 2817, 1096)),
        ("以资鼓励。", (959, 1172, 1386, 1284)),
        ("伊犁哈萨克自治州总工会", (2080, 1596, 2887, 1698)),
    )
    assert values(p, DocType.award_certificate)["award_name"] == "模范职工"
    # A rank is no honour: "荣获一等奖。"
    p = page(
        ("荣誉证书", (700, 300, 1100, 400)), ("张伟同志在比赛中荣获一等奖。", (300, 600, 1400, 680))
    )
    got = values(p, DocType.award_certificate)
    assert got["award_rank"] == "一等奖" and got.get("award_name") != "一等奖"


def test_a_stamp_over_two_certificates_keeps_its_date_on_both_sides():
    """The 与原件一致 stamp stands right of the gap, its date left of it: the left
    certificate's issue date is its own, not the stamp's."""
    from extractors.classify import split_documents

    lines = [
        ("奖状", (733, 807, 1075, 923)), ("入选证书", (2373, 898, 2871, 1008)),
        ("哈力木·哈那提同志：", (277, 1017, 817, 1093)),
        ("哈力木·哈那提同志：", (2026, 1105, 2533, 1172)),
        ("在本年度工作中成绩突出，被评为", (389, 1133, 1245, 1207)),
        ("入选“天山英才·高技能人才”培养计划（第", (2131, 1221, 3175, 1296)),
        ("先进生产者。", (274, 1244, 588, 1314)), ("二批），特发此证。", (2021, 1317, 2478, 1398)),
        ("以资鼓励。", (388, 1356, 642, 1430)),
        ("特变电工股份有限公司", (1070, 1536, 1533, 1600)),
        ("中共新疆维吾尔自治区委员会人才工作领导小组", (2673, 1584, 3264, 1636)),
        ("二〇一四年八月二十日", (1070, 1612, 1530, 1675)),
        ("2024年12月24日", (2803, 1647, 3131, 1705)),
        ("与原件一致", (1622, 1998, 1989, 2112)), ("团有", (1978, 2054, 2082, 2115)),
        ("2023.6.10", (1630, 2142, 1850, 2184)),
    ]  # fmt: skip
    p = page(*lines, h=2480).model_copy(update={"width": 3508})
    parts = split_documents(p)
    assert len(parts) == 2
    left = values(parts[0][1], DocType.award_certificate)
    assert left["issue_date"] == "2014-08-20" and left["award_name"] == "先进生产者"
    right = values(parts[1][1], DocType.award_certificate)
    assert right["issue_date"] == "2024-12-24"


def test_a_garbled_chinese_year_is_the_year_the_page_prints_elsewhere():
    """二〇十二年: 十 is 一 or 二 with a stroke lost; the competition's 2022 on the page says
    which. Without such a year it stays 一 (2012). ① is a 〇 with a stroke through it."""
    lines = [
        ("获奖证书", (453, 365, 1090, 554)),
        ("董涛强：", (272, 751, 524, 841)),
        ("在2022年呼图壁县职工技能", (418, 863, 1255, 984)),
        ("比武汽车技术赛项中荣获三等奖。", (291, 994, 1316, 1127)),
        ("呼图壁县总工会", (895, 1800, 1270, 1881)),
        ("二〇十二年三月二十四日", (802, 1886, 1375, 1969)),
    ]
    assert values(page(*lines), DocType.award_certificate)["issue_date"] == "2022-03-24"
    alone = [ln for ln in lines if "2022" not in ln[0]]
    assert values(page(*alone), DocType.award_certificate)["issue_date"] == "2012-03-24"
    from extractors.fields import _date

    assert _date("二①二五年三月八日") == "2025-03-08"


def test_a_use_only_line_beside_the_signature_leaves_its_date_the_issue_date():
    """仅供申报…使用 written across the page is no certification stamp: the school's date
    right of it is the diploma's; 千 in a date is 十."""
    lines = [
        ("成人高等教育毕业证书", (886, 1216, 1861, 1326)),
        ("学生廖俊明，性别男，一九八八年十月三日生，于二〇", (921, 1417, 2170, 1494)),
        ("一三年三月至二〇一五年一月在本校机电一体化技术专业（业", (826, 1510, 2172, 1593)),
        ("余）专科起点本科学习，修完教学计划规定的全部课程，成绩", (828, 1612, 2173, 1687)),
        ("合格，准予毕业", (826, 1715, 1191, 1786)),
        ("仅供申报准东人才工作室使用，他用无效", (554, 1910, 1465, 2257)),
        ("西安交通大学", (1735, 2026, 2014, 2089)),
        ("校院)长：胡洋宁", (1673, 2100, 2072, 2175)),
        ("二〇一五年一月千五日", (1656, 2182, 2087, 2240)),
        ("证书编号：106985201505187063", (528, 2271, 993, 2319)),
    ]
    got = values(page(*lines, h=2500), DocType.education_certificate)
    assert got["issue_date"] == "2015-01-15"


def test_who_signs_a_degree_is_not_its_holder():
    lines = [
        ("学士学位证书", (345, 252, 997, 363)),
        ("其其格·苏和，女", (309, 731, 651, 795)),
        ("一九八四年九月十八日生。在西安交通大学机", (229, 810, 1058, 887)),
        ("械设计制造及其自动化专业完成了本科学习计", (223, 890, 1054, 966)),
        ("划，业已毕业，经审核符合《中华人民共和国", (221, 968, 1051, 1049)),
        ("学位条例》的规定，授予管理学学士学位。", (218, 1046, 978, 1126)),
        ("西安交通大学学位评定委员会", (541, 1428, 1001, 1488)),
        ("宋涛文", (765, 1499, 900, 1549)),
        ("主席：", (659, 1505, 757, 1540)),
        ("证书编号：1069842010464283", (197, 1618, 548, 1664)),
    ]
    p = page(*lines)
    # As read: the signature's label surer than the holder's line.
    conf = {"主席：": 0.9936, "其其格·苏和，女": 0.9668}
    p = p.model_copy(update={"lines": [
        ln.model_copy(update={"confidence": conf.get(ln.text, 0.99)}) for ln in p.lines
    ]})  # fmt: skip
    assert values(p, DocType.education_certificate)["name"] == "其其格·苏和"


def test_a_spaced_name_label_whose_second_glyph_ran_into_the_value():
    """姓 … 名 spaced over the value's line: OCR lost 姓 and boxed 名 with the name."""
    p = page(
        ("名贾刚", (787, 305, 1006, 364)),
        ("别男", (786, 471, 957, 540)), ("性", (656, 482, 717, 535)),
        ("1972年7月24日", (906, 643, 1231, 695)), ("出生日期", (658, 647, 853, 706)),
        ("650104197207246432", (907, 811, 1416, 865)), ("身份证号", (666, 818, 856, 874)),
        ("汽车维修工", (705, 1442, 953, 1501)), ("职业 （工种）", (258, 1449, 517, 1508)),
        ("0965004113148234", (717, 2071, 1148, 2126)), ("证书编号", (274, 2080, 464, 2133)),
    )  # fmt: skip
    assert values(p, DocType.skill_certificate)["name"] == "贾刚"


def _adult_diploma(
    number: str, date: str = "二〇〇九年七月十日", heading: str = "成人高等教育毕业证书"
):
    # The line holding "（函授）专科起点本科学习" lost under a slanted overprint.
    return page(
        (heading, (959, 379, 2538, 526)),
        ("学生奥斯曼·库尔班，性别男，一九八三年四月四日生，", (993, 709, 3122, 805)),
        ("于二〇〇七年三月至二〇〇九年七月在本校土木工程专业（函", (819, 866, 3096, 966)),
        ("技骨干特殊培养项目申报使用", (2280, 1098, 3236, 1373)),
        ("合格，准予毕业。", (835, 1202, 1472, 1284)),
        ("新疆师范大学", (2338, 1724, 2785, 1801)),
        ("校（院）长：贾彬浩", (2240, 1858, 2878, 1940)),
        (date, (2245, 1986, 2870, 2061)),
        (f"证书编号：{number}", (354, 2105, 1003, 2154)),
        h=2480,
    )


def test_a_diploma_whose_level_line_was_lost_reads_it_in_its_number():
    # 学历证书电子注册号: school code, kind of schooling, year, level (05 本科, 06 专科), serial.
    got = values(_adult_diploma("107625200905126101"), DocType.education_certificate)
    assert got["education"] == "本科"
    got = values(_adult_diploma("107595200906725140"), DocType.education_certificate)
    assert got["education"] == "大专"
    # Not that structure, or not this diploma's year, or a secondary school's: nothing.
    for number, date, heading in (
        ("652301200912345605", "二〇〇九年七月十日", "成人高等教育毕业证书"),
        ("107625201005126101", "二〇〇九年七月十日", "成人高等教育毕业证书"),
        ("107625200909126101", "二〇〇九年七月十日", "成人高等教育毕业证书"),
    ):
        got = values(_adult_diploma(number, date, heading), DocType.education_certificate)
        assert "education" not in got, number
    p = _adult_diploma("107625200905126101", heading="中等职业学校毕业证书")
    assert values(p, DocType.education_certificate)["education"] == "中专"  # the heading's


def test_two_names_of_a_list_in_columns_read_as_one_box_are_two_people():
    # OCR boxed two columns' names together where their gap was narrow: the next column's
    # left edge (as the names nearest in height print it, the scan skewed) is the cut.
    from extractors.fields import extract_roster

    p = page(
        ("关于兵团第一届职业技能大赛获奖情况的通报", (433, 593, 1277, 698)),
        ("奖情况通报如下：", (347, 815, 585, 871)),
        ("金奖：", (342, 885, 424, 927)),
        ("阿卜杜热西提·帕尔哈提马帅", (396, 946, 810, 1015)),
        ("马成亮", (398, 1002, 503, 1051)),
        ("努尔加玛丽·巴合提·沙肯潘鹏", (733, 1023, 1150, 1090)),
        ("汤欣帆", (392, 1058, 498, 1109)),
        ("银奖：", (324, 1125, 410, 1172)),
        ("阿卜杜热西提阿里木·阿布都热依木", (380, 1199, 698, 1251)),
        ("迪娜·买合木提", (718, 1208, 941, 1267)),
        ("铜奖：", (317, 1254, 404, 1303)),
        ("布合力其·艾克拜尔", (375, 1320, 660, 1384)),
        ("海丽其古丽·如则", (722, 1343, 971, 1402)),
        ("葛强疆", (1063, 1359, 1181, 1417)),
        ("余新辉", (377, 1382, 482, 1428)),
        ("玛依拉·肉孜", (719, 1400, 908, 1460)),
        ("王强", (1075, 1420, 1150, 1470)),
        ("希望获奖选手再接再厉，不断提高技能水平。", (365, 1461, 1008, 1548)),
    )
    got = [e.name for e in extract_roster(p)]
    assert "潘鹏" in got and "努尔加玛丽·巴合提·沙肯" in got
    assert "马帅" in got and "阿卜杜热西提·帕尔哈提" in got
    # Names within their own column stay whole.
    assert "布合力其·艾克拜尔" in got and "海丽其古丽·如则" in got and "葛强疆" in got
    assert "阿卜杜热西提阿里木·阿布都热依木" in got  # a long name, a dot lost: still a name


def test_two_names_glued_over_a_gap_read_as_a_middle_dot():
    from extractors.fields import extract_roster

    p = page(
        ("典型。为表彰先进，经研究，决定授予以下7名同志“沙雅县劳动模范”", (256, 1222, 2163, 1286)),
        ("称号。", (242, 1322, 409, 1405)),
        ("穆玲梅", (368, 1452, 570, 1531)),
        ("艾则孜·艾合买提", (1037, 1459, 1491, 1524)),
        ("古丽米拉·托合提", (1698, 1459, 2149, 1524)),
        ("尹梅雪", (372, 1559, 565, 1635)),
        ("努尔古丽·艾买提·艾则孜‧汤飞华", (1031, 1559, 1889, 1635)),
        ("肉孜·阿布来提", (379, 1672, 766, 1736)),
        ("希望受表彰的同志珍惜荣誉、再接再厉，充分发挥示范引领作用。", (375, 1812, 2129, 1880)),
    )
    got = [e.name for e in extract_roster(p)]
    assert "汤飞华" in got and "努尔古丽·艾买提·艾则孜" in got


def test_a_diplomas_level_by_its_programs_length_or_kind():
    """The level wherever the wording puts it: after its program's length (四年制本科, the
    line after it lost), before its length in brackets (本科（四年制）学习), or as a kind of
    schooling (中等职业教育, 高等职业教育); an entry level is not the level (专科起点本科)."""

    def level(*sentence: str) -> str | None:
        lines = [("毕业证书", (500, 100, 1000, 200))]
        lines += [(s, (200, 400 + 100 * i, 1400, 460 + 100 * i)) for i, s in enumerate(sentence)]
        got = values(page(*lines), DocType.education_certificate)
        return got.get("education")

    assert (
        level(
            "学生张伟，性别男，1990年1月1日生，于2008年9月至2012年7月在本校机械工程专业四年制本科"
        )
        == "本科"
    )
    assert (
        level("在本校机械工程专业本科（四年制）学习，修完全部课程，成绩合格，准予毕业。") == "本科"
    )
    assert (
        level("在本校汽车运用与维修专业三年制中等职业教育学习期满，成绩合格，准予毕业。") == "中专"
    )
    assert level("在本校机械工程专业三年制高等职业教育学习，修完全部课程") == "大专"
    assert level("在本校土木工程专业（函授）二年制专科起点本科学习，修完全部课程") == "本科"


def test_a_diploma_beside_a_certificate_on_one_sheet_whose_name_line_was_lost():
    """Two certificates copied onto one sheet; the diploma's 学生… line lost under the
    overprint. It is still a document of its own (another kind, four facts of its own), so
    the sheet is two documents and the diploma is not missed."""
    from extractors.classify import split_documents

    p = page(
        ("仅供乌鲁木齐市技能大师工作室项目申报使用", (60, 286, 1610, 461)),
        ("成人高等教育毕业证书", (491, 791, 1235, 877)),
        ("新疆轻工职业技术学院", (1919, 816, 2157, 863)),
        ("职业技能等级证书", (2210, 882, 2862, 972)),
        ("二〇一三年三月至二〇一五年七月在本校工商管理号业（业余）", (424, 1003, 1491, 1096)),
        ("姜博亮", (2322, 1040, 2424, 1082)),
        ("姓", (2103, 1042, 2159, 1075)),
        ("名：", (2163, 1042, 2238, 1080)),
        ("专科起点本科学习，修完教学计划规定的全部课程，成绩合格，", (430, 1089, 1470, 1161)),
        ("证件类型：", (2101, 1093, 2242, 1140)),
        ("居民身份证", (2317, 1098, 2468, 1140)),
        ("证件号码：", (2103, 1152, 2240, 1194)),
        ("652222199312214933", (2312, 1154, 2638, 1202)),
        ("准予毕业。", (426, 1163, 617, 1217)),
        ("职业名称：", (2100, 1208, 2243, 1256)),
        ("砌筑工", (2317, 1217, 2408, 1249)),
        ("职业技能等级：", (2100, 1324, 2296, 1368)),
        ("二级/技师", (2308, 1330, 2450, 1366)),
        ("证书编号：", (2100, 1379, 2243, 1428)),
        ("S126865257068212992789", (2305, 1386, 2701, 1435)),
        ("喀什大学", (1149, 1417, 1310, 1466)),
        ("二〇二一年十二月十六日", (2312, 1438, 2634, 1491)),
        ("发证日期：", (2098, 1440, 2233, 1484)),
        ("校（院）长：宋旭建", (1073, 1472, 1384, 1535)),
        ("二〇一五年七月三十日", (1061, 1535, 1391, 1587)),
        ("证书编号：107635201505451066", (205, 1580, 544, 1619)),
        ("评价机构（盖章）：新疆轻工职业技术学院", (2789, 1664, 3292, 1715)),
        h=2480,
    ).model_copy(update={"width": 3508})
    parts = split_documents(p)
    assert len(parts) == 2
    left = values(parts[0][1], DocType.education_certificate)
    assert (left["school"], left["education"]) == ("喀什大学", "本科")
    assert values(parts[1][1], DocType.skill_certificate)["name"] == "姜博亮"


def test_an_issuers_stray_head_and_a_citys_lost_shi():
    from extractors.fields import _issuer

    # A fragment of the line above glued on: its glyphs all echo the name that follows.
    assert _issuer("兵团人新疆生产建设兵团人力资源和社会保障局") == "新疆生产建设兵团人力资源和社会保障局"
    # An owner before the region stays: its glyphs are not the name's.
    assert _issuer("国网新疆电力有限公司") == "国网新疆电力有限公司"
    assert _issuer("中共新疆维吾尔自治区委员会") == "中共新疆维吾尔自治区委员会"
    # A city's bureau lost its 市 under a fold; a city's school never had one.
    assert _issuer("克拉玛依人力资源和社会保障局") == "克拉玛依市人力资源和社会保障局"
    assert _issuer("乌鲁木齐市人力资源和社会保障局") == "乌鲁木齐市人力资源和社会保障局"
    assert _issuer("克拉玛依职业技术学院") == "克拉玛依职业技术学院"


def test_a_piece_of_a_copys_overprint_is_no_diplomas_holder():
    # The holder's line lost under damage; "再复" of a 仅供申报使用，再复印无效 line stands
    # where the name is sought.
    p = page(
        ("普通高等学校毕业证书", (400, 100, 1100, 180)),
        *row(300, ("学生", 200, 300), ("再复", 320, 420)),
        *row(380, ("性别男，一九九七年十一月二十五日生，于二〇一五年九月至", 200, 1300)),
        *row(460, ("二〇一九年六月在本校土木工程专业四年制本科学习，修完教学计划", 200, 1300)),
        *row(540, ("规定的全部课程，成绩合格，准予毕业。", 200, 900)),
        *row(800, ("新疆大学", 900, 1100)),
        *row(900, ("证书编号：107551201905001234", 200, 800)),
    )
    assert "name" not in values(p, DocType.education_certificate)
    from extractors.fields import _name

    assert _name("再复") is None and _name("牛琴") == "牛琴"


def test_chinese_numeral_dates_with_a_stroke_gained_a_digit_or_a_stray_nian():
    from extractors.fields import _date

    # A year after this one: 三 read for 二 (one stroke more) only when the page's digits
    # hold the year that makes (tests below); alone it stands as read, no guess.
    assert _date("二〇三四年十二月十九日") == "2034-12-19"
    assert _date("二〇上一年五月四日") == "2021-05-04"  # 上 for 二
    # An Arabic digit amid the day's numerals; a 年 read inside the day.
    assert _date("二O二三年六月2十日") == "2023-06-20"
    assert _date("二0三三年一月二年十四日") == "2033-01-24"  # the year: the page test below
    # Dates that read well are left alone, Arabic ones too.
    assert _date("二〇二〇年三月十日") == "2020-03-10"
    assert _date("一九九七年十一月二十五日") == "1997-11-25"
    assert _date("2020年3月10日") == "2020-03-10"


def test_an_unlabelled_issue_date_read_with_a_stray_nian_and_a_future_year():
    p = page(
        ("职称证书", (500, 60, 900, 140)),
        *row(300, ("姓名", 200, 300), ("马佳静", 400, 520)),
        *row(400, ("资格名称", 200, 360), ("主治医师", 400, 560)),
        *row(500, ("证书编号", 200, 360), ("6501002023339863", 400, 760)),
        *row(1200, ("乌鲁木齐市人力资源和社会保障局", 700, 1300)),
        *row(1260, ("二0三三年一月二年十四日", 760, 1200)),
    )
    assert values(p, DocType.title_certificate)["issue_date"] == "2023-01-24"


def test_a_work_certificates_opening_words_are_not_the_holders_name():
    from extractors.fields import _name

    assert _name("兹证明丁飞军") == "丁飞军"
    assert _name("兹证明") is None


def test_an_honours_closing_words_and_a_talent_groups_misread_glyph():
    from extractors.fields import _award_name, _issuer

    assert _award_name("劳动模范特发此状") == "劳动模范"
    assert _award_name("自治区劳动模范，特发此证，以资鼓励") == "自治区劳动模范"
    assert (
        _issuer("中共新疆维吾尔自治区委员会入才工作领导小组")
        == "中共新疆维吾尔自治区委员会人才工作领导小组"
    )


def test_a_title_after_a_long_series_name_wrapped_over_two_lines():
    p = page(
        ("职称证书", (1850, 128, 2200, 208)),
        ("经阿克苏地区中等职业学校教师系列初级专业技", (1551, 281, 2585, 356)),
        ("术职务评审委员会评审通过，具备中等职业学校教师", (1458, 364, 2584, 440)),
        ("系列助理讲师专业技术资格。", (1459, 450, 2105, 514)),
        ("姓名：沙帅辉", (138, 599, 541, 667)),
        ("性别：男", (132, 712, 442, 782)),
        ("管理号：", (1444, 849, 1602, 907)),
        ("6529002025488722", (1856, 860, 2267, 917)),
        ("发证单位：", (1436, 1574, 1636, 1636)),
        ("阿克苏地区人力资源和社会保障局", (1755, 1659, 2449, 1725)),
        ("2025年06月30日", (1936, 1735, 2260, 1802)),
        h=1860,
    )
    got = values(p, DocType.title_certificate)
    assert got["title"] == "助理讲师" and got["title_level"] == "初级"


def test_an_id_cards_ethnicity_run_into_its_misread_label():
    # 民族 汉 read as one box "良汉" beside 男 on the gender's row, no label read.
    p = page(
        *row(459, ("姓名", 17, 60), ("段欣辉", 81, 162)),
        *row(500, ("性别", 18, 58), ("男", 85, 125), ("良汉", 140, 264)),
        *row(550, ("出生", 20, 65), ("1999年8月29日", 87, 295)),
        *row(600, ("往址", 23, 59), ("新疆维吾尔自治区哈密市哈密市", 91, 357)),
        *row(740, ("公民身份号码", 30, 127), ("650103199908292055", 197, 467)),
        h=800,
    )
    got = values(p, DocType.id_card)
    assert got["ethnicity"] == "汉族" and got["name"] == "段欣辉"


def test_the_committees_date_right_of_its_label_is_no_issue_date():
    # The signed date at the bottom lost; the only date left is 评审（认定）时间's.
    rows_ = [
        *row(562, ("姓名", 302, 384), ("魏娟燕", 511, 634)),
        *row(1118, ("资格名称", 309, 451), ("正高级农艺师", 553, 772)),
        *row(1394, ("评审（认定）时间", 263, 534), ("2022年12月07日", 570, 822)),
        *row(1489, ("批准文号", 333, 474), ("新人社职[2022]81号", 580, 937)),
        *row(1582, ("证书编号", 340, 480), ("6500002023152972", 584, 909)),
        ("发证单位（盖章）", (805, 1695, 1079, 1758)),
        ("新疆维吾尔自治区人力资源和社会保障厅", (823, 1752, 1405, 1822)),
    ]
    got = values(page(*rows_, h=2339), DocType.title_certificate)
    assert "issue_date" not in got and got["cert_no"] == "6500002023152972"
    # ... and the signed date, when read, is the issue date.
    signed = ("二〇二三年二月二十日", (936, 1824, 1303, 1880))
    got = values(page(*rows_, signed, h=2339), DocType.title_certificate)
    assert got["issue_date"] == "2023-02-20"


def test_an_e_in_a_chinese_year_is_the_year_the_page_prints():
    p = page(
        ("No:XJ2021JN2210", (892, 175, 1120, 219)),
        ("荣誉证书", (417, 272, 888, 405)),
        ("康峰：", (222, 513, 354, 583)),
        ("在昌吉州第二届职业技能竞赛铣", (319, 637, 1029, 732)),
        ("工赛项中荣获一等奖。", (213, 725, 740, 814)),
        ("昌吉回族自治州人力资源和社会保障局", (511, 1403, 1031, 1479)),
        ("二OE一年一月日十日", (575, 1464, 956, 1539)),
    )
    got = values(p, DocType.award_certificate)
    # The day is past reading: the month is what stands, and the award's year with it.
    assert got["issue_date"] == "2021-01" and got["award_year"] == "2021"
    # Without that year printed, E stays unread: 二 or 三 is not guessed.
    from extractors.fields import _date

    assert _date("二OE一年一月五日") is None


def test_a_number_beside_a_photo_label_is_still_read_by_its_shape():
    p = page(
        ("职称证书", (500, 60, 900, 140)),
        *row(300, ("姓名", 200, 300), ("马佳静", 400, 520)),
        *row(400, ("照片", 200, 300), ("650103197601183760", 400, 800)),
        *row(500, ("资格名称", 200, 360), ("主治医师", 400, 560)),
    )
    assert values(p, DocType.title_certificate)["id_number"] == "650103197601183760"


def test_an_issuer_after_a_labels_head_and_with_its_own_head_glyph_lost():
    from extractors.fields import _issuer

    # 发证机关's 关 and 中国's 中 lost with the gap: the label's head goes, the name's comes back.
    assert (
        _issuer("发证机国石油天然气集团公司职业技能鉴定指导中心")
        == "中国石油天然气集团公司职业技能鉴定指导中心"
    )
    assert _issuer("疆维吾尔自治区总工会") == "新疆维吾尔自治区总工会"
    # A head not one of a fixed phrase's is not guessed.
    assert _issuer("发证机天业集团") == "发证机天业集团"
