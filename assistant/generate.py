"""Generate mode: a language model answers from the numbered passages, and every sentence it writes is checked
against them — cited by the exact span that supports it, or marked unsupported; any failure gives the quotes."""

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from itertools import islice

import numpy as np

from assistant.answer import Answer, Citation, Passage, cited
from assistant.extractive import gather_candidates
from assistant.features import Candidate
from assistant.llm import ChatModel, LLMError, Message
from assistant.support import SupportScorer, holds_facts
from index.sentences import split_sentences

OnToken = Callable[[str], None]
Embed = Callable[[Sequence[str]], np.ndarray]  # texts → unit vectors, one row each
_MARKERS = re.compile(r"\s*(?:\[\s*\d+(?:\s*,\s*\d+)*\s*\])+")
_NUMBERS = re.compile(r"\d+")
# A marker followed by a capital ends a sentence even where the splitter sees an abbreviation ("the U.S. [2] It…").
_AFTER_MARKER = re.compile(r"(?<=\])\s+(?=[A-Z])")
PASSAGE_CHARS = 1000  # of each passage in the prompt (a chunk is ~900): five fit a 2,048-token context with the answer
MAX_TOKENS = 300  # four short sentences need ~120; a model that rambles is cut off here
SPANS_PER_SENTENCE = 2  # a sentence may need two source sentences together; more is noise
READ = 2  # source sentences the support scorer reads per generated sentence: a pair costs 15-35 ms of a core
ALIKE = 0.35  # cosine below which a source sentence is not read: the supporting ones seen were 0.73 and up

SYSTEM = ("You answer questions using only the numbered passages you are given. After each sentence, cite the "
          "passage it comes from by its number in square brackets, like [1]. If the passages do not say, reply "
          "that the documents don't say. Answer in at most {sentences} short sentences.")


@dataclass(frozen=True)
class CheckedSentence:
    """One sentence of a generated answer, after checking: the spans that support it, or none."""

    text: str  # as the model wrote it, its markers taken out
    supported: bool
    support: float  # the best support score among the source sentences read
    citations: tuple[int, ...]  # the answer's citation numbers for its supporting spans
    markers: tuple[int, ...]  # the passage numbers the model itself cited
    holding: tuple[int, ...]  # the passage numbers holding the supporting spans
    corrected: bool  # supported, but the model cited no passage holding the support (a wrong marker, or none)

    def to_dict(self) -> dict:
        """JSON form, as the Answer JSON's `sentences` lists it."""
        return {"text": self.text, "supported": self.supported, "support": round(self.support, 4),
                "citations": list(self.citations), "markers": list(self.markers), "holding": list(self.holding),
                "corrected": self.corrected}


class Generator:
    """Writes an answer with a model and checks it, sentence by sentence, against the passages it was given.

    >>> generator = Generator(ChatModel("http://localhost:11434/v1", "llama3.2"), support, embedder.embed, locate)
    >>> generator.answer(quoted).sentences[0].supported
    True
    """

    def __init__(self, model: ChatModel, support: SupportScorer, embed: Embed, locate: Callable[[str, int], str],
                 strict: bool = False, max_sentences: int = 4) -> None:
        self.model = model
        self.support = support
        self.embed = embed
        self.locate = locate  # (path, offset) → "line 12", "page 3"
        self.strict = strict
        self.max_sentences = max_sentences

    def answer(self, quoted: Answer, on_token: OnToken | None = None) -> Answer:
        """The generated, checked answer for the question `quoted` answers; `quoted` itself (the abstention
        gate) when it abstained, and with one line saying why when the model fails."""
        if quoted.abstained:
            return quoted
        started = time.perf_counter()
        try:
            text = self._write(quoted, on_token)
        except LLMError as error:
            return fallback(quoted, str(error))
        written = time.perf_counter()
        answer = self.check(quoted, text)
        answer.timings_ms = {**quoted.timings_ms, "generate": (written - started) * 1000,
                             "verify": (time.perf_counter() - written) * 1000}
        answer.timings_ms["total"] = quoted.timings_ms.get("total", 0.0) + (time.perf_counter() - started) * 1000
        return answer

    def _write(self, quoted: Answer, on_token: OnToken | None) -> str:
        pieces = []
        for piece in self.model.stream(prompt(quoted.interpreted or quoted.question, quoted.passages,
                                              self.max_sentences), MAX_TOKENS):
            pieces.append(piece)
            if on_token:
                on_token(piece)
        text = "".join(pieces).strip()
        if not _MARKERS.sub("", text).strip():
            raise LLMError(f"the model {self.model.name} sent an empty reply")
        return text

    def check(self, quoted: Answer, text: str) -> Answer:
        """The model's text as an Answer: each sentence cited by the spans that support it, or marked unsupported."""
        passages = quoted.passages
        candidates = gather_candidates(passages)
        spans: dict[tuple[str, int], Citation] = {}
        checked = []
        written = split_answer(text)
        for (sentence, markers), scores in zip(written, self._scores([s for s, _ in written], candidates)):
            best = sorted(scores, key=lambda i: -scores[i])[:SPANS_PER_SENTENCE]
            backing = [i for i in best if scores[i] >= self.support.threshold]
            numbers = tuple(self._cite(candidates[i], scores[i], spans) for i in backing)
            holding = sorted({n for i in backing for n in _holding(passages, candidates[i])})
            corrected = bool(backing) and not set(holding) & set(markers)
            checked.append(CheckedSentence(sentence, bool(backing), max(scores.values(), default=0.0), numbers,
                                           markers, tuple(holding), corrected))
        if not any(s.supported for s in checked) and self.strict:
            return fallback(quoted, "no sentence of the model's answer was found in the documents")
        shown = [s for s in checked if s.supported or not self.strict]
        return Answer(quoted.question, render(shown), False, list(spans.values()), passages,
                      confidence=quoted.confidence, interpreted=quoted.interpreted, mode="generate",
                      sentences=[s.to_dict() for s in shown],
                      note=_dropped_note(len(checked) - len(shown)))

    def support_of(self, claim: str, passages: list[Passage]) -> float:
        """The best support a sentence of the passages gives a claim: what decides whether it is `supported`."""
        return max(self._scores([claim], gather_candidates(passages))[0].values(), default=0.0)

    def _scores(self, claims: list[str], candidates: list[Candidate]) -> list[dict[int, float]]:
        """Per claim, the support scores of its shortlist: of the source sentences holding every number and
        name it states, the READ closest to it in meaning (none below ALIKE). The pairs of all the claims are
        scored in one call; the rest of the sentences count as not supporting."""
        if not claims or not candidates:
            return [{} for _ in claims]
        likeness = self.embed(claims) @ _unit(np.stack([c.vector for c in candidates])).T
        pairs = [(k, i) for k, claim in enumerate(claims) for i in _shortlist(claim, likeness[k], candidates)]
        scores: list[dict[int, float]] = [{} for _ in claims]
        if pairs:
            read = self.support([claims[k] for k, _ in pairs], [candidates[i] for _, i in pairs])
            for (k, i), score in zip(pairs, read):
                scores[k][i] = float(score)
        return scores

    def _cite(self, candidate: Candidate, score: float, spans: dict[tuple[str, int], Citation]) -> int:
        """The citation number of a supporting span: the one it already has, or the next one."""
        key = (candidate.path, candidate.start)
        if key not in spans:
            spans[key] = Citation(len(spans) + 1, candidate.path, candidate.start, candidate.end, candidate.text,
                                  score, self.locate(candidate.path, candidate.start))
        return spans[key].n


