"""Validators for ID numbers (GB 11643-1999) and certificate numbers (domain.md)."""

from __future__ import annotations

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"


def id_check_char(first17: str) -> str:
    """GB 11643 check character for the first 17 digits."""
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError("need 17 digits")
    return _CHECK_CHARS[sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True)) % 11]


# Xinjiang prefecture-level prefixes (domain.md). 6521/6522 are the pre-2015 吐鲁番/哈密 codes.
XINJIANG_PREFECTURES: dict[str, str] = {
    "6501": "乌鲁木齐市",
    "6502": "克拉玛依市",
    "6504": "吐鲁番市",
    "6505": "哈密市",
    "6521": "吐鲁番地区",
    "6522": "哈密地区",
    "6523": "昌吉回族自治州",
    "6527": "博尔塔拉蒙古自治州",
    "6528": "巴音郭楞蒙古自治州",
    "6529": "阿克苏地区",
    "6530": "克孜勒苏柯尔克孜自治州",
    "6531": "喀什地区",
    "6532": "和田地区",
    "6540": "伊犁哈萨克自治州",
    "6542": "塔城地区",
    "6543": "阿勒泰地区",
    "6590": "自治区直辖县级行政区划（兵团城市）",
}
SOUTHERN_PREFIXES = frozenset({"6528", "6529", "6530", "6531", "6532"})
