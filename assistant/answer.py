"""The Answer contract (docs/how-it-works.md): answer text with [n] markers and the exact spans they cite."""

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

ABSTAIN_TEXT = "The documents don't answer this."
NOT_FOUND = "not found in the documents"  # what a generated sentence no source sentence supports is marked with
_MARKER = re.compile(r"\s*\[\d+\]")


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with its fused score, the raw scores behind it, and its sentences (spans into
    the document, and their unit vectors) for the answerer, which then reads nothing again."""

    chunk_id: str
    path: str
    start: int
    end: int
    text: str
    score: float
    dense: float = 0.0
    keyword: float = 0.0
    sentences: tuple[tuple[int, int], ...] = ()
    sentence_vectors: np.ndarray | None = field(default=None, compare=False, repr=False)
    title: str = ""  # of its document, when the document has one

    def sentence_texts(self) -> list[str]:
        """The text of each sentence, cut from the passage by document offsets."""
        return [self.text[s - self.start:e - self.start] for s, e in self.sentences]

    def to_dict(self) -> dict:
        """The public fields (the text is left to the document itself)."""
        return {"path": self.path, "start": self.start, "end": self.end, "score": round(self.score, 4),
                "text": self.text}


@dataclass(frozen=True)
class Citation:
    """Marker [n]: the quoted sentence, as the exact span [start, end) of the document at path."""

    n: int
    path: str
    start: int
    end: int
    quote: str
    score: float
    location: str = ""

    def to_dict(self) -> dict:
        """JSON form, score rounded for reading."""
        return {**asdict(self), "score": round(self.score, 4)}


@dataclass(frozen=True)
class Quote:
    """A sentence chosen to be quoted: the exact span [start, end) of the document at path."""

    path: str
    start: int
    end: int
    text: str
    score: float = 0.0
    location: str = ""


@dataclass
class Answer:
    """What the assistant says, with citations that resolve to source spans."""

    question: str
    answer: str
    abstained: bool
    citations: list[Citation] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    confidence: float = 0.0
    note: str = ""
    interpreted: str = ""  # how a follow-up was read ("Where were the operatives sent?"); '' when as asked
    mode: str = "quote"  # "generate": a model wrote it and `sentences` says how each sentence was checked
    sentences: list[dict] = field(default_factory=list)  # generate mode: generate.CheckedSentence.to_dict()

    def to_dict(self) -> dict:
        """The Answer JSON of docs/how-it-works.md (with `confidence`, and `note` and `interpreted` when set;
        a generated answer adds its checked `sentences` and how many of the model's markers were corrected)."""
        data = {"mode": self.mode, "question": self.question, "answer": self.answer, "abstained": self.abstained,
                "citations": [c.to_dict() for c in self.citations],
                "passages": [p.to_dict() for p in self.passages],
                "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
                "confidence": round(self.confidence, 4)}
        if self.note:
            data["note"] = self.note
        if self.interpreted:
            data["interpreted"] = self.interpreted
        if self.mode == "generate":
            data["sentences"] = self.sentences
            data["markers_corrected"] = sum(s["corrected"] for s in self.sentences)
        return data


def quoting(question: str, quotes: list[Quote], passages: list[Passage], confidence: float, note: str = "") -> Answer:
    """An Answer made of the quotes in document order, each followed by its marker [n]."""
    ordered = sorted(quotes, key=lambda q: (q.path, q.start))
    citations = [Citation(n, q.path, q.start, q.end, q.text, q.score, q.location) for n, q in enumerate(ordered, 1)]
    text = " ".join(cited(c.quote, [c.n]) for c in citations)
    return Answer(question, text, False, citations, passages, confidence=confidence, note=note)


def cited(sentence: str, numbers: Sequence[int]) -> str:
    """A sentence followed by its citation markers: "… [1] [2]"."""
    return sentence + "".join(f" [{n}]" for n in numbers)


def strip_markers(answer: str) -> str:
    """The answer's own words: citation markers like " [1]" removed."""
    return _MARKER.sub("", answer).strip()


def marked_text(mode: str, answer: str, sentences: Sequence[dict]) -> str:
    """An answer for plain text (terminal, clipboard, Markdown, a chat client): a quote answer as it is; a
    generated one from its checked sentences, each the documents don't support followed by "(not found…)"."""
    if mode != "generate":
        return answer
    return " ".join(cited(s["text"], s["citations"]) + ("" if s["supported"] else f" ({NOT_FOUND})")
                    for s in sentences)
