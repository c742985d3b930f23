"""Certificate furniture: guilloche borders, security backgrounds, seals, photos, QR blocks, emblem.

All drawn with numpy curves and Pillow primitives, parametrised by the caller's rng so
no two documents share exactly the same look.
"""

from __future__ import annotations

import math
import random

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from synth.fonts import font

RGB = tuple[int, int, int]

PALETTES: dict[str, dict[str, RGB]] = {
    # paper tint, guilloche colour, accent (titles/frames)
    "red": {"paper": (255, 250, 244), "line": (214, 120, 110), "accent": (190, 20, 25)},
    "gold": {"paper": (255, 251, 236), "line": (205, 165, 80), "accent": (170, 120, 30)},
    "blue": {"paper": (246, 250, 255), "line": (120, 160, 210), "accent": (25, 60, 140)},
    "green": {"paper": (247, 253, 246), "line": (130, 185, 140), "accent": (30, 110, 60)},
    "plain": {"paper": (255, 255, 255), "line": (160, 160, 160), "accent": (20, 20, 20)},
    "brown": {"paper": (253, 248, 240), "line": (190, 150, 120), "accent": (120, 60, 30)},
}


def jitter_color(rng: random.Random, c: RGB, amount: int = 12) -> RGB:
    return tuple(max(0, min(255, v + rng.randint(-amount, amount))) for v in c)  # type: ignore[return-value]


def rounded_rect_path(x0, y0, x1, y1, r, step=3.0):
    """Points along a rounded rectangle (clockwise from top-left) and their inward normals."""
    pts, nrm = [], []

    def line(ax, ay, bx, by, nx, ny):
        n = max(2, int(math.hypot(bx - ax, by - ay) / step))
        t = np.linspace(0, 1, n, endpoint=False)
        pts.append(np.stack([ax + (bx - ax) * t, ay + (by - ay) * t], 1))
        nrm.append(np.tile([nx, ny], (n, 1)))

    def arc(cx, cy, a0):
        n = max(4, int(r * math.pi / 2 / step))
        a = a0 + np.linspace(0, math.pi / 2, n, endpoint=False)
        pts.append(np.stack([cx + r * np.cos(a), cy + r * np.sin(a)], 1))
        nrm.append(np.stack([-np.cos(a), -np.sin(a)], 1))

    line(x0 + r, y0, x1 - r, y0, 0, 1)
    arc(x1 - r, y0 + r, -math.pi / 2)
    line(x1, y0 + r, x1, y1 - r, -1, 0)
    arc(x1 - r, y1 - r, 0)
    line(x1 - r, y1, x0 + r, y1, 0, -1)
    arc(x0 + r, y1 - r, math.pi / 2)
    line(x0, y1 - r, x0, y0 + r, 1, 0)
    arc(x0 + r, y0 + r, math.pi)
    p, n = np.concatenate(pts), np.concatenate(nrm)
    seg = np.linalg.norm(np.diff(np.vstack([p, p[:1]]), axis=0), axis=1)
    s = np.concatenate([[0], np.cumsum(seg)[:-1]])
    return p, n, s, float(seg.sum())


def guilloche_border(
    draw: ImageDraw.ImageDraw,
    box: tuple[float, float, float, float],
    band: float,
    color: RGB,
    rng: random.Random,
    color2: RGB | None = None,
) -> None:
    """A band of interlaced sine curves running round a rounded rectangle, framed by lines."""
    x0, y0, x1, y1 = box
    r = band * rng.uniform(0.6, 1.6)
    p, n, s, perim = rounded_rect_path(x0, y0, x1, y1, r)
    waves = int(perim / (band * rng.uniform(0.9, 2.2)))
    k = rng.randint(4, 7)
    width = rng.choice((1, 2, 2))
    second = rng.random() < 0.6
    for i in range(k):
        ph = 2 * math.pi * i / k
        for freq, col in (
            ((waves, color), (waves * 2 + 1, color2 or color)) if second else ((waves, color),)
        ):
            off = band / 2 + band / 2 * 0.92 * np.sin(2 * math.pi * freq * s / perim + ph)
            q = p + n * off[:, None]
            q = np.vstack([q, q[:1]])
            draw.line([tuple(v) for v in q.round(1)], fill=col, width=width)
    frame = tuple(max(0, c - 60) for c in color)
    for inset, w in ((0, rng.choice((3, 4, 6))), (band, 2)):
        pp, _, _, _ = rounded_rect_path(
            x0 + inset, y0 + inset, x1 - inset, y1 - inset, max(2, r - inset)
        )
        pp = np.vstack([pp, pp[:1]])
        draw.line([tuple(v) for v in pp.round(1)], fill=frame, width=w)


