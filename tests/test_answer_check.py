"""The verifier's second reading: it picks what to quote, near misses decline with a reason, a number, a date, a
penalty or a named place asked for must be given, and a "where" prefers the sentence that names a place."""

import pytest

from assistant.answer import ABSTAIN_TEXT
from assistant.answer_check import READ, AnswerCheck
from assistant.extractive import COMPOUND_GATE, ExtractiveAnswerer


def _unchecked_answerer(assistant, abstain_threshold: float) -> ExtractiveAnswerer:
    """The sample's answerer without the check."""
    return ExtractiveAnswerer(assistant.corpus, assistant.term_vectors.similarity, abstain_threshold,
                              assistant.settings.max_sentences)


def _unchecked(assistant, text: str):
    """The answer the sample article got before the check: the same answerer without it."""
    bare = _unchecked_answerer(assistant, assistant.settings.abstain_threshold)
    question = assistant.question(text)
    return bare.answer(question, assistant.retriever.retrieve(question, assistant.settings.top_k))


def _review(assistant, text: str, threshold: float):
    """What a check at `threshold` makes of the question's shortlist."""
    question = assistant.question(text)
    choice = assistant.answerer.choose(question, assistant.retriever.retrieve(question, 5))
    return AnswerCheck(assistant.verifier, threshold).review(question, choice.shortlisted,
                                                             choice.shortlisted_probabilities, choice.candidates, 2)


# Each was quoted before: a sentence about the ambassador, the laboratories, the detainees' flight, Khalladi's
# capture, the drug lords in U.S. custody, none of which gives what is asked. The sample-hard set's (written
# before the check) and sample-unseen's.
@pytest.mark.parametrize("text, reason", [
    ("When did Ambassador Ronald Johnson arrive in Mexico?", "asks for a date"),
    ("How many drug laboratories were dismantled?", "asks for a number"),
    ("Which airline carried the detainees?", "does not answer"),
    ("What reward was offered for Otmane Khalladi?", "asks for a number"),
    ("What sentence did El Chapo receive in his U.S. trial?", "asks for a penalty"),
    ("In which city was Ismael Zambada arrested?", "asks for a named place"),
])
def test_near_misses_decline_and_say_why(sample_assistant, text, reason):
    assert not _unchecked(sample_assistant, text).abstained
    answer = sample_assistant.ask(text)
    assert answer.abstained and answer.answer == ABSTAIN_TEXT and answer.citations == []
    assert reason in answer.note
    assert answer.confidence < sample_assistant.settings.abstain_threshold
    assert answer.to_dict()["note"] == answer.note


def test_the_population_of_sinaloa_is_declined(sample_assistant):
    """The issue's first near miss (an arrest in Badiraguato quoted at 0.253 against 0.25): since the word-piece
    vectors went to int4 the first gate already declines it (0.229), so the check above no longer sees it."""
    answer = sample_assistant.ask("What is the population of Sinaloa?")
    assert answer.abstained and answer.citations == []


@pytest.mark.parametrize("text, gold", [
    ("How many high-impact criminals have been handed over in total?", "92"),
    ("When was the first transfer carried out?", "December"),
    ("Who is the U.S. ambassador mentioned in the article?", "Ronald Johnson"),
    ("Whose aircraft transported the detainees?", "Armed Forces"),
    ("What reward was offered for Alejandro N?", "$250,000"),
    ("What penalty did Mexico secure a commitment the U.S. would not seek?", "death penalty"),
    ("In which city was Otmane Khalladi captured?", "Playa del Carmen"),
])
def test_answers_the_article_gives_pass_the_check(sample_assistant, text, gold):
    answer = sample_assistant.ask(text)
    assert not answer.abstained, answer.note
    assert gold in answer.answer


