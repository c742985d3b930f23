"""Write a folder of synthetic evidence files plus truth.json.

Each page gets its own rng derived from (seed, file index, page index), so the output is the
same byte for byte for a seed whatever the worker count. Truth per page:

    {"file", "page", "doc_type", "difficulty", "rotation", "fields", "format",
     "regions" (pages holding several documents only), and extras: "layout",
     "upright_rotation", "text_layer", "unit", "width", "height", "dpi",
     "field_boxes", "person", "damage"}

`rotation` is how far the page was turned clockwise after rendering; `upright_rotation` is
the clockwise turn that makes it upright again (what an OCR engine's page rotation reports).
Boxes are in pixels of the stored page image (points with a top-left origin for text-layer
PDFs).
"""

from __future__ import annotations

import argparse
import io
import json
import random
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from synth import textpdf
from synth.damage import DIFFICULTIES, degrade, rotate_page, rotation_matrix, transform_box
from synth.documents import DOC_TYPES, RENDERERS, RenderedDoc, mount
from synth.people import make_person

FORMAT_WEIGHTS = {"jpg": 40, "png": 25, "pdf": 20, "tif": 15}
ROTATION_SHARE = {"clean": 0.07, "ordinary": 0.12, "poor": 0.15}
MULTIPAGE_SHARE = 0.08
MOUNT_SHARE = 0.22
TEXT_LAYER_SHARE = 0.5  # of clean PDFs


@dataclass
class TruthDoc:
    file: str
    page: int
    doc_type: str
    difficulty: str
    rotation: int
    fields: dict
    format: str
    regions: list = field(default_factory=list)
    layout: str = ""
    upright_rotation: int = 0
    text_layer: bool = False
    unit: str = "px"
    width: float = 0
    height: float = 0
    dpi: int = 300
    field_boxes: dict = field(default_factory=dict)
    person: dict = field(default_factory=dict)
    damage: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        d = asdict(self)
        if not d["regions"]:
            del d["regions"]
        return d


@dataclass
class PageJob:
    doc_type: str
    difficulty: str
    rotation: int
    mounted: bool
    text_layer: str | None  # None, "vector" or "sandwich"


@dataclass
class FileJob:
    index: int
    name: str
    fmt: str
    pages: list[PageJob]
    seed: int
    layouts: str = "synth"  # which family of layouts draws its pages (LAYOUT_FAMILIES)


# "synth": the layouts the reader was developed on; "blind": drawn from the documents' spec
# alone by someone who had not read the reader (synth/blind/), for measuring on the unseen.
LAYOUT_FAMILIES = ("synth", "blind")


def render(
    family: str, doc_type: str, person, rng: random.Random, **facts
) -> RenderedDoc:
    """A document of the type from the family's layouts (a blind layout picked by rng)."""
    if family == "blind":
        from synth.blind import BLIND_LAYOUTS, render_blind

        layout = rng.choice(sorted(BLIND_LAYOUTS[doc_type]))
        return render_blind(doc_type, layout, person, rng, **facts)
    if family != "synth":
        raise ValueError(f"unknown layout family {family!r}; known: {LAYOUT_FAMILIES}")
    return RENDERERS[doc_type](person, rng, **facts)


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def plan(
    per_difficulty: int,
    seed: int,
    difficulties: Sequence[str],
    formats: Sequence[str],
    doc_types: Sequence[str] = DOC_TYPES,
) -> list[FileJob]:
    rng = random.Random(f"synth-plan:{seed}")
    fw = {f: w for f, w in FORMAT_WEIGHTS.items() if f in formats}
    if not fw:
        raise ValueError(f"no known format in {formats}")
    multi_fmts = [f for f in ("pdf", "tif") if f in fw]
    jobs: list[FileJob] = []
    # One shuffled cycle of types across all difficulties: even small batches cover every type.
    cycle: list[str] = []
    while len(cycle) < per_difficulty * len(difficulties):
        block = list(doc_types)
        rng.shuffle(block)
        cycle += block
    for d_index, diff in enumerate(difficulties):
        if diff not in DIFFICULTIES:
            raise ValueError(f"unknown difficulty {diff}")
        types = cycle[d_index * per_difficulty : (d_index + 1) * per_difficulty]
        i = 0
        while i < len(types):
            n = 1
            if multi_fmts and len(types) - i >= 2 and rng.random() < MULTIPAGE_SHARE:
                n = min(len(types) - i, rng.choice((2, 2, 3)))
                fmt = rng.choice(multi_fmts)
            else:
                fmt = _weighted(rng, fw)
            pages = []
            for t in types[i : i + n]:
                tl = None
                if (
                    n == 1
                    and fmt == "pdf"
                    and diff == "clean"
                    and rng.random() < TEXT_LAYER_SHARE
                    and textpdf.available()
                ):
                    # photocopies (ID cards, forms) only come as a scanner's searchable PDF
                    vector_ok = t not in ("id_card", "other")
                    tl = "vector" if vector_ok and rng.random() < 0.7 else "sandwich"
                rot = 0
                if tl is None and rng.random() < ROTATION_SHARE[diff]:
                    rot = rng.choices((90, 180, 270), weights=(3, 4, 3))[0]
                mounted = (
                    tl is None and t not in ("id_card", "other") and rng.random() < MOUNT_SHARE
                )
                pages.append(PageJob(t, diff, rot, mounted, tl))
            ext = {
                "jpg": "jpeg" if rng.random() < 0.1 else "jpg",
                "tif": "tiff" if rng.random() < 0.3 else "tif",
            }.get(fmt, fmt)
            idx = len(jobs)
            jobs.append(FileJob(idx, f"{idx:04d}.{ext}", fmt, pages, rng.getrandbits(63)))
            i += n
    return jobs