def simple_frame(draw: ImageDraw.ImageDraw, box, color: RGB, rng: random.Random) -> None:
    """Double line frame with corner squares: the plainer certificates."""
    x0, y0, x1, y1 = box
    gap = rng.randint(12, 30)
    draw.rectangle(box, outline=color, width=rng.choice((6, 8, 10)))
    draw.rectangle((x0 + gap, y0 + gap, x1 - gap, y1 - gap), outline=color, width=2)
    if rng.random() < 0.6:
        c = gap * 2
        for cx, cy in ((x0, y0), (x1 - c, y0), (x0, y1 - c), (x1 - c, y1 - c)):
            draw.rectangle(
                (cx + gap / 2, cy + gap / 2, cx + c - gap / 2, cy + c - gap / 2),
                outline=color,
                width=3,
            )


def corner_ornaments(
    draw: ImageDraw.ImageDraw, box, color: RGB, size: float, rng: random.Random
) -> None:
    """Scroll-like corner pieces (quarter-circle fans) as on 奖状 and 荣誉证书."""
    x0, y0, x1, y1 = box
    for cx, cy, a0 in ((x0, y0, 0), (x1, y0, 90), (x1, y1, 180), (x0, y1, 270)):
        for i in range(rng.randint(3, 6)):
            r = size * (1 - i * 0.15)
            draw.arc((cx - r, cy - r, cx + r, cy + r), a0, a0 + 90, fill=color, width=4)
        draw.pieslice(
            (cx - size * 0.3, cy - size * 0.3, cx + size * 0.3, cy + size * 0.3),
            a0,
            a0 + 90,
            fill=color,
        )


def security_background(img: Image.Image, color: RGB, rng: random.Random, spacing=None) -> None:
    """Fine wavy lines across the whole page, like security paper (very light)."""
    d = ImageDraw.Draw(img)
    w, h = img.size
    spacing = spacing or rng.randint(14, 30)
    amp = rng.uniform(3, 10)
    per = rng.uniform(120, 400)
    xs = np.arange(0, w + 8, 8, dtype=np.float32)
    light = tuple(int(255 - (255 - c) * rng.uniform(0.18, 0.32)) for c in color)
    for y in np.arange(-spacing, h + spacing, spacing):
        ys = y + amp * np.sin(2 * np.pi * xs / per + y / 37.0)
        d.line(list(zip(xs.tolist(), ys.tolist(), strict=True)), fill=light, width=1)


def rosette(
    img: Image.Image, center, radius: float, color: RGB, rng: random.Random, alpha=0.25
) -> None:
    """A faint spirograph medallion (watermark centre of many certificates)."""
    layer = Image.new("L", img.size, 0)
    d = ImageDraw.Draw(layer)
    R, r = radius, radius * rng.uniform(0.2, 0.45)
    dd = r * rng.uniform(0.6, 1.3)
    t = np.linspace(0, 2 * np.pi * rng.randint(7, 13), 6000)
    for k in range(rng.randint(2, 4)):
        ph = k * 0.4
        x = center[0] + (R - r) * np.cos(t) + dd * np.cos((R - r) / r * t + ph)
        y = center[1] + (R - r) * np.sin(t) - dd * np.sin((R - r) / r * t + ph)
        scale = radius / (R - r + dd) * (1 - 0.12 * k)
        x = center[0] + (x - center[0]) * scale
        y = center[1] + (y - center[1]) * scale
        d.line(list(zip(x.tolist(), y.tolist(), strict=True)), fill=int(255 * alpha), width=2)
    img.paste(Image.new("RGB", img.size, color), (0, 0), layer)


# ---------------------------------------------------------------------------------------
# Seals