def test_the_verifier_swaps_in_a_sentence_it_reads_far_better(sample_assistant):
    """The first pass ranks sentences on their features (it put a "U.S. authorities" sentence first, the
    ambassador's 0.0003 behind); the verifier reads the first READ of them with the question, reads the
    ambassador's better by more than SWAP_LOGITS and quotes it first."""
    text = "Who is the U.S. ambassador mentioned in the article?"
    question = sample_assistant.question(text)
    choice = sample_assistant.answerer.choose(question, sample_assistant.retriever.retrieve(question, 5))
    review = AnswerCheck(sample_assistant.verifier, 0.03).review(question, choice.shortlisted,
                                                                 choice.shortlisted_probabilities, choice.candidates, 2)
    assert review.objection is None
    assert "Ronald Johnson" not in choice.candidates[0].text
    assert "Ronald Johnson" in review.chosen[0].text
    assert review.chosen[0] in choice.shortlisted[:READ]


def test_a_where_question_quotes_the_sentence_naming_the_place(sample_assistant):
    """The first pass quotes Alejandro "N"'s arrest ("one of the 10 most wanted fugitives") for where he was wanted;
    the next sentence, which the verifier reads above its threshold, names the place ("in North Carolina") and is
    quoted with it."""
    text = "Where was Alejandro N wanted?"
    assert "North Carolina" not in _unchecked(sample_assistant, text).answer
    answer = sample_assistant.ask(text)
    assert not answer.abstained and "North Carolina" in answer.answer


def test_a_which_law_question_quotes_the_sentence_naming_a_law_first(sample_assistant):
    """The first pass quotes the December transfer "under the same legal framework" for the law the transfer was
    carried out under; the sentence naming it ("the National Security Law"), which the verifier reads as well, is
    quoted first."""
    text = "Under which law was the transfer carried out?"
    assert not _unchecked(sample_assistant, text).answer.startswith("The transfer was executed in accordance with "
                                                                     "the National Security Law")
    answer = sample_assistant.ask(text)
    assert not answer.abstained and answer.citations[0].quote.startswith("The transfer was executed in accordance "
                                                                         "with the National Security Law")


def test_the_verifier_reads_only_single_fact_questions(sample_assistant):
    """A threshold no sentence reaches objects to a short question; a compound one,
    a yes/no question and a claim are never read (one sentence can't answer the first, the reader settles the
    second, the third asks for support, not an answer: the verifier's "no" would be wrong)."""
    short = "Which law was the transfer carried out under?"
    long = ("Considering both the diplomatic statements and the security operations described, which law "
            "was the transfer of the operatives carried out under, and under what mechanisms was it executed?")
    yes_no = "Was the transfer carried out under the National Security Law?"
    claim = "The transfer was carried out under the National Security Law."
    assert sample_assistant.question(long).compound and not sample_assistant.question(short).compound
    for text, objects in ((short, True), (long, False), (yes_no, False), (claim, False)):
        assert (_review(sample_assistant, text, threshold=0.999).objection is not None) == objects, text


def test_a_compound_question_is_held_to_a_lower_gate(sample_assistant):
    """Evidence read at nine tenths of the abstain threshold answers a compound question (no one sentence can
    cover all it asks, so the answerable scorer reads it low) and declines a single-fact one."""
    compound = ("Considering the transfer of the operatives to the United States and the security operations in "
                "Mexico described in the article, which law was the transfer carried out under?")
    for text, answered in ((compound, True), ("Which law was the transfer carried out under?", False)):
        question = sample_assistant.question(text)
        passages = sample_assistant.retriever.retrieve(question, sample_assistant.settings.top_k)
        bare = _unchecked_answerer(sample_assistant, 1.0)
        threshold = bare.choose(question, passages).answerable / 0.9
        assert 0.9 > COMPOUND_GATE and question.compound == answered
        assert _unchecked_answerer(sample_assistant, threshold).answer(question, passages).abstained != answered


@pytest.mark.parametrize("text, gold", [
    ("Who was detained when federal forces acted in Badiraguato?", "Mantecas"),
    ("When the transfer was executed, what did the U.S. Department of Justice ask for?", "death penalty"),
])
def test_a_when_inside_the_question_does_not_ask_for_a_date(sample_assistant, text, gold):
    answer = sample_assistant.ask(text)
    assert "asks for a date" not in answer.note
    assert not answer.abstained and gold in answer.answer
