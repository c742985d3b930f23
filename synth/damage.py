"""Scan damage: what a page goes through between the certificate and the applicant's upload.

`degrade` returns the damaged image and an `info` dict whose "matrix" (3×3, row-major) maps
points of the input page onto the output, so truth boxes can follow the page.
Levels: clean = light sensor noise; ordinary = an office scan (small skew, slight
perspective, uneven lighting, scanner-lid border, mild blur, JPEG 60–85); poor = a bad
photocopy, cheap scan or phone photo of the sheet on a desk (skew to ±5° / keystone,
greyscale toner look, speckle, fold shadow, hand shadow, blur, 150–200 dpi, JPEG 30–55).
"poor" stays readable by a person: the goal is that a good OCR still reads it.
"""

from __future__ import annotations

import io
import math
import random

import cv2
import numpy as np
from PIL import Image

DIFFICULTIES = ("clean", "ordinary", "poor")


def _np_rng(rng: random.Random) -> np.random.Generator:
    return np.random.default_rng(rng.getrandbits(64))


def _homography(
    w: int, h: int, angle_deg: float, persp: float, shift: float, rng: random.Random
) -> np.ndarray:
    """Rotation about the centre + corner jitter (perspective) + small translation."""
    a = math.radians(angle_deg)
    cx, cy = w / 2, h / 2
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = []
    tx, ty = rng.uniform(-shift, shift) * w, rng.uniform(-shift, shift) * h
    for x, y in src:
        jx, jy = rng.uniform(-persp, persp) * w, rng.uniform(-persp, persp) * h
        rx = cx + (x - cx) * math.cos(a) - (y - cy) * math.sin(a)
        ry = cy + (x - cx) * math.sin(a) + (y - cy) * math.cos(a)
        dst.append([rx + jx + tx, ry + jy + ty])
    return cv2.getPerspectiveTransform(src, np.float32(dst))


def _lighting(
    h: int, w: int, strength: float, rng: random.Random, nrng: np.random.Generator
) -> np.ndarray:
    """Smooth multiplicative field in [1 - strength, 1]: lamp falloff, lid gap, vignette."""
    gh, gw = 24, 17
    yy, xx = np.mgrid[0:gh, 0:gw].astype(np.float32)
    ang = rng.uniform(0, 2 * math.pi)
    grad = (xx / gw - 0.5) * math.cos(ang) + (yy / gh - 0.5) * math.sin(ang)
    grad = (grad - grad.min()) / max(1e-6, np.ptp(grad))
    vign = ((xx / gw - 0.5) ** 2 + (yy / gh - 0.5) ** 2) * 2
    blob = cv2.GaussianBlur(nrng.random((gh, gw)).astype(np.float32), (0, 0), 3)
    blob = (blob - blob.min()) / max(1e-6, np.ptp(blob))
    f = 0.55 * grad + 0.25 * vign + 0.2 * blob
    f = 1.0 - strength * f / max(1e-6, f.max())
    return cv2.resize(f.astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)


def _phone_homography(w: int, h: int, rng: random.Random) -> np.ndarray:
    """Page shrunk into the frame with keystone (the phone held above and tilted)."""
    occ = rng.uniform(0.8, 0.92)
    cx, cy = w / 2 + rng.uniform(-0.03, 0.03) * w, h / 2 + rng.uniform(-0.03, 0.03) * h
    hw, hh = w * occ / 2, h * occ / 2
    k = rng.uniform(0.02, 0.06) * w  # top edge narrower (or wider) than the bottom
    k = k if rng.random() < 0.7 else -k
    a = math.radians(rng.uniform(-4, 4))
    dst = []
    for x, y in ((-hw + k, -hh), (hw - k, -hh), (hw, hh), (-hw, hh)):
        x, y = x + rng.uniform(-0.01, 0.01) * w, y + rng.uniform(-0.01, 0.01) * h
        dst.append([cx + x * math.cos(a) - y * math.sin(a), cy + x * math.sin(a) + y * math.cos(a)])
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    return cv2.getPerspectiveTransform(src, np.float32(dst))


def _desk(h: int, w: int, rng: random.Random, nrng: np.random.Generator) -> np.ndarray:
    """Desk surface behind a photographed page: wood, dark laminate or grey cloth."""
    base = np.array(
        rng.choice(((150, 105, 70), (60, 55, 50), (120, 120, 125), (185, 160, 120))), np.float32
    )
    streaks = cv2.resize(
        nrng.random((8, 64)).astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC
    )
    if rng.random() < 0.5:
        streaks = cv2.resize(
            nrng.random((64, 8)).astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC
        )
    desk = base[None, None, :] * (0.8 + 0.35 * streaks[..., None])
    return np.clip(desk, 0, 255).astype(np.uint8)


