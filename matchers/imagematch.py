"""Is one page image the other rescanned, apart from a few regions? (keypoint alignment)

Whole-page pHash/dHash (pipelines.stages.page_hashes) find a sheet scanned again the same
way; they lose it once one copy is a certificate mounted on a backing sheet, a page skewed on
the glass with the scanner lid around it, or a phone photo of the sheet on a desk: the same
certificate then sits at another scale and place in the frame. Here ORB keypoints of the two
pages are matched and a RANSAC homography brings the larger copy onto the smaller one; then
their ink (pixels darker than the paper around them) is compared cell by cell over the
printed content both pages show (the box of each page's keypoints), so backing sheets, lids
and desks hardly count. A rescan agrees in nearly every cell; a copy with its name edited in
all but the cells of the name's line (its text moves when the name is longer or shorter);
two certificates of one template with other content, or the same content typeset again, in
most cells.

`ignore` regions (the holder's fields, say) leave their lines, and a block of differing
lines starting there (the paragraph a longer name re-wraps), out of the share that decides
`same_image`: "the same image except in the field region" is then a plain same image. Their
keypoints take no part in the alignment either (a long line shifted sideways by a longer
name could otherwise outvote the rest of the sheet). The differing regions found there are
still reported.

Pages come from a `PageImage` callable (the verifier loads them from BATCH_DIR as they were
read); nothing here reads files. Regions are fractions of the page's width and height, so
callers map them onto whatever unit their boxes use.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

__all__ = ["Alignment", "PageAligner", "PageImage", "Region", "compare_images"]

PageImage = Callable[[str, int], "np.ndarray | None"]  # (file, page) → upright page, RGB/grey
Region = tuple[float, float, float, float]  # x0, y0, x1, y1 as fractions of width / height

WORK_SIDE = 1400  # longer side of the working copy, pixels
ORB_FEATURES = 4000
RATIO = 0.75  # Lowe's ratio test
RANSAC_PX = 6.0
SIMILARITY_PX = 25.0  # a similarity first, loose enough for a phone's keystone
INK_WIDTH = 31  # working pixels: wider than any stroke, so the paper closes over strokes
INK_CONTRAST = 40  # grey levels below the paper
MIN_INLIERS = 40  # matched keypoints consistent with one homography
CELLS_ACROSS = 40  # cells along the longer side of the compared area
MIN_SPAN = 0.4  # the matched keypoints span a good part of it (not one shared emblem)
MIN_CELLS = 30  # inked cells needed to judge
CELL_INK = 0.02  # share of a cell's pixels that must be ink for the cell to count
TOLERANCE = 0.12  # ink within this share of a cell of other ink counts as matched
CELL_DIFFERS = 0.35  # share of a cell's ink without a counterpart on the other page
# Measured on generated batches (seeds 12, 44, 55; 120 pairs of copies, 450 of other
# certificates of one layout, the holder's lines ignored on both): copies (rescanned,
# mounted, under a grey lid, name-edited) differ in ≤ 14% of the cells compared, most under
# 5%, phone photos too; other certificates of one layout in ≥ 21% where the keypoints span
# the page (forms: the printed table is most of the ink), ≥ 40% for award certificates.
MAX_DIFFERING_SHARE = 0.18
MIN_COMPARED_SHARE = 0.4  # of the inked cells: what is ignored must not be most of the page
DIFFERENT_SHARE = 0.4  # at or above: another sheet, whatever whole-page hashes say
MAX_FIELD_BLOCK = 0.35  # of the grid's height: a field's paragraph, not the whole sheet


@dataclass(frozen=True)
class Alignment:
    """How page b lines up with page a."""

    inliers: int  # keypoint matches consistent with the homography
    span: float  # share of the compared area the matched keypoints' hull covers
    inked: int  # inked cells in the area both pages show
    compared: int  # of those, cells compared (outside the ignored fields' lines and blocks)
    differing: int  # of those, cells whose ink differs
    regions_a: tuple[Region, ...]  # blocks of differing cells, largest first (ignored too)
    regions_b: tuple[Region, ...]  # the same regions on page b

    @property
    def differing_share(self) -> float:
        return self.differing / self.compared if self.compared else 1.0

    @property
    def lined_up(self) -> bool:
        return self.inliers >= MIN_INLIERS

    @property
    def same_image(self) -> bool:
        """The same sheet, apart from at most a few regions (and the ignored bands)."""
        return (
            self.lined_up
            and self.span >= MIN_SPAN
            and self.compared >= max(MIN_CELLS, MIN_COMPARED_SHARE * self.inked)
            and self.differing_share <= MAX_DIFFERING_SHARE
        )

    @property
    def different_image(self) -> bool:
        """Another sheet: the pages do not line up at all (a rescan of one sheet gives
        hundreds of matching keypoints), or they do (over a shared template, say) and differ
        in much of the page. Both pages must have been at hand."""
        if not self.lined_up:
            return True
        return self.compared >= MIN_CELLS and self.differing_share >= DIFFERENT_SHARE

    def swapped(self) -> Alignment:
        return Alignment(self.inliers, self.span, self.inked, self.compared, self.differing,
                         self.regions_b, self.regions_a)  # fmt: skip


NOT_LINED_UP = Alignment(0, 0.0, 0, 0, 0, (), ())


@dataclass
class _Prepared:
    grey: np.ndarray  # working copy
    ink: np.ndarray  # uint8 0/1
    points: np.ndarray  # keypoint coordinates, float32 (n, 2)
    descriptors: np.ndarray | None

    def fractions(self, box: tuple[float, float, float, float]) -> Region:
        h, w = self.grey.shape
        x0, y0, x1, y1 = (float(v) for v in box)
        return (round(max(0.0, x0 / w), 4), round(max(0.0, y0 / h), 4),
                round(min(1.0, x1 / w), 4), round(min(1.0, y1 / h), 4))  # fmt: skip


def _prepare(image: np.ndarray) -> _Prepared:
    if image.ndim == 3:
        code = cv2.COLOR_RGBA2GRAY if image.shape[2] == 4 else cv2.COLOR_RGB2GRAY
        image = cv2.cvtColor(image, code)
    grey = np.ascontiguousarray(image, dtype=np.uint8)
    scale = WORK_SIDE / max(grey.shape[:2])
    if scale < 1.0:
        grey = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    keypoints, descriptors = cv2.ORB_create(ORB_FEATURES).detectAndCompute(grey, None)
    points = np.float32([k.pt for k in keypoints]).reshape(-1, 2)
    return _Prepared(grey, _ink(grey), points, descriptors)


def _ink(grey: np.ndarray) -> np.ndarray:
    """Pixels clearly darker than the paper around them: strokes, lines, seals, however bold;
    not paper tint, lighting gradients or a grey lid. The paper is the page with every dark
    mark narrower than INK_WIDTH closed over."""
    k = cv2.getStructuringElement(cv2.MORPH_RECT, (INK_WIDTH, INK_WIDTH))
    paper = cv2.morphologyEx(grey, cv2.MORPH_CLOSE, k)
    return (grey.astype(np.int16) < paper.astype(np.int16) - INK_CONTRAST).astype(np.uint8)


_Fit = tuple[np.ndarray, np.ndarray, np.ndarray]  # H (b onto a), inliers on a, inliers on b


def _matches(a: _Prepared, b: _Prepared) -> tuple[np.ndarray, np.ndarray]:
    """Keypoint matches passing the ratio test: (points on a, points on b)."""
    if a.descriptors is None or b.descriptors is None or len(a.points) < 8 or len(b.points) < 8:
        return np.zeros((0, 2), np.float32), np.zeros((0, 2), np.float32)
    knn = cv2.BFMatcher(cv2.NORM_HAMMING).knnMatch(a.descriptors, b.descriptors, k=2)
    good = [m[0] for m in knn if len(m) == 2 and m[0].distance < RATIO * m[1].distance]
    pa = a.points[[m.queryIdx for m in good]].reshape(-1, 2)
    pb = b.points[[m.trainIdx for m in good]].reshape(-1, 2)
    return pa, pb


def _plausible(h: np.ndarray | None, side: int) -> bool:
    """No mirror image, a plausible scale, a perspective a camera can give."""
    if h is None or not np.isfinite(h).all():
        return False
    det = float(np.linalg.det(h[:2, :2]))
    return det > 0 and 0.02 < det < 50 and np.abs(h[2, :2]).max() * side <= 0.5


def _fit(pa: np.ndarray, pb: np.ndarray, side: int) -> _Fit | None:
    if len(pa) < MIN_INLIERS:
        return None
    h, mask = cv2.findHomography(pb, pa, cv2.RANSAC, RANSAC_PX)
    if mask is None or not _plausible(h, side):
        return None
    keep = mask.ravel().astype(bool)
    return (h, pa[keep], pb[keep]) if keep.sum() >= MIN_INLIERS else None


def _fits(a: _Prepared, b: _Prepared, bands_a: Sequence[tuple[float, float]],
          bands_b: Sequence[tuple[float, float]]) -> list[_Fit]:  # fmt: skip
    """Candidate homographies mapping b onto a. RANSAC keeps the largest consensus, and a
    paragraph that moved (a longer or shorter name re-wraps the lines after it) can outvote
    the rest of the sheet with a sheared fit. So besides the plain fit: one without the
    keypoints on the ignored lines (`bands_*`, y ranges), and one grown from a similarity
    (turn, scale, shift: what a rescan does) found first, which no shear can win."""
    pa, pb = _matches(a, b)
    side = max(b.grey.shape)
    out = [_fit(pa, pb, side)]
    if bands_a or bands_b:
        keep = ~(_in_bands(pa, bands_a) | _in_bands(pb, bands_b))
        pa, pb = pa[keep], pb[keep]
        out.append(_fit(pa, pb, side))
    if len(pa) >= MIN_INLIERS:
        sim, mask = cv2.estimateAffinePartial2D(
            pb, pa, method=cv2.RANSAC, ransacReprojThreshold=SIMILARITY_PX
        )
        if sim is not None and mask is not None:
            near = mask.ravel().astype(bool)
            out.append(_fit(pa[near], pb[near], side))
    return [f for f in out if f is not None]


def _in_bands(points: np.ndarray, bands: Sequence[tuple[float, float]]) -> np.ndarray:
    out = np.zeros(len(points), bool)
    for top, bottom in bands:
        out |= (points[:, 1] >= top) & (points[:, 1] <= bottom)
    return out


def _content_box(points: np.ndarray) -> np.ndarray:
    """Corners of the box holding nearly all of a page's keypoints (its printed content)."""
    x0, y0 = np.percentile(points, 1, axis=0)
    x1, y1 = np.percentile(points, 99, axis=0)
    return np.float32([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])


