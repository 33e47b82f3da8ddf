"""The `footnote` command: the composition root that wires index, assistant, web UI and evals."""

import argparse
import json
import logging
import sys
from dataclasses import fields
from pathlib import Path

from index.vector_store import StoreUnavailable

from assistant.answer import Answer, marked_text
from assistant.settings import Settings, UsageError, env_name

USER_ERROR, INTERNAL_ERROR = 2, 1
SOME_FAILED = 4  # an ingest indexed what it could, but some files could not be read
DISAGREE = 5  # `footnote check`: the catalog, the vector store and the keyword index disagree
GENERATE_HELP = "the model at llm_url writes the answer; every sentence is checked (same as --answer-mode generate)"


def main(argv: list[str] | None = None) -> int:
    """Run one command; exit 0 on success, 2 on bad usage or input, 1 on an internal error (3, 4 and 5: see
    the README's exit codes)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        settings = Settings.from_env().replace(**{
            f.name: getattr(args, f.name) for f in fields(Settings) if getattr(args, f.name, None) is not None})
        return args.run(args, settings)
    except (UsageError, StoreUnavailable) as error:
        print(f"footnote: {error}", file=sys.stderr)
        return USER_ERROR
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # the one place that turns a crash into a message and exit code 1
        logging.getLogger("footnote").debug("internal error", exc_info=True)
        print(f"footnote: internal error: {type(error).__name__}: {error}", file=sys.stderr)
        return INTERNAL_ERROR


def build_parser() -> argparse.ArgumentParser:
    """Commands and flags; every setting is a flag, documented from the Settings field."""
    parser = argparse.ArgumentParser(prog="footnote", description="Cited answers from your documents.")
    settings_flags = argparse.ArgumentParser(add_help=False)
    group = settings_flags.add_argument_group("settings (each also an environment variable)")
    for f in fields(Settings):
        choices = f.metadata.get("choices")
        group.add_argument(f"--{f.name.replace('_', '-')}", dest=f.name, default=None, choices=choices,
                           help=f"{f.metadata['help']} [{env_name(f.name)}; default {f.default}]")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ingest = commands.add_parser("ingest", parents=[settings_flags], help="index files and folders")
    ingest.add_argument("paths", nargs="*", type=Path, help="files or folders (default: the sources folder)")
    ingest.set_defaults(run=run_ingest)

    ask = commands.add_parser("ask", parents=[settings_flags], help="answer one question")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="print the Answer JSON")
    ask.add_argument("--generate", action="store_true", help=GENERATE_HELP)
    ask.set_defaults(run=run_ask)

    chat = commands.add_parser("chat", parents=[settings_flags], help="a conversation in the terminal")
    chat.add_argument("--generate", action="store_true", help=GENERATE_HELP)
    chat.set_defaults(run=run_chat)

    serve = commands.add_parser("serve", parents=[settings_flags], help="the web chat")
    serve.set_defaults(run=run_serve)

    prune = commands.add_parser("prune", parents=[settings_flags],
                                help="delete indexes and model files that earlier versions left behind")
    prune.set_defaults(run=run_prune)

    status = commands.add_parser("status", parents=[settings_flags], help="what is indexed")
    status.add_argument("--json", action="store_true")
    status.set_defaults(run=run_status)

    check = commands.add_parser("check", parents=[settings_flags],
                                help=f"compare the catalog, vectors and keyword index id by id (exit {DISAGREE} if "
                                     "they disagree)")
    check.add_argument("--repair", action="store_true", help="mend what disagrees (nothing is embedded again)")
    check.add_argument("--json", action="store_true")
    check.set_defaults(run=run_check)

    from evals.cli import add_eval_commands

    add_eval_commands(commands, settings_flags)
    return parser


def _assistant(settings: Settings):
    from assistant.pipeline import Assistant

    return Assistant(settings)


def run_ingest(args: argparse.Namespace, settings: Settings) -> int:
    """footnote ingest [PATH…]"""
    progress, close = _progress_bars(settings)
    try:
        report = _assistant(settings).ingest(args.paths or [settings.sources], progress)
    finally:
        close()
    for path, note in report.notes.items():
        print(f"note: {path}: {note}", file=sys.stderr)
    for path, reason in report.skipped.items():
        print(f"skipped: {path}: {reason}", file=sys.stderr)
    for path, reason in report.failed.items():
        print(f"failed: {path}: {reason}", file=sys.stderr)
    print(report.summary())
    if any(reason == "no such file or directory" for reason in report.failed.values()):
        return USER_ERROR
    return SOME_FAILED if report.failed else 0


def _progress_bars(settings: Settings):
    """A progress callback drawing one bar per stage on stderr (when it is a terminal), saying once that
    it waits for another process's ingest; and a function that removes the bars."""
    from tqdm import tqdm

    bars: dict[str, tqdm] = {}

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "waiting":
            print(f"footnote: waiting for another process writing to {settings.data_dir} to finish…",
                  file=sys.stderr, flush=True)
            return
        bar = bars.get(stage)
        if bar is None:
            bar = bars[stage] = tqdm(total=total, desc=f"{stage:>6}", unit=stage[:-1], file=sys.stderr,
                                     leave=False, disable=not sys.stderr.isatty())
        bar.total = total
        bar.update(done - bar.n)

    def close() -> None:
        for bar in bars.values():
            bar.close()

    return progress, close


