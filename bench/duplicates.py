"""Duplicate-search benchmark: declared intakes at scale, and evidence on generated batches.

    python bench/duplicates.py [--rows 100000] [--seed 1] [--history] [--work DIR]
    python bench/duplicates.py --batch 60 [--seed 5] [--workers 2]

Intake mode (default) writes a declared intake of `--rows` applications as CSV (an .xlsx of
100,000 rows takes openpyxl about a minute to write and to read back, so the bench uses CSV,
which the command reads the same way), with a few hundred injected duplicate pairs of every
variant (DUPLICATE_VARIANTS) and a few hundred namesake pairs (same name and birth date,
other valid ID number: different people). It runs `python -m pipelines.dupcmd` in a child
process, as `credcheck duplicates` would, and prints pair precision / recall per variant,
false links among namesakes, wall time, candidate pairs against all n(n-1)/2 pairs and the
child's peak RSS. With --history it also runs twice against a new history database: once
to add the intake, then the same intake again (must find nothing new against itself).

Batch mode generates a batch with the opt-in faults of synth.batch (duplicate_applicant,
duplicate_evidence, tamper), hashes every page image as the verifier does
(pipelines.stages.page_hashes on the upright page), builds the readings from the truth (no
OCR), loads page images again for alignment as the verifier's cross-checks do
(pipelines.stages.PageImages) and scores DUPLICATE_APPLICANT and DUPLICATE_EVIDENCE pairs and
TAMPER_SUSPECTED flags.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import itertools
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from extractors.validators import id_check_char  # noqa: E402
from synth.people import (  # noqa: E402
    COUNTIES,
    ETHNICITY_WEIGHTS,
    MINORITY_NAMES,
    REGION_WEIGHTS,
    make_name,
    to_traditional,
)

PROGRAMS = ("新疆工匠", "准东人才工作室", "少数民族科技骨干特殊培养", "乌鲁木齐市技能大师工作室")
HEADER = ("申报编号", "申报项目", "姓名", "性别", "民族", "身份证号", "出生日期", "工作单位")
UNITS = ("国网新疆电力有限公司", "新疆特变电工股份有限公司", "中石油独山子石化分公司",
         "乌鲁木齐市第一中学", "喀什地区人民医院", "新疆中泰化学股份有限公司")  # fmt: skip
DUPLICATE_VARIANTS = (
    "exact", "dot", "undotted", "traditional", "fullwidth_id", "short_name", "first_part",
    "id_typo", "id_swap", "typo_and_variant", "birth_month", "undotted_short", "typo_first_part",
    "missing_id",
)  # fmt: skip
_FULLWIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
CERTIFICATE_TYPES = ("skill_certificate", "award_certificate", "title_certificate",
                     "education_certificate", "id_card")  # fmt: skip
_DOTS = ("•", "．", "・", " ", "‧", "⋅")


# ---------------------------------------------------------------------------------------
# intake generation


class Intake:
    """Rows of a declared intake and the duplicate pairs hidden in it."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(f"bench-duplicates:{seed}")
        self.rows: list[list[str]] = []
        self.ids: set[str] = set()
        self.dups: dict[frozenset[str], str] = {}  # pair → variant
        self.namesakes: list[frozenset[str]] = []

    def _id(self, code6: str, birth: dt.date, male: bool) -> str:
        while True:
            seq = self.rng.randrange(100) * 10 + self.rng.choice(
                (1, 3, 5, 7, 9) if male else (0, 2, 4, 6, 8)
            )
            first17 = f"{code6}{birth:%Y%m%d}{seq:03d}"
            idn = first17 + id_check_char(first17)
            if idn not in self.ids:  # real ID numbers are unique
                self.ids.add(idn)
                return idn

    def person(self, *, parts: int | None = None, han_traditional: bool = False) -> dict:
        rng = self.rng
        while True:
            keys = list(ETHNICITY_WEIGHTS)
            eth = rng.choices(keys, weights=[ETHNICITY_WEIGHTS[k] for k in keys])[0]
            if parts and eth not in MINORITY_NAMES:
                continue
            if han_traditional and eth != "汉族":
                continue
            male = rng.random() < 0.6
            name = make_name(rng, eth, "男" if male else "女")
            if parts and len(name.split("·")) != parts:
                own = MINORITY_NAMES[eth][0 if male else 1]
                fathers = MINORITY_NAMES[eth][0]
                picks = [rng.choice(own)] + rng.sample([n for n in fathers], parts - 1)
                name = "·".join(picks)
            if han_traditional and (to_traditional(name) is None or "·" in name):
                continue
            break
        birth = dt.date(1965, 1, 1) + dt.timedelta(days=rng.randrange(31 * 365))
        regions = REGION_WEIGHTS.get(eth, REGION_WEIGHTS["汉族"])
        prefix = rng.choices(list(regions), weights=list(regions.values()))[0]
        code6 = rng.choice(COUNTIES[prefix])[0]
        return {"name": name, "gender": "男" if male else "女", "ethnicity": eth,
                "id": self._id(code6, birth, male), "birth": birth.isoformat(),
                "unit": rng.choice(UNITS)}  # fmt: skip

    def add(self, p: dict, *, name: str | None = None, idn: str | None = None,
            birth: str | None = None, program: str | None = None) -> str:  # fmt: skip
        aid = f"A{len(self.rows) + 1:07d}"
        self.rows.append([aid, program or self.rng.choice(PROGRAMS), name or p["name"],
                          p["gender"], p["ethnicity"], p["id"] if idn is None else idn,
                          birth or p["birth"],
                          p["unit"]])  # fmt: skip
        return aid

    # ----------------------------------------------------------- duplicates and namesakes

    def typo(self, idn: str) -> str:
        while True:
            pos = self.rng.randrange(18)
            new = self.rng.choice([c for c in "0123456789" if c != idn[pos]])
            out = idn[:pos] + new + idn[pos + 1 :]
            if out not in self.ids:
                return out

    def swap(self, idn: str) -> str:
        while True:
            pos = self.rng.randrange(16)
            if idn[pos] != idn[pos + 1]:
                return idn[:pos] + idn[pos + 1] + idn[pos] + idn[pos + 2 :]

    def duplicate(self, variant: str) -> None:
        rng = self.rng
        parts = {"dot": 2, "undotted": 2, "short_name": 3, "first_part": 2, "undotted_short": 3,
                 "typo_first_part": 2}.get(variant)  # fmt: skip
        if variant == "typo_and_variant":
            parts = rng.choice((2, None))
        p = self.person(parts=parts, han_traditional=variant == "traditional")
        first = self.add(p)
        name, idn, birth = p["name"], p["id"], p["birth"]
        if variant == "dot":
            name = name.replace("·", rng.choice(_DOTS))
        elif variant == "undotted":
            name = name.replace("·", "")
        elif variant == "traditional":
            name = to_traditional(name) or name
        elif variant == "fullwidth_id":
            idn = idn.translate(_FULLWIDTH)
        elif variant == "short_name":
            name = "·".join(name.split("·")[:2])
        elif variant == "first_part":
            name = name.split("·")[0]
        elif variant == "id_typo":
            idn = self.typo(idn)
        elif variant == "id_swap":
            idn = self.swap(idn)
        elif variant == "typo_and_variant":
            idn = self.typo(idn)
            name = (
                name.replace("·", rng.choice(_DOTS))
                if "·" in name
                else (to_traditional(name) or name)
            )
        elif variant == "undotted_short":  # one form undotted, the other shortened
            name = "·".join(name.split("·")[:2])
            first_name = p["name"].replace("·", "")
            self.rows[-1][2] = first_name
        elif variant == "typo_first_part":
            idn, name = self.typo(idn), name.split("·")[0]
        elif variant == "missing_id":
            idn = ""
        elif variant == "birth_month":
            d = dt.date.fromisoformat(birth)
            birth = rng.choice((f"{d.year}年{d.month}月", f"{d.year}.{d.month:02d}"))
        second = self.add(p, name=name, idn=idn if idn is not None else p["id"], birth=birth)
        self.dups[frozenset((first, second))] = variant

    def namesake(self) -> None:
        """Same name and birth date, another valid ID number (often same region): two people."""
        p = self.person()
        first = self.add(p)
        q = dict(p)
        birth = dt.date.fromisoformat(p["birth"])
        code6 = p["id"][:6] if self.rng.random() < 0.6 else self.person()["id"][:6]
        q["id"] = self._id(code6, birth, p["gender"] == "男")
        second = self.add(q)
        self.namesakes.append(frozenset((first, second)))


