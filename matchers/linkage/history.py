"""Applicants of earlier intakes, kept in one SQLite file, for the duplicate-applicant search.

An intake is one declared table that was checked (a batch, or a `credcheck duplicates` run).
It is keyed by an intake id: by default the SHA-256 of the declared file (so re-running the
same file is recognised), or a name the user gives. Rows are keyed by (intake, applicant_id)
and adding an intake again replaces its rows, so a re-run never makes an intake a duplicate
of itself.

"Earlier" means added before: each intake gets a sequence number the first time it is added
and keeps it. A search for intake X looks only at intakes with a lower number (all of them
when X is new), so re-running an old intake reports what it reported the first time.

Only identity fields are stored (id, program, name as written, gender, ethnicity, ID number,
birth date, work unit), with their blocking keys (matchers.linkage.blocking) in an indexed
table: a search joins the new intake's keys against it and never reads the whole history.
When the blocking rules change (KEY_VERSION) the keys are rebuilt from the stored rows on
open.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import TracebackType

from matchers.linkage.blocking import KEY_VERSION, blocking_keys
from matchers.linkage.records import raw_name
from models.declared import Applicant
from models.exceptions import UsageError

__all__ = ["History", "HistoryRecord"]

SCHEMA_VERSION = 1
_IDENTITY = (
    "applicant_id", "program", "name", "gender", "ethnicity", "id_number", "birth_date",
    "work_unit",
)  # fmt: skip
_RAW_NAME = "name_raw"  # the name as written (middle-dot form, traditional characters)
_CHUNK = 20_000  # rows per executemany

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS intakes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    intake TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL DEFAULT '',
    rows INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS applicants (
    rid INTEGER PRIMARY KEY,
    intake TEXT NOT NULL,
    applicant_id TEXT NOT NULL,
    record TEXT NOT NULL,
    UNIQUE (intake, applicant_id)
);
-- key: 64 bits of the blocking key's BLAKE2b digest (a collision only adds a candidate)
CREATE TABLE IF NOT EXISTS block_keys (
    key INTEGER NOT NULL,
    rid INTEGER NOT NULL,
    PRIMARY KEY (key, rid)
) WITHOUT ROWID;
"""


class HistoryRecord:
    """One stored application: the intake it came from and its identity fields."""

    __slots__ = ("intake", "source", "applicant")

    def __init__(self, intake: str, source: str, applicant: Applicant) -> None:
        self.intake = intake
        self.source = source
        self.applicant = applicant

    @property
    def uid(self) -> str:
        """How duplicate groups name it: "<intake>:<applicant_id>"."""
        return f"{self.intake}:{self.applicant.applicant_id}"


def _record(a: Applicant) -> str:
    d = {k: getattr(a, k) for k in _IDENTITY if getattr(a, k) is not None}
    raw = raw_name(a)
    if raw and raw != a.name:
        d[_RAW_NAME] = raw
    return json.dumps(d, ensure_ascii=False, sort_keys=True)


def _applicant(record: str) -> Applicant:
    d = json.loads(record)
    raw = d.pop(_RAW_NAME, None)
    a = Applicant(**d)
    if raw:
        a.raw = {"姓名": raw}
    return a


def _key_int(key: str) -> int:
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)


