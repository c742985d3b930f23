"""The shared data root (CREDCHECK_DATA): files by content, the reading cache, crops, reports.

    CREDCHECK_DATA/
      credcheck.sqlite3          the store's database when no DATABASE_URL is given
      files/ab/ab12…ef           every uploaded file once, named by its SHA-256, never rewritten
      cache/                     Prefect's persisted results: page readings by content hash
      intakes/<intake>/          each intake: batches/<state>/ (the states verified, hard links
                                 into files/) and report/ (its latest reports, crops inside)
      prefect/, logs/            `credcheck serve`: Prefect's home and database, child logs

Several machines share it as one mounted volume: a file is written under a temporary name
in its final folder and linked into place, so a reader never sees half a file and two
machines storing the same content at once both succeed.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = ["DataRoot", "data_root"]

_CHUNK = 1 << 20


def data_root() -> Path:
    """CREDCHECK_DATA, default ./credcheck-data, as an absolute path (not created here)."""
    return Path(os.environ.get("CREDCHECK_DATA") or "credcheck-data").expanduser().absolute()


@dataclass(frozen=True)
class DataRoot:
    path: Path

    @classmethod
    def from_env(cls) -> DataRoot:
        return cls(data_root())

    @property
    def files(self) -> Path:
        return self.path / "files"

    @property
    def cache(self) -> Path:
        return self.path / "cache"

    def intake_dir(self, key: str) -> Path:
        if not key or key in (".", "..") or "/" in key or "\x00" in key:
            raise ValueError(f"not an intake key: {key!r}")
        return self.path / "intakes" / key

    def file_path(self, sha256: str) -> Path:
        if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a SHA-256: {sha256!r}")
        return self.files / sha256[:2] / sha256

    def put_file(self, src: Path) -> tuple[str, int]:
        """Store a file's content (once); returns its SHA-256 and size. The source is read
        once, hashed while copied; an existing copy of the same content is kept as it is."""
        self.files.mkdir(parents=True, exist_ok=True)
        h, size = hashlib.sha256(), 0
        fd, tmp = tempfile.mkstemp(dir=self.files, prefix=".incoming-")
        try:
            with open(src, "rb") as f, os.fdopen(fd, "wb") as out:
                for chunk in iter(lambda: f.read(_CHUNK), b""):
                    h.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
                out.flush()
                os.fsync(out.fileno())
            sha = h.hexdigest()
            final = self.file_path(sha)
            final.parent.mkdir(exist_ok=True)
            os.chmod(tmp, 0o444)
            try:
                os.link(tmp, final)  # never replaces: the first copy of a content stays
            except FileExistsError:
                pass
            except OSError:  # a volume without hard links: a rename, unless already there
                if not final.exists():
                    os.replace(tmp, final)
            return sha, size
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
