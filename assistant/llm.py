"""A client for any OpenAI-compatible chat server (Ollama, llama.cpp, vLLM, LM Studio, OpenAI): streamed replies,
and every failure turned into one LLMError whose message says why in one line."""

import json
import threading
from collections.abc import Iterator, Sequence

import httpx

from assistant.settings import Settings

Message = dict[str, str]  # {"role": "system" | "user" | "assistant", "content": "…"}


class LLMError(Exception):
    """The model could not answer: server down, unknown model, timeout, an empty or malformed reply."""


class ChatModel:
    """One model on one OpenAI-compatible server; safe to share between threads.

    >>> model = ChatModel("http://localhost:11434/v1", "llama3.2")
    >>> "".join(model.stream([{"role": "user", "content": "Say hi"}]))
    'Hi!'

    The API key travels only in the Authorization header; it is never part of a message, a log line or an error.
    """

    def __init__(self, url: str, model: str | None = None, api_key: str | None = None, timeout: float = 60.0) -> None:
        self.url = url.rstrip("/")
        self._wanted = model
        self._name: str | None = None
        self._naming = threading.Lock()
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = httpx.Client(base_url=self.url, headers=headers, timeout=httpx.Timeout(timeout))
        self.timeout = timeout

    @classmethod
    def from_settings(cls, settings: Settings) -> "ChatModel":
        """The model the settings name (llm_url is set)."""
        return cls(settings.llm_url, settings.llm_model, settings.api_key(), settings.llm_timeout)

    @property
    def name(self) -> str:
        """The model's name: llm_model when the server lists it, else the server's first model."""
        with self._naming:
            if self._name is None:
                self._name = self._resolve()
        return self._name

    def models(self) -> list[str]:
        """The ids the server lists under /models."""
        reply = self._request("GET", "/models")
        try:
            return [str(entry["id"]) for entry in reply.json()["data"]]
        except (ValueError, KeyError, TypeError) as error:
            raise LLMError(f"the model server at {self.url} sent a malformed model list") from error

    def stream(self, messages: Sequence[Message], max_tokens: int = 512, temperature: float = 0.0) -> Iterator[str]:
        """The reply, piece by piece as the server streams it; LLMError on any failure, even mid-reply."""
        body = {"model": self.name, "messages": list(messages), "stream": True, "max_tokens": max_tokens,
                "temperature": temperature}
        try:
            with self._http.stream("POST", "/chat/completions", json=body) as reply:
                if reply.status_code != 200:
                    reply.read()
                    raise LLMError(self._refusal(reply))
                if reply.headers.get("content-type", "").startswith("application/json"):
                    yield _whole(reply.read())  # a server that does not stream sends the reply at once
                    return
                for line in reply.iter_lines():
                    piece = _delta(line)
                    if piece is None:
                        return
                    if piece:
                        yield piece
        except httpx.HTTPError as error:
            raise LLMError(self._unreachable(error)) from error

    def complete(self, messages: Sequence[Message], max_tokens: int = 512, temperature: float = 0.0) -> str:
        """The whole reply as one string; LLMError when it is empty."""
        text = "".join(self.stream(messages, max_tokens, temperature)).strip()
        if not text:
            raise LLMError(f"the model {self.name} sent an empty reply")
        return text

    def close(self) -> None:
        """Close the connections."""
        self._http.close()

    def _resolve(self) -> str:
        listed = self.models()
        if self._wanted and self._wanted in listed:
            return self._wanted
        if self._wanted:
            offered = ", ".join(listed[:5]) or "none"
            raise LLMError(f"the model server at {self.url} has no model {self._wanted!r} (it has: {offered})")
        if not listed:
            raise LLMError(f"the model server at {self.url} lists no model; set llm_model")
        return listed[0]

    def _request(self, method: str, path: str) -> httpx.Response:
        try:
            reply = self._http.request(method, path)
        except httpx.HTTPError as error:
            raise LLMError(self._unreachable(error)) from error
        if reply.status_code != 200:
            raise LLMError(self._refusal(reply))
        return reply

    def _unreachable(self, error: httpx.HTTPError) -> str:
        if isinstance(error, httpx.TimeoutException):
            return f"the model server at {self.url} did not answer within {self.timeout:g} s"
        if isinstance(error, httpx.ConnectError):
            return f"the model server at {self.url} is not reachable"
        return f"the connection to the model server at {self.url} broke off ({type(error).__name__})"

    def _refusal(self, reply: httpx.Response) -> str:
        if reply.status_code in (401, 403):
            return f"the model server at {self.url} refused the API key (HTTP {reply.status_code})"
        return f"the model server at {self.url} answered HTTP {reply.status_code}: {_error_text(reply)}"


def _delta(line: str) -> str | None:
    """The text one server-sent line adds ('' for none); None at the end of the stream."""
    line = line.strip()
    if not line.startswith("data:"):
        return ""
    data = line[len("data:"):].strip()
    if data == "[DONE]":
        return None
    try:
        event = json.loads(data)
        if "error" in event:
            raise LLMError(f"the model failed mid-answer: {_short(str(event['error']))}")
        choices = event.get("choices") or [{}]
        return (choices[0].get("delta") or {}).get("content") or ""
    except (ValueError, AttributeError, TypeError) as error:
        raise LLMError("the model server sent a malformed reply") from error


def _whole(body: bytes) -> str:
    """The text of a non-streamed chat completion."""
    try:
        return json.loads(body)["choices"][0]["message"]["content"] or ""
    except (ValueError, KeyError, IndexError, TypeError) as error:
        raise LLMError("the model server sent a malformed reply") from error


def _error_text(reply: httpx.Response) -> str:
    """The server's own error message, shortened to one line."""
    try:
        error = reply.json().get("error", reply.text)
        message = error.get("message", str(error)) if isinstance(error, dict) else str(error)
    except (ValueError, AttributeError):
        message = reply.text
    return _short(message) or reply.reason_phrase


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"
