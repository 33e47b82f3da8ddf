"""The web chat's programmatic side: /ask over gradio_client, 20 concurrent sessions, binding and auth."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from footnote.cli import main
from ui_server import SAMPLE_QUESTION, UNANSWERABLE, running_app

pytestmark = pytest.mark.timeout(300)
# Two conversations whose follow-ups mean different things: a session that saw the other
# conversation's history would get a different answer (and a different export).
CONVERSATIONS = [
    [SAMPLE_QUESTION, "Where were they sent?"],
    ["What law was the transfer executed under?", "Who asked for it?"],
    [UNANSWERABLE, "And its population?"],
]
CLIENTS = 20


@pytest.fixture(scope="module")
def app(tmp_path_factory, models_dir):
    with running_app(tmp_path_factory.mktemp("webapi"), models_dir) as running:
        yield running


def _client(url: str, **kwargs):
    from gradio_client import Client

    return Client(url, verbose=False, download_files=False, **kwargs)


def _comparable(answer: dict) -> dict:
    return {key: value for key, value in answer.items() if key != "timings_ms"}


def test_ask_returns_the_answer_json(app):
    client = _client(app.url)
    assert "/ask" in client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    answer = client.predict(SAMPLE_QUESTION, api_name="/ask")
    assert "37" in answer["answer"] and not answer["abstained"]
    document = app.assistant.corpus.document(answer["citations"][0]["path"])
    for citation in answer["citations"]:
        assert f"[{citation['n']}]" in answer["answer"]
        assert document.text[citation["start"]:citation["end"]] == citation["quote"]
    assert _comparable(answer) == _comparable(app.assistant.ask(SAMPLE_QUESTION).to_dict())
    short = client.predict(SAMPLE_QUESTION, 5, 1, api_name="/ask")
    assert len(short["citations"]) == 1


def test_ask_rejects_an_empty_question_with_a_reason(app):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="empty"):
        _client(app.url).predict("   ", api_name="/ask")


def test_twenty_concurrent_conversations_stay_separate(app):
    expected = {}
    for conversation in CONVERSATIONS:
        asked = []
        for question in conversation:
            answer = app.assistant.ask(question, asked)
            expected[(conversation[0], question)] = _comparable(answer.to_dict())
            asked.append(answer)

    def converse(index: int) -> tuple[list[str], list[dict], str]:
        conversation = CONVERSATIONS[index % len(CONVERSATIONS)]
        client = _client(app.url)  # one client = one session = one conversation
        answers = [client.predict(question, api_name="/ask") for question in conversation]
        return conversation, answers, client.predict(api_name="/export_markdown")

    with ThreadPoolExecutor(CLIENTS) as pool:
        results = list(pool.map(converse, range(CLIENTS)))

    assert len(results) == CLIENTS
    for conversation, answers, markdown in results:
        for question, answer in zip(conversation, answers):
            assert _comparable(answer) == expected[(conversation[0], question)], question
        others = {q for c in CONVERSATIONS if c is not conversation for q in c}
        assert markdown.count("\n## ") == len(conversation)
        assert not any(f"## {q}" in markdown for q in others), "history leaked between sessions"


def test_new_chat_forgets_the_session_history(app):
    client = _client(app.url)
    client.predict(SAMPLE_QUESTION, api_name="/ask")
    client.predict(api_name="/new_chat")
    follow_up = client.predict("Where were they sent?", api_name="/ask")
    assert _comparable(follow_up) == _comparable(app.assistant.ask("Where were they sent?").to_dict())
    assert client.predict(api_name="/export_markdown").count("\n## ") == 1


def test_documents_endpoint_lists_the_index(app):
    listing = _client(app.url).predict(api_name="/documents")
    assert [d["path"].rsplit("/", 1)[-1] for d in listing["documents"]] == ["000_c12f4e3d27157f56.txt"]
    assert listing["failures"] == []


def test_non_loopback_host_without_auth_is_refused(tmp_path, capsys):
    from assistant.settings import Settings
    from ui.app import serve

    settings = Settings().replace(data_dir=tmp_path / "data", host="0.0.0.0")
    with pytest.raises(ValueError, match="FOOTNOTE_AUTH"):
        serve(object(), settings)  # refused before the assistant is touched
    assert main(["serve", "--host", "0.0.0.0", "--data-dir", str(tmp_path / "data")]) == 2
    assert "FOOTNOTE_AUTH" in capsys.readouterr().err


def test_auth_is_required_when_set(tmp_path, models_dir):
    with running_app(tmp_path, models_dir, auth="reader:s3cret") as running:
        with pytest.raises(Exception):
            _client(running.url).predict(SAMPLE_QUESTION, api_name="/ask")
        answer = _client(running.url, auth=("reader", "s3cret")).predict(SAMPLE_QUESTION, api_name="/ask")
        assert "37" in answer["answer"]


def test_the_server_answers_from_an_ingest_another_process_made(tmp_path, models_dir, footnote):
    question = "What is the Footnote test pangolin called?"
    with running_app(tmp_path, models_dir) as running:  # data in tmp_path/data, as the footnote fixture's
        client = _client(running.url)
        assert "Ada" not in client.predict(question, api_name="/ask")["answer"]
        more = tmp_path / "more"
        more.mkdir()
        (more / "pangolin.txt").write_text("The Footnote test pangolin is called Ada.\n"
                                           "Ada lives in the botanical garden of Valparaiso.\n")
        assert footnote("ingest", str(more)).returncode == 0  # another process, the same data folder
        answer = client.predict(question, api_name="/ask")
        assert "Ada" in answer["answer"] and answer["citations"][0]["path"] == "more/pangolin.txt"
        listing = client.predict(api_name="/documents")["documents"]
        assert "more/pangolin.txt" in [d["path"] for d in listing]
