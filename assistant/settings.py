"""The one typed settings object: defaults ← FOOTNOTE_* environment variables ← command-line flags."""

import dataclasses
import os
from dataclasses import dataclass, field, fields
from pathlib import Path

FUSIONS = ("learned", "mix")  # how HybridRetriever combines dense and keyword candidates
ANSWER_MODES = ("quote", "generate")  # quotes only, or a language model's answer checked sentence by sentence
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off", "")


class UsageError(ValueError):
    """A problem the user can fix (a bad setting, question or path): exit code 2, one-line reason."""


def _setting(default, help: str, secret: bool = False, **extra):
    # A secret never appears in a repr, a log, an export or a run's recorded settings.
    return field(default=default, repr=not secret, metadata={"help": help, "secret": secret, **extra})


@dataclass(frozen=True)
class Settings:
    """Every knob Footnote has, each documented; `footnote --help` and docs/configuration.md list them."""

    data_dir: Path = _setting(Path(".footnote"), "Folder for the index, catalog and exported models.")
    models_dir: Path | None = _setting(None, "Where the ONNX export of the embedding model is cached; unset = data_dir/models.")
    sources: Path = _setting(Path("sources"), "Folder that `footnote ingest` and `make run` index by default.")
    collection: str = _setting("footnote", "Name prefix of the Chroma collection (model and chunking are appended).")
    chroma_host: str | None = _setting(None, "Chroma server host; unset = embedded Chroma under data_dir.")
    chroma_port: int = _setting(8000, "Chroma server port (with chroma_host).")
    precision: str = _setting("int8", "Embedding precision: int8 or fp32 (ONNX Runtime), or torch (sentence-transformers).",
                              choices=("int8", "fp32", "torch"))
    threads: int = _setting(0, "CPU threads for embedding; 0 = all cores. The web server uses 1 per query.")
    chunk_tokens: int = _setting(200, "Largest chunk, in word-pieces (the model reads at most 256).")
    chunk_overlap: int = _setting(1, "Sentences shared by neighbouring chunks.")
    candidates: int = _setting(30, "Chunks each retriever (dense, keyword) proposes before fusion.")
    fusion: str = _setting("learned", "How dense and BM25 candidates are combined: learned (a small trained ranker over "
                           "dense, sentence and keyword evidence) or mix (min-max score mixing).", choices=FUSIONS)
    keyword_weight: float = _setting(0.3, "With fusion=mix: weight of the BM25 score in the fused score (dense gets the rest).")
    top_k: int = _setting(5, "Passages the answerer reads and the answer shows.")
    max_sentences: int = _setting(2, "Most sentences quoted in one answer.")
    abstain_threshold: float = _setting(0.25, "Abstain when the learned probability that the documents answer is below this "
                                        "(raise it to abstain more, at the cost of declining answerable questions); "
                                        "a compound question of over 25 words is held to three quarters of it.")
    verify_threshold: float = _setting(0.03, "The verifier reads the leading sentences with the question (and "
                                       "quotes one it reads far better than the first pass's choice); decline when "
                                       "even its best answers with less probability than this (0 = no second "
                                       "reading; it reads questions of at most 25 words, not yes/no questions or "
                                       "claims).")
    max_question_chars: int = _setting(2000, "Longest question accepted, in characters.")
    host: str = _setting("127.0.0.1", "Address the web chat binds to.")
    port: int = _setting(7860, "Port of the web chat.")
    auth: str | None = _setting(None, "user:password required by the web chat (several users, each with their own "
                                "conversations: ann:pw1,bob:pw2); mandatory when host is not loopback. The "
                                "OpenAI-compatible API takes it as its bearer token.", secret=True)
    max_upload_mb: int = _setting(20, "Largest file the web chat accepts as an upload.")
    answer_mode: str = _setting("quote", "quote: answers are quoted sentences; generate: a language model (llm_url) "
                                "writes the answer and every sentence is checked against the documents.",
                                choices=ANSWER_MODES)
    llm_url: str | None = _setting(None, "Base URL of an OpenAI-compatible server (Ollama: http://localhost:11434/v1, "
                                   "llama.cpp: http://localhost:8080/v1); unset = no model, quotes only.")
    llm_model: str | None = _setting(None, "Model name the server knows (e.g. llama3.2); unset = the server's first.")
    llm_api_key: str | None = _setting(None, "API key sent to llm_url as a bearer token. Prefer the environment "
                                       "variable or llm_api_key_file to the flag (a flag shows in the process list).",
                                       secret=True)
    llm_api_key_file: Path | None = _setting(None, "File whose first line is the API key (instead of llm_api_key).")
    llm_timeout: float = _setting(60.0, "Seconds to wait for the model: to connect, and between two streamed tokens.")
    strict: bool = _setting(False, "In generate mode, drop sentences the documents don't support instead of "
                            "showing them marked.")

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> "Settings":
        """Defaults overridden by FOOTNOTE_<NAME> variables (e.g. FOOTNOTE_TOP_K=8)."""
        environ = os.environ if environ is None else environ
        values = {f.name: environ[env_name(f.name)] for f in fields(cls) if env_name(f.name) in environ}
        return cls().replace(**values)

    def replace(self, **values) -> "Settings":
        """A copy with some settings changed; strings are converted to each field's type."""
        kinds = {f.name: f.type for f in fields(self)}
        unknown = set(values) - set(kinds)
        if unknown:
            raise UsageError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        converted = {name: _convert(name, kinds[name], value) for name, value in values.items()}
        updated = dataclasses.replace(self, **converted)
        updated.validate()
        return updated

    def validate(self) -> None:
        """Raise UsageError with a one-line reason for settings that can't work."""
        for f in fields(self):
            choices = f.metadata.get("choices")
            if choices and getattr(self, f.name) not in choices:
                raise UsageError(f"{f.name} must be one of {', '.join(choices)}")
        if not 16 <= self.chunk_tokens <= 250:
            raise UsageError("chunk_tokens must be between 16 and 250 (the model reads 256 word-pieces)")
        if not 0.0 <= self.keyword_weight <= 1.0:
            raise UsageError("keyword_weight must be between 0 and 1")
        if self.top_k < 1 or self.candidates < self.top_k or self.max_sentences < 1:
            raise UsageError("top_k and max_sentences must be at least 1, and candidates at least top_k")
        if not 0.0 <= self.verify_threshold < 1.0:
            raise UsageError("verify_threshold must be at least 0 and below 1")
        if self.llm_timeout <= 0:
            raise UsageError("llm_timeout must be a positive number of seconds")

    def api_key(self) -> str | None:
        """The key for llm_url: llm_api_key, else the first line of llm_api_key_file; UsageError when unreadable."""
        if self.llm_api_key or not self.llm_api_key_file:
            return self.llm_api_key
        try:
            lines = self.llm_api_key_file.read_text(encoding="utf-8").splitlines()
        except OSError as error:
            raise UsageError(f"can't read llm_api_key_file {self.llm_api_key_file}: {error.strerror}") from error
        return lines[0].strip() if lines and lines[0].strip() else None

    def public(self) -> dict:
        """Every setting but the secrets, JSON-ready (what an eval run records)."""
        return {f.name: str(v) if isinstance(v := getattr(self, f.name), Path) else v
                for f in fields(self) if not f.metadata["secret"]}


def env_name(name: str) -> str:
    """Environment variable of a setting."""
    return f"FOOTNOTE_{name.upper()}"


def _convert(name: str, kind, value):
    if not isinstance(value, str):
        return value
    text = value.strip()
    if "None" in str(kind) and text in ("", "none"):
        return None
    if "bool" in str(kind):
        return _boolean(name, text)
    try:
        if "Path" in str(kind):
            return Path(text)
        if "int" in str(kind):
            return int(text)
        if "float" in str(kind):
            return float(text)
    except ValueError as error:
        raise UsageError(f"{name} must be a number, not {value!r}") from error
    return text


def _boolean(name: str, text: str) -> bool:
    if text.lower() in _TRUE + _FALSE:
        return text.lower() in _TRUE
    raise UsageError(f"{name} must be true or false, not {text!r}")
