"""Second opinion on ID numbers, certificate numbers and dates: agreement and disagreement."""

from __future__ import annotations

import numpy as np

from extractors.ocr.base import LineReading
from extractors.reconcile import SecondOpinion, second_look, second_opinion
from models import Evidence, ExtractedField
from models.exceptions import OcrTimeout

IMAGE = np.full((200, 800, 3), 255, np.uint8)
VALID_ID = "11010519491231002X"


def field(key: str, value: str, conf: float = 0.9) -> ExtractedField:
    return ExtractedField(key=key, value=value, raw=value, confidence=conf,
                          evidence=Evidence(file="f", page=1, bbox=(10, 10, 300, 40)))  # fmt: skip


def reader(text: str):
    calls = []

    def read_line(crop, whitelist=None):
        calls.append((crop.shape, whitelist))
        return LineReading(text=text, confidence=0.9)

    read_line.calls = calls
    return read_line


def test_agreement_raises_confidence():
    fields = {"id_number": field("id_number", VALID_ID)}
    rl = reader(VALID_ID)
    second_opinion(fields, IMAGE, rl)
    assert fields["id_number"].confidence > 0.99
    assert "tesseract agrees" in fields["id_number"].notes
    assert rl.calls and rl.calls[0][1] == "0123456789X"  # digits-only whitelist for IDs


def test_disagreement_takes_the_reading_that_validates_and_lowers_confidence():
    bad = VALID_ID[:-1] + "3"  # fails the check digit
    fields = {"id_number": field("id_number", bad)}
    second_opinion(fields, IMAGE, reader(VALID_ID))
    f = fields["id_number"]
    assert f.value == VALID_ID and f.confidence < 0.9


def test_disagreement_between_two_valid_readings_keeps_ours_with_doubt():
    fields = {"issue_date": field("issue_date", "2021-06-30")}
    second_opinion(fields, IMAGE, reader("2021年06月20日"))
    f = fields["issue_date"]
    assert f.value == "2021-06-30" and f.confidence < 0.9
    assert any("disagrees" in n for n in f.notes)


def test_engine_failure_leaves_the_field_and_says_so():
    def broken(crop, whitelist=None):
        raise OcrTimeout("tesseract: timeout")

    fields = {"cert_no": field("cert_no", "Y000065000001212000123")}
    second_opinion(fields, IMAGE, broken)
    assert fields["cert_no"].value == "Y000065000001212000123"
    assert fields["cert_no"].confidence == 0.9
    assert any("second opinion failed" in n for n in fields["cert_no"].notes)


def test_on_doubt_skips_confident_valid_fields():
    fields = {"id_number": field("id_number", VALID_ID, conf=0.97)}
    rl = reader("garbage")
    second_opinion(fields, IMAGE, rl, policy=SecondOpinion.on_doubt)
    assert rl.calls == [] and fields["id_number"].confidence == 0.97


def test_on_doubt_re_reads_a_confident_number_that_does_not_validate():
    bad = VALID_ID[:-1] + "3"  # check digit wrong
    fields = {"id_number": field("id_number", bad, conf=0.99)}
    rl = reader(VALID_ID)
    second_opinion(fields, IMAGE, rl, policy=SecondOpinion.on_doubt)
    assert len(rl.calls) == 1 and fields["id_number"].value == VALID_ID


def test_on_doubt_re_reads_a_valid_number_read_without_confidence():
    fields = {"id_number": field("id_number", VALID_ID, conf=0.6)}
    rl = reader(VALID_ID)
    second_opinion(fields, IMAGE, rl, policy=SecondOpinion.on_doubt)
    assert len(rl.calls) == 1 and fields["id_number"].notes == ["tesseract agrees"]


def test_a_second_look_gives_what_always_would_have():
    for other in (VALID_ID, "110105194912310021", "garbage"):  # agrees, another number, junk
        skipped = {"id_number": field("id_number", VALID_ID, conf=0.95),
                   "issue_date": field("issue_date", "2021-06-30", conf=0.97)}  # fmt: skip
        asked = {k: f.model_copy(deep=True) for k, f in skipped.items()}
        second_opinion(skipped, IMAGE, reader(other), policy=SecondOpinion.on_doubt)
        assert all(f.confidence in (0.95, 0.97) for f in skipped.values())
        rl = reader(other)
        assert second_look(skipped, IMAGE, rl) and len(rl.calls) == 2
        second_opinion(asked, IMAGE, reader(other), policy=SecondOpinion.always)
        assert skipped == asked
        assert not second_look(skipped, IMAGE, reader(other))  # nothing left to look at
