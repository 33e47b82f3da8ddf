"""The official `openai` client against Footnote's own /v1 endpoints: streamed and not, with and without
FOOTNOTE_AUTH as the bearer token, quoting and (through a real llama.cpp server) generating."""

import httpx
import openai
import pytest

from llm_server import ALIAS
from ui_server import SAMPLE_QUESTION, running_app

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def app(tmp_path_factory, models_dir, llm_server):
    with running_app(tmp_path_factory.mktemp("openai"), models_dir, auth="ann:pw1,bob:pw2", llm_url=llm_server.url,
                     llm_model=ALIAS) as running:
        yield running


def _client(app, key: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{app.url}v1", api_key=key, max_retries=0)


def _resolves(app, citations: list[dict]) -> None:
    assert citations
    for c in citations:
        assert app.assistant.document(c["path"]).text[c["start"]:c["end"]] == c["quote"]


def test_models_and_a_quoted_answer_with_its_sources(app):
    client = _client(app, "ann:pw1")
    assert [m.id for m in client.models.list()] == ["footnote", "footnote-generate"]
    reply = client.chat.completions.create(model="footnote", messages=[{"role": "user", "content": SAMPLE_QUESTION}])
    text = reply.choices[0].message.content
    answer = reply.model_extra["footnote"]
    assert text.startswith(answer["answer"]) and "\n\nSources:\n[1] " in text
    assert "37 operatives" in text and reply.choices[0].finish_reason == "stop"
    _resolves(app, answer["citations"])
    for c in answer["citations"]:
        assert f"[{c['n']}] {c['path']}" in text and c["quote"] in text


def test_streamed_follow_up_carries_the_conversation_and_the_answer_json_last(app):
    client = _client(app, "bob:pw2")
    first = client.chat.completions.create(model="footnote", messages=[{"role": "user", "content": SAMPLE_QUESTION}])
    stream = client.chat.completions.create(model="footnote", stream=True, messages=[
        {"role": "user", "content": SAMPLE_QUESTION},
        {"role": "assistant", "content": first.choices[0].message.content},
        {"role": "user", "content": "Where were they sent?"}])
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    answer = chunks[-1].model_extra["footnote"]
    assert len(chunks) > 3 and chunks[-1].choices[0].finish_reason == "stop"
    assert answer["interpreted"] == "Where were the operatives sent?"
    assert text.startswith(answer["answer"]) and "Sources:" in text
    _resolves(app, answer["citations"])


def test_generated_answers_through_the_real_model_stream_and_not(app):
    client = _client(app, "ann:pw1")
    question = [{"role": "user", "content": "Where was Otmane Khalladi captured?"}]
    reply = client.chat.completions.create(model="footnote-generate", messages=question)
    answer = reply.model_extra["footnote"]
    assert answer["mode"] == "generate" and answer["sentences"]
    for sentence in answer["sentences"]:
        marked = "" if sentence["supported"] else " (not found in the documents)"
        assert sentence["text"] + "".join(f" [{n}]" for n in sentence["citations"]) + marked \
            in reply.choices[0].message.content
    chunks = list(client.chat.completions.create(model="footnote-generate", messages=question, stream=True))
    assert chunks[-1].model_extra["footnote"]["mode"] == "generate"


def test_without_the_right_bearer_token_nothing_is_answered(app):
    for key in ("wrong", "ann:pw2", "ann"):
        with pytest.raises(openai.AuthenticationError):
            _client(app, key).chat.completions.create(model="footnote",
                                                      messages=[{"role": "user", "content": SAMPLE_QUESTION}])
    assert httpx.get(f"{app.url}v1/models").status_code == 401
    bad = httpx.post(f"{app.url}v1/chat/completions", headers={"Authorization": "Bearer ann:pw1"},
                     json={"model": "footnote", "messages": [{"role": "system", "content": "hi"}]})
    assert bad.status_code == 400 and "user's question" in bad.json()["error"]["message"]


def test_without_auth_the_api_is_open_on_loopback_and_generate_needs_a_model(tmp_path, models_dir):
    with running_app(tmp_path, models_dir) as plain:
        client = _client(plain, "anything")
        assert [m.id for m in client.models.list()] == ["footnote"]
        reply = client.chat.completions.create(model="footnote",
                                               messages=[{"role": "user", "content": SAMPLE_QUESTION}])
        assert "[1]" in reply.choices[0].message.content
        with pytest.raises(openai.BadRequestError, match="needs a language model"):
            client.chat.completions.create(model="footnote-generate",
                                           messages=[{"role": "user", "content": SAMPLE_QUESTION}])
