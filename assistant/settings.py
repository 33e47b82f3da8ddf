"""The one typed settings object: defaults ← FOOTNOTE_* environment variables ← command-line flags."""

import dataclasses
import os
from dataclasses import dataclass, field, fields
from pathlib import Path

FUSIONS = ("learned", "mix")  # how HybridRetriever combines dense and keyword candidates


class UsageError(ValueError):
    """A problem the user can fix (a bad setting, question or path): exit code 2, one-line reason."""


def _setting(default, help: str, **extra):
    return field(default=default, metadata={"help": help, **extra})


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
                                        "(raise it to abstain more, at the cost of declining answerable questions).")
    max_question_chars: int = _setting(2000, "Longest question accepted, in characters.")
    host: str = _setting("127.0.0.1", "Address the web chat binds to.")
    port: int = _setting(7860, "Port of the web chat.")
    auth: str | None = _setting(None, "user:password required by the web chat (several users, each with their own "
                                "conversations: ann:pw1,bob:pw2); mandatory when host is not loopback.")
    max_upload_mb: int = _setting(20, "Largest file the web chat accepts as an upload.")

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


def env_name(name: str) -> str:
    """Environment variable of a setting."""
    return f"FOOTNOTE_{name.upper()}"


def _convert(name: str, kind, value):
    if not isinstance(value, str):
        return value
    text = value.strip()
    if "None" in str(kind) and text in ("", "none"):
        return None
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
