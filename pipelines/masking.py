"""The one masking policy for ID and phone numbers, for text and for images.

An ID number shows its region (first 6) and its last 4 characters; the birth date and
sequence digits between are hidden, in report text (`mask_text`, `mask_id`, `Masker`) and
on evidence crops (`id_mask_span`: the same characters covered on the image of the line).
Phone numbers keep their first 3 and last 4 digits.
"""

from __future__ import annotations

import re

from models.results import Results

__all__ = ["ID_KEEP", "Masker", "id_mask_span", "mask_id", "mask_phone", "mask_text"]

ID_KEEP = (6, 4)  # characters shown at the head and the tail of an 18-character ID number


def id_mask_span(x0: float, width: float, length: int = 18) -> tuple[float, float]:
    """The horizontal span to cover on the image of an ID number printed from x0, width wide."""
    return x0 + width * ID_KEEP[0] / length, x0 + width * (length - ID_KEEP[1]) / length


_D = "[0-9\uff10-\uff19]"  # half- and full-width digits
_X = "[0-9\uff10-\uff19Xx\uff38\uff58]"
_TO_ASCII = str.maketrans(
    "\uff10\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19\uff38\uff58",
    "0123456789Xx",
)
# 18 chars (optionally grouped 6-8-4 by one repeated space/hyphen) or 15 digits, not inside a
# longer digit run, so 16-digit 职业资格 and 22-char 职业技能等级 numbers are left alone.
_ID_RE = re.compile(
    rf"(?<!{_D})(?:{_D}{{6}}(?P<sep>[ \u3000-]?){_D}{{8}}(?P=sep){_D}{{3}}{_X}|{_D}{{15}})(?!{_D})"
)
# Mainland mobile, with an optional +86/0086 prefix and 3-4-4 grouping.
_PHONE_RE = re.compile(
    rf"(?<![0-9\uff10-\uff19+])(?P<cc>(?:\+|00)?86[ -]?)?"
    rf"(?P<num>[1\uff11][3-9\uff13-\uff19]{_D}(?P<sep>[ -]?){_D}{{4}}(?P=sep){_D}{{4}})(?!{_D})"
)
_SEPARATORS = " \u3000-"
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # openpyxl rejects these
_PHONE_FIELDS = frozenset({"phone", "mobile", "telephone", "电话", "手机", "联系电话"})


def _plausible_birth(digits: str) -> bool:
    if len(digits) == 18:
        year, month, day = digits[6:10], digits[10:12], digits[12:14]
        if year[:2] not in ("19", "20"):
            return False
    else:
        month, day = digits[8:10], digits[10:12]
    return month.isdigit() and day.isdigit() and 1 <= int(month) <= 12 and 1 <= int(day) <= 31


def _star_middle(text: str, keep_head: int, keep_tail: int) -> str:
    """Star the characters between the first keep_head and last keep_tail, keeping separators."""
    n = sum(c not in _SEPARATORS for c in text)
    out, i = [], 0
    for c in text:
        if c in _SEPARATORS:
            out.append(c)
            continue
        out.append("*" if keep_head <= i < n - keep_tail else c)
        i += 1
    return "".join(out)


def _id_sub(m: re.Match[str]) -> str:
    raw = m.group(0)
    digits = "".join(c for c in raw if c not in _SEPARATORS).translate(_TO_ASCII)
    return _star_middle(raw, *ID_KEEP) if _plausible_birth(digits) else raw


def _phone_sub(m: re.Match[str]) -> str:
    return (m.group("cc") or "") + _star_middle(m.group("num"), 3, 4)


def mask_text(s: str | None) -> str:
    """Mask every ID number and mainland mobile number inside free text."""
    if not s:
        return ""
    return _PHONE_RE.sub(_phone_sub, _ID_RE.sub(_id_sub, s))


def mask_id(s: str | None) -> str:
    """A value known to be an ID: masked even when invalid (wrong length, impossible date)."""
    if not s:
        return ""
    compact = re.sub(r"[\s\-]", "", s)
    if len(compact) >= 8 and re.fullmatch(f"{_X}+", compact):
        return _star_middle(compact, *ID_KEEP) if len(compact) > 10 else _star_middle(compact, 2, 2)
    return mask_text(s)


def mask_phone(s: str | None) -> str:
    if not s:
        return ""
    digits = re.sub(r"\D", "", s.translate(_TO_ASCII))
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    if len(digits) >= 7 and re.fullmatch(r"[\d\s()+\-]+", s.translate(_TO_ASCII).strip()):
        return _star_middle(digits, 3, 4)
    return mask_text(s)


class Masker:
    """Masks one report's text. Knows the batch's own ID values, so an invalid declared ID
    (which mask_text would not recognise) is still masked where a message repeats it."""

    def __init__(self, results: Results, enabled: bool) -> None:
        self.enabled = enabled
        known: set[str] = set()
        for a in results.applicants:
            for f in a.flags:
                if f.field == "id_number":
                    known.update(v.strip() for v in (f.declared, f.found) if v)
            for d in a.documents:
                if d.fields.get("id_number"):
                    known.add(d.fields["id_number"].strip())
        self._known = sorted((k for k in known if len(k) >= 8), key=lambda k: (-len(k), k))

    def text(self, s: str | None) -> str:
        s = _CONTROL_RE.sub("", s or "")
        if not self.enabled:
            return s
        for k in self._known:
            if k in s:
                s = s.replace(k, mask_id(k))
        return mask_text(s)

    def value(self, field: str | None, s: str | None) -> str:
        """A field's value: ID and phone fields are masked whole, whatever their shape."""
        if self.enabled and s:
            s = _CONTROL_RE.sub("", s)
            if field == "id_number":
                return mask_id(s)
            if field in _PHONE_FIELDS:
                return mask_phone(s)
        return self.text(s)
