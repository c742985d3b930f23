"""Round red seals and the name printed around their rim.

A diploma may name its school only in its seal, and an issuer's printed name is often half
hidden under its own seal: the seal's rim text is then the one clean copy of the name.
Page OCR cannot read text set on an arc, so a seal's ring band is unrolled into a straight
strip (polar transform, clockwise from the lower left), keeping only the seal's red ink so
black print under it drops out, and read as one line.

Seals are found by colour (red well above green and blue) and shape: a circle of red whose
rim is inked most of the way round. A photocopied (grey) page has no red: nothing is found,
and the reading goes on without.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

# Seal diameter on a certificate: 38–50 mm; at 150–300 dpi and on ID-card sized scans that is
# 4–30 % of the page's shorter side.
MIN_R, MAX_R = 0.02, 0.16  # radius, as a share of the shorter side
WORK_SIDE = 900  # detection runs on a copy this size (a seal stays ≥ 20 px across)
MIN_RIM = 0.55  # share of the rim inked for a circle to count as a seal's ring
# Rim text stands between these shares of the radius (the ring at ~0.95, the star inside 0.5).
BAND = (0.45, 0.9)
# The arc the rim text may cover: all but the bottom, where a seal prints its kind
# (专用章) straight or on the opposite arc.
ARC_DEG = (45, 315)
MAX_SEALS = 4


@dataclass(frozen=True)
class Seal:
    cx: float
    cy: float
    r: float
    rim: float  # share of the rim inked

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        return (self.cx - self.r, self.cy - self.r, self.cx + self.r, self.cy + self.r)


def red_mask(rgb: np.ndarray) -> np.ndarray:
    a = rgb.astype(np.int16)
    r, g, b = a[..., 0], a[..., 1], a[..., 2]
    # Faded seal ink is pink (255, 180, 180); paper tinted warm stays within ~15.
    return ((r - np.maximum(g, b)) > 35) & (r > 110)


def redness(rgb: np.ndarray) -> np.ndarray:
    """Red ink as dark grey on white, by how far red stands above green and blue; soft, so
    a glyph keeps its anti-aliased edges (a hard mask fattens strokes on a poor scan)."""
    a = rgb.astype(np.int16)
    red = a[..., 0] - np.maximum(a[..., 1], a[..., 2])
    return (255 - np.clip((red - 20) * 3, 0, 255)).astype(np.uint8)


def find_seals(rgb: np.ndarray) -> list[Seal]:
    """Round seals on an RGB page, most inked rim first."""
    if rgb is None or rgb.ndim != 3 or rgb.shape[2] < 3:
        return []
    H, W = rgb.shape[:2]
    scale = min(1.0, WORK_SIDE / max(H, W))
    small = cv2.resize(rgb, (round(W * scale), round(H * scale)), interpolation=cv2.INTER_AREA)
    mask = red_mask(small).astype(np.uint8) * 255
    if mask.mean() < 0.2:  # < ~0.1 % red: no seal
        return []
    h, w = mask.shape
    short = min(h, w)
    blur = cv2.GaussianBlur(mask, (5, 5), 0)
    found = cv2.HoughCircles(
        blur, cv2.HOUGH_GRADIENT, dp=1, minDist=MIN_R * short * 1.5, param1=100, param2=18,
        minRadius=max(6, int(MIN_R * short)), maxRadius=int(MAX_R * short),
    )  # fmt: skip
    if found is None:
        return []
    near = cv2.dilate(mask, np.ones((3, 3), np.uint8))
    seals: list[Seal] = []
    for cx, cy, r in found[0][: 4 * MAX_SEALS]:
        best_r, best = r, 0.0
        for f in np.linspace(0.9, 1.1, 9):  # Hough's radius may miss the ring by a little
            rim = _rim_share(near, cx, cy, r * f)
            if rim > best:
                best_r, best = r * f, rim
        if best < MIN_RIM:
            continue
        seal = Seal(cx / scale, cy / scale, best_r / scale, round(best, 3))
        if any(_overlap(seal, s) for s in seals):
            continue
        seals.append(seal)
    seals.sort(key=lambda s: -s.rim)
    return seals[:MAX_SEALS]


def _rim_share(mask: np.ndarray, cx: float, cy: float, r: float) -> float:
    th = np.linspace(0, 2 * np.pi, 180, endpoint=False)
    h, w = mask.shape
    xs = np.round(cx + r * np.cos(th)).astype(int)
    ys = np.round(cy + r * np.sin(th)).astype(int)
    inside = (xs >= 0) & (xs < w) & (ys >= 0) & (ys < h)
    if inside.mean() < 0.8:  # a seal cut by the page's edge: not read
        return 0.0
    return float((mask[ys[inside], xs[inside]] > 0).mean())


def _overlap(a: Seal, b: Seal) -> bool:
    return np.hypot(a.cx - b.cx, a.cy - b.cy) < 0.6 * max(a.r, b.r)


def unroll(rgb: np.ndarray, seal: Seal, soft: bool = False) -> np.ndarray:
    """The rim text's band as a straight grey strip, glyphs upright, read left to right: red
    ink black on white, everything else white."""
    pad = int(seal.r * 1.05)
    x0, y0 = max(0, int(seal.cx) - pad), max(0, int(seal.cy) - pad)
    patch = rgb[y0 : int(seal.cy) + pad, x0 : int(seal.cx) + pad]
    ink = redness(patch) if soft else np.where(red_mask(patch), 0, 255).astype(np.uint8)
    r = seal.r
    n_ang = max(64, int(2 * np.pi * np.mean(BAND) * r))  # glyphs keep their width mid-band
    polar = cv2.warpPolar(
        ink, (int(r), n_ang), (seal.cx - x0, seal.cy - y0), r,
        cv2.WARP_POLAR_LINEAR + cv2.INTER_LINEAR,
    )  # fmt: skip
    # Rows are angles clockwise from 3 o'clock; start at 6 o'clock, so the text's arc from
    # lower left over the top to lower right is one run of rows.
    polar = np.roll(polar, -n_ang // 4, axis=0)
    a0, a1 = (round(n_ang * d / 360) for d in ARC_DEG)
    band = polar[a0:a1, int(BAND[0] * r) : int(BAND[1] * r)]
    # Angle along, radius up: glyph tops point out of the seal.
    return _tight(np.ascontiguousarray(np.flipud(band.T)))


def _tight(strip: np.ndarray) -> np.ndarray:
    """The strip cut to its text's height: the line reader scales a crop to 48 px high, so
    blank rim and centre would shrink the glyphs by half."""
    ink = strip < 128
    rows = ink.sum(axis=1)
    if not rows.any():
        return strip
    # The text's rows: those holding a good share of the busiest row's ink, then the run
    # around the busiest one (a stray arc of the ring or the star apart from it).
    on = rows >= 0.15 * rows.max()
    peak = int(np.argmax(rows))
    top, bottom = peak, peak
    while top > 0 and on[top - 1]:
        top -= 1
    while bottom < len(on) - 1 and on[bottom + 1]:
        bottom += 1
    h = bottom - top + 1
    pad = max(2, h // 8)
    cut = strip[max(0, top - pad) : bottom + 1 + pad]
    cols = np.flatnonzero((cut < 128).any(axis=0))
    if cols.size:
        cut = cut[:, max(0, cols[0] - h // 2) : cols[-1] + 1 + h // 2]
    return np.ascontiguousarray(cut)


@dataclass(frozen=True)
class SealText:
    seal: Seal
    text: str
    confidence: float

    def moved(self, dx: float, dy: float) -> SealText:
        """The same seal placed on the whole page (it was found in a region of it)."""
        if not (dx or dy):
            return self
        s = self.seal
        return SealText(Seal(s.cx + dx, s.cy + dy, s.r, s.rim), self.text, self.confidence)


def read_seals(
    rgb: np.ndarray, read_line: Callable[[np.ndarray], object], limit: int = MAX_SEALS
) -> list[SealText]:
    """The rim text of each seal on the page, as `read_line` (an OCR engine's line reader)
    reads its unrolled strip. Empty readings are dropped."""
    out = []
    for seal in find_seals(rgb)[:limit]:
        best: SealText | None = None
        # A hard mask keeps faint strokes, soft ink keeps thin ones apart: the surer reading.
        for soft in (False, True):
            strip = unroll(rgb, seal, soft=soft)
            if strip.size == 0 or strip.min() > 128:  # no ink in the band
                break
            got = read_line(np.dstack([strip, strip, strip]))
            text = "".join(str(getattr(got, "text", "")).split())
            conf = float(getattr(got, "confidence", 0.0))
            if text and (best is None or conf > best.confidence):
                best = SealText(seal, text, conf)
        if best is not None:
            out.append(best)
    return out