def _hand_shadow(h: int, w: int, rng: random.Random) -> np.ndarray:
    """A soft-edged darker half-plane crossing part of the page."""
    yy, xx = np.mgrid[0:h:8, 0:w:8].astype(np.float32)
    a = rng.uniform(0, 2 * math.pi)
    d = (xx - w * rng.uniform(0.2, 0.8)) * math.cos(a) + (
        yy - h * rng.uniform(0.2, 0.8)
    ) * math.sin(a)
    soft = 1 / (1 + np.exp(-d / (0.04 * max(w, h))))
    f = 1 - rng.uniform(0.1, 0.25) * soft
    return cv2.resize(f.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)


def _jpeg(arr: np.ndarray, q: int) -> np.ndarray:
    ok, buf = cv2.imencode(".jpg", arr, [cv2.IMWRITE_JPEG_QUALITY, int(q)])
    assert ok
    return cv2.imdecode(buf, cv2.IMREAD_UNCHANGED)


def _fold_shadow(f: np.ndarray, rng: random.Random) -> dict:
    """Darken a band where the sheet was folded (in place on a float32 image)."""
    h, w = f.shape[:2]
    horizontal = rng.random() < 0.6
    n = h if horizontal else w
    pos = n * rng.choice((0.5, 1 / 3, 2 / 3)) + rng.uniform(-0.03, 0.03) * n
    width = rng.uniform(0.006, 0.015) * n
    depth = rng.uniform(0.12, 0.28)
    t = np.arange(n, dtype=np.float32)
    prof = 1 - depth * np.exp(-(((t - pos) / width) ** 2))
    prof += 0.06 * np.exp(-(((t - pos - width * 1.2) / (width * 0.3)) ** 2))  # lit ridge
    prof = prof[:, None] if horizontal else prof[None, :]
    if f.ndim == 3:
        prof = prof[..., None]
    f *= prof
    return {"fold": "horizontal" if horizontal else "vertical", "at": round(pos / n, 3)}


def degrade(
    img: Image.Image,
    difficulty: str,
    rng: random.Random,
    dpi: int | None = None,
    max_dpi: int | None = None,
) -> tuple[Image.Image, dict]:
    """Damage a 300 dpi page; `dpi` fixes the resolution of "poor" pages (multi-page files);
    `max_dpi` caps the stored resolution (small pages for load tests; shrunk first, so the
    damage costs less too)."""
    if difficulty not in DIFFICULTIES:
        raise ValueError(f"difficulty must be one of {DIFFICULTIES}")
    nrng = _np_rng(rng)
    arr = np.asarray(img.convert("RGB"))
    h, w = arr.shape[:2]
    info: dict = {
        "difficulty": difficulty,
        "ops": [],
        "dpi": 300,
        "jpeg_quality": None,
        "grey": False,
    }
    M = np.eye(3)

    def shrink(to_dpi: int) -> None:
        nonlocal arr, M, w, h
        s = to_dpi / 300
        nw, nh = int(round(w * s)), int(round(h * s))
        arr = cv2.resize(arr, (nw, nh), interpolation=cv2.INTER_AREA)
        M = np.diag([nw / w, nh / h, 1.0]) @ M
        w, h = nw, nh
        info["dpi"] = to_dpi
        info["ops"].append({"downscale_dpi": to_dpi})

    if max_dpi and max_dpi < 300 and difficulty != "poor":
        shrink(max_dpi)
    if difficulty == "clean":
        sigma = rng.uniform(0.6, 1.8)
        noise = nrng.standard_normal((h, w), dtype=np.float32) * sigma
        out = np.clip(arr.astype(np.float32) + noise[..., None], 0, 255).astype(np.uint8)
        info["ops"].append({"noise": round(sigma, 2)})
        info["matrix"] = M.tolist()
        return Image.fromarray(out), info

    poor = difficulty == "poor"
    phone = poor and rng.random() < 0.3
    photocopy = poor and not phone and rng.random() < 0.75
    # Resolution: poor pages come at 150–200 dpi (phone photos at the top of that range, as the
    # page fills only part of the frame); shrink first so later steps run on fewer pixels.
    if poor:
        dpi = dpi or (200 if phone else rng.choice((150, 150, 160, 200, 200)))
        shrink(min(dpi, max_dpi or dpi))

    if phone:
        # A phone photo of the sheet on a desk: keystone perspective, page smaller than the frame.
        H = _phone_homography(w, h, rng)
        desk = _desk(h, w, rng, nrng)
        arr = cv2.warpPerspective(
            arr, H, (w, h), dst=desk, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_TRANSPARENT
        )
        info["ops"].append({"phone_photo": True})
    else:
        # Flatbed: skew, slight perspective, offset on the glass; the uncovered area shows the lid.
        angle = rng.uniform(-5, 5) if poor else rng.uniform(-2, 2)
        H = _homography(w, h, angle, 0.01 if poor else 0.004, 0.012 if poor else 0.006, rng)
        lid = (
            rng.choice(((235, 235, 235), (215, 215, 212), (245, 245, 245)))
            if rng.random() < 0.85
            else (55, 55, 55)
        )
        arr = cv2.warpPerspective(
            arr, H, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=lid
        )
        info["ops"].append({"skew_deg": round(angle, 2), "lid": list(lid)})
    M = H @ M

    f = arr.astype(np.float32)
    if photocopy:
        g = cv2.cvtColor(arr, cv2.COLOR_RGB2GRAY).astype(np.float32)
        black, white = rng.uniform(30, 70), rng.uniform(185, 220)
        g = np.clip((g - black) / (white - black), 0, 1) ** rng.uniform(0.8, 1.3) * 255
        f = g
        info["grey"] = True
        info["ops"].append({"photocopy": [round(black), round(white)]})
    light = _lighting(h, w, rng.uniform(0.12, 0.3) if poor else rng.uniform(0.04, 0.14), rng, nrng)
    f *= light if f.ndim == 2 else light[..., None]
    if phone:  # warm indoor light and the shadow of the hand holding the phone
        f *= np.array([1.0, rng.uniform(0.93, 0.98), rng.uniform(0.82, 0.92)], np.float32)
        f *= _hand_shadow(h, w, rng)[..., None]
    elif not photocopy:
        tint = np.array(
            [rng.uniform(0.95, 1.0), rng.uniform(0.94, 0.99), rng.uniform(0.9, 0.98)], np.float32
        )
        f *= tint
    if poor and rng.random() < 0.5:
        info["ops"].append(_fold_shadow(f, rng))
    blur = rng.uniform(0.5, 1.0) if poor else rng.uniform(0.45, 1.0)  # poor: at 150–200 dpi already
    f = cv2.GaussianBlur(f, (0, 0), blur)
    info["ops"].append({"blur": round(blur, 2)})
    sigma = rng.uniform(4, 9) if poor else rng.uniform(1.5, 4)
    noise = nrng.standard_normal((h, w), dtype=np.float32) * sigma
    f += noise if f.ndim == 2 else noise[..., None]
    info["ops"].append({"noise": round(sigma, 2)})
    if photocopy:  # toner specks and a faint drum streak
        n = int(h * w * rng.uniform(2e-5, 1.2e-4))
        ys, xs = nrng.integers(0, h, n), nrng.integers(0, w, n)
        f[ys, xs] = nrng.uniform(0, 90, n)
        if rng.random() < 0.5:
            x = rng.randrange(w)
            f[:, x : x + rng.randint(1, 3)] *= rng.uniform(0.75, 0.9)
    out = np.clip(f, 0, 255).astype(np.uint8)
    q = rng.randint(30, 55) if poor else rng.randint(60, 85)
    out = _jpeg(out if out.ndim == 2 else out[..., ::-1], q)
    out = out if out.ndim == 2 else out[..., ::-1]
    info["jpeg_quality"] = q
    info["matrix"] = M.tolist()
    return Image.fromarray(np.ascontiguousarray(out)), info


