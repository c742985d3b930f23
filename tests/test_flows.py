"""What the Prefect wiring does when a task fails for a reason that is not the file's."""

from __future__ import annotations

import pytest

from models.exceptions import CorruptFile, ProcessingFailed
from pipelines.flows import _result


class _Done:
    """A finished task's future: .result() returns or raises what the task ended with."""

    def __init__(self, value=None, exc: BaseException | None = None):
        self.value, self.exc = value, exc

    def result(self):
        if self.exc is not None:
            raise self.exc
        return self.value


def _never():
    raise AssertionError("must not be called")


def test_a_task_value_is_returned() -> None:
    assert _result(_Done("info"), _never) == "info"


def test_a_typed_error_is_the_file_s_and_is_not_done_again() -> None:
    err = CorruptFile("truncated", file="a.jpg")
    assert _result(_Done(exc=err), _never) is err


def test_a_runner_failure_is_done_again_outside_prefect() -> None:
    # e.g. Prefect's API timing out under load: the file is fine, the second try reads it.
    calls = []

    def again():
        calls.append(1)
        return "read"

    assert _result(_Done(exc=RuntimeError("API timed out")), again) == "read"
    assert calls == [1]


def test_a_second_failure_is_ours_not_the_file_s(caplog: pytest.LogCaptureFixture) -> None:
    def again():
        raise KeyError("bug")

    got = _result(_Done(exc=RuntimeError("API timed out")), again)
    assert isinstance(got, ProcessingFailed)
    assert "KeyError" in got.detail
    assert "程序内部出错" in got.reason_zh and "恶意" not in got.reason_zh


def test_a_typed_error_from_the_second_try_is_kept() -> None:
    err = CorruptFile("truncated")

    def again():
        raise err

    assert _result(_Done(exc=RuntimeError("x")), again) is err