def _fill(shape: tuple[int, ...], polygon: np.ndarray) -> np.ndarray:
    mask = np.zeros(shape[:2], np.uint8)
    cv2.fillConvexPoly(mask, polygon.reshape(-1, 2).astype(np.int32), 1)
    return mask


@dataclass
class _Grid:
    inked: np.ndarray  # bool per cell
    differing: np.ndarray  # bool per cell
    in_band: np.ndarray  # bool per row of cells: touched by an ignored band
    cell: int  # cell side, working pixels
    x0: int
    y0: int
    span: float


def _grid(a: _Prepared, b: _Prepared, h: np.ndarray, inliers_a: np.ndarray,
          bands: Sequence[tuple[float, float]]) -> _Grid:  # fmt: skip
    """Cells over the printed content both pages show, in a's frame; `bands` are y ranges
    (working pixels of a) to ignore."""
    height, width = a.grey.shape
    warped = cv2.warpPerspective(b.ink, h, (width, height), flags=cv2.INTER_NEAREST)
    inside = cv2.warpPerspective(np.ones_like(b.ink), h, (width, height),
                                 flags=cv2.INTER_NEAREST)  # fmt: skip
    box_b = cv2.perspectiveTransform(_content_box(b.points).reshape(-1, 1, 2), h)
    area = _fill(a.grey.shape, _content_box(a.points)) & _fill(a.grey.shape, box_b) & inside
    spanned = _fill(a.grey.shape, cv2.convexHull(inliers_a.astype(np.float32)))
    span = float((spanned & area).sum()) / max(1.0, float(area.sum()))
    x, y, w, hh = cv2.boundingRect(area)
    cell = max(8, round(max(w, hh) / CELLS_ACROSS))
    kernel = np.ones((max(3, round(cell * TOLERANCE)) | 1,) * 2, np.uint8)
    ia, ib = a.ink & area, warped & area
    missing = (ia & (1 - cv2.dilate(ib, kernel))) | (ib & (1 - cv2.dilate(ia, kernel)))
    rows, cols = hh // cell, w // cell

    def per_cell(m: np.ndarray) -> np.ndarray:
        block = m[y : y + rows * cell, x : x + cols * cell].astype(np.int32)
        return block.reshape(rows, cell, cols, cell).sum(axis=(1, 3))

    ink_sum, miss_sum = per_cell(ia | ib), per_cell(missing)
    inked = ink_sum >= CELL_INK * cell * cell
    tops = y + np.arange(rows) * cell
    in_band = np.zeros(rows, bool)
    for top, bottom in bands:  # rows of cells the band touches
        in_band |= (tops < bottom) & (tops + cell > top)
    return _Grid(inked, inked & (miss_sum > CELL_DIFFERS * ink_sum), in_band, cell, x, y, span)