def prompt(question: str, passages: list[Passage], sentences: int) -> list[Message]:
    """The chat messages: the rules, then the numbered passages and the question."""
    numbered = "\n\n".join(f"[{n}] {' '.join(p.text.split())[:PASSAGE_CHARS]}" for n, p in enumerate(passages, 1))
    return [{"role": "system", "content": SYSTEM.format(sentences=sentences)},
            {"role": "user", "content": f"Passages:\n\n{numbered}\n\nQuestion: {question}"}]


def split_answer(text: str) -> list[tuple[str, tuple[int, ...]]]:
    """The model's sentences, each without its [n] markers, and the passage numbers those markers name (a
    marker written after the full stop belongs to the sentence before it)."""
    found: list[tuple[str, tuple[int, ...]]] = []
    pieces = [part[start:end] for part in _AFTER_MARKER.split(text) for start, end in split_sentences(part)]
    for piece in pieces:
        lead = re.match(_MARKERS, piece)
        if lead and found:
            found[-1] = (found[-1][0], found[-1][1] + _numbers(lead[0]))
            piece = piece[lead.end():]
        markers = _numbers(" ".join(_MARKERS.findall(piece)))
        sentence = " ".join(_MARKERS.sub("", piece).split())
        if re.search(r"\w", sentence):
            found.append((sentence, markers))
    return found


def render(sentences: list[CheckedSentence]) -> str:
    """The answer text: each supported sentence followed by its citations' markers; unsupported ones bare."""
    return " ".join(cited(s.text, s.citations) for s in sentences)


def fallback(quoted: Answer, reason: str) -> Answer:
    """The quote answer, with one line saying why the model's answer is not there."""
    return replace(quoted, note=f"Quoted instead of generated: {reason}.")


def _shortlist(claim: str, likeness: np.ndarray, candidates: list[Candidate]) -> list[int]:
    """The READ source sentences closest to a claim in meaning (none below ALIKE) among those holding
    every number and name it states."""
    held = (int(i) for i in np.argsort(-likeness) if likeness[i] >= ALIKE and holds_facts(claim, candidates[i]))
    return list(islice(held, READ))


def _unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def _numbers(markers: str) -> tuple[int, ...]:
    return tuple(dict.fromkeys(int(n) for n in _NUMBERS.findall(markers)))


def _holding(passages: list[Passage], candidate: Candidate) -> set[int]:
    """The 1-based numbers of the passages holding a sentence (neighbouring chunks overlap)."""
    return {n for n, p in enumerate(passages, 1)
            if p.path == candidate.path and p.start <= candidate.start and candidate.end <= p.end}


def _dropped_note(count: int) -> str:
    return f"{count} sentence{'s' if count > 1 else ''} the documents don't support left out (strict)." if count else ""
