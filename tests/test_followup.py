"""Follow-ups: read against the conversation (pronouns, ellipsis, "this article"), never answered by repeating."""

import pytest

from assistant.followup import Exchange, Interpretation, Quote, RuleReader

OPERATIVES = "How many operatives were expelled to the United States?"
EXPULSION = ("The expulsion of 37 operatives of criminal organizations to the United States, carried out this week "
             "by Mexico’s Security Cabinet, marks a new turning point in bilateral security cooperation.")
SENT = ("The detainees were sent to Washington, Houston, New York, Pennsylvania, San Antonio, and San Diego aboard "
        "seven aircraft of the Armed Forces.")
CAPTURED = ("In Playa del Carmen, in an action coordinated with Interpol, the Navy, Defense, and the Attorney "
            "General’s Office, Otmane Khalladi was captured.")


def _exchange(question: str, sentence: str = "", interpreted: str = "") -> Exchange:
    quoted = (Quote("sources/a.txt", 100, 100 + len(sentence), sentence),) if sentence else ()
    return Exchange(question, f"{sentence} [1]" if sentence else "", interpreted, quoted)


@pytest.mark.parametrize("question, history, standalone", [
    ("Where were they sent?", [_exchange(OPERATIVES, EXPULSION)], "Where were the operatives sent?"),
    ("And who received them?", [_exchange(OPERATIVES, EXPULSION),
                                _exchange("Where were they sent?", SENT, "Where were the operatives sent?")],
     "Who received the detainees?"),
    ("What was he sought for?", [_exchange("Where was Otmane Khalladi captured?", CAPTURED)],
     "What was Otmane Khalladi sought for?"),
    ("Who asked for it?", [_exchange("What law was the transfer executed under?")], "Who asked for the transfer?"),
    ("And its population?", [_exchange("What is the capital of Australia?")], "The capital of Australia’s population?"),
    ("What happened there?", [_exchange("Where was Otmane Khalladi captured?", CAPTURED)],
     "What happened in Playa del Carmen?"),
    ("And Alejandro N?", [_exchange("Where was Otmane Khalladi captured?", CAPTURED)], "Where was Alejandro N captured?"),
    ("What about of France?", [_exchange("What is the capital of Australia?")], "What is the capital of France?"),
])
def test_a_follow_up_is_rewritten_to_stand_alone(question, history, standalone):
    reading = RuleReader()(question, history)
    assert reading.standalone == standalone and reading.interpreted == standalone and reading.context == ""


def test_a_question_that_stands_alone_is_read_as_asked():
    reading = RuleReader()(OPERATIVES, [_exchange("Where was Otmane Khalladi captured?", CAPTURED)])
    assert reading == Interpretation(OPERATIVES, OPERATIVES) and reading.interpreted == ""
    assert RuleReader()("Where were they sent?", []) == Interpretation("Where were they sent?", "Where were they sent?")


def test_this_article_is_the_document_the_last_answer_quoted_and_leans_on_nothing_else():
    reader = RuleReader(title_of=lambda path: "Unprecedented Extraditions" if path == "sources/a.txt" else "")
    reading = reader("What is this article about?", [_exchange("Who is Omar García Harfuch?", "Harfuch said so.")])
    assert reading.standalone == "What is the article “Unprecedented Extraditions” about?"
    assert reading.context == "" and reading.quoted == frozenset()
    untitled = RuleReader()("What is this article about?", [_exchange("Who is Omar García Harfuch?", "Harfuch said so.")])
    assert untitled == Interpretation("What is this article about?", "What is this article about?")


def test_what_cannot_be_rewritten_leans_on_the_question_before():
    reading = RuleReader()("Why?", [_exchange("Where was Otmane Khalladi captured?", CAPTURED)])
    assert reading.standalone == "Why?" and reading.context == "Where was Otmane Khalladi captured?"
    assert reading.interpreted == "Why? (following “Where was Otmane Khalladi captured?”)"


def test_the_answer_a_follow_up_leans_on_is_not_quoted_again_unless_it_says_what_is_new():
    sought = "He was sought in the United States for electronic fraud."
    history = [Exchange("What was Otmane Khalladi sought for?", f"{CAPTURED} [1] {sought} [2]", "",
                        (Quote("a", 0, len(CAPTURED), CAPTURED), Quote("a", 200, 200 + len(sought), sought)))]
    # "captured" is what the follow-up adds, and the first quote says it: that one may be quoted again.
    assert RuleReader()("and where was he captured?", history).quoted == frozenset({("a", 200)})
    assert RuleReader()("What was he sought for?", [_exchange("Where was Otmane Khalladi captured?", CAPTURED)]) \
        .quoted == frozenset({("sources/a.txt", 100)})


def test_exchanges_come_from_answers_their_json_or_bare_questions(sample_assistant):
    answer = sample_assistant.ask(OPERATIVES)
    assert Exchange.of(answer) == Exchange.of(answer.to_dict()) != Exchange.of(OPERATIVES)
    assert Exchange.of(answer).quoted[0] == Quote(answer.citations[0].path, answer.citations[0].start,
                                                  answer.citations[0].end, answer.citations[0].quote)
    assert Exchange.of(OPERATIVES) == Exchange(OPERATIVES)


def _conversation(assistant, *questions: str) -> list:
    answers = []
    for question in questions:
        answers.append(assistant.ask(question, answers))
    return answers


def _quotes(answer) -> set[tuple[str, int]]:
    return {(c.path, c.start) for c in answer.citations}


def test_the_issues_follow_ups_find_what_they_refer_to_and_never_repeat(sample_assistant):
    first, sent, received = _conversation(sample_assistant, OPERATIVES, "Where were they sent?", "And who received them?")
    assert sent.interpreted == "Where were the operatives sent?" and "Washington" in sent.answer
    assert not _quotes(first) & _quotes(sent)
    assert received.interpreted == "Who received the detainees?" and not received.abstained
    assert "handed over to U.S. authorities" in received.answer and not _quotes(sent) & _quotes(received)

    harfuch, about = _conversation(sample_assistant, "Who is Omar García Harfuch?", "What is this article about?")
    assert "Harfuch" not in about.answer and "Unprecedented Extraditions" in about.interpreted

    captured, sought = _conversation(sample_assistant, "Where was Otmane Khalladi captured?", "What was he sought for?")
    assert sought.interpreted == "What was Otmane Khalladi sought for?"
    assert sought.answer.startswith("He was sought in the United States for electronic fraud") \
        and not _quotes(captured) & _quotes(sought)


def test_the_answer_json_grows_an_interpreted_field_only_for_a_follow_up(sample_assistant):
    alone = sample_assistant.ask(OPERATIVES).to_dict()
    assert "interpreted" not in alone
    follow_up = sample_assistant.ask("Where were they sent?", [alone]).to_dict()
    assert follow_up["interpreted"] == "Where were the operatives sent?"
    assert follow_up["question"] == "Where were they sent?"
