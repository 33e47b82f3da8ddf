"""One question, read once before retrieval: the follow-up context it leans on and every reading of it that
retrieval and answering use, carried through both."""

from collections.abc import Callable
from dataclasses import dataclass

from index.embedder import EmbeddedQuery
from index.keyword_index import IndexedWords, indexed_words

from assistant.features import QuestionTerms
from assistant.ranking import query_kind
from assistant.terms import content_word_spans


@dataclass(frozen=True)
class Question:
    """A question and what it says to each stage: the embedding, the keyword index, the ranker, the answerer.

    >>> question = Question.read("And where was he captured?", "Who is Otmane Khalladi?", corpus.embed_query)
    >>> question.query, question.kind
    ('And where was he captured? Who is Otmane Khalladi?', 'question')
    """

    text: str  # as asked
    context: str  # the earlier question a follow-up leans on; '' for one that stands alone
    embedded: EmbeddedQuery  # of `query`: its unit vector and its word-pieces' vectors
    keyword_query: IndexedWords  # `query` as the keyword index reads it
    kind: str  # ranking.QUERY_KINDS: which ranker weights score the candidates
    content_spans: list[tuple[int, int]]  # where `query`'s content words are (its word-pieces that count)
    terms: QuestionTerms  # weighted content terms and expected answer type, for choosing sentences

    @property
    def query(self) -> str:
        """What retrieval searches for: the question, then the context it leans on."""
        return _query(self.text, self.context)

    @classmethod
    def read(cls, text: str, context: str, embed: Callable[[str], EmbeddedQuery]) -> "Question":
        """Read `text` (with the earlier question `context`, when it is a follow-up) once, for every stage."""
        query = _query(text, context)
        return cls(text, context, embed(query), indexed_words(query), query_kind(query), content_word_spans(query),
                   QuestionTerms.parse(text, context))


def _query(text: str, context: str) -> str:
    return f"{text} {context}" if context else text
