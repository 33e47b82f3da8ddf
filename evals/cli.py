"""The `footnote eval` commands (run, compare, import)."""

import argparse


def add_eval_commands(commands: argparse._SubParsersAction, settings_flags: argparse.ArgumentParser) -> None:
    """Register `footnote eval …` on the main parser."""
    parser = commands.add_parser("eval", parents=[settings_flags], help="run an eval set")
    parser.add_argument("set", help="eval set (JSONL)")