def _page(
    job: FileJob, k: int, pj: PageJob, person, dpi: int | None
) -> tuple[Image.Image | bytes, TruthDoc]:
    rng = random.Random(f"synth-page:{job.seed}:{k}")
    facts = {"text_layer": True} if pj.text_layer else {}
    doc = render(job.layouts, pj.doc_type, person, rng, **facts)
    return scan_page(
        doc, rng, file=job.name, page=k + 1, doc_type=pj.doc_type, fmt=job.fmt,
        difficulty=pj.difficulty,
        rotation=pj.rotation, mounted=pj.mounted, text_layer=pj.text_layer, dpi=dpi,
        person=asdict(person),
    )  # fmt: skip


def scan_page(
    doc: RenderedDoc,
    rng: random.Random,
    *,
    file: str,
    page: int,
    doc_type: str,
    fmt: str,
    difficulty: str,
    rotation: int,
    mounted: bool,
    text_layer: str | None,
    dpi: int | None,
    person: dict,
    max_dpi: int | None = None,
) -> tuple[Image.Image | bytes, TruthDoc]:
    """A rendered certificate as submitted: mounted, then a text-layer PDF page or a damaged
    and turned scan; the truth carries field boxes in the stored page's coordinates.
    `max_dpi` stores scans at no more than that resolution (small pages for load tests)."""
    if mounted:
        doc, _ = mount(doc, rng)  # moves the doc's field boxes itself
    truth = TruthDoc(
        file, page, doc_type, difficulty, rotation, dict(doc.fields), fmt,
        layout=doc.layout, person=person,
    )  # fmt: skip
    if text_layer:
        assert doc.canvas is not None
        data = textpdf.text_pdf_bytes(doc.canvas, text_layer)
        pt = textpdf.PT
        truth.text_layer, truth.unit = True, "pt"
        truth.width, truth.height = round(doc.image.width * pt, 2), round(doc.image.height * pt, 2)
        truth.damage = {"text_pdf": text_layer}
        _boxes(truth, doc, np.diag([pt, pt, 1.0]), None)
        return data, truth
    img, info = degrade(doc.image, difficulty, rng, dpi=dpi, max_dpi=max_dpi)
    M = np.asarray(info.pop("matrix"))
    if rotation:
        M = rotation_matrix(rotation, img.width, img.height) @ M
        img = rotate_page(img, rotation)
    truth.upright_rotation = (360 - rotation) % 360
    truth.width, truth.height, truth.dpi = img.width, img.height, info["dpi"]
    truth.damage = info
    _boxes(truth, doc, M, img.size)
    return img, truth


def _boxes(truth: TruthDoc, doc: RenderedDoc, M: np.ndarray, size) -> None:
    def tb(b):
        v = transform_box(b, M, size)
        return [round(x, 2) for x in v] if size is None else v

    truth.field_boxes = {k: tb(v) for k, v in doc.field_boxes.items()}
    if doc.regions:
        truth.regions = [
            {
                "doc_type": r.doc_type,
                "bbox": tb(r.bbox),
                "fields": dict(r.fields),
                "field_boxes": {k: tb(v) for k, v in r.field_boxes.items()},
            }
            for r in doc.regions
        ]