@dataclass
class _Cluster:
    rows: tuple[int, int]  # first, last + 1
    cols: tuple[int, int]
    cells: np.ndarray  # bool mask of its differing cells
    field_block: bool  # starts on an ignored band and stays a text block high: ignored


def _clusters(g: _Grid) -> list[_Cluster]:
    """Differing cells grouped into blocks (cells up to two cells apart joined: the lines of
    a paragraph), largest first. A block on an ignored band or next to it is the field's
    own: a longer or shorter name moves the rest of its line and can re-wrap the lines
    around it; it is ignored while no taller than MAX_FIELD_BLOCK of the grid."""
    joined = cv2.dilate(g.differing.astype(np.uint8), np.ones((3, 3), np.uint8))
    n, labels = cv2.connectedComponents(joined, connectivity=8)
    rows = g.differing.shape[0]
    out = []
    for i in range(1, n):
        cells = (labels == i) & g.differing
        ys, xs = np.nonzero(cells)
        if not len(ys):
            continue
        r0, r1 = int(ys.min()), int(ys.max()) + 1
        near = g.in_band[max(0, r0 - 2) : r1 + 2].any()  # on a band or a line away from it
        block = bool(near) and (r1 - r0) <= max(2, MAX_FIELD_BLOCK * rows)
        out.append(_Cluster((r0, r1), (int(xs.min()), int(xs.max()) + 1), cells, block))
    out.sort(key=lambda c: (-int(c.cells.sum()), c.rows, c.cols))
    return out


