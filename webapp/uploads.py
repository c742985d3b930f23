"""Uploaded files taken in: names made safe, types checked by content (as the verifier's
loader does), zips unpacked within limits (member count, sizes, ratio, no paths leaving the
packet, no links). Everything here works on temporary files; the store keeps what passes."""

from __future__ import annotations

import shutil
import stat
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from extractors.loaders import sniff_type
from models.constants import MAX_FILE_BYTES
from models.exceptions import CredcheckError

MAX_UPLOAD_FILES = 200  # files in one request, or members in one packet zip
MAX_ZIP_MEMBERS = 20_000  # a whole intake
MAX_ZIP_TOTAL = 4 * 1024**3  # unpacked bytes of one zip
MAX_RATIO = 200  # unpacked / packed, per member above 1 MiB: beyond it is a zip bomb
MAX_NAME = 200
_CHUNK = 1 << 20


class Refused(Exception):
    """The whole upload is refused (a zip bomb, too many files); the message is Chinese."""


@dataclass
class Taken:
    files: list[tuple[str, Path]] = field(default_factory=list)  # (name, temporary path)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (name, reason)


def safe_name(raw: str, *, keep_dirs: bool) -> str | None:
    """A name inside a packet, "/" separated, or None when it would leave it (absolute,
    "..", a drive, control characters) or is too long."""
    name = unicodedata.normalize("NFC", raw.replace("\\", "/"))
    if not keep_dirs:
        name = name.rsplit("/", 1)[-1]
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if (
        not parts
        or name.startswith("/")
        or any(p == ".." or ":" in p or not p.isprintable() for p in parts)
        or len(name) > MAX_NAME
    ):
        return None
    return "/".join(parts)


def check_type(path: Path, name: str) -> str | None:
    """Why the file is refused, or None: the loader's sniffing, by content."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        return f"文件过大（{size // 1024**2} MB，上限 {MAX_FILE_BYTES // 1024**2} MB）"
    with open(path, "rb") as f:
        head = f.read(2048)
    try:
        sniff_type(head, PurePosixPath(name).suffix, size)
    except CredcheckError as e:
        return f"不是可核验的证书文件（PDF、JPG、PNG、TIFF）：{e.reason_zh}"
    return None


def is_zip(path: Path) -> bool:
    with open(path, "rb") as f:
        return f.read(4) == b"PK\x03\x04"


def _member_name(info: zipfile.ZipInfo) -> str:
    # Zips made on Chinese Windows name members in GBK without the UTF-8 flag; zipfile then
    # decodes them as cp437.
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("gbk")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def unpack_zip(path: Path, dest: Path, *, max_members: int) -> Taken:
    """Unpack a zip into `dest` under safe names. Members that are links, leave the folder
    or are not certificate files are listed as refused; a zip bomb refuses the whole zip."""
    out = Taken()
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as e:
        raise Refused(f"压缩包无法打开：{e}") from None
    with zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        if len(infos) > max_members:
            raise Refused(f"压缩包中文件过多（{len(infos)} 个，上限 {max_members} 个）")
        declared_total = sum(i.file_size for i in infos)
        if declared_total > MAX_ZIP_TOTAL:
            raise Refused(f"压缩包解压后过大（{declared_total // 1024**2} MB）")
        total = 0
        for info in infos:
            raw = _member_name(info)
            name = safe_name(raw, keep_dirs=True)
            mode = info.external_attr >> 16
            if name is None:
                out.refused.append((raw, "路径不安全（绝对路径、“..”或盘符），未解压"))
                continue
            if stat.S_ISLNK(mode):
                out.refused.append((name, "是符号链接，未解压"))
                continue
            if info.flag_bits & 0x1:
                out.refused.append((name, "已加密，无法读取"))
                continue
            target = dest.joinpath(*name.split("/"))
            if not target.resolve().is_relative_to(dest.resolve()):
                out.refused.append((name, "路径不安全，未解压"))
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            # Count the bytes really written: a header may lie about the sizes.
            written = 0
            limit = min(MAX_FILE_BYTES, max(MAX_RATIO * max(info.compress_size, 1), _CHUNK))
            try:
                with zf.open(info) as src, open(target, "xb") as dst:
                    while chunk := src.read(_CHUNK):
                        written += len(chunk)
                        total += len(chunk)
                        if written > limit or total > MAX_ZIP_TOTAL:
                            raise Refused(
                                f"压缩包中的 {name} 解压后远大于压缩前（疑似压缩炸弹），"
                                "整个压缩包未接收"
                            )
                        dst.write(chunk)
            except FileExistsError:
                out.refused.append((name, "与前一个文件重名，未解压"))
                continue
            except (zipfile.BadZipFile, OSError, EOFError) as e:
                target.unlink(missing_ok=True)
                out.refused.append((name, f"损坏，无法解压：{e}"))
                continue
            out.files.append((name, target))
    return out


def take_packet_files(uploaded: Iterable[tuple[str, Path]], workdir: Path) -> Taken:
    """Files sent for one applicant: each file, or the members of a zip, checked by content."""
    out = Taken()
    items = list(uploaded)
    if len(items) > MAX_UPLOAD_FILES:
        raise Refused(f"一次最多上传 {MAX_UPLOAD_FILES} 个文件")
    for raw, path in items:
        if is_zip(path):
            sub = workdir / f"zip{len(out.files)}-{len(out.refused)}"
            sub.mkdir(parents=True)
            got = unpack_zip(path, sub, max_members=MAX_UPLOAD_FILES)
            out.refused += got.refused
            candidates = got.files
        else:
            name = safe_name(raw, keep_dirs=False)
            if name is None:
                out.refused.append((raw, "文件名不安全"))
                continue
            candidates = [(name, path)]
        for name, p in candidates:
            why = check_type(p, name)
            if why:
                out.refused.append((name, why))
            else:
                out.files.append((name, p))
    names = [n for n, _ in out.files]
    if len(set(names)) != len(names):
        raise Refused("上传的文件中有重名文件，请改名后重新上传")
    return out


def workdir(root: Path) -> Path:
    """A temporary folder in the data root (uploads can be large; /tmp may be small)."""
    base = root / "tmp"
    base.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="upload-", dir=base))


def cleanup(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
