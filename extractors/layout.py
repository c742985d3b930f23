"""Rows and cells from positioned lines, and boxes of sub-strings.

OCR gives one box per detected text run. Certificates put values after a label in the same
run, in the next cell of a table row, or under the label; rows make all three easy to reach.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from extractors.lexicon import OVERPRINT, PAGE_MARK
from models import BBox, TextLine


@dataclass
class Cell:
    text: str
    bbox: BBox
    confidence: float
    index: int  # position of the source line in PageText.lines
    row: int = -1
    col: int = -1

    @property
    def height(self) -> float:
        return self.bbox[3] - self.bbox[1]


@dataclass
class Row:
    cells: list[Cell] = field(default_factory=list)

    @property
    def top(self) -> float:
        return min(c.bbox[1] for c in self.cells)

    @property
    def bottom(self) -> float:
        return max(c.bbox[3] for c in self.cells)

    @property
    def text(self) -> str:
        return " ".join(c.text for c in self.cells)


def build_rows(lines: list[TextLine]) -> list[Row]:
    """Group lines into rows, cells left to right.

    A line joins a row when it overlaps the row's first line by half its height. Comparing
    with the first line (not the row's growing extent) keeps a tall box — a seal fragment,
    a stamp — from gluing two rows of the form together; such boxes get rows of their own.
    """
    cells = [
        Cell(text=ln.text, bbox=ln.bbox, confidence=ln.confidence, index=i)
        for i, ln in enumerate(lines)
    ]
    heights = sorted(c.height for c in cells)
    typical = heights[len(heights) // 2] if heights else 1.0
    cells.sort(key=lambda c: (c.bbox[1] + c.bbox[3]) / 2)
    rows: list[Row] = []
    for cell in cells:
        tall = cell.height > 1.8 * typical
        placed = False
        if not tall:
            for row in reversed(rows[-3:]):  # only recent rows can overlap a lower line
                anchor = row.cells[0]
                if anchor.height > 1.8 * typical:
                    continue
                overlap = min(anchor.bbox[3], cell.bbox[3]) - max(anchor.bbox[1], cell.bbox[1])
                if overlap > 0.5 * min(cell.height, anchor.height):
                    row.cells.append(cell)
                    placed = True
                    break
        if not placed:
            rows.append(Row(cells=[cell]))
    _settle(rows, typical)
    rows.sort(key=lambda r: r.top)
    for r, row in enumerate(rows):
        row.cells.sort(key=lambda c: c.bbox[0])
        for col, cell in enumerate(row.cells):
            cell.row, cell.col = r, col
    return rows


def _settle(rows: list[Row], typical: float) -> None:
    """A line that joined a row on a bare majority of its height moves to a row started
    later whose first line it overlaps far better (金佳璐 level with 姓名：, not with the
    wrapped line above it that it grazes)."""
    anchors = [(row, row.cells[0]) for row in rows if row.cells[0].height <= 1.8 * typical]
    for row in rows:
        for cell in list(row.cells[1:]):
            here = _covered(cell.bbox, row.cells[0].bbox)
            best, best_overlap = None, here + 0.25
            for other, anchor in anchors:
                if other is row:
                    continue
                o = _covered(cell.bbox, anchor.bbox)
                if o > best_overlap:
                    best, best_overlap = other, o
            if best is not None:
                row.cells.remove(cell)
                best.cells.append(cell)


def _covered(box: BBox, by: BBox) -> float:
    """Share of `box`'s height within `by`'s vertical span (a small line inside a tall one
    covers little of it: "Name" under 谭龙凯 does not pull it)."""
    inter = min(box[3], by[3]) - max(box[1], by[1])
    return max(0.0, inter) / max(1e-6, box[3] - box[1])


def typical_height(cells: list[Cell]) -> float:
    heights = sorted(c.height for c in cells)
    return heights[len(heights) // 2] if heights else 1.0


def vertical_overlap(a: BBox, b: BBox) -> float:
    """Overlap of two boxes' vertical extents, as a share of the shorter one."""
    inter = min(a[3], b[3]) - max(a[1], b[1])
    return inter / max(1e-6, min(a[3] - a[1], b[3] - b[1]))


def _char_weight(ch: str) -> float:
    # CJK and full-width glyphs are about twice as wide as Latin digits.
    return 1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.55


def sub_bbox(cell: Cell, start: int, end: int) -> BBox:
    """Box of cell.text[start:end], assuming glyph widths by East Asian width class."""
    text = cell.text
    if not text or (start <= 0 and end >= len(text)):
        return cell.bbox
    weights = [_char_weight(c) for c in text]
    total = sum(weights) or 1.0
    x0, y0, x1, y1 = cell.bbox
    a = x0 + (x1 - x0) * sum(weights[:start]) / total
    b = x0 + (x1 - x0) * sum(weights[:end]) / total
    return (round(a, 1), y0, round(b, 1), y1)


def union(boxes: list[BBox]) -> BBox:
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


# A page holding two documents side by side (two small certificates on one A4, a spread of
# two honours): a clear vertical gap near the middle that no line crosses, with a document
# of its own on each side. The middle band and the gap's width are shares of the page width.
_GUTTER_BAND = (0.3, 0.7)
_MIN_GUTTER = 0.04
_MIN_LINES_A_SIDE = 4


def vertical_gutter(lines: list[TextLine], width: float) -> tuple[float, float] | None:
    """The widest x-interval in the page's middle band that no line's box crosses (a stamp
    or a handwritten line across the page aside: at most one line in ten), when it is wide
    enough and both sides hold enough lines; else None."""
    # Stamps, notes and page numbers laid over the sheet are not its documents.
    lines = [
        ln for ln in lines
        if not OVERPRINT.search(ln.text) and not PAGE_MARK.fullmatch(ln.text)
    ]  # fmt: skip
    if width <= 0 or len(lines) < 2 * _MIN_LINES_A_SIDE:
        return None
    allowance = len(lines) // 10
    step = width / 400
    lo_band, hi_band = _GUTTER_BAND[0] * width, _GUTTER_BAND[1] * width
    runs: list[tuple[int, float, float]] = []  # (lines crossing, x0, x1)
    x, start, worst = lo_band, None, 0
    while x <= hi_band + step:
        crossing = sum(1 for ln in lines if ln.bbox[0] < x < ln.bbox[2]) if x <= hi_band else None
        if crossing is not None and crossing <= allowance:
            if start is None:
                start, worst = x, crossing
            worst = max(worst, crossing)
        elif start is not None:
            runs.append((worst, start, x - step))
            start = None
        x += step
    runs = [r for r in runs if r[2] - r[1] >= _MIN_GUTTER * width]
    if not runs:
        return None
    _n, lo, hi = min(runs, key=lambda r: (r[0], -(r[2] - r[1])))
    left = sum(1 for ln in lines if ln.bbox[2] <= hi and (ln.bbox[0] + ln.bbox[2]) / 2 < lo)
    right = sum(1 for ln in lines if ln.bbox[0] >= lo and (ln.bbox[0] + ln.bbox[2]) / 2 > hi)
    if min(left, right) < _MIN_LINES_A_SIDE:
        return None
    return lo, hi
