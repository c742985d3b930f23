"""A whole page as it was read, with the read fields outlined and ID digits covered.

The reading comes from the verifier's own page cache (Prefect's persisted result of
read-page, keyed by the file's content, the page and the reader's options: what
pipelines.flows._page_key names), the image from the state the run verified, rendered the
way the crops are (pipelines.stages.reading.PageImages: sandboxed, turned upright)."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageDraw

from store.dataroot import DataRoot

MAX_WIDTH = 1400


def reading_of(root: DataRoot, sha256: str, page: int):
    """The cached PageReading of a page, or None (not read, or read by other options)."""
    from pipelines.flows import _options_key  # first: it sets Prefect's settings
    from prefect._internal.result_records import ResultRecord  # isort: skip

    from extractors.read import ReadOptions
    from models.evidence import PageReading

    path = root.cache / f"page-{sha256}-{page}-{_options_key(ReadOptions())}"
    try:
        value = ResultRecord.deserialize(path.read_bytes()).result  # our own workers wrote it
    except (OSError, ValueError):
        return None
    return value if isinstance(value, PageReading) else None


def render(batch_dir: Path, rel: str, reading, *, mask: bool, marked: list) -> bytes | None:
    """JPEG of the page: every read field outlined (blue), the flagged boxes (red), ID
    numbers' middle digits covered when `mask`."""
    import numpy as np

    from pipelines.masking import id_mask_span
    from pipelines.stages.reading import PageImages

    img = PageImages(batch_dir, {(rel, reading.page): reading})(rel, reading.page)
    if img is None:
        return None
    s = img.shape[1] / reading.width if reading.unit == "pt" and reading.width else 1.0
    pic = Image.fromarray(np.ascontiguousarray(img))
    draw = ImageDraw.Draw(pic)
    width = max(2, pic.width // 600)
    for doc in reading.documents:
        for f in doc.fields.values():
            if f.evidence.page != reading.page or f.evidence.bbox is None:
                continue
            x0, y0, x1, y1 = (v * s for v in f.evidence.bbox)
            if mask and f.key == "id_number":
                m0, m1 = id_mask_span(x0, x1 - x0)
                draw.rectangle((m0, y0, m1, y1), fill="black")
            draw.rectangle((x0, y0, x1, y1), outline=(37, 99, 235), width=width)
    for bbox in marked:
        x0, y0, x1, y1 = (v * s for v in bbox)
        draw.rectangle((x0 - 4, y0 - 4, x1 + 4, y1 + 4), outline=(220, 38, 38), width=width + 2)
    if pic.width > MAX_WIDTH:
        pic = pic.resize((MAX_WIDTH, round(pic.height * MAX_WIDTH / pic.width)))
    buf = io.BytesIO()
    pic.save(buf, "JPEG", quality=85)  # a scan as PNG is five times larger
    return buf.getvalue()