def make_seal(
    rng: random.Random,
    text: str,
    diameter: int,
    bottom: str = "",
    star: bool = True,
    color: RGB | None = None,
    family: str = "sans_bold",
) -> Image.Image:
    """A round red seal: ring, arc text of the issuer, star, optional bottom line; RGBA."""
    d = int(diameter)
    mask = Image.new("L", (d, d), 0)
    md = ImageDraw.Draw(mask)
    ring = max(6, int(d * rng.uniform(0.028, 0.04)))
    md.ellipse((ring // 2, ring // 2, d - ring // 2, d - ring // 2), outline=255, width=ring)
    c = d / 2
    if star:
        rs = d * rng.uniform(0.14, 0.19)
        pts = []
        for i in range(10):
            a = -math.pi / 2 + i * math.pi / 5
            rr = rs if i % 2 == 0 else rs * 0.38
            pts.append((c + rr * math.cos(a), c + rr * math.sin(a)))
        md.polygon(pts, fill=255)
    text = text[:24]
    n = len(text)
    if n:
        ch = d * (0.13 if n <= 12 else 0.11 if n <= 17 else 0.09)
        f = font(family, int(ch))
        span = min(math.radians(rng.uniform(230, 270)), math.radians(22 * n))
        r_text = c - ring * 1.8 - ch * 0.62
        for i, chr_ in enumerate(text):
            ang = -span / 2 + span * (i + 0.5) / n  # from top, clockwise
            tile = Image.new("L", (int(ch * 1.6), int(ch * 1.6)), 0)
            ImageDraw.Draw(tile).text(
                (tile.width / 2, tile.height / 2), chr_, font=f, fill=255, anchor="mm"
            )
            tile = tile.rotate(-math.degrees(ang), resample=Image.BILINEAR, expand=True)
            px = c + r_text * math.sin(ang) - tile.width / 2
            py = c - r_text * math.cos(ang) - tile.height / 2
            mask.paste(255, (int(px), int(py)), tile)
    if bottom:
        bs = d * 0.085
        bs = min(bs, d * 0.56 / max(1, len(bottom)) / 1.0)  # keep the line inside the ring
        md.text((c, c + d * 0.29), bottom, font=font(family, int(bs)), fill=255, anchor="mm")
    # Ink: uneven pressure, speckled gaps, soft edge.
    np_rng = np.random.default_rng(rng.getrandbits(32))
    low = np_rng.uniform(0.45, 1.0, (8, 8)).astype(np.float32)
    press = (
        np.asarray(
            Image.fromarray((low * 255).astype(np.uint8)).resize((d, d), Image.BICUBIC), np.float32
        )
        / 255
    )
    speck = (np_rng.random((d, d)) > rng.uniform(0.02, 0.12)).astype(np.float32)
    m = np.asarray(mask.filter(ImageFilter.GaussianBlur(rng.uniform(0.6, 1.4))), np.float32) / 255
    alpha = m * np.clip(press * 1.25, 0, 1) * (0.55 + 0.45 * speck) * rng.uniform(0.7, 0.92)
    color = color or jitter_color(rng, (215, 35, 40), 15)
    rgba = np.zeros((d, d, 4), np.uint8)
    rgba[..., :3] = color
    rgba[..., 3] = (alpha * 255).clip(0, 255).astype(np.uint8)
    seal = Image.fromarray(rgba, "RGBA")
    return seal.rotate(rng.uniform(-25, 25), resample=Image.BILINEAR, expand=False)


def steel_seal(rng: random.Random, text: str, diameter: int) -> Image.Image:
    """Embossed (钢印) ring as a faint grey relief; RGBA for multiply_overlay."""
    s = make_seal(rng, text, diameter, star=rng.random() < 0.5, color=(150, 150, 150), family="hei")
    a = np.asarray(s, np.uint8).copy()
    a[..., 3] = (a[..., 3].astype(np.float32) * 0.45).astype(np.uint8)
    return Image.fromarray(a, "RGBA")


# ---------------------------------------------------------------------------------------
# Photos, QR blocks, emblem


def draw_photo(
    img: Image.Image,
    box,
    rng: random.Random,
    background: RGB | None = None,
    grey=False,
    female: bool | None = None,
) -> None:
    """Passport-style portrait placeholder: coloured ground, shoulders, head, hair."""
    x0, y0, x1, y1 = (int(v) for v in box)
    w, h = x1 - x0, y1 - y0
    if grey or rng.random() < 0.08:
        d = ImageDraw.Draw(img)
        d.rectangle(box, fill=(205, 205, 205), outline=(120, 120, 120), width=3)
        return
    bg = background or rng.choice(((67, 142, 219), (200, 30, 40), (250, 250, 250), (90, 160, 230)))
    tile = Image.new("RGB", (w, h), bg)
    d = ImageDraw.Draw(tile)
    skin = jitter_color(rng, rng.choice(((235, 200, 170), (215, 175, 140), (240, 210, 185))), 10)
    hair = jitter_color(rng, (35, 28, 25), 10)
    cloth = rng.choice(((30, 35, 50), (40, 40, 40), (230, 230, 235), (60, 70, 110)))
    cx = w / 2 + rng.uniform(-0.03, 0.03) * w
    hw, hh = w * rng.uniform(0.2, 0.25), h * rng.uniform(0.21, 0.25)
    hy = h * rng.uniform(0.36, 0.42)
    d.ellipse((cx - w * 0.48, h * 0.78, cx + w * 0.48, h * 1.4), fill=cloth)  # shoulders
    d.rectangle((cx - hw * 0.45, hy + hh * 0.6, cx + hw * 0.45, h * 0.82), fill=skin)  # neck
    long_hair = rng.random() < (0.4 if female is None else 0.75 if female else 0.05)
    if long_hair:
        d.rounded_rectangle(
            (cx - hw * 1.25, hy - hh * 1.1, cx + hw * 1.25, hy + hh * 1.6),
            radius=int(hw),
            fill=hair,
        )
    d.ellipse((cx - hw * 1.08, hy - hh * 1.18, cx + hw * 1.08, hy + hh * 0.5), fill=hair)
    d.ellipse((cx - hw, hy - hh, cx + hw, hy + hh), fill=skin)
    d.ellipse((cx - hw * 1.02, hy - hh * 1.12, cx + hw * 1.02, hy - hh * 0.35), fill=hair)
    ey = hy - hh * 0.05
    for ex in (cx - hw * 0.42, cx + hw * 0.42):
        d.ellipse(
            (ex - hw * 0.12, ey - hh * 0.05, ex + hw * 0.12, ey + hh * 0.07), fill=(40, 30, 30)
        )
    d.line(
        (cx - hw * 0.3, hy + hh * 0.5, cx + hw * 0.3, hy + hh * 0.5),
        fill=(150, 80, 80),
        width=max(2, w // 90),
    )
    tile = tile.filter(ImageFilter.GaussianBlur(max(1.0, w / 160)))
    img.paste(tile, (x0, y0))


def draw_qr(
    draw: ImageDraw.ImageDraw, x: int, y: int, size: int, rng: random.Random, color=(0, 0, 0)
) -> None:
    """A QR-looking block: random modules plus the three finder patterns."""
    n = rng.choice((25, 29, 33))
    m = size / n
    grid = [[rng.random() < 0.5 for _ in range(n)] for _ in range(n)]
    for fx, fy in ((0, 0), (n - 7, 0), (0, n - 7)):
        for i in range(-1, 8):
            for j in range(-1, 8):
                if 0 <= fx + i < n and 0 <= fy + j < n:
                    ring = max(abs(i - 3), abs(j - 3))
                    grid[fy + j][fx + i] = ring in (0, 1, 3)
    draw.rectangle((x - m, y - m, x + size + m, y + size + m), fill=(255, 255, 255))
    for j in range(n):
        for i in range(n):
            if grid[j][i]:
                draw.rectangle(
                    (x + i * m, y + j * m, x + (i + 1) * m - 1, y + (j + 1) * m - 1), fill=color
                )


def draw_emblem(img: Image.Image, center, radius: float, rng: random.Random) -> None:
    """Simplified national emblem for the back of an ID card: red disc, gold stars and gate."""
    d = ImageDraw.Draw(img)
    cx, cy = center
    gold, red = (222, 170, 50), (200, 30, 35)
    d.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=gold)
    d.ellipse(
        (cx - radius * 0.82, cy - radius * 0.82, cx + radius * 0.82, cy + radius * 0.82), fill=red
    )

    def star(sx, sy, r):
        pts = []
        for i in range(10):
            a = -math.pi / 2 + i * math.pi / 5
            rr = r if i % 2 == 0 else r * 0.38
            pts.append((sx + rr * math.cos(a), sy + rr * math.sin(a)))
        d.polygon(pts, fill=gold)

    star(cx, cy - radius * 0.45, radius * 0.2)
    for k in range(4):
        a = math.radians(-150 + k * 40 + 20 * (k > 1))
        star(
            cx + radius * 0.45 * math.cos(a) * 0.9,
            cy - radius * 0.2 + radius * 0.35 * math.sin(a) * 0.5,
            radius * 0.08,
        )
    d.rectangle(
        (cx - radius * 0.5, cy + radius * 0.05, cx + radius * 0.5, cy + radius * 0.12), fill=gold
    )
    d.rectangle(
        (cx - radius * 0.4, cy + radius * 0.12, cx + radius * 0.4, cy + radius * 0.45), fill=gold
    )
    for k in range(3):
        gx = cx + (k - 1) * radius * 0.25
        d.rectangle(
            (gx - radius * 0.06, cy + radius * 0.25, gx + radius * 0.06, cy + radius * 0.45),
            fill=red,
        )
