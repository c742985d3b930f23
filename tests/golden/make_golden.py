"""Rebuild the golden fixtures from a synthetic run (run by hand, not by the tests).

    python tests/golden/make_golden.py SYNTH_DIR [--per-type 2]

Takes pages of every document type whose reading matches the ground truth, stores each as a
JPEG no larger than RapidOCR's working size (2000 px: it reads nothing finer), the OCR lines
it produced (so the field tests run without an engine), and the ground truth as expected.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from extractors.loaders import load_file  # noqa: E402
from extractors.read import Reader, ReadOptions  # noqa: E402
from extractors.reconcile import SecondOpinion  # noqa: E402

HERE = Path(__file__).parent


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("synth_dir", type=Path)
    ap.add_argument("--per-type", type=int, default=2)
    args = ap.parse_args()
    truth = json.loads((args.synth_dir / "truth.json").read_text("utf-8"))
    taken: dict[str, int] = {}
    expected = {}
    with Reader(ReadOptions(second_opinion=SecondOpinion.never)) as reader:
        for t in truth:
            if taken.get(t["doc_type"], 0) >= args.per_type or t.get("regions"):
                continue
            _loaded, pages = load_file(args.synth_dir / t["file"])
            page = next(p for p in pages if p.page == t["page"])
            if page.image is None:
                continue
            im = Image.fromarray(page.image)
            im.thumbnail((2000, 2000))
            name = f"{t['doc_type']}_{taken.get(t['doc_type'], 0) + 1}.jpg"
            path = HERE / name
            im.save(path, quality=80)
            reading = reader.read_file(path, rel=name)
            doc = reading.documents[0]
            if doc.doc_type != t["doc_type"] or any(
                doc.values().get(k) != v for k, v in t["fields"].items()
            ):
                path.unlink()
                continue
            lines = [[ln.text, list(ln.bbox), ln.confidence] for ln in reading.pages[0].lines]
            (HERE / (name + ".ocr.json")).write_text(json.dumps(lines, ensure_ascii=False), "utf-8")
            expected[name] = {"doc_type": t["doc_type"], "fields": t["fields"],
                              "source": f"{t['file']} p{t['page']} [{t['difficulty']}]"}  # fmt: skip
            taken[t["doc_type"]] = taken.get(t["doc_type"], 0) + 1
    (HERE / "expected.json").write_text(
        json.dumps(expected, ensure_ascii=False, indent=1, sort_keys=True), "utf-8"
    )
    print(f"{len(expected)} fixtures: {taken}")


if __name__ == "__main__":
    main()
