"""The conversation as a Markdown file: each question, its answer, and the spans it cites."""

import contextlib
import re
import tempfile
import time
from pathlib import Path

from assistant.answer import marked_text

from ui.conversation import Turn

# Characters that would turn quoted document text into Markdown links, images, HTML or emphasis.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def escape_markdown(text: str) -> str:
    """Document text as literal Markdown: `![x](y)` and `<script>` stay visible text."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def code_span(text: str) -> str:
    """Text as a Markdown code span, which shows everything literally (fence longer than any backtick run)."""
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def to_markdown(turns: list[Turn], exported_at: float | None = None) -> str:
    """The whole conversation; citations keep their [n], with path, location and exact quote."""
    stamp = time.strftime("%Y-%m-%d %H:%M", time.localtime(exported_at or time.time()))
    count = f"{len(turns)} question{'s' if len(turns) != 1 else ''}"
    lines = ["# Footnote conversation", "", f"Exported {stamp} · {count}", ""]
    for turn in turns:
        lines += [f"## {escape_markdown(turn['question'])}", ""]
        if turn.get("interpreted"):
            lines += [f"*Interpreted as: {escape_markdown(turn['interpreted'])}*", ""]
        lines += _abstention(turn) if turn["abstained"] else _answer(turn)
    return "\n".join(lines).rstrip() + "\n"


def copy_text(turn: Turn) -> str:
    """An answer as plain text, its [n] markers resolved as footnotes: what *Copy* puts on the clipboard."""
    notes = [f"[{c['n']}] {', '.join(part for part in (c.get('title'), c['path'], c.get('location')) if part)}: "
             f"“{c['quote']}”" for c in turn["citations"]]
    text = answer_text(turn)
    return "\n".join([text, "", *notes]) if notes else text


def answer_text(turn: Turn) -> str:
    """The answer as text; a generated one with each sentence the documents don't support marked so."""
    return marked_text(turn.get("mode", "quote"), turn["answer"], turn.get("sentences", []))


def _answer(turn: Turn) -> list[str]:
    numbers = {c["n"] for c in turn["citations"]}
    # Escape everything, then give back the [n] markers that are real citations.
    text = re.sub(r"\\\[(\d+)\\\]", lambda m: f"[{m[1]}]" if int(m[1]) in numbers else m[0],
                  escape_markdown(answer_text(turn)))
    lines = [text, ""] + ([escape_markdown(turn["note"]), ""] if turn.get("note") else []) + ["**Sources**", ""]
    for c in turn["citations"]:
        where = ", ".join(part for part in (c.get("location", ""), f"characters {c['start']}–{c['end']}") if part)
        lines += [f"{c['n']}. {code_span(c['path'])} ({where})", "", *[f"   > {escape_markdown(line)}"
                                                            for line in c["quote"].splitlines() or [""]], ""]
    return lines


def _abstention(turn: Turn) -> list[str]:
    lines = [f"*{escape_markdown(turn['answer'])}*", ""]
    if turn.get("note"):
        lines += [escape_markdown(turn["note"]), ""]
    if turn["passages"]:
        lines += ["Closest passages considered:", ""]
        lines += [f"- {code_span(p['path'])} (characters {p['start']}–{p['end']}, score {p['score']:.2f})"
                  for p in turn["passages"]]
        lines.append("")
    return lines


EXPORTS = Path(tempfile.gettempdir()) / "footnote-exports"
# Gradio copies each export into its own cache when serving it; our copy only has to outlive that.
KEEP_EXPORTS_S = 3600


def write_export(turns: list[Turn], folder: Path = EXPORTS) -> str | None:
    """Write the Markdown to a new file for download (dropping old ones); None for an empty conversation."""
    if not turns:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*/*.md"):
        with contextlib.suppress(OSError):  # another session may be pruning the same file
            if time.time() - old.stat().st_mtime > KEEP_EXPORTS_S:
                old.unlink()
                old.parent.rmdir()
    # One folder per file keeps the name readable and still unique across sessions.
    path = Path(tempfile.mkdtemp(dir=folder)) / f"footnote-conversation-{time.strftime('%Y%m%d-%H%M%S')}.md"
    path.write_text(to_markdown(turns), encoding="utf-8")
    return str(path)

