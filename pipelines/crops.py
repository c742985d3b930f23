"""Evidence crops for report.html: PNG cut-outs of the boxes a flag cites, drawn from the page
as it was read, ID digits masked by the reports' masking policy (pipelines/masking.py)."""

from __future__ import annotations

import hashlib
import io
import logging
import os
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextvars import copy_context
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image

from extractors.read import READER_VERSION
from models.evidence import PageReading
from models.results import EvidenceRef
from pipelines.atomic import write_bytes_atomic
from pipelines.masking import id_mask_span
from pipelines.stages.reading import PageImages

log = logging.getLogger(__name__)


class Cropper:
    """PNG crops of evidence boxes for report.html, drawn from the page as it was read."""

    MARGIN = 0.35  # of the box height, around the box
    MAX_WIDTH = 900

    def __init__(
        self,
        batch_dir: Path,
        pages: Mapping[tuple[str, int], PageReading],
        *,
        shas: dict[str, str | None] | None = None,
        cache_dir: Path | None = None,
    ):
        self.batch_dir = Path(batch_dir)
        self.pages = pages
        # Text-layer pages come unturned (boxes in points, scaled in _crop).
        self._page = lru_cache(maxsize=8)(PageImages(batch_dir, pages))
        # Crops of files whose hash is known are kept under cache_dir: a re-run of an unchanged
        # batch renders no page again (rendering was most of a second run's time).
        self.shas = shas or {}
        self.cache_dir = cache_dir
        self._ready: dict[tuple[str, int, tuple | None], bytes | None] = {}

    def prefetch(self, refs: Iterable[EvidenceRef], threads: int | None = None) -> None:
        """Render these crops before the report asks for them, a page's crops together and
        pages side by side: a page is decoded in its sandbox process and PNGs are encoded
        outside the GIL, so the crops take every core, not one (they were most of an intake
        run's last pass). One that fails here is left to the report's own call."""
        by_page: dict[tuple[str, int], list[EvidenceRef]] = {}
        for ref in refs:
            if ref.bbox is not None:
                by_page.setdefault((ref.file, ref.page), []).append(ref)

        def render(group: list[EvidenceRef]) -> None:
            for ref in group:
                try:
                    self._ready[(ref.file, ref.page, ref.bbox)] = self(ref)
                except Exception:  # noqa: BLE001 — the report falls back to the text location
                    log.debug("crop of %s p%s failed", ref.file, ref.page, exc_info=True)

        n = threads or min(4, os.cpu_count() or 2)
        with ThreadPoolExecutor(max(1, n)) as pool:
            # Each in a copy of this context: a verify run's kept sandbox children with it.
            jobs = [pool.submit(copy_context().run, render, g) for g in by_page.values()]
            for job in jobs:
                job.result()

    def _is_id_number(self, ref: EvidenceRef) -> bool:
        reading = self.pages.get((ref.file, ref.page))
        return reading is not None and any(
            f.key == "id_number" and f.evidence.bbox == ref.bbox
            for d in reading.documents
            for f in d.fields.values()
        )

    def _cache_path(self, ref: EvidenceRef, mask_digits: bool) -> Path | None:
        sha, reading = self.shas.get(ref.file), self.pages.get((ref.file, ref.page))
        if self.cache_dir is None or not sha or reading is None:
            return None
        spec = ":".join(map(str, (
            READER_VERSION, sha, ref.page, reading.rotation, reading.unit, reading.width,
            ref.bbox, mask_digits, self.MARGIN, self.MAX_WIDTH,
        )))  # fmt: skip
        return self.cache_dir / f"{hashlib.sha256(spec.encode()).hexdigest()[:32]}.png"

    def __call__(self, ref: EvidenceRef) -> bytes | None:
        if ref.bbox is None:
            return None
        if (ref.file, ref.page, ref.bbox) in self._ready:
            return self._ready[(ref.file, ref.page, ref.bbox)]
        mask_digits = self._is_id_number(ref)
        cached = self._cache_path(ref, mask_digits)
        if cached is not None and cached.is_file():
            return cached.read_bytes()
        data = self._crop(ref, mask_digits)
        if cached is not None and data is not None:
            write_bytes_atomic(cached, data)
        return data

    def _crop(self, ref: EvidenceRef, mask_digits: bool) -> bytes | None:
        assert ref.bbox is not None
        img = self._page(ref.file, ref.page)
        if img is None:
            return None
        x0, y0, x1, y1 = ref.bbox
        reading = self.pages[(ref.file, ref.page)]
        if reading.unit == "pt" and reading.width:
            s = img.shape[1] / reading.width
            x0, y0, x1, y1 = x0 * s, y0 * s, x1 * s, y1 * s
        m = self.MARGIN * max(y1 - y0, 10)
        h, w = img.shape[:2]
        a0, b0 = max(0, int(x0 - 4 * m)), max(0, int(y0 - m))
        a1, b1 = min(w, int(x1 + 4 * m)), min(h, int(y1 + m))
        if a1 - a0 < 4 or b1 - b0 < 4:
            return None
        crop = Image.fromarray(np.ascontiguousarray(img[b0:b1, a0:a1]))
        if mask_digits:
            # ID numbers are masked in reports: the digits the text hides are covered here.
            from PIL import ImageDraw

            m0, m1 = id_mask_span(x0 - a0, x1 - x0)
            ImageDraw.Draw(crop).rectangle((m0, y0 - b0, m1, y1 - b0), fill="black")
        if crop.width > self.MAX_WIDTH:
            crop = crop.resize((self.MAX_WIDTH, round(crop.height * self.MAX_WIDTH / crop.width)))
        buf = io.BytesIO()
        # zlib's default level: `optimize` cost 6x the time for 5 % fewer bytes.
        crop.save(buf, "PNG")
        return buf.getvalue()
