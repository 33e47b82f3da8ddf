"""One question, read once before retrieval: how it reads in the conversation (a follow-up stands alone) and
every reading of it that retrieval and answering use, carried through both."""

from collections.abc import Callable
from dataclasses import dataclass

from index.embedder import EmbeddedQuery
from index.keyword_index import IndexedWords, indexed_words

from assistant.features import QuestionTerms
from assistant.followup import Interpretation
from assistant.ranking import query_kind
from assistant.terms import content_word_spans

# Single-fact questions (SQuAD's) run to about 20 words. A longer one is compound ("Does the article from X
# suggest … while the one from Y …", MultiHop-RAG's run 21 to 80 words): no one sentence answers all of it.
COMPOUND_WORDS = 25


@dataclass(frozen=True)
class Question:
    """A question and what it says to each stage: the embedding, the keyword index, the ranker, the answerer.

    >>> question = Question.read("And where was he captured?", "", corpus.embed_query,
    ...                          standalone="Where was Otmane Khalladi captured?")
    >>> question.query, question.kind
    ('Where was Otmane Khalladi captured?', 'question')
    """

    text: str  # as asked
    context: str  # the earlier question a follow-up leans on; '' for one that stands alone
    embedded: EmbeddedQuery  # of `query`: its unit vector and its word-pieces' vectors
    keyword_query: IndexedWords  # `query` as the keyword index reads it
    kind: str  # ranking.QUERY_KINDS: which ranker weights score the candidates
    content_spans: list[tuple[int, int]]  # where `query`'s content words are (its word-pieces that count)
    terms: QuestionTerms  # weighted content terms and expected answer type, for choosing sentences
    standalone: str = ""  # a follow-up rewritten to stand alone ("Where were the operatives sent?"); '' when as asked
    quoted: frozenset[tuple[str, int]] = frozenset()  # (path, start) of sentences the answer it follows quoted

    @property
    def asked(self) -> str:
        """The question as read: its standalone rewriting when a follow-up was rewritten, else as asked."""
        return self.standalone or self.text

    @property
    def query(self) -> str:
        """What retrieval searches for: the question as read, then the context it leans on."""
        return _query(self.asked, self.context)

    @property
    def compound(self) -> bool:
        """Whether the question asks several things at once, so that no one sentence can answer all of it."""
        return len(self.asked.split()) > COMPOUND_WORDS

    @property
    def interpreted(self) -> str:
        """How the question was read, for "Interpreted as: …"; '' when as asked."""
        return Interpretation(self.text, self.asked, self.context).interpreted

    @classmethod
    def read(cls, text: str, context: str, embed: Callable[[str], EmbeddedQuery], standalone: str = "",
             quoted: frozenset[tuple[str, int]] = frozenset()) -> "Question":
        """Read `text` once, for every stage: as `standalone` when a follow-up was rewritten to stand alone,
        with the earlier question `context` when it still leans on it."""
        query = _query(standalone or text, context)
        return cls(text, context, embed(query), indexed_words(query), query_kind(query), content_word_spans(query),
                   QuestionTerms.parse(standalone or text, context), standalone, quoted)


def _query(text: str, context: str) -> str:
    return f"{text} {context}" if context else text
