"""Installed CJK fonts by family, cached per size.

Noto CJK (CFF outlines) renders fine in Pillow but reportlab cannot embed it, so pages meant
for a text-layer PDF draw with the TrueType families only (`TRUETYPE`).
"""

from __future__ import annotations

import functools
import random

from PIL import ImageFont

_NOTO = "/usr/share/fonts/opentype/noto/"
_DEJAVU = "/usr/share/fonts/truetype/dejavu/"

# family → (file, index in the collection). Noto index 2 = SC (simplified Chinese forms).
FAMILIES: dict[str, tuple[str, int]] = {
    "sans": (_NOTO + "NotoSansCJK-Regular.ttc", 2),
    "sans_bold": (_NOTO + "NotoSansCJK-Bold.ttc", 2),
    "serif": (_NOTO + "NotoSerifCJK-Regular.ttc", 2),
    "serif_bold": (_NOTO + "NotoSerifCJK-Bold.ttc", 2),
    "kai": ("/usr/share/fonts/truetype/arphic/ukai.ttc", 0),
    "ming": ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
    "hei": ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    "mono": (_DEJAVU + "DejaVuSansMono.ttf", 0),
    "latin": (_DEJAVU + "DejaVuSans.ttf", 0),
    "latin_serif": (_DEJAVU + "DejaVuSerif.ttf", 0),
}
TRUETYPE = ("kai", "ming", "hei", "mono", "latin", "latin_serif")
# What a CFF family becomes on a text-layer page.
TRUETYPE_SUBSTITUTE = {"sans": "hei", "sans_bold": "hei", "serif": "ming", "serif_bold": "ming"}


# Middle dot between name parts as printed, with weights (domain.md: • ‧ ・ ． ⋅, a space or
# nothing in the wild); truth writes any dot as U+00B7 and keeps a name printed without one as
# printed.
NAME_DOTS = {"·": 80, "•": 5, "・": 4, "．": 3, " ": 2, "‧": 2, "⋅": 1, "": 3}
NAME_DOT_VARIANTS = "".join(d for d in NAME_DOTS if d.strip())  # the glyphs: "·•・．‧⋅"


@functools.lru_cache(maxsize=128)
def has_glyph(family: str, ch: str) -> bool:
    """False when the family would draw its missing-glyph box for `ch`."""
    f = font(family, 40)

    def ink(c: str) -> bytes:
        return bytes(f.getmask(c))

    return ink(ch) != ink("\ue000")


def printable(family: str, s: str) -> str:
    """Name dots the family lacks become U+00B7, which every family has: a word processor
    falls back to another font rather than print a box (Noto CJK has no ⋅, WenQuanYi no •)."""
    for ch in NAME_DOT_VARIANTS[1:]:
        if ch in s and not has_glyph(family, ch):
            s = s.replace(ch, "·")
    return s


@functools.lru_cache(maxsize=512)
def font(family: str, size: int) -> ImageFont.FreeTypeFont:
    path, index = FAMILIES[family]
    return ImageFont.truetype(path, max(6, int(size)), index=index)


class FontSet:
    """The families one document uses for its roles (title, label, value, name, body, number)."""

    ROLES = ("title", "label", "value", "name", "body", "number")

    def __init__(self, roles: dict[str, str], truetype_only: bool = False):
        if truetype_only:
            roles = {k: TRUETYPE_SUBSTITUTE.get(v, v) for k, v in roles.items()}
        self.roles = roles
        self.truetype_only = truetype_only

    def family(self, role_or_family: str) -> str:
        fam = self.roles.get(role_or_family, role_or_family)
        if self.truetype_only:
            fam = TRUETYPE_SUBSTITUTE.get(fam, fam)
        return fam

    def get(self, role_or_family: str, size: float) -> ImageFont.FreeTypeFont:
        return font(self.family(role_or_family), int(round(size)))

    @classmethod
    def pick(cls, rng: random.Random, truetype_only: bool = False) -> FontSet:
        title = rng.choice(("serif_bold", "serif_bold", "sans_bold", "kai", "hei", "ming"))
        body = rng.choice(("serif", "serif", "sans", "ming", "hei", "kai", "sans"))
        label = rng.choice((body, body, "sans", "hei", "serif"))
        value = rng.choice((body, body, "kai", "sans", "ming", "hei"))
        name = rng.choice((value, value, "kai", "kai", "serif_bold", "sans_bold"))
        number = rng.choice((value, "sans", "serif", "latin", "hei"))
        return cls(
            {
                "title": title,
                "label": label,
                "value": value,
                "name": name,
                "body": body,
                "number": number,
            },
            truetype_only,
        )
