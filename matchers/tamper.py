"""TAMPER_SUSPECTED: signs that a submitted file was edited.

Two signs, each a per-applicant flag:
- metadata: an image editor named in EXIF Software/ProcessingSoftware, XMP CreatorTool or
  the XMP edit history, or a PDF's Creator/Producer (`EDITORS`). Scanners, phone cameras,
  scanning apps and PDF printers are not editors and never match. Severity medium: honest
  applicants brighten phone photos too, so it asks for the original, it does not prove.
- an edited copy: the same certificate as another applicant's (same number or a matching
  page image, content fields equal) with another holder name or ID number
  (matchers.evidence.evidence_pairs; with the page images at hand, keypoint alignment
  finds the copy mounted or photographed too, and where the two images differ). Which one
  is the original cannot be told from the scans, so both applicants get a high-severity flag
  naming the other file; its box is the holder field, else the largest differing region.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from matchers.evidence import EvidencePair, evidence_pairs
from models.evidence import PacketFile, PageReading
from models.results import EvidenceRef, Flag, FlagCode, Severity

if TYPE_CHECKING:
    from matchers.imagematch import PageImage

__all__ = [
    "EDITORS",
    "METADATA_KEYS",
    "editor_in",
    "found_with_another_applicant",
    "tamper_flags",
]

METADATA_FIELD = "metadata"  # the field of a flag from a file's own metadata


@dataclass(frozen=True)
class Editor:
    name: str  # as the message shows it
    pattern: re.Pattern[str]


def _e(name: str, pattern: str) -> Editor:
    return Editor(name, re.compile(pattern, re.IGNORECASE))


# Image editors that can change what a certificate says. Word boundaries keep "Canvas"
# (browser PDF printers) and the like out; Acrobat, Foxit and WPS Office are left out on
# purpose: they assemble and print PDFs far more often than they edit scans.
EDITORS: tuple[Editor, ...] = (
    _e("Adobe Photoshop", r"photoshop"),
    _e("Adobe Illustrator", r"\billustrator\b"),
    _e("GIMP", r"\bgimp\b"),
    _e("美图秀秀 (Meitu)", r"美图|\bmeitu|\bmtxx\b"),
    _e("醒图 (Hypic)", r"醒图|\bxingtu\b|\bhypic\b"),
    _e("PicsArt", r"picsart"),
    _e("Snapseed", r"snapseed"),
    _e("Canva", r"\bcanva\b"),
    _e("WPS图片", r"wps\s*图片|wps\s*photos?\b"),
    _e("Photopea", r"photopea"),
    _e("Pixelmator", r"pixelmator"),
    _e("Affinity Photo", r"affinity\s*photo"),
    _e("paint.net", r"paint\.net"),
    _e("Corel PaintShop / PHOTO-PAINT", r"paintshop|paint\s*shop\s*pro|photo-?paint"),
    _e("Pixlr", r"\bpixlr"),
    _e("Fotor", r"\bfotor\b"),
    _e("PhotoScape", r"photoscape"),
    _e("光影魔术手", r"光影魔术手|neo\s*imaging"),
    _e("Polarr (泼辣修图)", r"\bpolarr\b|泼辣修图"),
    _e("Inkscape", r"\binkscape\b"),
    _e("Facetune", r"facetune"),
    _e("PhotoDirector", r"photodirector"),
)
# Where loaders put the software that wrote a file (extractors.loaders).
METADATA_KEYS = (
    "Software", "ProcessingSoftware", "CreatorTool", "XMPHistorySoftware", "Creator", "Producer",
)  # fmt: skip


def editor_in(value: str) -> Editor | None:
    """The image editor a metadata value names, if any."""
    for editor in EDITORS:
        if editor.pattern.search(value):
            return editor
    return None


def _repaired(s: str) -> str:
    """UTF-8 bytes of an EXIF ASCII field read as Latin-1 ("ç¾\x8eå›¾…" → "美图…")."""
    try:
        return s.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return s


def _values(v: object) -> Iterable[str]:
    items = v if isinstance(v, list | tuple) else [v]
    for x in items:
        if isinstance(x, str):
            yield _repaired(x)


def _metadata_flags(pf: PacketFile) -> list[Flag]:
    hits: list[tuple[str, str, Editor]] = []
    for key in METADATA_KEYS:
        for value in _values(pf.metadata.get(key)):
            editor = editor_in(value)
            if editor is not None:
                hits.append((key, value, editor))
    if not hits:
        return []
    names = list(dict.fromkeys(e.name for _, _, e in hits))
    return [
        Flag(
            code=FlagCode.TAMPER_SUSPECTED,
            severity=Severity.medium,
            field=METADATA_FIELD,
            found="；".join(f"{k}: {v}" for k, v, _ in hits),
            evidence=[EvidenceRef(file=pf.file, page=1)],
            message=(
                f"文件 {pf.file} 的元数据显示经图像编辑软件（{'、'.join(names)}）处理，"
                "内容可能被修改，请核对证书原件"
            ),
            reasons=[
                f"元数据 {k} = {v}：图像编辑软件 {e.name} (image editor in metadata)"
                for k, v, e in hits
            ],  # fmt: skip
        )
    ]


def _copy_flag(pair: EvidencePair, mine: int) -> Flag:
    me, other = (pair.a, pair.b) if mine == 0 else (pair.b, pair.a)
    bbox = pair.bbox_a if mine == 0 else pair.bbox_b
    regions = pair.regions_a if mine == 0 else pair.regions_b
    if bbox is None and regions:
        bbox = regions[0]
    what = "姓名" if pair.holder_field == "name" else "身份证号"
    return Flag(
        code=FlagCode.TAMPER_SUSPECTED,
        severity=Severity.high,
        field=pair.holder_field,
        evidence=[EvidenceRef(file=me[1], page=me[2], bbox=bbox)],
        message=(
            f"{me[1]} 第{me[2]}页与申报人 {other[0]} 提交的 {other[1]} 第{other[2]}页"
            f"为同一证书，但{what}不同，疑似修改{what}后重新扫描；无法判断哪一份为原件，"
            "请调取两份证书原件核对（同批颁发给多人的证书也可能版面相同）"
        ),
        reasons=list(pair.reasons),
    )


def found_with_another_applicant(flag: Flag) -> bool:
    """A flag tamper_flags raised from a pair of applicants (an edited copy), which a check
    of one applicant's packet alone cannot raise, nor clear."""
    return flag.code is FlagCode.TAMPER_SUSPECTED and flag.field != METADATA_FIELD


def tamper_flags(
    files_by_applicant: Mapping[str, Sequence[PacketFile]],
    pages: Mapping[tuple[str, int], PageReading],
    *,
    images: PageImage | None = None,
    pairs: Sequence[EvidencePair] | None = None,
) -> dict[str, list[Flag]]:
    """TAMPER_SUSPECTED flags per applicant id (applicants without any are left out).

    `pairs`: the batch's evidence pairs when the caller already has them (else found here,
    with `images` when given)."""
    out: dict[str, list[Flag]] = defaultdict(list)
    for aid in sorted(files_by_applicant):
        for pf in sorted(files_by_applicant[aid], key=lambda f: f.file):
            out[aid].extend(_metadata_flags(pf))
    if pairs is None:
        pairs = evidence_pairs(files_by_applicant, pages, images=images)
    for pair in pairs:
        if pair.edited:
            out[pair.a[0]].append(_copy_flag(pair, 0))
            out[pair.b[0]].append(_copy_flag(pair, 1))
    return {
        aid: sorted(flags, key=lambda f: (f.evidence[0].file, f.evidence[0].page, f.message))
        for aid, flags in sorted(out.items())
        if flags
    }
