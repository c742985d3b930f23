"""Duplicate evidence across the applications of a batch (DUPLICATE_EVIDENCE).

`evidence_pairs` links pages of different applicants by byte-identical file (sha256), equal
certificate number, or a similar page image whose certificate fields agree: a pHash/dHash
Hamming distance, or, when the page images are at hand (`images`), keypoint alignment
(matchers.imagematch), which also finds a certificate mounted on a backing sheet, skewed
under the scanner lid or photographed, and says where the two images differ. A pair whose
certificate content agrees but whose holder (name or ID number) differs is "the same
certificate with the name edited": matchers/tamper.py turns it into TAMPER_SUSPECTED on both
applicants. Duplicate applicants are matchers.linkage.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from extractors.normalize import clean_cert_no, comparable, name_key
from matchers.linkage.blocking import MAX_BLOCK
from matchers.linkage.link import UnionFind
from matchers.linkage.records import differing_digits, id_valid, norm_id
from matchers.names import NameVerdict, compare_names
from models.document import BBox, DocType, DocumentReading, ExtractedField
from models.evidence import PacketFile, PageReading
from models.results import DuplicateGroup, FlagCode

if TYPE_CHECKING:
    # OpenCV loads only when pages are aligned.
    from matchers.imagematch import Alignment, PageAligner, PageImage, Region

__all__ = ["EvidencePair", "evidence_pairs", "find_duplicate_evidence"]


# Certificate content: equal on two certificates of one holder set, and, apart from the
# holder's name and ID, what an edited copy keeps.
CONTENT_FIELDS = (
    "cert_no", "issue_date", "issuer", "award_name", "award_level", "award_rank", "award_year",
    "skill_level", "occupation", "title", "title_level", "education", "school",
)  # fmt: skip
HOLDER_FIELDS = ("name", "id_number")
# The holder's own lines: an edited copy changes them, the rest of the sheet stays.
PERSONAL_FIELDS = ("name", "id_number", "gender", "ethnicity", "birth_date")
MIN_CERT_NO = 6  # shorter numbers ("001") repeat across issuers
# pHash/dHash (256 bits each) Hamming distances, measured on synthetic certificates scanned
# twice (synth.damage): rescans of one certificate have a median of ~36/51 bits, office scans
# mostly stay under ~80/100, phone photos of the sheet on a desk or a certificate mounted on
# card reach 100-140 (as far as unrelated pages). Different certificates of the same layout came
# no closer than 46/51, but copies of ID cards (small cards on a white page) of different
# people can: so "near" (pHash ≤ 28) counts only where what was read does not disagree,
# "similar" needs certificate fields to agree, and an image alone (nothing read on one side)
# only when all but identical. Fields decide the rest: a certificate number (the ID number
# for ID cards), or the same holder and the same content.
IDENTICAL_PHASH, IDENTICAL_DHASH = 12, 24
NEAR_PHASH, NEAR_DHASH = 28, 72
SIMILAR_PHASH, SIMILAR_DHASH = 80, 100
_BANDS = 16  # 16-bit bands of each hash: pages within 15 bits share a band for sure
_EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


@dataclass
class _Page:
    applicant: str
    file: str
    page: int
    sha256: str | None
    phash: int | None
    dhash: int | None
    docs: list[DocumentReading]
    size: tuple[float, float] = (0.0, 0.0)  # width, height of the page in its bbox unit

    @property
    def node(self) -> tuple[str, int]:
        return (self.file, self.page)


@dataclass(frozen=True)
class EvidencePair:
    """Two pages of different applicants that show the same certificate."""

    a: tuple[str, str, int]  # (applicant_id, file, page)
    b: tuple[str, str, int]
    score: float
    reasons: tuple[str, ...]
    edited: bool = False  # same certificate, different holder: TAMPER_SUSPECTED on both
    holder_field: str | None = None  # "name" or "id_number" when edited
    doc_type: str | None = None
    bbox_a: tuple[float, float, float, float] | None = None  # the holder field on each side
    bbox_b: tuple[float, float, float, float] | None = None
    # Where the aligned images differ (largest first), in each page's bbox unit.
    regions_a: tuple[tuple[float, float, float, float], ...] = ()
    regions_b: tuple[tuple[float, float, float, float], ...] = ()


def _hash_int(h: str | None) -> int | None:
    if not h:
        return None
    try:
        return int(h, 16)
    except ValueError:
        return None


def _pages(
    files_by_applicant: Mapping[str, Sequence[PacketFile]],
    pages: Mapping[tuple[str, int], PageReading],
) -> list[_Page]:
    out: dict[tuple[str, int], _Page] = {}
    read: dict[str, set[int]] = defaultdict(set)
    for f, k in pages:
        read[f].add(k)
    for aid in sorted(files_by_applicant):
        for pf in files_by_applicant[aid]:
            if pf.error_code and not pf.sha256:
                continue
            sha = pf.sha256 if pf.sha256 != _EMPTY_SHA256 and pf.size != 0 else None
            nums = {d.page for d in pf.documents} | read.get(pf.file, set())
            if not nums:
                nums = {1}  # unread file: still comparable by its bytes
            for k in sorted(nums):
                pr = pages.get((pf.file, k))
                out[(pf.file, k)] = _Page(
                    aid,
                    pf.file,
                    k,
                    sha,
                    _hash_int(pr.phash) if pr else None,
                    _hash_int(pr.dhash) if pr else None,
                    [d for d in pf.documents if d.page == k] or (list(pr.documents) if pr else []),
                    (pr.width, pr.height) if pr else (0.0, 0.0),
                )
    return [out[k] for k in sorted(out)]


def _value(d: DocumentReading, key: str) -> str | None:
    f = d.fields.get(key)
    if f is None or not f.value:
        return None
    if key == "cert_no":
        return clean_cert_no(f.value)
    if key == "id_number":
        return norm_id(f.value)
    if key == "name":
        return name_key(f.value)
    return comparable(f.value)


def _number(d: DocumentReading) -> str | None:
    """What identifies the document: its certificate number; an ID card's ID number."""
    if d.doc_type is DocType.id_card:
        idn = _value(d, "id_number")
        return idn if idn and id_valid(idn) else None
    no = _value(d, "cert_no")
    return no if no and len(no) >= MIN_CERT_NO else None


