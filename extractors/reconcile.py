"""Second opinion: tesseract re-reads the crops of ID numbers, certificate numbers and dates.

Agreement raises confidence. On disagreement the reading that passes validation wins (ID
check digit, certificate-number structure, a real date) and confidence drops, so a reviewer
sees the doubt instead of a silent guess.

A confident reading that validates keeps its value whatever tesseract reads (only a reading
that fails validation can be replaced), so under `on_doubt` it is not re-read while the page
is read: it is marked SECOND_OPINION_SKIPPED, and `second_look` re-reads it later if it turns
out decisive (a flag cites its page), with the very result `always` would have given.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

import numpy as np

from extractors import normalize as nz
from extractors.validators import id_candidates, parse_cert_no, validate_id_number
from models import ExtractedField
from models.catalogue import SECOND_OPINION_FIELDS
from models.exceptions import OcrEngineError

AGREE_CONFIDENCE = 0.995
DISAGREE_FACTOR = 0.7


class SecondOpinion(StrEnum):
    always = "always"  # every ID / certificate number / date field
    on_doubt = "on_doubt"  # only fields below the confidence bar or failing validation
    never = "never"


SECOND_OPINION_FAILED = "second opinion failed"  # field note; ": <error code>" follows
SECOND_OPINION_SKIPPED = "second opinion skipped: confident and valid"  # field note


def _valid(key: str, value: str | None) -> bool:
    if not value:
        return False
    if key == "id_number":
        return validate_id_number(value).valid
    if key == "cert_no":
        info = parse_cert_no(value)
        return info is not None and info.valid_structure
    return nz.parse_date(value) is not None


def _normalise(key: str, text: str) -> str | None:
    from extractors.fields import SPECS_BY_KEY

    return SPECS_BY_KEY[key].clean(text)


_WHITELIST = {
    "id_number": "0123456789X",
    "cert_no": "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
}


def crop(
    image: np.ndarray, bbox: tuple[float, float, float, float], pad: float = 0.25
) -> np.ndarray:
    x0, y0, x1, y1 = bbox
    h = y1 - y0
    px, py = h * pad + 4, h * pad + 2
    H, W = image.shape[:2]
    a, b = max(0, int(x0 - px)), max(0, int(y0 - py))
    c, d = min(W, int(x1 + px)), min(H, int(y1 + py))
    return np.ascontiguousarray(image[b:d, a:c])


def second_opinion(
    fields: dict[str, ExtractedField],
    image: np.ndarray,
    read_line: Callable[..., object],
    *,
    policy: SecondOpinion = SecondOpinion.always,
    keys: tuple[str, ...] = SECOND_OPINION_FIELDS,
    doubt_below: float = 0.9,
) -> None:
    """Re-read the crops of `keys` in place; `read_line(crop, whitelist=…)` is tesseract's."""
    if policy is SecondOpinion.never:
        return
    for key in keys:
        f = fields.get(key)
        if f is None or f.evidence.bbox is None:
            continue
        if (
            policy is SecondOpinion.on_doubt
            and f.confidence >= doubt_below
            and _valid(key, f.value)
        ):
            f.notes.append(SECOND_OPINION_SKIPPED)
            continue
        _reread(f, key, image, read_line)


def skipped(f: ExtractedField) -> bool:
    """Whether the field's second opinion was left for later (confident and valid)."""
    return SECOND_OPINION_SKIPPED in f.notes


def second_look(
    fields: dict[str, ExtractedField], image: np.ndarray, read_line: Callable[..., object]
) -> bool:
    """Re-read the fields whose second opinion was skipped, in place, as `always` would have
    read them then; whether any was."""
    done = False
    for key, f in fields.items():
        if skipped(f):
            f.notes.remove(SECOND_OPINION_SKIPPED)
            _reread(f, key, image, read_line)
            done = True
    return done


def _reread(
    f: ExtractedField, key: str, image: np.ndarray, read_line: Callable[..., object]
) -> None:
    assert f.evidence.bbox is not None
    box = crop(image, f.evidence.bbox)
    if box.size == 0:
        return
    try:
        reading = read_line(box, whitelist=_WHITELIST.get(key))
    except OcrEngineError as e:
        f.notes.append(f"{SECOND_OPINION_FAILED}: {e.code}")
        return
    other = _normalise(key, getattr(reading, "text", ""))
    _reconcile(f, key, other)


def _reconcile(f: ExtractedField, key: str, other: str | None) -> None:
    mine_ok = _valid(key, f.value)
    if other == f.value:
        f.confidence = max(f.confidence, AGREE_CONFIDENCE if mine_ok else f.confidence)
        f.notes.append("tesseract agrees")
        return
    other_ok = _valid(key, other)
    if not mine_ok and key == "id_number":
        # OCR confusions (O/0, I/1, S/5…) fixed where only one variant passes the check digit.
        fixed = [c for c in id_candidates(f.raw) if validate_id_number(c).valid]
        if other_ok and other in fixed or (len(fixed) == 1 and not other_ok):
            choice = other if other_ok and other in fixed else fixed[0]
            f.notes.append(f"repaired from {f.value!r} (check digit)")
            f.value = choice
            f.confidence = min(f.confidence, 0.85)
            return
    if other_ok and not mine_ok:
        f.notes.append(f"tesseract reading {other!r} chosen over {f.value!r} (validation)")
        f.value = other  # type: ignore[assignment]
        f.confidence = round(f.confidence * DISAGREE_FACTOR, 4)
        return
    f.notes.append(f"tesseract disagrees: {other!r}")
    f.confidence = round(f.confidence * (0.85 if mine_ok else DISAGREE_FACTOR), 4)