def encode_pages(
    pages: list[Image.Image], fmt: str, truths: list[TruthDoc], rng: random.Random
) -> bytes:
    buf = io.BytesIO()
    dpi = truths[0].dpi
    first = pages[0]
    if fmt == "jpg":
        q = truths[0].damage.get("jpeg_quality") or rng.randint(88, 95)
        first.save(buf, "JPEG", quality=q, dpi=(dpi, dpi), subsampling=rng.choice((0, 2)))
    elif fmt == "png":
        first.save(buf, "PNG", compress_level=1, dpi=(dpi, dpi))
    elif fmt == "tif":
        # deflate is ~5x slower to write than LZW on noisy scans, so it stays rare
        comp = rng.choices(("tiff_lzw", "jpeg", "tiff_deflate"), weights=(6, 3, 1))[0]
        extra = {"quality": rng.randint(75, 92)} if comp == "jpeg" else {}
        first.save(
            buf,
            "TIFF",
            compression=comp,
            dpi=(dpi, dpi),
            save_all=len(pages) > 1,
            append_images=pages[1:],
            **extra,
        )
    elif fmt == "pdf":
        rgb = [p.convert("RGB") if p.mode not in ("RGB", "L") else p for p in pages]
        rgb[0].save(
            buf,
            "PDF",
            resolution=float(dpi),
            save_all=len(rgb) > 1,
            append_images=rgb[1:],
            quality=rng.randint(70, 90),
            title=None,
            creationDate=None,
            modDate=None,
            producer=None,
            creator=None,
        )
    else:
        raise ValueError(fmt)
    return buf.getvalue()


def build_file(job: FileJob) -> tuple[str, bytes, list[TruthDoc]]:
    """Render, damage and encode one file (runs in a worker process)."""
    rng = random.Random(f"synth-file:{job.seed}")
    person = make_person(rng)  # one applicant per file, as in a combined scan
    images, truths = [], []
    # One resolution for all pages of a multi-page file (poor pages only).
    dpi = rng.choice((150, 150, 160, 200, 200)) if len(job.pages) > 1 else None
    for k, pj in enumerate(job.pages):
        out, truth = _page(job, k, pj, person, dpi)
        if isinstance(out, bytes):  # text-layer PDF, single page
            return job.name, out, [truth]
        images.append(out)
        truths.append(truth)
    return job.name, encode_pages(images, job.fmt, truths, rng), truths


def generate_documents(
    out_dir: Path,
    *,
    per_difficulty: int,
    seed: int,
    difficulties: Iterable[str] = DIFFICULTIES,
    formats: Iterable[str] = ("jpg", "png", "pdf", "tif"),
    doc_types: Sequence[str] = DOC_TYPES,
    workers: int = 1,
    layouts: str = "synth",
) -> list[TruthDoc]:
    """Generate `per_difficulty` pages for each difficulty into out_dir; returns the truth.
    `layouts` names the family of layouts (LAYOUT_FAMILIES) the pages are drawn from."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    jobs = plan(per_difficulty, seed, tuple(difficulties), tuple(formats), tuple(doc_types))
    for job in jobs:
        job.layouts = layouts
    truths: list[TruthDoc] = []
    if workers > 1 and len(jobs) > 1:
        with ProcessPoolExecutor(max_workers=workers) as ex:
            results = ex.map(build_file, jobs, chunksize=1)
            for name, data, ts in results:
                (out_dir / name).write_bytes(data)
                truths += ts
    else:
        for job in jobs:
            name, data, ts = build_file(job)
            (out_dir / name).write_bytes(data)
            truths += ts
    (out_dir / "truth.json").write_text(
        json.dumps([t.to_dict() for t in truths], ensure_ascii=False, indent=1), encoding="utf-8"
    )
    return truths


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m synth", description="Generate synthetic certificate scans."
    )
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--per-difficulty", type=int, default=12)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--difficulties", default=",".join(DIFFICULTIES))
    ap.add_argument("--formats", default="jpg,png,pdf,tif")
    ap.add_argument("--workers", type=int, default=1)
    a = ap.parse_args(argv)
    truths = generate_documents(
        a.out_dir,
        per_difficulty=a.per_difficulty,
        seed=a.seed,
        difficulties=a.difficulties.split(","),
        formats=a.formats.split(","),
        workers=a.workers,
    )
    print(f"{len(truths)} pages in {len({t.file for t in truths})} files → {a.out_dir}")
    return 0
