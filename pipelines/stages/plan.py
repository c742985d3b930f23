"""Planning: walk BATCH_DIR and the declared table into a plan of applicants and files.

Nothing here opens a file's content beyond hashing it; links out of the batch, unreadable
names and folders too deep are refused here, each with its reason."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from extractors.declared import load_declared
from extractors.loaders import sha256_file
from models.constants import (
    MAX_FILE_BYTES,
    MAX_PAGES_PER_APPLICANT,
    MAX_PAGES_PER_FILE,
)
from models.declared import Applicant, DeclaredBatch
from models.evidence import FileInfo
from models.exceptions import (
    CorruptFile,
    CredcheckError,
    FileTooLarge,
    FolderUnreadable,
    LinkedFolder,
    UnreadableDocument,
    UnreadableName,
    UnsafePath,
    UnsupportedFileType,
    UsageError,
)

log = logging.getLogger(__name__)


@dataclass
class FilePlan:
    rel: str  # relative to BATCH_DIR, "/" separated
    path: Path
    sha256: str | None = None
    size: int = 0
    problem: CredcheckError | None = None  # refused before reading (link out of the batch…)


@dataclass
class ApplicantPlan:
    applicant: Applicant
    files: list[FilePlan] = field(default_factory=list)
    folder_missing: bool = False


@dataclass
class BatchPlan:
    batch_dir: Path
    declared: DeclaredBatch
    applicants: list[ApplicantPlan]

    @property
    def files(self) -> list[FilePlan]:
        return [f for a in self.applicants for f in a.files]


MAX_FOLDER_DEPTH = 16  # packets/<申报编号>/a/b/…: deeper folders are flagged, not walked
_DECLARED_NAMES = ("declared.xlsx", "declared.csv", "awards.csv")


def _walk(folder: Path, root: Path, depth: int = 0) -> Iterator[Path]:
    """Entries under folder in path order, never following a link.

    Yields regular files and everything else that is not a plain folder (links to files or
    folders, FIFOs, devices): _file_plan refuses what must not be read. A folder that cannot
    be listed, or lies deeper than MAX_FOLDER_DEPTH, is yielded itself to be flagged.
    """
    try:
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError:
        yield folder
        return
    for entry in entries:
        path = Path(entry.path)
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
        except OSError:
            is_dir = False
        if is_dir and depth < MAX_FOLDER_DEPTH:
            yield from _walk(path, root, depth + 1)
        else:
            yield path


def _label(rel: str) -> tuple[str, str | None]:
    """(text to name a path by, GB18030 reading) for a name that is not valid UTF-8.

    Such names come from archives made on Chinese Windows; Python keeps their bytes as lone
    surrogates, which JSON cannot carry. The label escapes the bytes (\\xd6…), so it is unique
    and printable; the GB18030 reading is for the message only.
    """
    try:
        rel.encode("utf-8")
        return rel, None
    except UnicodeEncodeError:
        pass
    raw = os.fsencode(rel)
    try:
        guess: str | None = raw.decode("gb18030")
    except UnicodeDecodeError:
        guess = None
    return raw.decode("utf-8", "backslashreplace"), guess


def _inside(path: Path, root: Path) -> bool:
    return path.is_relative_to(root.resolve())


def _file_plan(path: Path, root: Path) -> FilePlan:
    """A file to read, hashed; or refused before any byte of it is parsed.

    Refused: names that are not UTF-8, links that leave the batch, links to folders, links
    in a loop, anything not a regular file (FIFOs would block, devices never end), folders
    that cannot be listed or nest too deep, files over MAX_FILE_BYTES (not even hashed).
    """
    original = path.relative_to(root).as_posix()
    rel, guess = _label(original)
    fp = FilePlan(rel=rel, path=path)
    try:
        if rel != original:
            shown = f"（按 GB18030 编码读作“{guess}”）" if guess else ""
            raise UnreadableName(
                f"file name is not UTF-8: {rel}",
                zh=f"文件名的字符编码无法识别（不是 UTF-8）{shown}，未读取，"
                "请将文件重命名后重新提交",
            )
        if path.is_symlink():
            try:
                target = path.resolve(strict=False)
            except (RuntimeError, OSError) as e:  # a link loop: 3.11 raises RuntimeError
                raise CorruptFile(f"link cannot be resolved ({type(e).__name__}: {e})") from None
            if not _inside(target, root):
                raise UnsafePath(f"link to {target.name} outside the batch")
            if target.is_dir():
                raise LinkedFolder(f"link to the folder {target.name}")
        st = path.stat()  # follows a link that stays inside the batch
        if stat.S_ISDIR(st.st_mode):
            raise FolderUnreadable(f"folder not read (cannot be listed or nested deeper "
                                   f"than {MAX_FOLDER_DEPTH})")  # fmt: skip
        if not stat.S_ISREG(st.st_mode):
            raise UnsupportedFileType("not a regular file (FIFO, socket or device)")
        fp.size = st.st_size
        if st.st_size > MAX_FILE_BYTES:
            raise FileTooLarge(f"file has {st.st_size} bytes, limit {MAX_FILE_BYTES}")
        fp.sha256 = sha256_file(path)
    except CredcheckError as e:
        e.file = e.file or rel
        fp.problem = e
    except FileNotFoundError:
        fp.problem = CorruptFile("link to a missing file", file=rel)
    except OSError as e:
        fp.problem = UnreadableDocument(f"{type(e).__name__}: {e}", file=rel)
    return fp


def _check_not_linked_out(batch_dir: Path) -> None:
    """The declared tables and packets/ must lie inside the batch (nothing outside is read)."""
    try:
        entries = list(batch_dir.iterdir())
    except OSError as e:
        zh = f"批次目录无法读取：{batch_dir}"
        raise UsageError(f"cannot list {batch_dir}: {e}", zh=zh) from e
    for p in entries:
        if p.name.lower() not in (*_DECLARED_NAMES, "packets") or not p.is_symlink():
            continue
        try:
            target = p.resolve(strict=False)
        except (RuntimeError, OSError):
            target = None
        if target is None or not _inside(target, batch_dir):
            raise UsageError(
                f"{p.name} is a link outside the batch",
                zh=f"批次目录中的 {p.name} 是指向批次目录以外的链接，出于安全原因未读取；"
                "请将文件本身放入批次目录",
            )


def plan_batch(batch_dir: Path) -> BatchPlan:
    """Declared applicants, each with the files of packets/<申报编号>/ (hashed, not read).

    A packet folder without a declared row still becomes an applicant (with a problem
    noted), so every file in the batch is looked at. A link in packets/ becomes an applicant
    too, whose one "file" is the refused link.
    """
    batch_dir = Path(batch_dir)
    if not batch_dir.is_dir():
        raise UsageError(f"{batch_dir} is not a folder", zh=f"批次目录不存在：{batch_dir}")
    _check_not_linked_out(batch_dir)
    declared = load_declared(batch_dir)
    packets = batch_dir / "packets"
    folders: dict[str, Path] = {}
    if packets.is_dir():
        for p in sorted(packets.iterdir()):
            if p.is_symlink() or p.is_dir():
                folders[_label(p.name)[0]] = p
            else:
                log.warning("%s: a file directly in packets/, not in a packet folder", p.name)

    def files_of(folder: Path) -> list[FilePlan]:
        if folder.is_symlink():
            return [_file_plan(folder, batch_dir)]
        return [_file_plan(p, batch_dir) for p in _walk(folder, batch_dir)]

    plans: list[ApplicantPlan] = []
    seen: set[str] = set()
    for a in declared.applicants:
        if a.applicant_id in seen:
            continue  # the importer already reported the repeated 申报编号 on the first row
        seen.add(a.applicant_id)
        folder = folders.get(a.applicant_id)
        ap = ApplicantPlan(applicant=a, folder_missing=folder is None)
        if folder is not None:
            ap.files = files_of(folder)
        plans.append(ap)
    for name, folder in folders.items():
        if name in seen:
            continue
        problems = ["申报表中没有该申报编号的记录，仅有材料文件夹"]
        if name != folder.name:
            problems.append("材料文件夹名的字符编码无法识别（不是 UTF-8），申报编号按原始字节记录")
        a = Applicant(applicant_id=name, problems=problems)
        plans.append(ApplicantPlan(a, files_of(folder)))
    plans.sort(key=lambda p: p.applicant.applicant_id)
    return BatchPlan(batch_dir, declared, plans)


def only_applicant(plan: BatchPlan, applicant_id: str) -> BatchPlan:
    """The plan of one applicant (verify-packet judges a packet alone): the declared table
    stays whole, the applicants and files are that applicant's only."""
    mine = [ap for ap in plan.applicants if ap.applicant.applicant_id == applicant_id]
    if not mine:
        raise UsageError(f"no applicant {applicant_id!r} in {plan.batch_dir}",
                         zh=f"批次中没有申报编号 {applicant_id}")  # fmt: skip
    return BatchPlan(plan.batch_dir, plan.declared, mine)


# ---------------------------------------------------------------- inspect and read


def pages_to_read(plan: ApplicantPlan, infos: dict[str, FileInfo]) -> dict[str, list[int]]:
    """Pages of each readable file, within the per-file and per-applicant limits."""
    out: dict[str, list[int]] = {}
    budget = MAX_PAGES_PER_APPLICANT
    for fp in plan.files:
        info = infos[fp.rel]
        if info.error_code:
            continue
        n = min(info.page_count, MAX_PAGES_PER_FILE, budget)
        out[fp.rel] = list(range(1, n + 1))
        budget -= n
    return out
