"""Synthetic applicants: names, ethnicity, GB 11643 ID numbers with Xinjiang region codes.

Everything is drawn from the caller's `random.Random`, so a seed fixes the person.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, replace

# County-level address codes per prefecture prefix (real codes; 6521/6522 are the pre-2015
# 吐鲁番/哈密 codes still printed on older ID cards).
COUNTIES: dict[str, list[tuple[str, str]]] = {
    "6501": [("650102", "乌鲁木齐市天山区"), ("650103", "乌鲁木齐市沙依巴克区"),
             ("650104", "乌鲁木齐市新市区"), ("650105", "乌鲁木齐市水磨沟区"),
             ("650106", "乌鲁木齐市头屯河区"), ("650109", "乌鲁木齐市米东区"),
             ("650121", "乌鲁木齐县")],
    "6502": [("650202", "克拉玛依市独山子区"), ("650203", "克拉玛依市克拉玛依区"),
             ("650204", "克拉玛依市白碱滩区")],
    "6504": [("650402", "吐鲁番市高昌区"), ("650421", "鄯善县"), ("650422", "托克逊县")],
    "6505": [("650502", "哈密市伊州区"), ("650521", "巴里坤哈萨克自治县"), ("650522", "伊吾县")],
    "6521": [("652101", "吐鲁番市"), ("652122", "鄯善县"), ("652123", "托克逊县")],
    "6522": [("652201", "哈密市"), ("652222", "巴里坤哈萨克自治县"), ("652223", "伊吾县")],
    "6523": [("652301", "昌吉市"), ("652302", "阜康市"), ("652323", "呼图壁县"),
             ("652324", "玛纳斯县"), ("652325", "奇台县"), ("652327", "吉木萨尔县")],
    "6527": [("652701", "博乐市"), ("652722", "精河县"), ("652723", "温泉县")],
    "6528": [("652801", "库尔勒市"), ("652822", "轮台县"), ("652823", "尉犁县"),
             ("652826", "焉耆回族自治县"), ("652827", "和静县")],
    "6529": [("652901", "阿克苏市"), ("652922", "温宿县"), ("652924", "沙雅县"),
             ("652926", "拜城县"), ("652928", "阿瓦提县")],
    "6530": [("653001", "阿图什市"), ("653022", "阿克陶县"), ("653023", "阿合奇县"),
             ("653024", "乌恰县")],
    "6531": [("653101", "喀什市"), ("653121", "疏附县"), ("653122", "疏勒县"),
             ("653125", "莎车县"), ("653126", "叶城县"), ("653129", "伽师县"),
             ("653130", "巴楚县"), ("653131", "塔什库尔干塔吉克自治县")],
    "6532": [("653201", "和田市"), ("653221", "和田县"), ("653222", "墨玉县"),
             ("653224", "洛浦县"), ("653226", "于田县")],
    "6540": [("654002", "伊宁市"), ("654003", "奎屯市"), ("654021", "伊宁县"),
             ("654022", "察布查尔锡伯自治县"), ("654023", "霍城县"), ("654025", "新源县"),
             ("654026", "昭苏县")],
    "6542": [("654201", "塔城市"), ("654202", "乌苏市"), ("654221", "额敏县"),
             ("654224", "托里县"), ("654226", "和布克赛尔蒙古自治县")],
    "6543": [("654301", "阿勒泰市"), ("654321", "布尔津县"), ("654322", "富蕴县"),
             ("654324", "哈巴河县")],
    "6590": [("659001", "石河子市"), ("659002", "阿拉尔市"), ("659003", "图木舒克市"),
             ("659004", "五家渠市")],
}  # fmt: skip

# Prefecture part of a postal address, printed before the county.
PREFECTURE_ADDR = {
    "6501": "", "6502": "", "6504": "吐鲁番市", "6505": "哈密市", "6521": "吐鲁番地区",
    "6522": "哈密地区", "6523": "昌吉回族自治州", "6527": "博尔塔拉蒙古自治州",
    "6528": "巴音郭楞蒙古自治州", "6529": "阿克苏地区", "6530": "克孜勒苏柯尔克孜自治州",
    "6531": "喀什地区", "6532": "和田地区", "6540": "伊犁哈萨克自治州", "6542": "塔城地区",
    "6543": "阿勒泰地区", "6590": "",
}  # fmt: skip

# Prefecture a declared table names for an address-code prefix. Numbers issued before 2015
# keep 6521/6522, but the applicant's prefecture is today's 吐鲁番市/哈密市; 6590 (兵团) is
# named per city (synth.batch).
PREFECTURE_NAMES = {
    "6501": "乌鲁木齐市", "6502": "克拉玛依市", "6504": "吐鲁番市", "6505": "哈密市",
    "6521": "吐鲁番市", "6522": "哈密市", "6523": "昌吉回族自治州",
    "6527": "博尔塔拉蒙古自治州", "6528": "巴音郭楞蒙古自治州", "6529": "阿克苏地区",
    "6530": "克孜勒苏柯尔克孜自治州", "6531": "喀什地区", "6532": "和田地区",
    "6540": "伊犁哈萨克自治州", "6542": "塔城地区", "6543": "阿勒泰地区",
}  # fmt: skip

# Where each group mostly lives (prefix → weight); keeps ID regions plausible.
REGION_WEIGHTS: dict[str, dict[str, float]] = {
    "汉族": {"6501": 30, "6502": 8, "6523": 14, "6590": 12, "6540": 6, "6542": 5, "6505": 3,
             "6522": 3, "6528": 6, "6529": 4, "6543": 3, "6527": 3, "6504": 1, "6521": 1,
             "6531": 1},
    "维吾尔族": {"6531": 25, "6532": 18, "6529": 14, "6501": 12, "6521": 5, "6504": 3,
                 "6528": 6, "6540": 6, "6530": 3, "6522": 2, "6505": 1, "6523": 2},
    "哈萨克族": {"6540": 30, "6542": 22, "6543": 22, "6523": 12, "6501": 6, "6522": 4,
                 "6505": 2, "6527": 2},
    "回族": {"6523": 30, "6501": 30, "6540": 15, "6528": 10, "6542": 5, "6522": 4, "6590": 3},
    "柯尔克孜族": {"6530": 70, "6531": 10, "6540": 10, "6501": 10},
    "蒙古族": {"6527": 35, "6528": 35, "6542": 15, "6501": 15},
    "锡伯族": {"6540": 70, "6501": 20, "6542": 10},
    "塔吉克族": {"6531": 80, "6501": 20},
    "乌孜别克族": {"6501": 40, "6531": 30, "6540": 30},
}  # fmt: skip

ETHNICITY_WEIGHTS = {
    "汉族": 42, "维吾尔族": 30, "哈萨克族": 9, "回族": 7, "柯尔克孜族": 3, "蒙古族": 3,
    "锡伯族": 2, "塔吉克族": 2, "乌孜别克族": 2,
}  # fmt: skip

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢"
    "蒋蔡贾丁魏薛叶余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟"
    "龙万段雷钱汤尹易常武乔贺赖龚文牛严葛"
)
COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "令狐", "皇甫")
HUI_SURNAMES = "马马马回白杨韩丁海冶穆哈纳沙"
XIBE_SURNAMES = "关佟何郭吴安韩赵"
GIVEN_MALE = (
    "伟强磊军洋勇杰涛明超刚平辉鹏华飞斌波宇浩凯健俊帆帅旭宁龙林欣文博志建国庆东新疆成峰彬亮"
)
GIVEN_FEMALE = "芳娜敏静丽艳娟霞燕玲婷雪慧莉红梅琳颖倩洁琴云兰萍凤玉晶月秀英华蓉丹璐瑶佳悦"

UYGHUR_MALE = (
    "买买提", "艾力", "阿不都", "艾买提", "吐尔逊", "阿迪力", "热合曼", "依明", "库尔班",
    "麦麦提", "艾尔肯", "努尔艾力", "伊力哈木", "亚森", "玉素甫", "吾斯曼", "阿布来提", "肉孜",
    "塔依尔", "帕尔哈提", "艾克拜尔", "迪力夏提", "买合木提", "阿里木", "卡德尔", "吾买尔",
    "托合提", "木合塔尔", "艾则孜", "斯拉木", "阿卜杜热西提", "阿布都热依木", "如则", "依沙克",
    "奥斯曼", "热西提", "司马义", "艾合买提", "吾守尔", "阿吉",
)  # fmt: skip
UYGHUR_FEMALE = (
    "阿依古丽", "古丽娜尔", "热依拉", "帕提古丽", "迪丽努尔", "努尔古丽", "阿依努尔",
    "米日古丽", "再努尔", "古丽米拉", "布合力其", "玛依拉", "热孜万古丽", "祖丽胡玛尔",
    "阿曼古丽", "海丽其古丽", "萨拉", "古再丽努尔", "阿尔祖古丽", "迪娜", "阿娜尔古丽",
    "热娜", "排孜拉", "穆耶赛尔", "吐尼萨汗",
)  # fmt: skip
KAZAKH_MALE = (
    "努尔兰", "叶尔兰", "别克", "哈布德克里木", "叶尔江", "阿力木江", "加肯", "达吾列提",
    "哈那提", "叶尔波拉提", "巴合提", "努尔波拉提", "马合沙提", "赛力克", "叶尔肯", "阿斯哈尔",
    "居马别克", "沙肯", "木拉提", "吐尔洪", "哈力木", "胡安", "叶尔达吾列提", "阿合买提",
)  # fmt: skip
KAZAKH_FEMALE = (
    "古丽巴哈尔", "阿依登", "加娜尔", "哈丽亚", "努尔加玛丽", "阿合加孜", "沙吾列", "玛丽亚",
    "库拉依", "阿丽玛", "阿依达娜", "古丽孜拉", "叶尔克西",
)  # fmt: skip
KYRGYZ_MALE = (
    "吐尔地", "阿不都拉", "托合托逊", "库尔曼", "阿斯卡尔", "苏来满", "艾山", "吐尔干", "朱马",
    "买买提艾力", "克依木", "阿克木",
)  # fmt: skip
KYRGYZ_FEMALE = ("阿依谢", "古丽加玛丽", "努尔扎达", "吐尔干阿依", "布茹丽", "阿依江")
MONGOL_MALE = ("巴特尔", "朝鲁", "孟克", "额尔敦", "宝音", "达来", "巴图", "苏和", "那顺")
MONGOL_FEMALE = ("其其格", "乌兰", "斯琴", "萨仁", "娜仁", "高娃", "托娅", "阿拉坦")
TAJIK_MALE = ("阿曼", "巴依", "热布开", "米尔扎", "夏米斯")
TAJIK_FEMALE = ("古丽", "巴努", "赛乃木", "米娜")

MINORITY_NAMES = {
    "维吾尔族": (UYGHUR_MALE, UYGHUR_FEMALE),
    "哈萨克族": (KAZAKH_MALE, KAZAKH_FEMALE),
    "柯尔克孜族": (KYRGYZ_MALE, KYRGYZ_FEMALE),
    "乌孜别克族": (UYGHUR_MALE, UYGHUR_FEMALE),
    "塔吉克族": (TAJIK_MALE + UYGHUR_MALE[:10], TAJIK_FEMALE + UYGHUR_FEMALE[:6]),
}

# Traditional forms of common name characters: a few applicants print their name this way.
TRADITIONAL = dict(
    zip(
        "张陈刘杨赵黄吴孙郑谢韩冯邓许卢蒋叶钟伟华红军国东涛刚强杰兰凤云龙宁静丽娟艳飞鹏辉斌宇凯俊帅旭庆"
        "马汤钱龚贺罗齐乔邹严苏顾",
        "張陳劉楊趙黃吳孫鄭謝韓馮鄧許盧蔣葉鍾偉華紅軍國東濤剛強傑蘭鳳雲龍寧靜麗娟艷飛鵬輝斌宇凱俊帥旭慶"
        "馬湯錢龔賀羅齊喬鄒嚴蘇顧",
        strict=True,
    )
)

STREETS = (
    "解放南路", "人民路", "新华北路", "北京南路", "友好北路", "长江路", "黄河路", "建设路",
    "文化路", "团结路", "光明路", "天山路", "迎宾路", "幸福路", "胜利路", "和平路", "延安路",
)  # fmt: skip
TOWNS = ("托克扎克镇", "阿瓦提乡", "巴仁乡", "英也尔乡", "古勒巴格乡", "兰干乡", "园艺场", "二道桥")


@dataclass(frozen=True)
class Person:
    name: str
    gender: str  # 男/女
    ethnicity: str  # full form, e.g. 维吾尔族
    id_number: str
    birth_date: str  # ISO YYYY-MM-DD
    address: str

    @property
    def birth(self) -> dt.date:
        return dt.date.fromisoformat(self.birth_date)

    @property
    def region_prefix(self) -> str:
        return self.id_number[:4]


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def make_name(rng: random.Random, ethnicity: str, gender: str) -> str:
    """A name as it would be printed; minority names joined with U+00B7."""
    male = gender == "男"
    if ethnicity in MINORITY_NAMES:
        own, _ = MINORITY_NAMES[ethnicity]
        given = rng.choice(own if male else MINORITY_NAMES[ethnicity][1])
        parts = [given, rng.choice(own)]  # second part is the father's name
        if rng.random() < 0.15:
            parts.append(rng.choice(own))  # grandfather's name
        if parts[1] == parts[0]:
            parts[1] = rng.choice([n for n in own if n != parts[0]])
        return "·".join(parts)
    if ethnicity == "蒙古族":
        pool = MONGOL_MALE if male else MONGOL_FEMALE
        if rng.random() < 0.5:
            return rng.choice(pool)
        return rng.choice(pool) + "·" + rng.choice(MONGOL_MALE)
    if ethnicity == "回族":
        surname = rng.choice(HUI_SURNAMES)
    elif ethnicity == "锡伯族":
        surname = rng.choice(XIBE_SURNAMES)
    elif rng.random() < 0.02:
        surname = rng.choice(COMPOUND_SURNAMES)
    else:
        surname = rng.choice(SURNAMES)
    pool = GIVEN_MALE if male else GIVEN_FEMALE
    given = "".join(rng.choice(pool) for _ in range(1 if rng.random() < 0.3 else 2))
    name = surname + given
    if rng.random() < 0.06:
        name = to_traditional(name) or name
    return name


def to_traditional(name: str) -> str | None:
    """Traditional spelling of a Han name, or None when no character changes."""
    out = "".join(TRADITIONAL.get(c, c) for c in name)
    return out if out != name else None


def id_check_char(first17: str) -> str:
    """GB 11643-1999 check character: the a1 that makes sum(a_i * 2^(i-1)) = 1 (mod 11), i
    counted from the right (a1 is the check character itself); 10 is written X.

    The generator's own, so the numbers it plants do not rest on the verifier's validator.
    """
    s = sum(int(c) * pow(2, 17 - k, 11) for k, c in enumerate(first17))
    a1 = (12 - s % 11) % 11
    return "X" if a1 == 10 else str(a1)


def make_id_number(rng: random.Random, prefix6: str, birth: dt.date, gender: str) -> str:
    seq = rng.randrange(0, 100) * 10 + rng.choice(
        (1, 3, 5, 7, 9) if gender == "男" else (0, 2, 4, 6, 8)
    )
    first17 = f"{prefix6}{birth:%Y%m%d}{seq:03d}"
    return first17 + id_check_char(first17)


def _pick_region(rng: random.Random, ethnicity: str, birth: dt.date) -> str:
    pref = _weighted(rng, REGION_WEIGHTS.get(ethnicity, REGION_WEIGHTS["汉族"]))
    # 吐鲁番/哈密 became cities in 2015; people registered earlier keep 6521/6522 numbers,
    # people registered later carry 6504/6505.
    if pref in ("6504", "6521"):
        pref = "6521" if birth.year < 1998 or rng.random() < 0.3 else "6504"
    if pref in ("6505", "6522"):
        pref = "6522" if birth.year < 1998 or rng.random() < 0.3 else "6505"
    return pref


def make_address(rng: random.Random, prefix4: str, county: str) -> str:
    head = rng.choice(("新疆维吾尔自治区", "新疆", "新疆维吾尔自治区"))
    pref = PREFECTURE_ADDR.get(prefix4, "")
    if county.endswith(("区", "市")) or rng.random() < 0.5:
        tail = f"{rng.choice(STREETS)}{rng.randint(1, 899)}号"
        if rng.random() < 0.5:
            tail += f"{rng.randint(1, 30)}栋{rng.randint(1, 6)}单元{rng.randint(101, 2602)}室"
    else:
        village = f"{rng.choice('东西南北')}{rng.randint(1, 12)}村"
        tail = f"{rng.choice(TOWNS)}{village}{rng.randint(1, 9)}组{rng.randint(1, 120)}号"
    return head + pref + county + tail


def make_person(rng: random.Random, **overrides) -> Person:
    """A random applicant; any Person field can be fixed through `overrides`.

    Overriding `birth_date` or `gender` without `id_number` regenerates a consistent ID
    number; `min_age`/`max_age` bound the age on 2025-01-01 (default 22..58).
    """
    min_age = overrides.pop("min_age", 22)
    max_age = overrides.pop("max_age", 58)
    ethnicity = overrides.get("ethnicity") or _weighted(rng, ETHNICITY_WEIGHTS)
    gender = overrides.get("gender") or ("男" if rng.random() < 0.6 else "女")
    if "birth_date" in overrides:
        birth = dt.date.fromisoformat(overrides["birth_date"])
    else:
        ref = dt.date(2025, 1, 1)
        lo = ref.replace(year=ref.year - max_age)
        hi = ref.replace(year=ref.year - min_age)
        birth = lo + dt.timedelta(days=rng.randrange((hi - lo).days))
    if "id_number" in overrides:
        id_number = overrides["id_number"]
        prefix4 = id_number[:4]
        county = dict(COUNTIES.get(prefix4, [])).get(id_number[:6], "")
    else:
        prefix4 = _pick_region(rng, ethnicity, birth)
        code, county = rng.choice(COUNTIES[prefix4])
        id_number = make_id_number(rng, code, birth, gender)
    name = overrides.get("name") or make_name(rng, ethnicity, gender)
    if "address" in overrides:
        address = overrides["address"]
    else:
        if rng.random() < 0.25:  # moved since the number was issued
            prefix4 = rng.choice(list(COUNTIES))
            county = rng.choice(COUNTIES[prefix4])[1]
        address = make_address(rng, prefix4, county or "乌鲁木齐市天山区")
    person = Person(name, gender, ethnicity, id_number, birth.isoformat(), address)
    extra = {k: v for k, v in overrides.items() if k not in ("ethnicity", "gender")}
    return replace(person, **{k: v for k, v in extra.items() if k in Person.__dataclass_fields__})
