"""What the history list does: restore, open, start, rename and delete stored conversations, and keep each answer."""

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from ui.conversation import Turn
from ui.conversation_store import ConversationStore
from ui.export import write_export
from ui.render_chat import conversation_html, turn_html
from ui.render_history import history_html
from ui.render_source import placeholder_html

SECRET_FILE = "browser-state.key"


@dataclass(frozen=True)
class ChatContext:
    """What every chat session shares: the stored conversations, the suggested questions, and the key that
    seals the browser's note of which conversation it has open (stable, so the note outlives a restart)."""

    store: ConversationStore
    secret: str
    suggestions: Callable[[], list[str]]

    @classmethod
    def open(cls, data_dir: Path, suggestions: Callable[[], list[str]]) -> "ChatContext":
        """The context for a data folder, creating its store and key on first use."""
        key = data_dir / SECRET_FILE
        data_dir.mkdir(parents=True, exist_ok=True)
        if not key.is_file():
            key.write_text(secrets.token_hex(32), encoding="ascii")
            key.chmod(0o600)
        return cls(ConversationStore(data_dir), key.read_text(encoding="ascii").strip(), suggestions)


def owner(request: gr.Request | None) -> str:
    """Whose conversations these are: the signed-in user, or '' when the chat has no sign-in."""
    return (getattr(request, "username", None) or "") if request is not None else ""


def shown(context: ChatContext, user: str, conversation: str, turns: list[Turn]) -> tuple:
    """Outputs for a conversation on screen: conversation, turns, export button, id, title, history list,
    source panel (emptied), delete button."""
    title = context.store.title(user, conversation) if conversation else None
    blocks = [turn_html(i, t) for i, t in enumerate(turns)]
    return (conversation_html(blocks, context.suggestions()), turns,
            gr.DownloadButton(value=write_export(turns), interactive=bool(turns)), conversation if title else "",
            title or "", history_html(context.store.conversations(user), conversation), placeholder_html(),
            gr.Button(interactive=title is not None))


def restore(context: ChatContext, conversation: str | None, request: gr.Request) -> tuple:
    """Page load: the conversation this browser had open, if it is still there; else a new chat."""
    user = owner(request)
    turns = context.store.turns(user, conversation) if conversation else None
    return shown(context, user, conversation if turns is not None else "", turns or [])


def open_conversation(context: ChatContext, event: gr.EventData, request: gr.Request) -> tuple:
    """A click in the history list; then shown()'s outputs and the delete confirmation (hidden)."""
    data = event._data if isinstance(getattr(event, "_data", None), dict) else {}
    user, conversation = owner(request), str(data.get("id") or "")
    turns = context.store.turns(user, conversation) if data.get("action") == "conversation" else None
    if turns is None:
        return tuple(gr.skip() for _ in range(8))
    return shown(context, user, conversation, turns)


def new_chat(context: ChatContext, request: gr.Request) -> tuple:
    """Outputs: shown()'s for an empty conversation, then the question box (emptied)."""
    return (*shown(context, owner(request), "", []), "")


def rename(context: ChatContext, conversation: str | None, title: str, request: gr.Request) -> tuple:
    """Outputs: history list, title box (the stored title: an empty or unchanged one is not saved)."""
    user = owner(request)
    if not conversation:
        return gr.skip(), ""  # nothing stored yet: the first question names the conversation
    context.store.rename(user, conversation, title)
    return history_html(context.store.conversations(user), conversation), context.store.title(user, conversation) or ""


def delete(context: ChatContext, conversation: str | None, request: gr.Request) -> tuple:
    """Outputs: shown()'s for an empty conversation, then the confirmation (hidden)."""
    user = owner(request)
    if conversation:
        context.store.delete(user, conversation)
    return (*shown(context, user, "", []), gr.Group(visible=False))


def keep(context: ChatContext, user: str, conversation: str | None, question: str, turn: Turn) -> str:
    """Store an answered turn; the conversation's id (a new one for the first question, or when it was deleted)."""
    if not conversation or not context.store.append(user, conversation, turn):
        conversation = context.store.create(user, question)
        context.store.append(user, conversation, turn)
    return conversation
