"""Certificates "printed to PDF": a background image with the text as real PDF text.

Needs reportlab (TrueType only: the page must have been drawn with `text_layer=True`, which
limits it to wqy-zenhei / AR PL UMing / UKai / DejaVu). Two flavours:
- "vector": background without text, real visible text on top (an e-certificate);
- "sandwich": the full raster page with invisible text over it (a scanner's searchable PDF).
Coordinates: 300 dpi pixels × 72/300 = points; boxes keep a top-left origin like pdfplumber.
"""

from __future__ import annotations

import io

from synth.canvas import Canvas
from synth.fonts import FAMILIES

PT = 72 / 300

_registered: set[str] = set()


def _font_name(family: str) -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    name = f"synth-{family}"
    if name not in _registered:
        path, index = FAMILIES[family]
        pdfmetrics.registerFont(TTFont(name, path, subfontIndex=index))
        _registered.add(name)
    return name


def available() -> bool:
    try:
        import reportlab  # noqa: F401
    except ImportError:
        return False
    return True


def text_pdf_bytes(cv: Canvas, flavour: str = "vector", jpeg_quality: int = 88) -> bytes:
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas as rl_canvas

    W, H = cv.w * PT, cv.h * PT
    out = io.BytesIO()
    c = rl_canvas.Canvas(out, pagesize=(W, H), invariant=1, pageCompression=1)
    c.setCreator("credcheck synth")
    c.setProducer("credcheck synth")
    bg = cv.render() if flavour == "sandwich" else cv.img
    jpg = io.BytesIO()
    bg.save(jpg, "JPEG", quality=jpeg_quality, dpi=(300, 300))
    jpg.seek(0)
    c.drawImage(ImageReader(jpg), 0, 0, W, H)
    for op in cv.ops:
        t = c.beginText()
        t.setFont(_font_name(op.family), op.size * PT)
        t.setTextOrigin(op.x * PT, H - op.y * PT)
        if flavour == "sandwich":
            t.setTextRenderMode(3)  # invisible, searchable
        else:
            t.setFillColorRGB(*(v / 255 for v in op.fill))
        t.textOut(op.text)
        c.drawText(t)
    if flavour != "sandwich":
        for ov in cv.overlays:  # seals go over the text, as stamped paper would
            w, h = ov.image.width * PT, ov.image.height * PT
            c.drawImage(ImageReader(ov.image), ov.x * PT, H - ov.y * PT - h, w, h, mask="auto")
    c.showPage()
    c.save()
    return out.getvalue()
