"""Questions to offer a newcomer: drawn from the indexed documents, and each one checked with the assistant first."""

import re
import threading
from collections.abc import Callable, Iterator

from assistant.pipeline import Assistant


SHOWN = 4
# Only questions answered with at least this confidence are offered: a suggestion that abstains misleads.
CONFIDENT = 0.5
DOCUMENTS_READ = 8  # the most recently indexed ones
CHARACTERS_READ = 20_000  # of each
_NAME = r"[A-Z][a-zà-ÿ]+(?:\s+(?:de|del|da|van|von)?\s*[A-Z][a-zà-ÿ]+){1,3}"
# "Otmane Khalladi was captured" → "Where was Otmane Khalladi captured?"
_DONE_TO = re.compile(rf"(?<![.!?]\s)(?<!^)\b({_NAME}) (was|were) ([a-z]+ed)\b")
# "92 high-impact criminals have been handed over to U.S. authorities" → "How many … ?"
_COUNTED = re.compile(r"\b\d[\d,]*\s+((?:[a-z-]+\s+){0,2}[a-z-]+s)\s+(were|have been|had been|was)\s+"
                      r"([a-z]+ed(?:\s+(?:over|to|in|by|from|at|for|on)\b)?(?:\s+(?:the\s+)?[A-Z][\w.’'-]*){0,3})")
# A name mid-sentence: "Secretary of Security Omar García Harfuch has…" → "Who is Omar García Harfuch?"
_PERSON = re.compile(rf"(?<=[a-z,] )(?<!of )({_NAME})(?= (?:has|had|is|was|said|says|announced|recognized|wrote)\b)")
_TEMPLATES: tuple[tuple[re.Pattern, Callable[[re.Match], str]], ...] = (
    (_DONE_TO, lambda m: f"Where {m[2]} {m[1]} {m[3]}?"),
    (_COUNTED, lambda m: f"How many {m[1]} {m[2]} {m[3]}?"),
    (_PERSON, lambda m: f"Who is {m[1]}?"),
)


class Suggestions:
    """The questions the welcome screen offers, worked out again when the indexed documents change.

    >>> Suggestions(assistant)()
    ['How many high-impact criminals have been handed over?', 'Where was Otmane Khalladi captured?', …]
    """

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        self._questions: list[str] = []
        self._indexed: tuple | None = None  # (path, indexed_at) of every document the questions were drawn from
        self._lock = threading.Lock()

    def __call__(self) -> list[str]:
        """The questions for the documents indexed now (one catalog read when nothing changed)."""
        try:
            rows = self.assistant.documents()
        except Exception:  # no index yet: the welcome screen simply offers nothing
            return []
        indexed = tuple((row["path"], row["indexed_at"]) for row in rows)
        with self._lock:
            if indexed != self._indexed:
                recent = sorted(rows, key=lambda row: row["indexed_at"] or 0, reverse=True)[:DOCUMENTS_READ]
                self._questions, self._indexed = self._work_out([row["path"] for row in recent]), indexed
            return list(self._questions)

    def _work_out(self, paths: list[str]) -> list[str]:
        texts = [document.text for path in paths if (document := self.assistant.document(path))]
        answered = []
        for template, question in _candidates(texts):
            try:
                answer = self.assistant.ask(question)
            except Exception:
                continue
            if not answer.abstained and answer.confidence >= CONFIDENT:
                answered.append((template, answer.confidence, question))
        # One of each kind first (the best of it), so the offer shows what kinds of question work.
        answered.sort(key=lambda found: -found[1])
        kinds: dict[int, list[str]] = {}
        for template, _, question in answered:
            kinds.setdefault(template, []).append(question)
        ordered = [q for rank in range(SHOWN) for qs in kinds.values() if rank < len(qs) for q in qs[rank:rank + 1]]
        chosen, named = [], set()
        for question in ordered:  # a different person or place in each, where the documents allow
            names = set(re.findall(r"(?<!^)\b[A-Z][a-zà-ÿ]+", question))
            if not names & named:
                chosen.append(question)
                named |= names
        return (chosen + [q for q in ordered if q not in chosen])[:SHOWN]


def _candidates(texts: list[str]) -> Iterator[tuple[int, str]]:
    """(template number, question) pairs, at most two of each template per document, none repeated."""
    seen = set()
    for text in texts:
        for number, (pattern, write) in enumerate(_TEMPLATES):
            made = 0
            for match in pattern.finditer(text[:CHARACTERS_READ]):
                question = " ".join(write(match).split())
                if question not in seen and made < 2:
                    seen.add(question)
                    made += 1
                    yield number, question