class History:
    """Earlier intakes in one SQLite file; use as a context manager.

    `History.open(path)` creates the file and its schema when missing.
    """

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self.path = path

    # ------------------------------------------------------------ lifecycle

    @classmethod
    def open(cls, path: Path | str) -> History:
        path = Path(path)
        if path.exists() and not path.is_file():
            raise UsageError(
                f"history database {path} is not a file",
                zh=f"历史库 {path} 不是文件，请指定一个 .sqlite 文件路径",
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = sqlite3.connect(path, timeout=30, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")  # readers do not block the one writer
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA cache_size=-131072")  # 128 MB: bulk inserts stay in memory
            conn.executescript(_SCHEMA)
            h = cls(conn, path)
            h._check_versions()
        except sqlite3.DatabaseError as e:
            raise UsageError(
                f"history database {path} cannot be opened: {e}",
                zh=f"历史库 {path} 无法打开（不是 SQLite 数据库或已损坏），"
                "请检查路径或换一个新文件",
            ) from e
        return h

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> History:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _meta(self, key: str) -> str | None:
        row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def _set_meta(self, key: str, value: str) -> None:
        self._conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def _check_versions(self) -> None:
        schema = self._meta("schema_version")
        if schema is None:
            self._set_meta("schema_version", str(SCHEMA_VERSION))
        elif schema != str(SCHEMA_VERSION):
            raise UsageError(
                f"history schema {schema}, this version reads {SCHEMA_VERSION}",
                zh=f"历史库格式版本为 {schema}，本程序只支持 {SCHEMA_VERSION}，"
                "请使用新的历史库文件",
            )
        version = str(KEY_VERSION)
        if self._meta("key_version") != version:
            self._reindex()
            self._set_meta("key_version", version)

    def _reindex(self) -> None:
        """Recompute every blocking key from the stored rows (the key rules changed)."""
        with self._transaction():
            self._conn.execute("DELETE FROM block_keys")
            rows = self._conn.execute("SELECT rid, record FROM applicants").fetchall()
            batch = sorted(
                {
                    (_key_int(k), rid)
                    for rid, record in rows
                    for k in blocking_keys(_applicant(record))
                }
            )
            self._conn.executemany("INSERT INTO block_keys VALUES (?, ?)", batch)

    def _transaction(self) -> _Transaction:
        return _Transaction(self._conn)

    # ------------------------------------------------------------ intakes

    def intakes(self) -> list[tuple[str, str, int]]:
        """(intake, source, rows) in the order they were first added."""
        return [
            (i, s, n)
            for i, s, n in self._conn.execute(
                "SELECT intake, source, rows FROM intakes ORDER BY seq"
            )
        ]

    def _seq(self, intake: str | None) -> int | None:
        if intake is None:
            return None
        row = self._conn.execute("SELECT seq FROM intakes WHERE intake = ?", (intake,)).fetchone()
        return row[0] if row else None

    def add_intake(
        self,
        intake: str,
        applicants: Sequence[Applicant],
        *,
        source: str = "",
        keys: Mapping[str, Sequence[str]] | None = None,
    ) -> int:
        """Store an intake's applicants, replacing what it held before; returns rows stored.

        Idempotent: adding the same intake again leaves one copy of each row. `keys`
        (applicant_id → blocking keys, from ApplicantLinks.keys) saves computing them again.
        """
        if not intake:
            raise UsageError("empty intake id", zh="批次标识（intake）不能为空")
        unique: dict[str, Applicant] = {}
        for a in applicants:  # the first row of a repeated id, as link_applicants takes it
            if a.applicant_id:
                unique.setdefault(a.applicant_id, a)
        with self._transaction():
            existed = self._seq(intake) is not None
            self._conn.execute(
                "INSERT INTO intakes (intake, source, rows) VALUES (?, ?, ?) "
                "ON CONFLICT(intake) DO UPDATE SET source = excluded.source, rows = excluded.rows",
                (intake, source, len(unique)),
            )
            if existed:  # added before: replace its rows
                self._conn.execute(
                    "DELETE FROM block_keys WHERE rid IN "
                    "(SELECT rid FROM applicants WHERE intake = ?)",
                    (intake,),
                )
                self._conn.execute("DELETE FROM applicants WHERE intake = ?", (intake,))
            first = (self._conn.execute("SELECT max(rid) FROM applicants").fetchone()[0] or 0) + 1
            items = list(unique.values())
            self._conn.executemany(
                "INSERT INTO applicants VALUES (?, ?, ?, ?)",
                ((first + n, intake, a.applicant_id, _record(a)) for n, a in enumerate(items)),
            )
            rows = sorted(
                {
                    (_key_int(k), first + n)
                    for n, a in enumerate(items)
                    for k in (keys[a.applicant_id] if keys is not None else blocking_keys(a))
                }
            )  # in key order: the B-tree fills page by page
            for start in range(0, len(rows), _CHUNK):
                self._conn.executemany(
                    "INSERT INTO block_keys VALUES (?, ?)", rows[start : start + _CHUNK]
                )
        return len(unique)

    def candidates(self, keys: Iterable[str], *, intake: str | None = None) -> list[HistoryRecord]:
        """Stored applications of intakes earlier than `intake` sharing any blocking key.

        `intake` None or not yet stored: every stored intake counts as earlier.
        """
        seq = self._seq(intake)
        with self._transaction():
            self._conn.execute(
                "CREATE TEMP TABLE IF NOT EXISTS wanted (key INTEGER PRIMARY KEY) WITHOUT ROWID"
            )
            self._conn.execute("DELETE FROM wanted")
            self._conn.executemany(
                "INSERT INTO wanted VALUES (?)", ((k,) for k in sorted({_key_int(k) for k in keys}))
            )
            rows = self._conn.execute(
                "SELECT DISTINCT a.intake, i.source, a.applicant_id, a.record "
                "FROM wanted w JOIN block_keys b ON b.key = w.key "
                "JOIN applicants a ON a.rid = b.rid "
                "JOIN intakes i ON i.intake = a.intake "
                "WHERE (? IS NULL OR i.seq < ?) "
                "ORDER BY i.seq, a.applicant_id",
                (seq, seq),
            ).fetchall()
            self._conn.execute("DELETE FROM wanted")
        return [HistoryRecord(i, s, _applicant(r)) for i, s, _aid, r in rows]


class _Transaction:
    """BEGIN IMMEDIATE … COMMIT (ROLLBACK on error) on an autocommit connection."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def __enter__(self) -> None:
        self._conn.execute("BEGIN IMMEDIATE")

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._conn.execute("ROLLBACK" if exc_type else "COMMIT")
