"""Document-level requests ("what is this about", "summarize", "key points of report.pdf"): the most central sentences, cited.

An extractive summary in the quoting answerer's terms: every sentence is a verbatim span. Centrality
is the cosine of a sentence's vector with its document's mean sentence vector, plus its cosine with
the document's headline when the document opens with one (what the writer said it is about); a
picked sentence holds back the ones too close to it (maximal marginal relevance), and the picks
come in document order.
"""

import re
from pathlib import PurePosixPath

import numpy as np

from index.corpus import Corpus

from assistant.answer import ABSTAIN_TEXT, Answer, Passage, Quote, quoting
from assistant.question import Question
from assistant.quotable import is_quotable, line_kind
from assistant.terms import content_terms
from index.vectors import unit

_REQUEST = re.compile(
    r"\b(summar(?:y|ies|i[sz]e)|overview|gist|tl;?dr|recap|"
    r"(?:key|main|important|central|major) (?:points?|ideas?|takeaways?|findings?|messages?|arguments?|themes?|topics?)|"
    r"what (?:is|are) (?:this|these|the) (?:\w+ )?(?:article|document|report|text|paper|file|story|page|piece)s? about|"
    r"what (?:does|do) (?:this|these|the) (?:\w+ )?(?:article|document|report|text|paper|file|story)s? "
    r"(?:say|cover|discuss|describe))\b", re.IGNORECASE)
# Words that ask for a summary rather than name its subject.
_REQUEST_WORDS = set(content_terms("summarize summary summaries overview gist tldr recap key main important central "
                                   "major points point ideas takeaways findings messages arguments themes topics "
                                   "article document documents report text paper file story page piece give list "
                                   "briefly short about cover discuss describe"
                                   # who asks and how politely ("Can you give me an overview?"), not what about
                                   " me us you we i my our please can could would will tell show provide brief quick"
                                   " overall general whole entire contents"))
_BOILERPLATE = re.compile(r"\b(subscribe|sign up|newsletter|click here|all rights reserved|cookie|follow us|"
                          r"share this|discover more|read more|advertisement|copyright)\b|©", re.IGNORECASE)
REDUNDANCY = 0.5  # how much a sentence's closeness to one already picked counts against it
MIN_WORDS = 6
TOPIC_WEIGHT = 3.0
MAX_DOCUMENTS = 3  # a topic request summarizes the documents of the best passages, at most this many


def is_document_request(question: str) -> bool:
    """Whether the question asks about a whole document ("summarize", "what is this article about")."""
    return bool(_REQUEST.search(question))


def topic_terms(question: str, names: list[str]) -> list[str]:
    """The question's content terms beyond the request itself and any document it names."""
    named = {t for name in names for t in content_terms(name)}
    return [t for t in content_terms(question) if t not in _REQUEST_WORDS and t not in named]


def document_titles(corpus: Corpus) -> dict[str, str]:
    """Every indexed document's path → its title ('' when it has none), read without loading any text."""
    return {row["path"]: row["title"] or "" for row in corpus.documents()}


def named_documents(question: str, titles: dict[str, str]) -> list[str]:
    """Indexed documents (`titles`: each one's path → title, as document_titles gives them) the question names by
    file name, stem or title."""
    lowered = question.lower()
    named = []
    for path, title in titles.items():
        name = PurePosixPath(path)
        keys = {name.name.lower(), name.stem.lower(), title.lower()}
        if any(len(k) >= 4 and k in lowered for k in keys):
            named.append(path)
    return named


def sentences_per_document(sentences: int, documents: int) -> int:
    """3 for a short document, 4 for a longer one, 5 for a long one; shared out over several."""
    alone = 3 if sentences < 25 else 4 if sentences < 60 else 5
    return max(2, alone // documents) if documents > 1 else alone


def summarize(corpus: Corpus, path: str, count: int, topic: np.ndarray | None = None) -> list[Quote]:
    """The `count` most central quotable sentences of one document, in document order; with a
    `topic` vector, closeness to the topic counts TOPIC_WEIGHT times as much as centrality."""
    document = corpus.document(path)
    every = corpus.sentences_of(path) if document is not None else []
    rows = [(s, e, v) for s, e, v in every if _worth_quoting(document.text[s:e])]
    if not rows:
        return []
    vectors = np.stack([v for _, _, v in rows])
    score = vectors @ unit(vectors.mean(axis=0))
    if topic is not None:  # what the document says about the topic, rather than what it is about
        score = score + TOPIC_WEIGHT * (vectors @ topic)
    elif line_kind(document.text[every[0][0]:every[0][1]]) == "heading":
        score = score + vectors @ every[0][2]
    picked: list[int] = []
    while len(picked) < min(count, len(rows)):
        penalty = (vectors @ vectors[picked].T).max(axis=1) if picked else np.zeros(len(rows))
        value = score - REDUNDANCY * penalty
        value[picked] = -np.inf
        picked.append(int(np.argmax(value)))
    return [Quote(path, rows[i][0], rows[i][1], document.text[rows[i][0]:rows[i][1]], float(score[i]),
                  document.location(rows[i][0])) for i in sorted(picked)]


def _worth_quoting(text: str) -> bool:
    return is_quotable(text) and len(text.split()) >= MIN_WORDS and not _BOILERPLATE.search(text)


class Summarizer:
    """Answers document-level requests with each relevant document's most central sentences.

    >>> summarizer = Summarizer(corpus)
    >>> summarizer.answer(question, passages).answer
    'The expulsion of 37 operatives … [1] With this operation, a total of 92 … [2] …'
    """

    def __init__(self, corpus: Corpus) -> None:
        self.corpus = corpus

    def answer(self, question: Question, passages: list[Passage]) -> Answer:
        """The summary of the documents the request is about, or a note asking which one."""
        titles = document_titles(self.corpus)
        indexed = list(titles)
        named = named_documents(question.text, titles)
        topic = topic_terms(question.query, [PurePosixPath(p).name for p in named])
        if named:
            paths = named
        elif topic or len(indexed) > 1 and question.context:
            paths = list(dict.fromkeys(p.path for p in passages))[:MAX_DOCUMENTS]
        elif len(indexed) == 1:
            paths = indexed
        else:
            return Answer(question.text, ABSTAIN_TEXT, True, passages=passages,
                          note=f"Which document? {len(indexed):,} are indexed: name one (its file name or title), "
                               "or ask about a topic.")
        vector = question.embedded.vector if topic else None
        quotes = [q for path in paths for q in summarize(self.corpus, path, self._count(path, len(paths)), vector)]
        note = "A summary: the most central sentences of " + ", ".join(PurePosixPath(p).name for p in paths) + "."
        return quoting(question.text, quotes, passages, confidence=1.0, note=note)

    def _count(self, path: str, documents: int) -> int:
        return sentences_per_document(len(self.corpus.sentences_of(path)), documents)
