"""Answers quote the documents verbatim, every [n] resolves to an exact span, and misses abstain."""

import re

import pytest

from assistant.answer import ABSTAIN_TEXT

QUESTIONS = [
    "How many operatives were expelled to the United States?",
    "Where was Otmane Khalladi captured?",
    "What reward was offered for Alejandro N?",
    "Who will visit Mexico in the coming weeks?",
]


@pytest.mark.parametrize("question", QUESTIONS)
def test_every_marker_resolves_to_an_exact_span(sample_assistant, question):
    answer = sample_assistant.ask(question)
    assert not answer.abstained
    markers = [int(n) for n in re.findall(r"\[(\d+)\]", answer.answer)]
    assert markers == [c.n for c in answer.citations] == list(range(1, len(markers) + 1))
    for citation in answer.citations:
        text = sample_assistant.corpus.document(citation.path).text
        assert text[citation.start:citation.end] == citation.quote
        assert f"{citation.quote} [{citation.n}]" in answer.answer
        assert citation.location.startswith("line ")
    starts = [(c.path, c.start) for c in answer.citations]
    assert starts == sorted(starts), "quotes appear in document order"
    data = answer.to_dict()
    assert data["citations"][0]["quote"] == answer.citations[0].quote
    assert set(data["timings_ms"]) == {"retrieve", "answer", "total"}


def test_answer_text_is_only_quotes_and_markers(sample_assistant):
    answer = sample_assistant.ask("How many operatives were expelled to the United States?")
    stripped = answer.answer
    for citation in answer.citations:
        stripped = stripped.replace(f"{citation.quote} [{citation.n}]", "")
    assert stripped.strip() == ""


@pytest.mark.parametrize("question", [
    "What is the capital of Australia?",
    "What is the boiling point of mercury?",
])
def test_out_of_scope_questions_abstain_without_citations(sample_assistant, question):
    answer = sample_assistant.ask(question)
    assert answer.abstained and answer.answer == ABSTAIN_TEXT and answer.citations == []
    assert answer.passages, "an abstention still shows the closest passages it considered"


def test_follow_up_uses_the_previous_question(sample_assistant):
    alone = sample_assistant.ask("and where was he captured?")
    follow_up = sample_assistant.ask("and where was he captured?", ["What was Otmane Khalladi sought for?"])
    assert "Playa del Carmen" in follow_up.answer and follow_up.interpreted == "Where was Otmane Khalladi captured?"
    assert follow_up.answer != alone.answer or "Playa del Carmen" in alone.answer
