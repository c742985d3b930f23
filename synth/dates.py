"""Date printing in the styles certificates use; truth always stays ISO."""

from __future__ import annotations

import datetime as dt
import random

_CN = "〇一二三四五六七八九"


def cn_number(n: int) -> str:
    """1..99 in Chinese numerals as dates print them (十, 十一, 二十, 三十一)."""
    if n < 10:
        return _CN[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _CN[tens]) + "十" + (_CN[ones] if ones else "")


def cn_year(y: int, zero: str = "〇") -> str:
    return "".join(_CN[int(c)] for c in str(y)).replace("〇", zero)


# Own formatter rather than extractors.normalize's: the variants below (○, 零) are the point.
def format_cn_date(iso: str, zero: str = "〇") -> str:
    d = dt.date.fromisoformat(iso)
    return f"{cn_year(d.year, zero)}年{cn_number(d.month)}月{cn_number(d.day)}日"


DATE_STYLES = ("arabic_pad", "arabic", "cn", "cn_o", "cn_ling", "dot", "spaced")


def fmt_date(d: dt.date, style: str) -> str:
    if style == "arabic_pad":
        return f"{d.year}年{d.month:02d}月{d.day:02d}日"
    if style == "arabic":
        return f"{d.year}年{d.month}月{d.day}日"
    if style == "cn":
        return format_cn_date(d.isoformat())
    if style == "cn_o":  # WHITE CIRCLE instead of 〇, common in word-processed certificates
        return format_cn_date(d.isoformat(), "○")
    if style == "cn_ling":
        return format_cn_date(d.isoformat(), "零")
    if style == "dot":
        return f"{d.year}.{d.month:02d}.{d.day:02d}"
    if style == "dash":
        return d.isoformat()
    if style == "spaced":
        return f"{d.year} 年 {d.month} 月 {d.day} 日"
    raise ValueError(style)


def fmt_month(d: dt.date, style: str) -> str:
    """Year and month only (出生年月, study periods)."""
    if style.startswith("cn"):
        zero = {"cn": "〇", "cn_o": "○", "cn_ling": "零"}[style]
        return f"{cn_year(d.year, zero)}年{cn_number(d.month)}月"
    if style == "dot":
        return f"{d.year}.{d.month:02d}"
    if style == "arabic_pad":
        return f"{d.year}年{d.month:02d}月"
    return f"{d.year}年{d.month}月"


def pick_style(rng: random.Random, cn_share: float = 0.35, dot_share: float = 0.08) -> str:
    r = rng.random()
    if r < cn_share:
        return rng.choices(("cn", "cn_o", "cn_ling"), weights=(7, 2, 1))[0]
    if r < cn_share + dot_share:
        return "dot"
    return rng.choices(("arabic_pad", "arabic", "spaced"), weights=(5, 4, 1))[0]


def random_date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    if end <= start:
        return start
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


def clamp(d: dt.date, lo: dt.date, hi: dt.date) -> dt.date:
    return max(lo, min(hi, d))