def _evidence_keys(p: _Page) -> Iterator[str]:
    if p.sha256:
        yield f"sha\x1f{p.sha256}"
    for d in p.docs:
        no = _number(d)
        if no:
            yield f"no\x1f{d.doc_type}\x1f{no}"
        issued = _value(d, "issue_date")
        if issued:
            yield f"date\x1f{d.doc_type}\x1f{issued}"
        award = _value(d, "award_name")  # awards carry no number, and dates misread
        if award:
            yield f"award\x1f{award}"
    for tag, h in (("ph", p.phash), ("dh", p.dhash)):
        if h is not None:
            for band in range(_BANDS):
                yield f"{tag}{band}\x1f{(h >> (16 * band)) & 0xFFFF:04x}"


def _distance(a: int | None, b: int | None) -> int | None:
    return None if a is None or b is None else (a ^ b).bit_count()


@dataclass(frozen=True)
class _DocMatch:
    agree: tuple[str, ...]
    differ: tuple[str, ...]
    holder_differs: str | None  # "name" / "id_number"
    holder_same: bool  # same name (or a spelling of it), ID numbers not different
    name_reason: str | None
    x: DocumentReading
    y: DocumentReading
    number: str | None  # the shared certificate (or ID card) number


def _match_docs(x: DocumentReading, y: DocumentReading) -> _DocMatch:
    agree, differ = [], []
    for k in CONTENT_FIELDS:
        vx, vy = _value(x, k), _value(y, k)
        if vx and vy:
            (agree if vx == vy else differ).append(k)
    holder, name_reason, same_name = None, None, False
    nx, ny = x.fields.get("name"), y.fields.get("name")
    if nx and ny and nx.value and ny.value:
        m = compare_names(nx.value, ny.value, found_confidence=ny.confidence)
        if m.verdict is NameVerdict.different:
            holder, name_reason = "name", "；".join(m.reasons)
        same_name = m.matches
    ix, iy = _value(x, "id_number"), _value(y, "id_number")
    if holder is None and ix and iy and ix != iy and _more_than_a_slip(ix, iy):
        holder = "id_number"
    number = _number(x)
    return _DocMatch(
        tuple(agree),
        tuple(differ),
        holder,
        same_name and holder is None,
        name_reason,
        x,
        y,
        number if number is not None and number == _number(y) else None,
    )