def run_ask(args: argparse.Namespace, settings: Settings) -> int:
    """footnote ask QUESTION [--json] [--generate]"""
    answer = _assistant(_mode(args, settings)).ask(args.question, on_token=_token_echo())
    print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=1) if args.json else format_answer(answer))
    return 0


def _mode(args: argparse.Namespace, settings: Settings) -> Settings:
    return settings.replace(answer_mode="generate") if getattr(args, "generate", False) else settings


def _token_echo():
    """Where a terminal watches the model write (stderr, dimmed; the checked answer follows on stdout)."""
    if not sys.stderr.isatty():
        return None

    def echo(piece: str) -> None:
        sys.stderr.write(f"\033[2m{piece}\033[0m")
        sys.stderr.flush()

    return echo


def run_chat(args: argparse.Namespace, settings: Settings) -> int:
    """footnote chat: a follow-up is read in the light of the answers before it."""
    from assistant.pipeline import QuestionError

    assistant = _assistant(_mode(args, settings))
    asked: list[Answer] = []
    echo = _token_echo()
    print("Ask about your documents (empty line or Ctrl-D to leave).", file=sys.stderr)
    for line in sys.stdin:
        if not line.strip():
            break
        try:
            answer = assistant.ask(line, asked, on_token=echo)
            if echo:
                print(file=sys.stderr)
        except QuestionError as error:
            print(f"footnote: {error}", file=sys.stderr)
            continue
        asked.append(answer)
        print(format_answer(answer), flush=True)
    return 0


def run_serve(args: argparse.Namespace, settings: Settings) -> int:
    """footnote serve: the web chat."""
    from ui.app import serve

    if settings.threads == 0:
        # One inference thread per server process: with two, queries stalled under contention.
        settings = settings.replace(threads=1)
    serve(_assistant(settings), settings)
    return 0


def run_status(args: argparse.Namespace, settings: Settings) -> int:
    """footnote status"""
    assistant = _assistant(settings)
    # Only here, not in Assistant.status(): the web page refreshes that on every load.
    status = {**assistant.status(), "earlier_versions": assistant.leftovers().to_dict()}
    if args.json:
        print(json.dumps(status, indent=1))
        return 0
    for key in ("documents", "chunks", "model", "collection", "store", "data_dir"):
        print(f"{key:>10}: {status[key]}")
    for problem in status["problems"]:
        print(f"   problem: {problem}; `footnote check --repair` mends it")
    for failure in status["failures"]:
        print(f"    failed: {failure['path']}: {failure['reason']}")
    earlier = status["earlier_versions"]
    if earlier["collections"] or earlier["models"]:
        print(f"   earlier: {earlier['summary']}; `footnote prune` deletes them")
    return 0


def run_check(args: argparse.Namespace, settings: Settings) -> int:
    """footnote check [--repair]: exit DISAGREE while the stores disagree."""
    assistant = _assistant(settings)
    progress, close = _progress_bars(settings)
    try:
        found = assistant.repair(progress) if args.repair else assistant.check(progress)
    finally:
        close()
    agrees = found.agrees or (args.repair and assistant.check().agrees)
    if args.json:
        print(json.dumps({**found.to_dict(), "repaired": bool(args.repair and not found.agrees)}, indent=1))
    elif found.agrees:
        print(f"consistent: {found.chunks:,} passages in the catalog, the vector store and the keyword index")
    else:
        for problem in found.problems():
            print(f"{'repaired' if agrees else 'problem'}: {problem}")
        if not args.repair:
            print("`footnote check --repair` mends this from the catalog, without embedding anything again")
    return 0 if agrees else DISAGREE


def run_prune(args: argparse.Namespace, settings: Settings) -> int:
    """footnote prune"""
    removed = _assistant(settings).prune()
    print(f"deleted {removed.summary()}")
    return 0


def format_answer(answer: Answer) -> str:
    """The answer, then one line per citation: [n] path:line "quote". A generated sentence the documents don't
    support is followed by "(not found in the documents)"."""
    text = marked_text(answer.mode, answer.answer, answer.sentences)
    lines = [text] + ([f"  (interpreted as: {answer.interpreted})"] if answer.interpreted else [])
    for c in answer.citations:
        where = f"{c.path}:{c.location.split()[-1]}" if c.location.startswith("line") else f"{c.path} ({c.location})"
        quote = c.quote if len(c.quote) <= 100 else c.quote[:97] + "…"
        lines.append(f"  [{c.n}] {where} \"{quote}\"")
    if answer.note:
        lines.append(f"  ({answer.note})")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