def make_intake(rows: int, seed: int, per_variant: int, namesakes: int) -> Intake:
    intake = Intake(seed)
    plan = [v for v in DUPLICATE_VARIANTS for _ in range(per_variant)] + ["namesake"] * namesakes
    background = rows - 2 * len(plan)
    slots = ["single"] * background + plan
    intake.rng.shuffle(slots)
    for s in slots:
        if s == "single":
            intake.add(intake.person())
        elif s == "namesake":
            intake.namesake()
        else:
            intake.duplicate(s)
    return intake


def write_csv(path: Path, rows: Iterable[list[str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        w.writerows(rows)


# ---------------------------------------------------------------------------------------
# scoring


def group_pairs(groups: list[dict]) -> set[frozenset[str]]:
    out = set()
    for g in groups:
        ids = [i.split(":", 1)[-1] for i in g["applicant_ids"]]
        out.update(frozenset(p) for p in itertools.combinations(sorted(set(ids)), 2))
    return out


def prf(predicted: set, truth: set) -> tuple[float, float, float]:
    tp = len(predicted & truth)
    p = tp / len(predicted) if predicted else 1.0
    r = tp / len(truth) if truth else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def run_child(cmd: list[str]) -> tuple[float, float, int, str]:
    """(wall seconds, CPU seconds, peak RSS in MB, stderr) of one child process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t0
    if proc.returncode:
        raise SystemExit(f"child failed ({proc.returncode}):\n{err}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024, err


def dupcmd(
    declared: Path, out: Path, history: Path | None = None
) -> tuple[float, float, int, dict]:
    cmd = [sys.executable, "-m", "pipelines.dupcmd", str(declared), "--out", str(out),
           "--stats-json"]  # fmt: skip
    if history:
        cmd += ["--history", str(history)]
    wall, cpu, rss, err = run_child(cmd)
    stats = json.loads(err.strip().splitlines()[-1])
    return wall, cpu, rss, stats


def intake_bench(a: argparse.Namespace, work: Path) -> None:
    t0 = time.perf_counter()
    intake = make_intake(a.rows, a.seed, a.per_variant, a.namesakes)
    declared = work / "declared.csv"
    write_csv(declared, intake.rows)
    print(f"intake: {len(intake.rows)} rows, {len(intake.dups)} duplicate pairs "
          f"({a.per_variant} per variant), {len(intake.namesakes)} namesake pairs; "
          f"written as CSV in {time.perf_counter() - t0:.1f} s")  # fmt: skip

    wall, cpu, rss, stats = dupcmd(declared, work / "out")
    groups = json.loads((work / "out" / "duplicates.json").read_text(encoding="utf-8"))
    predicted = group_pairs(groups["duplicates"])
    truth = set(intake.dups)
    p, r, f1 = prf(predicted, truth)
    print(f"\nduplicates run: {wall:.1f} s wall, {cpu:.1f} s CPU (in-process "
          f"{stats['seconds']:.1f} s), peak RSS {rss} MB; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")  # fmt: skip
    n = stats["applicants"]
    print(f"candidate pairs {stats['candidate_pairs']:,} of {n * (n - 1) // 2:,} "
          f"({stats['candidate_pairs'] / max(1, n * (n - 1) // 2):.2e} of all pairs), "
          f"{stats['linked_pairs']} linked, {stats['groups']} groups")  # fmt: skip
    print(f"pairs: precision {p:.4f}  recall {r:.4f}  F1 {f1:.4f}  "
          f"(predicted {len(predicted)}, true {len(truth)})")  # fmt: skip
    by_variant = Counter(intake.dups.values())
    found = Counter(v for pair, v in intake.dups.items() if pair in predicted)
    for v in DUPLICATE_VARIANTS:
        print(f"  {v:18s} recall {found[v]}/{by_variant[v]}")
    namesake_links = sum(1 for pair in intake.namesakes if pair in predicted)
    print(f"  namesakes linked (false): {namesake_links}/{len(intake.namesakes)}")
    extra = predicted - truth
    if extra:
        print(f"  false pairs: {sorted(tuple(sorted(x)) for x in extra)[:10]}")

    if a.history:
        db = work / "history.sqlite"
        db.unlink(missing_ok=True)
        w1, c1, rss1, s1 = dupcmd(declared, work / "out_h1", db)
        w2, c2, _, s2 = dupcmd(declared, work / "out_h2", db)
        same = (work / "out_h1" / "duplicates.json").read_bytes() == (
            work / "out_h2" / "duplicates.json"
        ).read_bytes()
        print(f"\nwith --history (new DB): {w1:.1f} s wall / {c1:.1f} s CPU, peak RSS {rss1} MB, "
              f"{s1['history_candidates']} history candidates; same intake again: {w2:.1f} s "
              f"wall / {c2:.1f} s CPU, "
              f"{s2['history_candidates']} history candidates, output identical: {same}; "
              f"DB {db.stat().st_size / 1e6:.0f} MB")  # fmt: skip


# ---------------------------------------------------------------------------------------
# generated batches (evidence)


def readings_from_truth(batch_dir: Path, truth: dict):  # noqa: ANN201 - models imported late
    """PacketFiles and PageReadings of a generated batch built from its truth (no OCR):
    fields as printed with their boxes on the upright page (as OCR of the upright page gives
    them), page hashes of the upright page image as the verifier computes them."""
    from extractors.loaders import load_file
    from extractors.ocr.base import rotate_image
    from models.document import DocType, DocumentReading, Evidence, ExtractedField
    from models.evidence import PacketFile, PageReading
    from models.exceptions import CredcheckError
    from pipelines.stages import page_hashes
    from synth.damage import rotation_matrix, transform_box

    files_by_applicant: dict[str, list] = {}
    pages: dict[tuple[str, int], object] = {}
    for ap in truth["applicants"]:
        out = []
        for f in ap["files"]:
            path = batch_dir / f["file"]
            data = path.read_bytes()
            pf = PacketFile(file=f["file"], sha256=hashlib.sha256(data).hexdigest(), size=len(data))
            if f["unreadable"]:
                pf.error_code = "CC103"
                out.append(pf)
                continue
            try:
                loaded, rasters = load_file(path, rel=f["file"], sha256=pf.sha256)
            except CredcheckError as e:  # pragma: no cover - generated files open
                pf.error_code = e.code
                out.append(pf)
                continue
            pf.metadata, pf.page_count = loaded.metadata, loaded.page_count
            by_page = {d["page"]: d for d in f["documents"]}
            for raster in rasters:
                d = by_page.get(raster.page)
                docs = []
                rot = d.get("upright_rotation", 0) if d else 0
                if d is not None:
                    boxes = d.get("field_boxes", {})
                    if rot and raster.image is not None:  # truth boxes are on the stored page
                        h, w = raster.image.shape[:2]
                        turn = rotation_matrix(rot, w, h)
                        boxes = {k: transform_box(b, turn) for k, b in boxes.items()}
                    fields = {
                        k: ExtractedField(
                            key=k,
                            value=str(v),
                            raw=str(v),
                            confidence=0.95,
                            evidence=Evidence(
                                file=f["file"],
                                page=raster.page,
                                bbox=tuple(boxes[k]) if k in boxes else None,
                            ),
                        )  # fmt: skip
                        for k, v in d["fields"].items()
                        if v
                    }
                    docs.append(DocumentReading(file=f["file"], page=raster.page,
                                                doc_type=DocType(d["doc_type"]), fields=fields,
                                                confidence=0.95))  # fmt: skip
                ph = dh = None
                width, height = 0.0, 0.0
                if raster.image is not None:
                    upright = rotate_image(raster.image, rot)
                    ph, dh = page_hashes(upright)
                    height, width = float(upright.shape[0]), float(upright.shape[1])
                pages[(f["file"], raster.page)] = PageReading(
                    file=f["file"], page=raster.page, documents=docs, rotation=rot,
                    width=width, height=height, phash=ph, dhash=dh,
                )  # fmt: skip
                pf.documents.extend(docs)
            pf.pages_read = len(rasters)
            out.append(pf)
        files_by_applicant[ap["applicant_id"]] = out
    return files_by_applicant, pages


def truth_applicant_pairs(truth: dict) -> set[frozenset[str]]:
    """Applications of one person: a clone and its source, and clones of one source."""
    groups: dict[str, set[str]] = defaultdict(set)
    for ap in truth["applicants"]:
        for n in ap["notes"]:
            if n["code"] == "DUPLICATE_APPLICANT":
                groups[n["of"]].update((n["of"], ap["applicant_id"]))
    return {frozenset(p) for g in groups.values() for p in itertools.combinations(sorted(g), 2)}


def truth_evidence_pairs(
    truth: dict, *, doc_types: Iterable[str] | None = None
) -> tuple[set[frozenset[str]], set[frozenset[str]]]:
    """(pairs of files showing one document, pairs with the name edited), across applicants;
    only documents of `doc_types` when given."""
    parent: dict[tuple[str, str], tuple[str, str]] = {}

    def find(x: tuple[str, str]) -> tuple[str, str]:
        parent.setdefault(x, x)
        while parent[x] != x:
            x = parent[x]
        return x

    edited = set()
    for ap in truth["applicants"]:
        for f in ap["files"]:
            for d in f["documents"]:
                s = d.get("same_as")
                if s and (doc_types is None or d["doc_type"] in doc_types):
                    a, b = (ap["applicant_id"], f["file"]), (s["applicant_id"], s["file"])
                    parent[find(a)] = find(b)
                    if s["edited"]:
                        edited.add(frozenset((f["file"], s["file"])))
    comps: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for x in list(parent):
        comps[find(x)].append(x)
    pairs = set()
    for members in comps.values():
        for (a1, f1), (a2, f2) in itertools.combinations(sorted(members), 2):
            if a1 != a2:
                pairs.add(frozenset((f1, f2)))
    return pairs, edited


def evidence_group_pairs(groups: list) -> set[frozenset[str]]:
    """File pairs of different applicants inside each DUPLICATE_EVIDENCE group."""
    out = set()
    for g in groups:
        files = g.files or []
        for f1, f2 in itertools.combinations(sorted(files), 2):
            if f1.split("/")[1] != f2.split("/")[1]:
                out.add(frozenset((f1, f2)))
    return out


def batch_bench(a: argparse.Namespace, work: Path) -> None:
    from extractors.declared import load_declared
    from matchers.evidence import evidence_pairs, find_duplicate_evidence
    from matchers.linkage.link import find_duplicate_applicants
    from matchers.tamper import tamper_flags
    from pipelines.stages import PageImages
    from synth.batch import EXTRA_FAULT_KINDS, generate_batch, load_truth

    batch = work / "batch"
    t0 = time.perf_counter()
    if not (a.reuse and batch.is_dir()):
        generate_batch(batch, applicants=a.batch, seed=a.seed, faults=list(EXTRA_FAULT_KINDS),
                       clean_share=0.45, workers=a.workers)  # fmt: skip
    truth = load_truth(batch)
    t1 = time.perf_counter()
    files, pages = readings_from_truth(batch, truth)
    t2 = time.perf_counter()
    applicants = load_declared(batch).applicants
    dup_a = find_duplicate_applicants(applicants)
    images = PageImages(batch, pages)  # type: ignore[arg-type]
    pairs = evidence_pairs(files, pages, images=images)
    dup_e = find_duplicate_evidence(files, pages, pairs=pairs)
    flags = tamper_flags(files, pages, pairs=pairs)
    t3 = time.perf_counter()
    print(f"batch: {a.batch} applicants, {len(pages)} pages; generated in {t1 - t0:.0f} s, "
          f"hashed in {t2 - t1:.0f} s, searched in {t3 - t2:.2f} s "
          f"({images.loaded} page images loaded again for alignment)")  # fmt: skip

    ta = truth_applicant_pairs(truth)
    pa = group_pairs([g.model_dump() for g in dup_a])
    p, r, f1 = prf(pa, ta)
    print(f"DUPLICATE_APPLICANT pairs: precision {p:.3f} recall {r:.3f} F1 {f1:.3f} "
          f"(true {len(ta)}, predicted {len(pa)})")  # fmt: skip
    # Certificates and ID cards: what DUPLICATE_EVIDENCE is about. "other" pages (letters,
    # contracts) have no number or fields to agree on; a similar image alone would also link
    # two colleagues' letters on one letterhead, so they are scored apart.
    te, tedit = truth_evidence_pairs(truth, doc_types=CERTIFICATE_TYPES)
    t_all, _ = truth_evidence_pairs(truth)
    pe = evidence_group_pairs(dup_e)
    other = t_all - te
    pe_cert = pe - other
    p, r, f1 = prf(pe_cert, te)
    found_edit = len(tedit & pe)
    print(f"DUPLICATE_EVIDENCE file pairs (certificates, ID cards): precision {p:.3f} "
          f"recall {r:.3f} F1 {f1:.3f} (true {len(te)}, predicted {len(pe_cert)}; "
          f"name-edited found {found_edit}/{len(tedit)}); other pages (letters) found "
          f"{len(other & pe)}/{len(other)}")  # fmt: skip
    for miss in sorted(te - pe, key=sorted)[:8]:
        print("  missed", sorted(miss))
    for extra in sorted(pe_cert - te, key=sorted)[:8]:
        print("  extra ", sorted(extra))
    expected = {
        x["applicant_id"] for x in truth["applicants"] if "TAMPER_SUSPECTED" in x["expected_codes"]
    }
    raised = set(flags)
    p, r, f1 = prf(raised, expected)
    print(f"TAMPER_SUSPECTED applicants: precision {p:.3f} recall {r:.3f} "
          f"(expected {len(expected)}, raised {len(raised)})")  # fmt: skip
    by_id = {x["applicant_id"]: x for x in truth["applicants"]}
    for aid in sorted(expected - raised):
        notes = [n["note"] for n in by_id[aid]["notes"] if n["code"] == "TAMPER_SUSPECTED"]
        print("  tamper missed", aid, notes)
    for aid in sorted(raised - expected):
        print("  tamper extra ", aid, [f.message for f in flags[aid]])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--per-variant", type=int, default=40)
    ap.add_argument("--namesakes", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--history", action="store_true", help="also time runs with --history")
    ap.add_argument("--batch", type=int, default=0, help="batch mode: applicants to generate")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--work", type=Path, default=None, help="folder for the files (kept)")
    ap.add_argument("--reuse", action="store_true", help="batch mode: score WORK/batch again")
    a = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-dup-") as tmp:
        work = a.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        if a.batch:
            batch_bench(a, work)
        else:
            intake_bench(a, work)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
