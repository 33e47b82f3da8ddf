"""Headings, bylines, datelines, contents and page-furniture lines are told apart from sentences, which alone may be quoted."""

import pytest

from assistant.quotable import is_quotable, line_kind
from index.sentences import split_sentences
from tests.conftest import SAMPLE_ARTICLE


@pytest.mark.parametrize("line, kind", [
    ("Washington’s Perception and Diplomatic Recognition", "heading"),
    ("Future Targets: From Narcos to Accomplices", "heading"),
    ("2018 Winter Olympics - Medal Tracker.", "heading"),
    ("The Independent - Life and Style, 2023-10-16", "dateline"),
    ("Published March 3, 2021 by Reuters", "dateline"),
    ("By John Smith and Jane Doe", "byline"),
    ("By Jane Okafor", "byline"),  # short, but a byline before it is a title
    ("Chapter 3 ........ 45", "contents"),
    ("1.2 Background and Motivation", "contents"),
    ("NFL", "fragment"),
    ("Zebra mascot notes", "heading"),
    ("Population: 3 million", "sentence"),
    ("He won.", "sentence"),
    ("Discover more from Riviera Maya News & Events", "furniture"),
    ("Subscribe to get the latest posts sent to your email.", "furniture"),
    ("Subscribers to the newsletter get the latest posts.", "sentence"),
    ("The Denver Broncos defeated the Carolina Panthers 24–10 to earn their third Super Bowl title.", "sentence"),
])
def test_line_kinds(line: str, kind: str) -> None:
    assert line_kind(line) == kind


def test_the_sample_articles_headings_and_calls_to_subscribe_are_the_only_lines_not_quoted() -> None:
    text = SAMPLE_ARTICLE.read_text()
    refused = [text[s:e] for s, e in split_sentences(text) if not is_quotable(text[s:e])]
    assert refused == ["Unprecedented Extraditions Mark New Phase in Bilateral Security Cooperation",
                       "High-Impact Operations Intensify", "Washington’s Perception and Diplomatic Recognition",
                       "Future Targets: From Narcos to Accomplices", "Discover more from Riviera Maya News & Events",
                       "Subscribe to get the latest posts sent to your email."]
