"""Generate mode against a real llama.cpp server (SmolLM2-135M): every sentence cited by a span that resolves
to the source text or marked unsupported; markers checked; every failure falls back to the quotes, saying why."""

import json

import pytest

from assistant.generate import split_answer
from assistant.llm import ChatModel
from assistant.llm_followup import ModelReader
from assistant.followup import Exchange, RuleReader
from tests.llm_server import ALIAS, LlamaServer
from tests.ui_server import SAMPLE_QUESTION, UNANSWERABLE, free_port

QUESTIONS = (SAMPLE_QUESTION, "Where was Otmane Khalladi captured?", "Who coordinated the capture?",
             "Why is the expulsion a turning point?", "Was anyone handed over to the United States?")


@pytest.fixture(scope="module")
def generating(sample_assistant, llm_server):
    """The sample article's assistant, its settings pointed at the real server (answers default to quotes)."""
    return _pointed(sample_assistant, llm_url=llm_server.url, llm_model=ALIAS)


def _pointed(assistant, **settings):
    from assistant.pipeline import Assistant

    pointed = Assistant(assistant.settings.replace(**settings))
    pointed._corpus, pointed._term_vectors, pointed._answerer = (assistant.corpus, assistant.term_vectors,
                                                                 assistant.answerer)
    return pointed


def assert_checked(assistant, answer) -> None:
    """Every sentence carries span citations that resolve to the source text, or is marked unsupported."""
    data = answer.to_dict()
    assert data["mode"] == "generate" and data["sentences"], data
    by_n = {c["n"]: c for c in data["citations"]}
    for sentence in data["sentences"]:
        if sentence["supported"]:
            assert sentence["citations"], sentence
            for n in sentence["citations"]:
                cited = by_n[n]
                assert assistant.document(cited["path"]).text[cited["start"]:cited["end"]] == cited["quote"]
                assert f"[{n}]" in data["answer"]
        else:
            assert not sentence["citations"] and sentence["support"] < 0.5, sentence
            assert sentence["text"] in data["answer"]
    assert set(by_n) == {n for s in data["sentences"] for n in s["citations"]}
    assert data["markers_corrected"] == sum(s["corrected"] for s in data["sentences"])


def test_every_generated_sentence_is_cited_by_a_resolving_span_or_marked_unsupported(generating):
    streamed = []
    for question in QUESTIONS:
        answer = generating.ask(question, mode="generate", on_token=streamed.append)
        if answer.abstained:
            continue
        assert not answer.note, answer.note  # no fallback: the model answered
        assert_checked(generating, answer)
        assert {"generate", "verify"} <= set(answer.timings_ms)
    assert len(streamed) > 20  # the tokens arrived one piece at a time


def test_quote_mode_is_unchanged_and_the_abstention_gate_applies_to_generation(generating, sample_assistant):
    quoted = sample_assistant.ask(SAMPLE_QUESTION).to_dict()
    assert quoted["mode"] == "quote" and "sentences" not in quoted and "markers_corrected" not in quoted
    assert set(quoted) == {"mode", "question", "answer", "abstained", "citations", "passages", "timings_ms",
                           "confidence"}
    declined = generating.ask(UNANSWERABLE, mode="generate")
    assert declined.abstained and declined.mode == "quote"


def test_a_marker_naming_the_wrong_passage_is_corrected_and_an_invented_sentence_is_marked(generating):
    quoted = generating.ask(SAMPLE_QUESTION)
    generator, _ = generating.generator
    text = ("Mexico expelled 37 operatives of criminal organizations to the United States [4]. "
            "Mexico expelled 45 operatives to Canada [1]. The operation cost 5 billion dollars [1].")
    answer = generator.check(quoted, text)
    first, swapped, invented = answer.sentences
    assert first["supported"] and first["corrected"] and 4 not in first["holding"]
    assert not swapped["supported"] and not invented["supported"]
    assert answer.answer.startswith("Mexico expelled 37 operatives of criminal organizations to the United States. [1]")
    assert_checked(generating, answer)


def test_strict_drops_unsupported_sentences_and_says_so(generating):
    quoted = generating.ask(SAMPLE_QUESTION)
    strict = _pointed(generating, strict="true")
    generator, _ = strict.generator
    answer = generator.check(quoted, "Mexico expelled 37 operatives to the United States [1]. It cost 5 billion [2].")
    assert [s["text"] for s in answer.sentences] == ["Mexico expelled 37 operatives to the United States."]
    assert "1 sentence the documents don't support left out" in answer.note
    nothing = generator.check(quoted, "The moon is made of 7 cheeses [1].")
    assert nothing.mode == "quote" and "no sentence of the model's answer was found" in nothing.note


@pytest.mark.parametrize("settings, reason", [
    ({"llm_url": "http://127.0.0.1:{port}/v1"}, "is not reachable"),
    ({"llm_model": "no-such-model"}, "has no model 'no-such-model'"),
    ({"llm_timeout": "0.05"}, "did not answer within 0.05 s"),
])
def test_a_failing_model_gives_the_quote_answer_with_one_line_saying_why(generating, settings, reason):
    values = {k: v.format(port=free_port()) for k, v in settings.items()}
    failing = _pointed(generating, **values)
    answer = failing.ask(SAMPLE_QUESTION, mode="generate")
    quoted = generating.ask(SAMPLE_QUESTION)
    assert answer.mode == "quote" and answer.answer == quoted.answer and answer.citations == quoted.citations
    assert answer.note.startswith("Quoted instead of generated: ") and reason in answer.note
    assert "\n" not in answer.note