_TRANSPOSE = {
    90: Image.Transpose.ROTATE_270,
    180: Image.Transpose.ROTATE_180,
    270: Image.Transpose.ROTATE_90,
}


def rotate_page(img: Image.Image, degrees: int) -> Image.Image:
    """Turn a page clockwise by 0/90/180/270 degrees (a sideways or upside-down scan)."""
    degrees %= 360
    if degrees == 0:
        return img
    return img.transpose(_TRANSPOSE[degrees])


def rotation_matrix(degrees: int, w: int, h: int) -> np.ndarray:
    """Maps points of a w×h page onto the page turned clockwise by `degrees`."""
    degrees %= 360
    if degrees == 0:
        return np.eye(3)
    if degrees == 90:
        return np.array([[0, -1, h], [1, 0, 0], [0, 0, 1]], float)
    if degrees == 180:
        return np.array([[-1, 0, w], [0, -1, h], [0, 0, 1]], float)
    return np.array([[0, 1, 0], [-1, 0, w], [0, 0, 1]], float)


def transform_box(box, M, size: tuple[int, int] | None = None) -> list[int]:
    """Axis-aligned box around the image of `box` under the homography M (clipped to size)."""
    x0, y0, x1, y1 = box
    pts = np.array([[x0, y0, 1], [x1, y0, 1], [x1, y1, 1], [x0, y1, 1]], float).T
    q = np.asarray(M, float) @ pts
    q = q[:2] / q[2]
    bx = [
        math.floor(q[0].min()),
        math.floor(q[1].min()),
        math.ceil(q[0].max()),
        math.ceil(q[1].max()),
    ]
    if size:
        bx = [
            max(0, min(size[0], bx[0])),
            max(0, min(size[1], bx[1])),
            max(0, min(size[0], bx[2])),
            max(0, min(size[1], bx[3])),
        ]
    return bx


def encode_jpeg(img: Image.Image, quality: int) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality, optimize=False, subsampling=2)
    return buf.getvalue()
