"""A session's conversation as plain data: the Answer JSON of each turn, oldest first."""

import re
from pathlib import Path

# A turn is Answer.to_dict() (with document titles beside paths); the list lives in a per-session gr.State,
# never in a module global, and each answered turn is kept by ui.conversation_store.
Turn = dict

# A marker, any punctuation right after it, then the space where the next sentence starts.
_AFTER_MARKER = re.compile(r"\[\d+\][.,;:!?)\]]*(\s+)")


def sentences(answer_text: str) -> list[str]:
    """The answer cut after each citation marker: the units it is streamed in."""
    text = answer_text.strip()
    parts, start = [], 0
    for match in _AFTER_MARKER.finditer(text):
        parts.append(text[start:match.start(1)])
        start = match.end(1)
    return [part for part in parts + [text[start:]] if part]


def citation(turns: list[Turn], turn: int, n: int) -> dict | None:
    """Citation [n] of a turn, or None when the session has no such citation."""
    if not 0 <= turn < len(turns):
        return None
    return next((c for c in turns[turn]["citations"] if c["n"] == n), None)


def passage(turns: list[Turn], turn: int, index: int) -> dict | None:
    """The index-th passage a turn considered, or None."""
    if not 0 <= turn < len(turns) or not 0 <= index < len(turns[turn]["passages"]):
        return None
    return turns[turn]["passages"][index]


def counted(number: int | None, noun: str) -> str:
    """"1 document", "3 documents", "? documents" (unknown), with thousands separated."""
    return f"{'?' if number is None else f'{number:,}'} {noun}{'' if number == 1 else 's'}"


def file_name(path: str) -> str:
    """The last part of a document path, as shown in lists."""
    return Path(path).name or path
