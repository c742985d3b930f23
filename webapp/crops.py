"""Evidence crops for the applicant page, taken from the report.html of the run shown.

The verifier draws each crop once, from the page as it was read (rotation, scale) and with
the ID digits covered (pipelines/crops.py, pipelines/masking.py), and embeds it in the
report. The web app reads them back from there, keyed by the evidence they show
(file, page, box), rather than drawing its own from less information. The crops are those
of the run whose result is shown (a packet run's own report) and of the intake's latest
intake run (its report/: the findings a packet run carried over from it); an earlier run's
evidence shows as text."""

from __future__ import annotations

import base64
import html
import re
import threading
from pathlib import Path

_FIGURE_RE = re.compile(
    r'<figure>\s*<img src="data:image/(?:png|jpeg);base64,([A-Za-z0-9+/=]+)"[^>]*>\s*'
    r"<figcaption>(.*?)</figcaption>",
    re.S,
)
_CACHE: dict[str, tuple[float, dict[tuple[str, int, str], bytes]]] = {}
_LOCK = threading.Lock()


def key(file: str, page: int, bbox: list[float] | None) -> tuple[str, int, str]:
    from pipelines.reports import _bbox_text

    return (file, int(page), _bbox_text(bbox))


def _parse(text: str) -> dict[tuple[str, int, str], bytes]:
    out: dict[tuple[str, int, str], bytes] = {}
    for data, caption in _FIGURE_RE.findall(text):
        # "证据：packets/X/a.jpg · 第 页 1 · 位置 10,20,30,40" — the parts the template joins.
        parts = [html.unescape(p).strip() for p in caption.split("·")]
        if len(parts) < 2:
            continue
        file = parts[0].split("：", 1)[-1].split(":", 1)[-1].strip()
        page_m = re.search(r"(\d+)\s*$", parts[1])
        bbox = parts[2].split()[-1] if len(parts) > 2 and parts[2].split() else ""
        if page_m:
            out.setdefault((file, int(page_m.group(1)), bbox), base64.b64decode(data))
    return out


_KEEP = 64  # report folders parsed and kept (one per intake, one per packet state shown)


def index(report_dir: Path) -> dict[tuple[str, int, str], bytes]:
    """The crops of the report in a run's report folder, parsed once per report file."""
    path = Path(report_dir) / "report.html"
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return {}
    with _LOCK:
        hit = _CACHE.get(str(path))
        if hit and hit[0] == mtime:
            return hit[1]
    parsed = _parse(path.read_text(encoding="utf-8"))
    with _LOCK:
        _CACHE[str(path)] = (mtime, parsed)
        while len(_CACHE) > _KEEP:
            _CACHE.pop(next(iter(_CACHE)))
    return parsed


def crop(
    report_dirs: list[Path], file: str, page: int, bbox: list[float] | None
) -> bytes | None:
    """The crop of the evidence from the first of the report folders that has it."""
    k = key(file, page, bbox)
    for d in report_dirs:
        got = index(d).get(k)
        if got is not None:
            return got
    return None