def _more_than_a_slip(a: str, b: str) -> bool:
    """Two ID numbers differ by more than an OCR slip (one character)."""
    return len(a) != len(b) or differing_digits(a, b) > 1


def _bbox(f: ExtractedField | None) -> tuple[float, float, float, float] | None:
    return tuple(f.evidence.bbox) if f is not None and f.evidence.bbox else None  # type: ignore[return-value]


def _image_level(a: _Page, b: _Page) -> tuple[str | None, str | None]:
    """("identical" / "near" / "similar" / None, the reason naming the distances)."""
    dp, dd = _distance(a.phash, b.phash), _distance(a.dhash, b.dhash)
    if dp is None or dd is None:
        return None, None
    if dp <= IDENTICAL_PHASH and dd <= IDENTICAL_DHASH:
        level, zh = "identical", "页面图像几乎完全相同"
    elif dp <= NEAR_PHASH and dd <= NEAR_DHASH:
        level, zh = "near", "页面图像几乎相同"
    elif dp <= SIMILAR_PHASH and dd <= SIMILAR_DHASH:
        level, zh = "similar", "页面图像相似"
    else:
        return None, None
    return level, f"{zh} (same image rescanned: pHash distance {dp}/256, dHash {dd}/256)"


def _best_match(a: _Page, b: _Page) -> _DocMatch | None:
    """The pair of same-type documents on the two pages that agrees best."""
    best: _DocMatch | None = None
    for x in a.docs:
        for y in b.docs:
            if x.doc_type != y.doc_type:
                continue
            m = _match_docs(x, y)
            if best is None or len(m.agree) - 2 * len(m.differ) > len(best.agree) - 2 * len(
                best.differ
            ):
                best = m
    return best


def _to_units(region: Region, page: _Page) -> BBox:
    w, h = page.size
    return (round(region[0] * w, 1), round(region[1] * h, 1), round(region[2] * w, 1),
            round(region[3] * h, 1))  # fmt: skip


def _personal_regions(d: DocumentReading, page: _Page) -> list[Region]:
    """The holder's fields on a page as fractions of it (none when its size is unknown)."""
    w, h = page.size
    if not w or not h:
        return []
    out = []
    for key in PERSONAL_FIELDS:
        box = _bbox(d.fields.get(key))
        if box is not None:
            out.append((box[0] / w, box[1] / h, box[2] / w, box[3] / h))
    return out


def _on_lines(regions: Sequence[Region], lines: Sequence[Region]) -> bool:
    """Does a differing region lie on the text line of one of `lines`?"""
    return any(r[1] < b[3] and b[1] < r[3] for r in regions for b in lines)


def _same_holder_and_content(m: _DocMatch) -> bool:
    """One holder has no two certificates alike: same holder, ≥3 content fields equal with
    the issue date, none different."""
    content = [k for k in m.agree if k != "cert_no"]
    return m.holder_same and len(content) >= 3 and "issue_date" in content and not m.differ


def _align(
    a: _Page, b: _Page, aligner: PageAligner | None, best: _DocMatch | None, image: str | None
) -> tuple[Alignment | None, list[Region]]:
    """Align the two page images when that decides something: an edited copy (is it the same
    sheet apart from the holder's lines, and where do they differ?), or content that agrees
    where neither the hashes nor the same holder with the issue date link the pages (a
    mounted or photographed copy). ID cards are told apart by their numbers only: the back
    of every card is alike. Returns the alignment and the holder's lines on page a."""
    if aligner is None or best is None or best.differ or len(best.agree) < 2:
        return None, []
    if best.x.doc_type is DocType.id_card:
        return None, []
    if not best.holder_differs:
        if image is not None or _same_holder_and_content(best):
            return None, []
        return aligner(a.node, b.node), []
    lines_a, lines_b = _personal_regions(best.x, a), _personal_regions(best.y, b)
    return aligner(a.node, b.node, ignore_a=lines_a, ignore_b=lines_b), lines_a


