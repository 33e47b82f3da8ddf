"""HTML of the history list: the user's conversations, most recent first, the open one marked."""

import time
from html import escape


def history_html(conversations: list[dict], current: str) -> str:
    """One button per stored conversation; a hint when there are none yet."""
    if not conversations:
        return ('<nav class="fn-history" aria-label="Conversations"><div class="fn-label">History</div>'
                '<p class="fn-muted fn-history-empty">Your conversations are kept here.</p></nav>')
    items = "".join(_item(c, c["id"] == current) for c in conversations)
    return (f'<nav class="fn-history" aria-label="Conversations"><div class="fn-label">History</div>'
            f'<ol class="fn-history-list">{items}</ol></nav>')


def _item(conversation: dict, current: bool) -> str:
    count = conversation["questions"]
    detail = f"{count} question{'s' if count != 1 else ''} · {_when(conversation['updated'])}"
    state = ' aria-current="true"' if current else ""
    return (f'<li><button type="button" class="fn-history-item{" fn-current" if current else ""}"{state} '
            f'data-action="conversation" data-id="{escape(conversation["id"])}">'
            f'<span class="fn-history-title">{escape(conversation["title"])}</span>'
            f'<span class="fn-history-when">{escape(detail)}</span></button></li>')


def _when(timestamp: float) -> str:
    today = time.strftime("%Y-%m-%d")
    day = time.strftime("%Y-%m-%d", time.localtime(timestamp))
    return time.strftime("%H:%M" if day == today else "%d %b", time.localtime(timestamp))
