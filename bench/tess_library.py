"""tesseract's second opinion through the library (tesserocr) against the command, on the
crops a verified batch's pages would send it: do they read alike, and how long each takes.

    python bench/tess_library.py --batch BATCH --out OUT   # OUT of `credcheck verify BATCH`

Every cached page reading under OUT/.credcheck/cache is decoded again from BATCH, turned as it
was read, and each field that takes a second opinion (ID numbers, certificate numbers,
dates) is cut as reconcile.crop cuts it and read by both, with the field's whitelist.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--show", type=int, default=20, help="differences to print")
    a = ap.parse_args()

    from prefect.results import ResultRecord

    from extractors.loaders import LoadOptions, load_file
    from extractors.ocr.base import rotate_image
    from extractors.ocr.tess import TesseractEngine, TesseractOptions
    from extractors.reconcile import _WHITELIST, crop
    from models.catalogue import SECOND_OPINION_FIELDS
    from models.evidence import PageReading
    from pipelines import stages

    engines = {
        "library": TesseractEngine(TesseractOptions(library=True)),
        "command": TesseractEngine(TesseractOptions(library=False)),
    }
    files = {fp.sha256: fp for fp in stages.plan_batch(a.batch).files}
    seconds = dict.fromkeys(engines, 0.0)
    n, diffs = 0, []
    for rec in sorted((a.out / stages.STATE_DIR / "cache").glob("page-*")):
        reading = ResultRecord.deserialize(rec.read_bytes()).result
        fp = files.get(rec.name.split("-")[1])
        if not isinstance(reading, PageReading) or reading.unit != "px" or fp is None:
            continue
        opts = LoadOptions(root=a.batch, pages=(reading.page,), metadata=False)
        _, rasters = load_file(fp.path, options=opts)
        upright = rotate_image(rasters[0].image, reading.rotation)
        for doc in reading.documents:
            for key, f in doc.fields.items():
                if key not in SECOND_OPINION_FIELDS or f.evidence.bbox is None:
                    continue
                box = crop(upright, f.evidence.bbox)
                if not box.size:
                    continue
                got = {}
                for name, engine in engines.items():
                    t = time.perf_counter()
                    got[name] = engine.read_line(box, whitelist=_WHITELIST.get(key)).text
                    seconds[name] += time.perf_counter() - t
                n += 1
                if got["library"] != got["command"]:
                    diffs.append((fp.rel, reading.page, key, got["library"], got["command"]))
    print(f"{n} crops, {n - len(diffs)} read alike; "
          + ", ".join(f"{k} {v:.1f} s" for k, v in seconds.items()))  # fmt: skip
    for d in diffs[: a.show]:
        print("differs:", *d)
    return 0


if __name__ == "__main__":
    sys.exit(main())
