"""Footnote as an OpenAI-compatible model: GET /v1/models and POST /v1/chat/completions (streamed or not) on the
web server, so Open WebUI, AnythingLLM, LibreChat or the `openai` client can ask the documents.

The reply text carries the [n] markers and a Sources block; the structured citations travel in the extra field
`footnote` (the Answer JSON). FOOTNOTE_AUTH's user:password is the bearer token when it is set.
"""

import hmac
import json
import time
import uuid
from collections.abc import Iterator

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse

from assistant.answer import Answer, marked_text
from assistant.followup import Exchange
from assistant.pipeline import Assistant, QuestionError
from assistant.settings import Settings, UsageError

from ui.server import parse_auth

QUOTE_MODEL, GENERATE_MODEL = "footnote", "footnote-generate"


def add_routes(app: FastAPI, assistant: Assistant, settings: Settings) -> None:
    """Serve the two endpoints on the web chat's own server (call once it is launched)."""
    tokens = [f"{user}:{password}" for user, password in parse_auth(settings.auth) or []]
    created = int(time.time())

    def models(request: Request) -> JSONResponse:
        refused = _refused(request, tokens)
        if refused:
            return refused
        names = [QUOTE_MODEL] + ([GENERATE_MODEL] if settings.llm_url else [])
        return JSONResponse({"object": "list", "data": [
            {"id": name, "object": "model", "created": created, "owned_by": "footnote"} for name in names]})

    def chat_completions(request: Request, body: dict) -> JSONResponse | StreamingResponse:
        refused = _refused(request, tokens)
        if refused:
            return refused
        try:
            question, history, mode = _request(body, bool(settings.llm_url))
            answer = assistant.ask(question, history, mode=mode)
        except (QuestionError, UsageError) as error:
            return _error(400, str(error), "invalid_request_error")
        reply = Reply(f"chatcmpl-{uuid.uuid4().hex[:24]}", created, str(body.get("model") or QUOTE_MODEL), answer)
        if body.get("stream"):
            return StreamingResponse(reply.chunks(), media_type="text/event-stream")
        return JSONResponse(reply.completion())

    app.add_api_route("/v1/models", models, methods=["GET"], response_model=None)
    app.add_api_route("/v1/chat/completions", chat_completions, methods=["POST"], response_model=None)


class Reply:
    """One answer in the shapes of the OpenAI chat API: a completion, or its stream of chunks."""

    def __init__(self, id: str, created: int, model: str, answer: Answer) -> None:
        self.id, self.created, self.model, self.answer = id, created, model, answer

    @property
    def text(self) -> str:
        """The answer with its markers, then a Sources block: file, location and quote of each [n]."""
        return reply_text(self.answer)

    def completion(self) -> dict:
        """The non-streamed reply, with the Answer JSON as `footnote`."""
        return {**self._head("chat.completion"), "footnote": self.answer.to_dict(),
                "choices": [{"index": 0, "message": {"role": "assistant", "content": self.text},
                             "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}}

    def chunks(self) -> Iterator[str]:
        """Server-sent events: the role, the text a line at a time, then the stop with the Answer JSON."""
        yield _event(self._chunk({"role": "assistant", "content": ""}))
        for line in self.text.splitlines(keepends=True):
            yield _event(self._chunk({"content": line}))
        yield _event({**self._chunk({}, "stop"), "footnote": self.answer.to_dict()})
        yield "data: [DONE]\n\n"

    def _chunk(self, delta: dict, finish: str | None = None) -> dict:
        return {**self._head("chat.completion.chunk"),
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

    def _head(self, kind: str) -> dict:
        return {"id": self.id, "object": kind, "created": self.created, "model": self.model}


def reply_text(answer: Answer) -> str:
    """What a chat client shows: the answer (a note under it), then "Sources:" with one line per citation."""
    text = marked_text(answer.mode, answer.answer, answer.sentences)
    lines = [text] + ([f"({answer.note})"] if answer.note else [])
    if answer.citations:
        lines += ["", "Sources:"] + [f"[{c.n}] {c.path}{f', {c.location}' if c.location else ''}: “{c.quote}”"
                                     for c in answer.citations]
    return "\n".join(lines)


def _request(body: dict, generating: bool) -> tuple[str, list[Exchange], str]:
    """The last user message as the question, earlier user/assistant pairs as the conversation, and the mode."""
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise UsageError("messages must be a non-empty list")
    asked = [(m.get("role"), _content(m.get("content"))) for m in messages if isinstance(m, dict)]
    if not asked or asked[-1][0] != "user":
        raise UsageError("the last message must be the user's question")
    history, question = [], None
    for role, content in asked[:-1]:
        if role == "user":
            question = content
            history.append(Exchange(content))
        elif role == "assistant" and question is not None:
            history[-1] = Exchange(question, _without_sources(content))
    model = str(body.get("model") or QUOTE_MODEL)
    if model == GENERATE_MODEL and not generating:
        raise UsageError(f"model {GENERATE_MODEL} needs a language model: the server has no llm_url set")
    return asked[-1][1], history, "generate" if model == GENERATE_MODEL else "quote"


def _content(content) -> str:
    """A message's text, also from the list-of-parts form clients send."""
    if isinstance(content, list):
        return " ".join(part.get("text", "") for part in content if isinstance(part, dict))
    return content if isinstance(content, str) else ""


def _without_sources(reply: str) -> str:
    """An earlier reply of ours as the follow-up reader wants it: the answer, not the Sources block."""
    return reply.split("\n\nSources:\n", 1)[0]


def _refused(request: Request, tokens: list[str]) -> JSONResponse | None:
    """401 unless the bearer token is one of FOOTNOTE_AUTH's user:password pairs (when it is set)."""
    if not tokens:
        return None
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and any(hmac.compare_digest(given.strip().encode(), token.encode()) for token in tokens):
        return None
    return _error(401, "a bearer token is required: FOOTNOTE_AUTH's user:password", "invalid_api_key")


def _error(status: int, message: str, code: str) -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": code, "code": code}}, status_code=status)


def _event(data: dict) -> str:
    return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"
