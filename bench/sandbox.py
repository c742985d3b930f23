"""What reading a file in the sandbox (a forked child with limits) costs over reading it inline.

    python bench/sandbox.py [--repeat 30] [--small-parent]

Outside a verify run every file is opened in a child forked for the call
(extractors/sandbox.py); inside one, in children forked once and kept (`kept_children()`),
large buffers handed over in shared memory. This times extractors.loaders.load_file on small
files (a 64×64 PNG, a one-page text-layer PDF, a 300-dpi A4 scan) forked per call, in a kept
child and inline, interleaved, and prints the medians and the time each adds per call. A
fork's cost grows with the parent's memory: by default the pipeline (Prefect, spaCy, the
flows) is imported first, as in `credcheck verify`; --small-parent leaves it out. The
machine is shared and noisy: read the medians, not single runs.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from extractors.loaders import LoadOptions, load_file  # noqa: E402
from extractors.sandbox import _KEPT, KeptChildren  # noqa: E402
from tests import hostile  # noqa: E402


def _files(folder: Path) -> dict[str, Path]:
    import numpy as np
    from PIL import Image

    scan = Image.fromarray(np.full((3508, 2480, 3), 235, np.uint8))
    data = {
        "png 64×64": (".png", hostile.image_bytes(hostile.marker_image(64, 64), "PNG")),
        "pdf text layer": (".pdf", hostile.cert_pdf()),
        "jpeg A4 300 dpi": (".jpg", hostile.image_bytes(scan, "JPEG", quality=85)),
    }
    out = {}
    for name, (suffix, blob) in data.items():
        path = folder / f"f{len(out)}{suffix}"
        path.write_bytes(blob)
        out[name] = path
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--small-parent", action="store_true", help="do not import the pipeline")
    a = ap.parse_args(argv)
    if not a.small_parent:
        import pipelines.flows  # noqa: F401  # a verify run's process (its settings first)

    inline = LoadOptions(sandbox=False)
    kept = KeptChildren()
    with tempfile.TemporaryDirectory() as tmp:
        files = _files(Path(tmp))
        print(f"{'file':18s} {'fork ms':>8s} {'kept ms':>8s} {'inline ms':>9s} "
              f"{'fork adds':>9s} {'kept adds':>9s}")  # fmt: skip
        for name, path in files.items():
            load_file(path), load_file(path, options=inline)  # warm caches
            took: dict[str, list[float]] = {"fork": [], "kept": [], "inline": []}
            for _ in range(a.repeat):  # interleaved: load drift hits all three
                for mode in took:
                    token = _KEPT.set(kept if mode == "kept" else None)
                    t = time.perf_counter()
                    load_file(path, options=inline if mode == "inline" else None)
                    took[mode].append(time.perf_counter() - t)
                    _KEPT.reset(token)
            mf, mk, mi = (statistics.median(took[m]) * 1000 for m in took)
            print(f"{name:18s} {mf:8.1f} {mk:8.1f} {mi:9.1f} {mf - mi:9.1f} {mk - mi:9.1f}")
    kept.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
