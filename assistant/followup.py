"""Resolves a short follow-up ("and where was he arrested?") against the previous turn."""

import re

from assistant.terms import content_terms

_LEANS_ON_CONTEXT = re.compile(
    r"^\s*(and|but|so|also|what about|how about|then)\b|\b(he|she|it|they|him|her|his|its|their|them|"
    r"there|that|this|those|these|the same)\b", re.IGNORECASE)


def is_follow_up(question: str) -> bool:
    """True for questions that need the previous turn to make sense."""
    return bool(_LEANS_ON_CONTEXT.search(question)) or len(content_terms(question)) <= 1


def context_for(question: str, previous_questions: list[str]) -> str:
    """Text of the earlier turn a follow-up leans on ('' for a self-contained question)."""
    if not previous_questions or not is_follow_up(question):
        return ""
    return previous_questions[-1]
