"""Page readings kept pickled between reading and the last cross-applicant checks.

verify needs every page's reading until the end (duplicates across applicants, evidence
crops), but not as objects: a PageReading of a certificate takes ~17.5 KB as pydantic objects
(tracemalloc, 1,000 readings of a bench/memory.py batch) and ~2.1 KB pickled. A reading is
unpickled on each access, so callers take what they need and let it go.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator, Mapping

from models.evidence import PageReading
from models.exceptions import CredcheckError

Key = tuple[str, int]  # (file, 1-based page)


class PageStore(Mapping[Key, "PageReading | CredcheckError"]):
    """(file, page) → its PageReading (kept pickled) or the error that page ended with."""

    def __init__(self) -> None:
        self._blobs: dict[Key, bytes] = {}
        self._errors: dict[Key, CredcheckError] = {}  # few and small: kept as they are

    def put(self, key: Key, value: PageReading | CredcheckError) -> None:
        if isinstance(value, PageReading):
            self._blobs[key] = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
            self._errors.pop(key, None)
        else:
            self._errors[key] = value
            self._blobs.pop(key, None)

    def __getitem__(self, key: Key) -> PageReading | CredcheckError:
        blob = self._blobs.get(key)
        if blob is not None:
            return pickle.loads(blob)  # type: ignore[no-any-return]
        return self._errors[key]

    def __iter__(self) -> Iterator[Key]:
        yield from self._blobs
        yield from self._errors

    def __len__(self) -> int:
        return len(self._blobs) + len(self._errors)

    def __contains__(self, key: object) -> bool:
        return key in self._blobs or key in self._errors

    def readings(self) -> Readings:
        """The pages that were read (errors left out), sharing this store's pickles."""
        return Readings(self._blobs)


class Readings(Mapping[Key, PageReading]):
    def __init__(self, blobs: dict[Key, bytes]) -> None:
        self._blobs = blobs

    def __getitem__(self, key: Key) -> PageReading:
        return pickle.loads(self._blobs[key])  # type: ignore[no-any-return]

    def __iter__(self) -> Iterator[Key]:
        return iter(self._blobs)

    def __len__(self) -> int:
        return len(self._blobs)

    def __contains__(self, key: object) -> bool:
        return key in self._blobs
