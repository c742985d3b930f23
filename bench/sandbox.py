"""What reading a file in the sandbox (a forked child with limits) costs over reading it inline.

    python bench/sandbox.py [--repeat 30]

Every file of a batch is opened in a forked child (extractors/sandbox.py), once to inspect it
and once per page read. This times extractors.loaders.load_file on small files (a 64×64 PNG,
a one-page text-layer PDF, a 300-dpi A4 scan) with the sandbox and inline, interleaved, and
prints the medians, the added time per call and the ratio. The machine is shared and noisy:
read the medians, not single runs.
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
    a = ap.parse_args(argv)
    inline = LoadOptions(sandbox=False)
    with tempfile.TemporaryDirectory() as tmp:
        files = _files(Path(tmp))
        print(f"{'file':18s} {'sandbox ms':>10s} {'inline ms':>10s} {'added ms':>9s} {'ratio':>6s}")
        for name, path in files.items():
            load_file(path), load_file(path, options=inline)  # warm caches
            boxed, bare = [], []
            for _ in range(a.repeat):  # interleaved: load drift hits both
                t = time.perf_counter()
                load_file(path)
                boxed.append(time.perf_counter() - t)
                t = time.perf_counter()
                load_file(path, options=inline)
                bare.append(time.perf_counter() - t)
            mb, mi = statistics.median(boxed) * 1000, statistics.median(bare) * 1000
            print(f"{name:18s} {mb:10.1f} {mi:10.1f} {mb - mi:9.1f} {mb / mi:6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