def test_a_refused_key_and_a_server_stopped_mid_answer_fall_back(generating, tmp_path):
    server = LlamaServer(tmp_path / "keyed.log", api_key="sk-test-123").start()
    try:
        refused = _pointed(generating, llm_url=server.url, llm_api_key="wrong").ask(SAMPLE_QUESTION, mode="generate")
        assert refused.mode == "quote" and "refused the API key" in refused.note
        key_file = tmp_path / "key"
        key_file.write_text("sk-test-123\n")
        keyed = _pointed(generating, llm_url=server.url, llm_api_key_file=str(key_file))
        stopped = []

        def stop_at_first_token(piece: str) -> None:
            stopped.append(piece)
            server.stop()

        answer = keyed.ask(SAMPLE_QUESTION, mode="generate", on_token=stop_at_first_token)
        assert stopped and answer.mode == "quote" and answer.citations
        assert answer.note.startswith("Quoted instead of generated: ") and "sk-test-123" not in answer.note
    finally:
        server.stop()


def test_the_api_key_is_never_shown():
    from assistant.settings import Settings

    settings = Settings().replace(llm_api_key="sk-secret-1", auth="ann:s3cr3t")
    assert "sk-secret-1" not in repr(settings) and "s3cr3t" not in repr(settings)
    assert "llm_api_key" not in settings.public() and "auth" not in settings.public()


def test_a_follow_up_is_rewritten_by_the_model_and_shown_as_interpreted(generating, llm_server):
    first = generating.ask(SAMPLE_QUESTION, mode="generate")
    follow_up = generating.ask("Who carried it out?", [first], mode="generate")
    assert follow_up.interpreted and follow_up.interpreted != "Who carried it out?"
    reader, rules = ModelReader(ChatModel(llm_server.url, ALIAS), RuleReader()), RuleReader()
    history = [Exchange(SAMPLE_QUESTION, generating.ask(SAMPLE_QUESTION).answer)]
    rewritten = reader("Who carried it out?", history)
    assert rewritten.standalone != rules("Who carried it out?", history).standalone  # the model's, not the rules'
    assert rewritten.standalone.endswith("?") and "expulsion" in rewritten.standalone.lower()
    # A rewrite bringing in words nobody used, or none at all, is set aside for the rules' reading.
    assert reader("And when?", history) == rules("And when?", history)


def test_the_model_markers_are_read_from_where_models_put_them():
    assert split_answer("It was 37 [1]. They went to the U.S. [2][3] It was big.[1, 2] [4]") == [
        ("It was 37.", (1,)), ("They went to the U.S.", (2, 3)), ("It was big.", (1, 2, 4))]
    assert split_answer("First. [1] Second [2].") == [("First.", (1,)), ("Second.", (2,))]


def test_the_command_line_generates_marks_and_falls_back(footnote, sources, llm_server):
    assert footnote("ingest", str(sources)).returncode == 0
    without = footnote("ask", "--generate", SAMPLE_QUESTION)
    assert without.returncode == 2 and "needs a model: set llm_url" in without.stderr
    model = {"FOOTNOTE_LLM_URL": llm_server.url, "FOOTNOTE_LLM_MODEL": ALIAS}
    answer = json.loads(footnote("ask", "--generate", "--json", SAMPLE_QUESTION, **model).stdout)
    assert answer["mode"] == "generate" and answer["sentences"]
    chat = footnote("chat", "--generate", stdin=f"{SAMPLE_QUESTION}\nWhere were they sent?\n", **model)
    assert chat.returncode == 0 and chat.stdout.count("(interpreted as: ") == 1
    down = footnote("ask", "--generate", SAMPLE_QUESTION, FOOTNOTE_LLM_URL=f"http://127.0.0.1:{free_port()}/v1")
    assert down.returncode == 0 and "37 operatives" in down.stdout
    assert "(Quoted instead of generated: the model server at " in down.stdout


def test_eval_generate_scores_the_checked_sentences_and_reports_unsupported_ones_in_red(footnote, sources, llm_server,
                                                                                       tmp_path):
    assert footnote("ingest", str(sources)).returncode == 0
    run = footnote("eval", "evals/sets/sample.jsonl", "--generate", "--limit", "3", "--json", "--out",
                   str(tmp_path / "run"), FOOTNOTE_LLM_URL=llm_server.url, FOOTNOTE_LLM_MODEL=ALIAS,
                   FOOTNOTE_LLM_API_KEY="sk-never-written")
    assert run.returncode == 0, run.stderr
    metrics = json.loads(run.stdout)
    assert metrics["generated"] == 1.0 and 0.0 <= metrics["unsupported_rate"] <= 1.0
    results = [json.loads(line) for line in (tmp_path / "run" / "results.jsonl").read_text().splitlines()]
    checked = [s for r in results if r["answer"]["mode"] == "generate" for s in r["answer"]["sentences"]]
    unsupported = [s["text"] for s in checked if not s["supported"]]
    assert "alce_citation_recall" in metrics
    # The correction rate is over supported sentences: the tiny model may write none.
    assert ("marker_correction_rate" in metrics) == (len(unsupported) < len(checked))
    report = (tmp_path / "run" / "report.html").read_text()
    assert report.count("<span class=unsupported") == len(unsupported)
    assert "llm_url" in (tmp_path / "run" / "run.json").read_text()
    for written in (tmp_path / "run").iterdir():
        assert "sk-never-written" not in written.read_text(), written.name