def _image_reason(al: Alignment) -> str:
    return (
        f"页面图像对齐后一致 (same image after alignment: {al.inliers} matching keypoints, "
        f"{al.differing}/{al.compared} cells differ)"
    )


def _edit_reason(al: Alignment, holder: str, on_line: bool) -> str:
    what = "姓名" if holder == "name" else "身份证号"
    if on_line:
        return (
            f"对齐后两图仅在持证人信息所在行不同（{what}等） (after alignment the images differ "
            f"only on the holder's lines, the {holder} among them: {al.differing}/{al.compared} "
            "other cells differ)"
        )
    return (
        f"对齐后除持证人信息外两图一致 (after alignment the images agree apart from the "
        f"holder's fields: {al.differing}/{al.compared} other cells differ)"
    )


def _judge_pages(a: _Page, b: _Page, aligner: PageAligner | None = None) -> EvidencePair | None:
    """Do two pages show one certificate? Tried in order; the reasons say which held.

    - same bytes; - same certificate (ID card) number, content not contradicting it unless
    the images match; - similar image (hashes, or alignment when the images are at hand) and
    ≥2 content fields equal, none different; - same holder and ≥3 content fields equal
    including the issue date (one holder has no two certificates alike); - a near-identical
    image where nothing read disagrees (no documents read: only an all-but-identical image).
    "Edited" (TAMPER) needs a number or image+content basis and another holder. An alignment
    that finds the images different in most places overrides a loose hash similarity.
    """
    image, image_reason = _image_level(a, b)
    best = _best_match(a, b)
    reasons: list[str] = []
    score = 0.0
    same_bytes = a.sha256 is not None and a.sha256 == b.sha256
    if same_bytes:
        reasons.append("文件完全相同 (byte-identical file, same sha256)")
        score = 1.0
    alignment, holder_lines = (None, []) if same_bytes else _align(a, b, aligner, best, image)
    if alignment is not None:
        if alignment.same_image and image is None:
            image, image_reason = "aligned", _image_reason(alignment)
        elif alignment.different_image and image == "similar":
            image, image_reason = None, None
    by_number = by_image = by_holder = by_near = False
    if best is not None:
        by_number = bool(best.number) and (not best.differ or image is not None)
        by_image = image is not None and len(best.agree) >= 2 and not best.differ
        by_holder = _same_holder_and_content(best)
        by_near = image in ("identical", "near") and not best.differ and not best.holder_differs
    elif image == "identical":
        by_near = True  # nothing read on one side: only the image speaks
    if by_number:
        is_id = best is not None and best.x.doc_type is DocType.id_card
        reasons.append(
            "身份证号相同（同一身份证） (same id_number on the ID card)"
            if is_id
            else "证书编号相同 (same cert_no)"
        )
        score = max(score, 0.99)
    if by_holder:
        reasons.append("持证人与证书内容均相同 (same holder, same certificate content)")
        score = max(score, 0.9)
    if by_image or by_near:
        score = max(score, 0.95 if image in ("identical", "near", "aligned") else 0.9)
    if not (same_bytes or by_number or by_image or by_holder or by_near):
        return None
    if image_reason:
        reasons.append(image_reason)
    if best is not None and (agreed := [k for k in best.agree if k != "cert_no"]):
        reasons.append(f"证书内容一致 (fields equal: {', '.join(agreed)})")
    edited = (
        not same_bytes
        and best is not None
        and bool(best.holder_differs)
        and (by_number or by_image)
    )
    holder = best.holder_differs if edited and best is not None else None
    bbox_a = bbox_b = None
    regions_a: tuple[BBox, ...] = ()
    regions_b: tuple[BBox, ...] = ()
    if edited and best is not None and holder:
        what = "姓名" if holder == "name" else "身份证号"
        reasons.append(
            f"同一证书但{what}不同，疑似修改后重新扫描 "
            f"(same certificate, {holder} differs: edited copy?)"
            + (f"：{best.name_reason}" if best.name_reason else "")
        )
        bbox_a, bbox_b = _bbox(best.x.fields.get(holder)), _bbox(best.y.fields.get(holder))
        if alignment is not None and alignment.same_image:
            on_line = _on_lines(alignment.regions_a, holder_lines)
            reasons.append(_edit_reason(alignment, holder, on_line))
            if all(a.size) and all(b.size):
                regions_a = tuple(_to_units(r, a) for r in alignment.regions_a[:3])
                regions_b = tuple(_to_units(r, b) for r in alignment.regions_b[:3])
    return EvidencePair(
        a=(a.applicant, a.file, a.page),
        b=(b.applicant, b.file, b.page),
        score=round(score, 4),
        reasons=tuple(reasons),
        edited=edited,
        holder_field=holder,
        doc_type=best.x.doc_type.value if best is not None else None,
        bbox_a=bbox_a,
        bbox_b=bbox_b,
        regions_a=regions_a,
        regions_b=regions_b,
    )


