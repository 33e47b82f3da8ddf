"""The eval-set file: parsing with line-numbered errors, round trips, deterministic samples, appends."""

import json

import pytest

from assistant.settings import UsageError
from evals.evalset import EvalRecord, append_record, load_set, parse_record, sample, write_set
from evals.evidence import EvidenceLocator
from tests.conftest import ROOT


def write_lines(path, *objects):
    path.write_text("".join((o if isinstance(o, str) else json.dumps(o)) + "\n" for o in objects))
    return path


def test_the_project_sample_set_loads():
    records = load_set(ROOT / "evals" / "sets" / "sample.jsonl")
    assert len(records) >= 20
    assert any(not r.answerable for r in records) and any(r.answers for r in records)


def test_strings_and_alternatives_parse_into_groups():
    record = parse_record({"id": 7, "question": " Who? ", "answers": ["Broncos", ["24–10", "24-10"]],
                           "evidence": "They won.", "source": "a.txt", "type": "who"})
    assert record == EvalRecord("7", "Who?", (("Broncos",), ("24–10", "24-10")), (("They won.",),), ("a.txt",),
                                {}, "who")
    assert parse_record(record.to_dict()) == record


def test_null_evidence_is_unanswerable_and_empty_list_is_answerable():
    assert not parse_record({"question": "q", "answers": [], "evidence": None}).answerable
    assert parse_record({"question": "q", "answers": None, "evidence": None}).answers == ()  # null: none, as it says
    assert parse_record({"question": "q", "evidence": [], "relevant": {"d1": 2}}).answerable


@pytest.mark.parametrize("line, message", [
    ("not json", "Expecting value"),
    ({"question": "", "evidence": None}, "'question' must be a non-empty string"),
    ({"question": "q"}, "'evidence' is required"),
    ({"question": "q", "answers": ["x"], "evidence": None}, "'answers' must be empty"),
    ({"question": "q", "answers": [1], "evidence": "e"}, "'answers' items must be strings"),
    ({"question": "q", "evidence": "e", "relevant": ["d1"]}, "'relevant' must map"),
])
def test_malformed_lines_name_file_and_line(tmp_path, line, message):
    path = write_lines(tmp_path / "set.jsonl", {"question": "fine", "evidence": None}, line)
    with pytest.raises(UsageError, match=rf"set.jsonl:2: .*{message}"):
        load_set(path)


def test_duplicate_ids_missing_and_empty_sets_are_user_errors(tmp_path):
    with pytest.raises(UsageError, match="duplicate id 'a'"):
        load_set(write_lines(tmp_path / "d.jsonl", *[{"id": "a", "question": "q", "evidence": None}] * 2))
    with pytest.raises(UsageError, match="no such eval set"):
        load_set(tmp_path / "missing.jsonl")
    with pytest.raises(UsageError, match="has no questions"):
        load_set(write_lines(tmp_path / "e.jsonl", ""))


def test_sample_is_deterministic_order_preserving_and_nested():
    records = [EvalRecord(f"q{i}", f"question {i}") for i in range(50)]
    ten, twenty = sample(records, 10), sample(records, 20)
    assert {r.id for r in ten} == {r.id for r in sample(list(reversed(records)), 10)}  # file order doesn't matter
    assert [r.id for r in ten] == sorted((r.id for r in ten), key=lambda i: int(i[1:]))
    assert {r.id for r in ten} < {r.id for r in twenty}
    assert sample(records, None) == records and sample(records, 500) == records
    with pytest.raises(UsageError):
        sample(records, 0)


def test_append_record_creates_renames_and_round_trips(tmp_path):
    path = tmp_path / "mine.jsonl"
    first = append_record(path, EvalRecord("chat-1", "How many?", (("37",),), (("37 were expelled",),)))
    second = append_record(path, EvalRecord("chat-1", "And who?", (), None))
    assert (first.id, second.id) == ("chat-1", "chat-1-2")
    assert [r.id for r in load_set(path)] == ["chat-1", "chat-1-2"]
    assert write_set(tmp_path / "copy.jsonl", load_set(path)) == 2
    assert load_set(tmp_path / "copy.jsonl") == load_set(path)


def test_evidence_is_found_in_the_source_first_then_anywhere_loosely():
    texts = {"corpus/a.txt": "Mexico’s  Security Cabinet acted. Other text.", "corpus/b.txt": "Other text."}
    locator = EvidenceLocator(texts, texts.get)
    assert locator.locate("Other text.", ["b.txt"]) == (("corpus/b.txt", 0, 11),)
    assert locator.locate("Other text.") == (("corpus/a.txt", 34, 45), ("corpus/b.txt", 0, 11))
    # spacing, case and quote style may differ from the document
    assert locator.locate("mexico's security cabinet", ["a.txt"]) == (("corpus/a.txt", 0, 26),)
    assert locator.locate("absent") == ()
    record = parse_record({"question": "q", "evidence": ["Other text.", "absent"], "source": "b.txt"})
    assert locator.gold(record).evidence == ((("corpus/b.txt", 0, 11),), ())
