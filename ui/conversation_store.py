"""Conversations that last: each one's turns (Answer JSON) in SQLite in the data folder, its owner's alone."""

import json
import sqlite3
import time
import uuid
from contextlib import closing
from pathlib import Path

from ui.conversation import Turn

FILE_NAME = "conversations.sqlite"
TITLE_CHARS = 80
_SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY, owner TEXT NOT NULL, title TEXT NOT NULL, created REAL NOT NULL, updated REAL NOT NULL);
CREATE INDEX IF NOT EXISTS conversations_by_owner ON conversations (owner, updated);
CREATE TABLE IF NOT EXISTS turns (
    conversation TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE, seq INTEGER NOT NULL,
    answer TEXT NOT NULL, PRIMARY KEY (conversation, seq));
"""


class ConversationStore:
    """Every web chat conversation, kept across reloads and restarts; an owner sees only their own.

    The owner is the signed-in user name (FOOTNOTE_AUTH), or '' when the chat has no sign-in.

    >>> store = ConversationStore(Path(".footnote"))
    >>> conversation = store.create("", "How many operatives were expelled?")
    >>> store.append("", conversation, answer_json)
    >>> [c["title"] for c in store.conversations("")]
    ['How many operatives were expelled?']
    """

    def __init__(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.path = data_dir / FILE_NAME
        with closing(self._connect()) as db, db:
            db.executescript(_SCHEMA)

    def create(self, owner: str, first_question: str) -> str:
        """A new, empty conversation titled after its first question; its id."""
        conversation, now = uuid.uuid4().hex, time.time()
        title = _title(first_question)
        with closing(self._connect()) as db, db:
            db.execute("INSERT INTO conversations VALUES (?, ?, ?, ?, ?)", (conversation, owner, title, now, now))
        return conversation

    def conversations(self, owner: str) -> list[dict]:
        """The owner's conversations, most recently used first: id, title, updated, questions."""
        with closing(self._connect()) as db:
            rows = db.execute(
                "SELECT c.id, c.title, c.updated, COUNT(t.seq) FROM conversations c LEFT JOIN turns t "
                "ON t.conversation = c.id WHERE c.owner = ? GROUP BY c.id ORDER BY c.updated DESC", (owner,)).fetchall()
        return [dict(zip(("id", "title", "updated", "questions"), row)) for row in rows]

    def title(self, owner: str, conversation: str) -> str | None:
        """A conversation's title, or None when the owner has no such conversation."""
        with closing(self._connect()) as db:
            row = db.execute("SELECT title FROM conversations WHERE id = ? AND owner = ?",
                             (conversation, owner)).fetchone()
        return row[0] if row else None

    def turns(self, owner: str, conversation: str) -> list[Turn] | None:
        """A conversation's turns, oldest first; None when the owner has no such conversation."""
        if self.title(owner, conversation) is None:
            return None
        with closing(self._connect()) as db:
            rows = db.execute("SELECT answer FROM turns WHERE conversation = ? ORDER BY seq", (conversation,))
            return [json.loads(row[0]) for row in rows]

    def append(self, owner: str, conversation: str, turn: Turn) -> bool:
        """Add a turn at the end; False when the owner has no such conversation (deleted meanwhile)."""
        with closing(self._connect()) as db, db:
            found = db.execute("UPDATE conversations SET updated = ? WHERE id = ? AND owner = ?",
                               (time.time(), conversation, owner)).rowcount
            if found:
                db.execute("INSERT INTO turns VALUES (?, (SELECT COUNT(*) FROM turns WHERE conversation = ?), ?)",
                           (conversation, conversation, json.dumps(turn, ensure_ascii=False)))
        return bool(found)

    def rename(self, owner: str, conversation: str, title: str) -> bool:
        """Give a conversation a new title (an empty one is refused); False when there is no such conversation."""
        title = _title(title)
        if not title:
            return False
        with closing(self._connect()) as db, db:
            return bool(db.execute("UPDATE conversations SET title = ? WHERE id = ? AND owner = ?",
                                   (title, conversation, owner)).rowcount)

    def delete(self, owner: str, conversation: str) -> bool:
        """Forget a conversation and its turns; False when there is no such conversation."""
        with closing(self._connect()) as db, db:
            return bool(db.execute("DELETE FROM conversations WHERE id = ? AND owner = ?",
                                   (conversation, owner)).rowcount)

    def _connect(self) -> sqlite3.Connection:
        # One short-lived connection per call: answers arrive on many threads, and WAL lets them overlap.
        db = sqlite3.connect(self.path, timeout=30)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA foreign_keys=ON")
        return db


def _title(text: str) -> str:
    """One line, at most TITLE_CHARS, cut at a word."""
    line = " ".join((text or "").split())
    return line if len(line) <= TITLE_CHARS else line[:TITLE_CHARS].rsplit(" ", 1)[0] + "…"