def _box(c: _Cluster, g: _Grid, shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    """A block in pixels of a."""
    return (g.x0 + c.cols[0] * g.cell, g.y0 + c.rows[0] * g.cell,
            min(shape[1], g.x0 + c.cols[1] * g.cell),
            min(shape[0], g.y0 + c.rows[1] * g.cell))  # fmt: skip


def _map_box(box: tuple[float, ...], h: np.ndarray) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = box
    corners = np.float32([[x0, y0], [x1, y0], [x1, y1], [x0, y1]]).reshape(-1, 1, 2)
    p = cv2.perspectiveTransform(corners, h).reshape(-1, 2)
    return (float(p[:, 0].min()), float(p[:, 1].min()), float(p[:, 0].max()),
            float(p[:, 1].max()))  # fmt: skip


def _bands(p: _Prepared, regions: Sequence[Region]) -> list[tuple[float, float]]:
    """The text lines of `regions` as y ranges in working pixels of p."""
    h = p.grey.shape[0]
    return [(r[1] * h, r[3] * h) for r in regions]


def _compare(a: _Prepared, b: _Prepared, ignore_a: Sequence[Region] = (),
             ignore_b: Sequence[Region] = ()) -> Alignment:  # fmt: skip
    """The alignment under which the pages agree best (a wrong fit only adds differences)."""
    best: Alignment | None = None
    for h, inliers_a, inliers_b in _fits(a, b, _bands(a, ignore_a), _bands(b, ignore_b)):
        if float(np.linalg.det(h[:2, :2])) > 1.1:  # b's copy is the smaller: warp a onto b
            al = _compare_onto(b, a, np.linalg.inv(h), inliers_b, ignore_b, ignore_a).swapped()
        else:
            al = _compare_onto(a, b, h, inliers_a, ignore_a, ignore_b)
        if best is None or _rank(al) < _rank(best):
            best = al
    return best if best is not None else NOT_LINED_UP


def _rank(al: Alignment) -> tuple:
    judged = al.span >= MIN_SPAN and al.compared >= MIN_CELLS
    return (not judged, al.differing_share if judged else 0.0, -al.inliers)


def _compare_onto(a: _Prepared, b: _Prepared, h: np.ndarray, inliers_a: np.ndarray,
                  ignore_a: Sequence[Region], ignore_b: Sequence[Region]) -> Alignment:  # fmt: skip
    """Cells of a against b warped onto it (b's copy the larger or the same size)."""
    ha, wa = a.grey.shape
    hb, wb = b.grey.shape
    boxes = [(r[0] * wa, r[1] * ha, r[2] * wa, r[3] * ha) for r in ignore_a]
    boxes += [_map_box((r[0] * wb, r[1] * hb, r[2] * wb, r[3] * hb), h) for r in ignore_b]
    g = _grid(a, b, h, inliers_a, [(y0, y1) for _, y0, _, y1 in boxes])
    clusters = _clusters(g)
    counted = g.inked & ~g.in_band[:, None]
    for c in clusters:
        if c.field_block:
            counted &= ~c.cells
    found = [_box(c, g, a.grey.shape) for c in clusters]
    h_inv = np.linalg.inv(h)
    return Alignment(
        inliers=len(inliers_a),
        span=round(g.span, 3),
        inked=int(g.inked.sum()),
        compared=int(counted.sum()),
        differing=int((g.differing & counted).sum()),
        regions_a=tuple(a.fractions(bx) for bx in found),
        regions_b=tuple(b.fractions(_map_box(bx, h_inv)) for bx in found),
    )


def compare_images(a: np.ndarray, b: np.ndarray, *, ignore_a: Sequence[Region] = (),
                   ignore_b: Sequence[Region] = ()) -> Alignment:  # fmt: skip
    """Align page image b onto page image a (`Alignment.lined_up` False when they do not line
    up at all). `ignore_a` / `ignore_b`: regions (fractions of each page) whose text lines
    are left out of the differing share."""
    return _compare(_prepare(a), _prepare(b), ignore_a, ignore_b)


class PageAligner:
    """`compare_images` over pages named (file, page), each page loaded and prepared once
    while it is in use (pairs come sorted, so a page's partners follow one another)."""

    def __init__(self, images: PageImage, *, cache_pages: int = 16) -> None:
        self._images = images
        self._cache: OrderedDict[tuple[str, int], _Prepared | None] = OrderedDict()
        self._size = cache_pages

    def _page(self, key: tuple[str, int]) -> _Prepared | None:
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        image = self._images(*key)
        prepared = _prepare(image) if image is not None and image.size else None
        self._cache[key] = prepared
        if len(self._cache) > self._size:
            self._cache.popitem(last=False)
        return prepared

    def __call__(self, a: tuple[str, int], b: tuple[str, int], *,
                 ignore_a: Sequence[Region] = (),
                 ignore_b: Sequence[Region] = ()) -> Alignment | None:  # fmt: skip
        """None when a page image cannot be had."""
        pa = self._page(a)
        pb = self._page(b) if pa is not None else None
        if pa is None or pb is None:
            return None
        return _compare(pa, pb, ignore_a, ignore_b)
