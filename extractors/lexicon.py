"""Fixed phrases of Xinjiang certificates, used to mend one misread character in long names,
and the endings of honour titles.

OCR on poor scans swaps one glyph for a look-alike (人力资源 → 人为资源, 鉴定 → 鋻定). An
organisation name is mostly made of a few fixed phrases, so a window that differs from a
known phrase in one character (two for long phrases) is put right. Only phrases of four
characters or more are used: shorter ones match too much by chance.
"""

from __future__ import annotations

import re

PHRASES: tuple[str, ...] = (
    "新疆维吾尔自治区", "新疆生产建设兵团", "人力资源和社会保障厅", "人力资源和社会保障局",
    "人力资源和社会保障部", "人力资源社会保障厅", "人力资源社会保障局",
    "人力资源社会保障部", "职业技能鉴定中心",
    "职业技能鉴定指导中心", "职业技能鉴定所", "技能等级认定", "评审委员会", "专业技术职务",
    "专业技术资格", "中小学教师系列", "工程技术系列", "卫生系列", "总工会", "人民政府",
    "有限责任公司", "股份有限公司", "集团有限公司", "职业技术学院", "职业技术学校", "技师学院",
    "高级技工学校", "乌鲁木齐", "克拉玛依", "哈萨克自治州", "回族自治州", "蒙古自治州",
    "柯尔克孜自治州", "巴音郭楞蒙古自治州", "巴音郭楞", "博尔塔拉", "伊犁哈萨克", "昌吉回族",
    "阿克苏地区", "喀什地区",
    "和田地区", "塔城地区", "阿勒泰地区", "吐鲁番市", "哈密市", "共产主义青年团", "妇女联合会",
    "科学技术协会", "教育厅", "工业和信息化厅", "中国石油天然气", "乌鲁木齐市", "克拉玛依市",
    "昌吉市", "石河子市", "阿克苏市", "库尔勒市", "伊宁市", "五家渠市",
    "石油天然气集团", "人才工作领导小组", "委员会人才工作领导小组",
    # honours
    "巾帼建功标兵", "三八红旗手", "五一劳动奖章", "先进工作者", "优秀共产党员", "青年岗位能手",
    "劳动模范", "技术能手", "天山英才", "技能大师", "首席技师", "拔尖人才",
)  # fmt: skip

# How an honour's title ends, from the programs' notices (seeds) and the high-skill measures
# ("全国劳动模范", "自治区技术能手", "“天山英才”").
HONOUR_ENDINGS: tuple[str, ...] = (
    "技术能手", "技能大奖", "技能大师", "劳动模范", "劳动奖章", "奖章", "岗位能手", "建功标兵",
    "标兵", "先进工作者", "先进个人", "先进集体", "优秀共产党员", "工匠", "英才", "能手", "模范",
    "名师", "首席技师", "拔尖人才",
)  # fmt: skip


# How an organisation's name begins: where it is or whose it is. One read without such a head
# lost it, or took stray glyphs, under its seal ("业（集团）有限公司", "力资源和社喀什地区…").
ORG_HEAD = re.compile(
    r"^(?:新疆|中共|中华|中国|国网|全国|共青团|自治区|兵团|第[一二三四五六七八九十]+师|"
    r"乌鲁木齐|克拉玛依|昌吉|伊犁|博尔塔拉|巴音郭楞|阿克苏|克孜勒苏|喀什|和田|塔城|阿勒泰|"
    r"吐鲁番|哈密|石河子|五家渠|库尔勒|阿拉尔|图木舒克|北屯|铁门关|奎屯|独山子|"
    r"[\u4e00-\u9fff]{2,3}[县市]|铁道|电力|石油|特变)"
)

_LONGEST_FIRST = sorted(PHRASES, key=len, reverse=True)

# An honour title alone on its line ("全国劳动模范", "“天山英才”称号"); classify and fields.
HONOUR_TAIL = "(?:" + "|".join(HONOUR_ENDINGS) + ")"
HONOUR_LINE = re.compile(
    r"[“\"「『]?[\u4e00-\u9fff]{1,14}" + HONOUR_TAIL + r"[”\"」』]?(?:称号|荣誉称号)?"
)


def mend(text: str) -> str:
    """Replace near-misses of known phrases; exact occurrences are left alone and protected,
    so "职业技术学院" is never turned into "职业技师学院" by the shorter "技师学院"."""
    if len(text) < 5:
        return text
    chars = list(text)
    protected = [False] * len(chars)
    for phrase in _LONGEST_FIRST:
        start = text.find(phrase)
        while start >= 0:
            protected[start : start + len(phrase)] = [True] * len(phrase)
            start = text.find(phrase, start + 1)
    for phrase in _LONGEST_FIRST:
        n = len(phrase)
        if n < 5:
            continue
        limit = 2 if n >= 9 else 1
        i = 0
        while i + n <= len(chars):
            # Ends must agree: a window shifted by one would otherwise "match" with one diff.
            # Only glyphs that differ must be unprotected: "巴音郭榜蒙古自治州" holds an exact
            # 蒙古自治州 and still has its 榜 put right.
            changed = [j for j in range(i, i + n) if chars[j] != phrase[j - i]]
            # A long phrase may lose its first glyph too (然力资源租社会保障局): its ending
            # must then agree and the rest hold no more than the limit.
            ends = chars[i] == phrase[0] or (n >= 9 and chars[i + n - 2] == phrase[-2])
            if (
                0 < len(changed) <= limit
                and ends
                and chars[i + n - 1] == phrase[-1]
                and not any(protected[j] for j in changed)
            ):
                chars[i : i + n] = list(phrase)
                protected[i : i + n] = [True] * n
                i += n
            else:
                i += 1
    return "".join(chars)


# What a copy carries that is not the document (documents.md, overprints): a certification
# stamp, who checked it, a "for this application only" line; and a page number or fax header.
OVERPRINT = re.compile(r"原件|核对|审核人|核对人|复印|仅供|申报使用|他用无效|再复印")
PAGE_MARK = re.compile(r"\s*(?:第\s*\d+\s*页|\d+\s*/\s*\d+|P\.\d+/\d+)\s*")