def evidence_pairs(
    files_by_applicant: Mapping[str, Sequence[PacketFile]],
    pages: Mapping[tuple[str, int], PageReading],
    *,
    images: PageImage | None = None,
) -> list[EvidencePair]:
    """Pages of different applicants showing the same certificate (blocked, then judged).

    `images` gives the upright image of a page (file, page) as it was read; with it, pages
    whose certificate content agrees are also compared by keypoint alignment."""
    items = _pages(files_by_applicant, pages)
    buckets: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(items):
        for k in dict.fromkeys(_evidence_keys(p)):
            buckets[k].append(i)
    candidates: set[tuple[int, int]] = set()
    for members in buckets.values():
        if len(members) < 2 or len(members) > MAX_BLOCK:
            continue
        for x, i in enumerate(members):
            for j in members[x + 1 :]:
                if items[i].applicant != items[j].applicant:
                    candidates.add((i, j))
    aligner = None
    if images is not None:
        from matchers.imagematch import PageAligner  # noqa: PLC0415 - loads OpenCV

        aligner = PageAligner(images)
    out = []
    for i, j in sorted(candidates):
        pair = _judge_pages(items[i], items[j], aligner)
        if pair is not None:
            out.append(pair)
    return out


def find_duplicate_evidence(
    files_by_applicant: Mapping[str, Sequence[PacketFile]],
    pages: Mapping[tuple[str, int], PageReading],
    *,
    images: PageImage | None = None,
    pairs: Sequence[EvidencePair] | None = None,
) -> list[DuplicateGroup]:
    """DUPLICATE_EVIDENCE groups: connected components of `evidence_pairs` over pages
    (`pairs` when the caller already has them)."""
    if pairs is None:
        pairs = evidence_pairs(files_by_applicant, pages, images=images)
    index: dict[tuple[str, str, int], int] = {}
    for p in pairs:
        for side in (p.a, p.b):
            index.setdefault(side, len(index))
    nodes = {v: k for k, v in index.items()}
    uf = UnionFind()
    for p in pairs:
        uf.union(index[p.a], index[p.b])
    by_root: dict[int, list[EvidencePair]] = defaultdict(list)
    for p in pairs:
        by_root[uf.find(index[p.a])].append(p)
    groups = []
    for component in uf.groups():
        sides = sorted(nodes[i] for i in component)
        edges = sorted(by_root[uf.find(component[0])], key=lambda p: (p.a, p.b))
        multi_page = any(s[2] > 1 for s in sides)
        reasons = []
        for p in edges:
            pa = f"{p.a[1]}" + (f" 第{p.a[2]}页" if multi_page else "")
            pb = f"{p.b[1]}" + (f" 第{p.b[2]}页" if multi_page else "")
            reasons.extend(f"{pa} ~ {pb}：{r}" for r in p.reasons)
        groups.append(
            DuplicateGroup(
                code=FlagCode.DUPLICATE_EVIDENCE,
                applicant_ids=sorted({s[0] for s in sides}),
                score=min(p.score for p in edges),
                files=sorted({s[1] for s in sides}),
                reasons=reasons,
            )
        )
    groups.sort(key=lambda g: (g.code.value, g.applicant_ids, g.files or []))
    return groups
