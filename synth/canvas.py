"""A page being drawn: text with tracked boxes, paragraphs that wrap CJK text, seal overlays.

Text is always placed at a left-baseline point so that the same operations can be replayed
into a PDF text layer (synth.textpdf) with identical geometry.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageDraw

from synth.fonts import FontSet, font, printable

BBox = tuple[int, int, int, int]
RGB = tuple[int, int, int]

_LATIN_FAMILIES = ("mono", "latin", "latin_serif")
# Characters that must not start a line (simple kinsoku).
_NO_LINE_START = set("，。、；：？！）》」』”’·%")


@dataclass
class TextOp:
    text: str
    x: float  # left of the advance box
    y: float  # baseline
    family: str
    size: int
    fill: RGB


@dataclass
class Overlay:
    image: Image.Image  # RGBA, multiplied onto the page (ink on paper)
    x: int
    y: int


@dataclass
class Seg:
    """A run of paragraph text; `key` marks a truth value whose box is recorded."""

    text: str
    role: str = "body"
    key: str | None = None
    fill: RGB | None = None
    size: float | None = None


def union(a: BBox | None, b: BBox) -> BBox:
    if a is None:
        return b
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


@dataclass
class Canvas:
    w: int
    h: int
    fonts: FontSet
    bg: RGB = (255, 255, 255)
    text_layer: bool = False  # record text for a PDF text layer instead of rasterising it
    img: Image.Image = field(init=False)
    ops: list[TextOp] = field(default_factory=list)
    overlays: list[Overlay] = field(default_factory=list)
    boxes: dict[str, BBox] = field(default_factory=dict)

    def __post_init__(self):
        self.img = Image.new("RGB", (self.w, self.h), self.bg)
        self.draw = ImageDraw.Draw(self.img)

    # -- text ---------------------------------------------------------------------------
    def _family(self, role: str, s: str) -> str:
        fam = self.fonts.family(role)
        if fam in _LATIN_FAMILIES and not s.isascii():
            fam = self.fonts.family("value")
            if fam in _LATIN_FAMILIES:
                fam = "hei" if self.fonts.truetype_only else "sans"
        return fam

    def measure(self, s: str, role: str, size: float) -> float:
        fam = self._family(role, s)
        return font(fam, int(round(size))).getlength(printable(fam, s))

    def text(
        self,
        xy: tuple[float, float],
        s: str,
        role: str = "value",
        size: float = 60,
        fill: RGB = (20, 20, 20),
        anchor: str = "ls",
        key: str | None = None,
    ) -> BBox:
        """Draw `s`; returns its ink box. `anchor` as in Pillow (e.g. ls, ms, lm, mm, rs)."""
        if not s:
            return (int(xy[0]), int(xy[1]), int(xy[0]), int(xy[1]))
        fam = self._family(role, s)
        s = printable(fam, s)
        size = int(round(size))
        f = font(fam, size)
        a = f.getbbox(s, anchor=anchor)
        b = f.getbbox(s, anchor="ls")
        x = xy[0] + a[0] - b[0]
        y = xy[1] + a[1] - b[1]
        box = (int(x + b[0]), int(y + b[1]), int(np.ceil(x + b[2])), int(np.ceil(y + b[3])))
        self.ops.append(TextOp(s, x, y, fam, size, fill))
        if not self.text_layer:
            self.draw.text((x, y), s, font=f, fill=fill, anchor="ls")
        if key:
            self.boxes[key] = union(self.boxes.get(key), box)
        return box

    def fit_size(self, s: str, role: str, size: float, max_w: float, min_ratio=0.55) -> float:
        w = self.measure(s, role, size)
        if w <= max_w:
            return size
        return max(size * min_ratio, size * max_w / w * 0.98)

    def spaced(
        self,
        xy: tuple[float, float],
        s: str,
        role: str,
        size: float,
        spacing: float,
        fill: RGB = (20, 20, 20),
        align: str = "m",
        key: str | None = None,
    ) -> BBox:
        """Letter-spaced line (titles, justified labels); align l/m/r about xy, baseline y."""
        fam = self._family(role, s)
        s = printable(fam, s)
        f = font(fam, int(round(size)))
        widths = [f.getlength(c) for c in s]
        total = sum(widths) + spacing * (len(s) - 1)
        x = xy[0] - {"l": 0, "m": total / 2, "r": total}[align]
        box = None
        for c, cw in zip(s, widths, strict=True):
            if c.strip():
                box = union(box, self.text((x, xy[1]), c, role, size, fill, "ls"))
            x += cw + spacing
        box = box or (int(xy[0]), int(xy[1]), int(xy[0]), int(xy[1]))
        if key:
            self.boxes[key] = union(self.boxes.get(key), box)
        return box

    def paragraph(
        self,
        x0: float,
        y0: float,
        width: float,
        segs: list[Seg],
        size: float,
        line_h: float | None = None,
        indent: float = 0,
        fill: RGB = (20, 20, 20),
        align: str = "l",
    ) -> float:
        """Wrap runs into lines starting at baseline y0; returns the baseline after the last."""
        line_h = line_h or size * 1.75
        tokens: list[tuple[str, Seg]] = []
        for seg in segs:
            fits = self.measure(seg.text, seg.role, seg.size or size) < width * 0.8
            if seg.key and fits:
                tokens.append((seg.text, seg))  # keep a value on one line
                continue
            run = ""
            for c in seg.text:  # keep Latin/digit runs together, CJK breaks anywhere
                if c.isascii() and c not in " " and (not run or run[-1].isascii()):
                    run += c
                    continue
                if run:
                    tokens.append((run, seg))
                run = c
            if run:
                tokens.append((run, seg))
        lines: list[list[tuple[str, Seg, float]]] = [[]]
        cur = indent
        for tok, seg in tokens:
            w = self.measure(tok, seg.role, seg.size or size)
            if cur + w > width and lines[-1] and tok[0] not in _NO_LINE_START:
                lines.append([])
                cur = 0
            lines[-1].append((tok, seg, w))
            cur += w
        y = y0
        for i, line in enumerate(lines):
            lw = sum(w for _, _, w in line) + (indent if i == 0 else 0)
            x = x0 + (indent if i == 0 else 0)
            if align == "m":
                x += (width - lw) / 2
            elif align == "r":
                x += width - lw
            for tok, seg, w in line:
                self.text((x, y), tok, seg.role, seg.size or size, seg.fill or fill, "ls", seg.key)
                x += w
            y += line_h
        return y

    # -- overlays -----------------------------------------------------------------------
    def add_overlay(self, rgba: Image.Image, center: tuple[float, float]) -> BBox:
        x = int(center[0] - rgba.width / 2)
        y = int(center[1] - rgba.height / 2)
        self.overlays.append(Overlay(rgba, x, y))
        return (x, y, x + rgba.width, y + rgba.height)

    def render(self) -> Image.Image:
        """The finished raster page: text (if deferred) and overlays applied."""
        out = self.img.copy()
        if self.text_layer:
            d = ImageDraw.Draw(out)
            for op in self.ops:
                d.text(
                    (op.x, op.y), op.text, font=font(op.family, op.size), fill=op.fill, anchor="ls"
                )
        for ov in self.overlays:
            multiply_overlay(out, ov.image, ov.x, ov.y)
        return out


def multiply_overlay(page: Image.Image, rgba: Image.Image, x: int, y: int) -> None:
    """Ink-like blend: the overlay darkens what is under it and never lightens black text."""
    x0, y0 = max(0, x), max(0, y)
    x1, y1 = min(page.width, x + rgba.width), min(page.height, y + rgba.height)
    if x1 <= x0 or y1 <= y0:
        return
    base = np.asarray(page.crop((x0, y0, x1, y1)), dtype=np.float32)
    ov = np.asarray(rgba.crop((x0 - x, y0 - y, x1 - x, y1 - y)), dtype=np.float32) / 255.0
    a = ov[..., 3:4]
    out = base * (1.0 - a * (1.0 - ov[..., :3]))
    page.paste(Image.fromarray(out.clip(0, 255).astype(np.uint8)), (x0, y0))
