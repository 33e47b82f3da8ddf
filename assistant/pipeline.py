"""The assistant: validates a question, retrieves, answers with citations, and indexes documents."""

import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from index.consistency import Consistency
from index.corpus import Corpus, CorpusConfig, IngestReport, Progress
from index.document import Document
from index.leftovers import Leftovers

from assistant.answer import ABSTAIN_TEXT, Answer
from assistant.answer_check import AnswerCheck
from assistant.extractive import ExtractiveAnswerer
from assistant.followup import Exchange, FollowUpReader, Interpretation, RuleReader
from assistant.generate import Generator, OnToken
from assistant.index_lock import IndexLock
from assistant.llm import ChatModel
from assistant.llm_followup import ModelReader
from assistant.provenance import provenance_answer
from assistant.question import Question
from assistant.retriever import HybridRetriever
from assistant.settings import Settings, UsageError
from assistant.summary import Summarizer, is_document_request
from assistant.support import VerifierSupport
from assistant.term_vectors import TermVectors
from assistant.verifier import Verifier, stale_graphs
from assistant.terms import words
from assistant.word_similarity import WordSimilarity


class QuestionError(UsageError):
    """A question that can't be asked as given; the message says why in one line."""


class Assistant:
    """Ask questions of the indexed documents; every answer sentence is a cited quote.

    Safe to share between threads (the web chat, an eval run): questions share the index lock,
    and an ingest takes it alone only while it commits a step, so questions go on while files are
    read and embedded. Another process's ingest into the same data folder waits for this one's.

    >>> assistant = Assistant(Settings.from_env())
    >>> assistant.ingest([Path("sources")]).summary()
    >>> first = assistant.ask("How many operatives were expelled to the United States?")
    >>> print(assistant.ask("Where were they sent?", [first]).interpreted)
    Where were the operatives sent?

    `follow_ups` reads a question in the light of the conversation; the default `RuleReader` needs no
    language model, and a model's rewrite can take its place.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.lock = IndexLock()
        self._corpus: Corpus | None = None
        self._answerer: ExtractiveAnswerer | None = None
        self._term_vectors: TermVectors | None = None
        self._verifier: Verifier | None = None
        self._loading = threading.Lock()  # first use from several threads must load things once
        self.follow_ups: FollowUpReader = RuleReader(self._title)
        self._generator: tuple[Generator, FollowUpReader] | None = None

    @property
    def corpus(self) -> Corpus:
        """The index, opened (and the model loaded) on first use."""
        with self._loading:
            if self._corpus is None:
                s = self.settings
                self._corpus = Corpus(CorpusConfig(
                    s.data_dir, s.collection, s.precision, s.chunk_tokens, s.chunk_overlap, s.threads,
                    s.chroma_host, s.chroma_port, s.models_dir), guard=self.lock)
        return self._corpus

    @property
    def indexing(self) -> bool:
        """True while an ingest commits a change (questions wait for it)."""
        return self.lock.writing

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Hold the index still: no ingest commits until the block ends (an eval run holds it throughout)."""
        with self.lock.reading():
            yield

    def ingest(self, paths: Sequence[Path], progress: Progress | None = None) -> IngestReport:
        """Index files and folders incrementally; `progress` hears "waiting" while another process writes."""
        return self.corpus.ingest(paths, progress)

    def remove(self, path: str) -> bool:
        """Drop one document from the index."""
        return self.corpus.remove(path)

    def status(self) -> dict:
        """What is indexed, where, with which model, and whether the stores agree."""
        return self.corpus.status()

    def check(self, progress: Progress | None = None) -> Consistency:
        """The catalog, vector store and keyword index compared id by id."""
        return self.corpus.check(progress)

    def repair(self, progress: Progress | None = None) -> Consistency:
        """Mend what disagrees between the stores (no re-embedding); the comparison from before."""
        return self.corpus.repair(progress)

    def documents(self) -> list[dict]:
        """One row per indexed document, by path: path, kind, chunks, indexed_at, note, title."""
        return self.corpus.documents()

    def indexed_paths(self) -> list[str]:
        """The paths of the indexed documents, as citations carry them."""
        return self.corpus.indexed_paths()

    def document(self, path: str) -> Document | None:
        """The indexed text of one document, for showing a citation in context."""
        return self.corpus.document(path)

    def source_file(self, path: str) -> Path:
        """Where an indexed document's file is."""
        return self.corpus.source_file(path)

    def warm_up(self) -> str | None:
        """Open the index and load the answerer now, so the first question is fast; the error, if any."""
        try:
            self.status()
            self.ask("warm up")
        except Exception as error:  # the caller carries on; asking will show the same error
            return f"{type(error).__name__}: {error}"
        return None

    def leftovers(self) -> Leftovers:
        """Indexes and model files of earlier versions, which this version can't read or doesn't run."""
        return self.corpus.leftovers(stale_graphs(self.models_dir))

    def prune(self) -> Leftovers:
        """Delete indexes and model files of earlier versions; what was removed."""
        return self.corpus.prune(stale_graphs(self.models_dir))

    def validate(self, question: str) -> str:
        """The question stripped, or QuestionError for one that can't be asked."""
        question = (question or "").strip()
        if not question:
            raise QuestionError("the question is empty")
        if len(question) > self.settings.max_question_chars:
            raise QuestionError(f"the question is {len(question):,} characters long; "
                                f"the limit is {self.settings.max_question_chars:,}")
        return question

    def ask(self, question: str, history: Sequence[Exchange | Answer | dict | str] = (), top_k: int | None = None,
            max_sentences: int | None = None, mode: str | None = None, on_token: OnToken | None = None) -> Answer:
        """Answer one question; `history` (the conversation's earlier answers or questions, oldest first)
        resolves a follow-up, which is answered without quoting again what the answer it follows quoted.

        `mode` "generate" (default: settings.answer_mode) has the model write the answer, streamed to
        `on_token`, and checks it; the model's turns run outside the index lock, so an ingest never waits for them.
        """
        started = time.perf_counter()
        text = self.validate(question)
        generator, reader = self.generator if (mode or self.settings.answer_mode) == "generate" else (None, None)
        exchanges = [Exchange.of(turn) for turn in history]
        reading = reader(text, exchanges) if reader else None
        with self.lock.reading():
            self.corpus.refresh()  # another process may have changed the index since the last question
            read = self._read(text, reading or self.follow_ups(text, exchanges))
            answer = self._answer(read, top_k, max_sentences, started)
        return generator.answer(answer, on_token) if generator else answer

    def _answer(self, question: Question, top_k: int | None, max_sentences: int | None, started: float) -> Answer:
        passages = self.retriever.retrieve(question, top_k or self.settings.top_k)
        retrieved = time.perf_counter()
        about = provenance_answer(self.corpus, question, passages) if passages else None
        if about:
            answer = about
        elif passages and is_document_request(question.text):
            answer = Summarizer(self.corpus).answer(question, passages)
        elif passages:
            answer = self.answerer.answer(question, passages, max_sentences)
        else:
            answer = Answer(question.text, ABSTAIN_TEXT, True)
        answer.interpreted = question.interpreted
        if answer.abstained and not answer.note:
            answer.note = _abstention_note(question.text, indexed=bool(passages))
        done = time.perf_counter()
        answer.timings_ms = {"retrieve": (retrieved - started) * 1000, "answer": (done - retrieved) * 1000,
                             "total": (done - started) * 1000}
        return answer

    def question(self, text: str, history: Sequence[Exchange | Answer | dict | str] = ()) -> Question:
        """`text` read once for retrieval and answering; `history` (oldest first) resolves a follow-up."""
        return self._read(text, self.follow_ups(text, [Exchange.of(turn) for turn in history]))

    def _read(self, text: str, reading: Interpretation) -> Question:
        standalone = reading.standalone if reading.standalone != text else ""
        return Question.read(text, reading.context, self.corpus.embed_query, standalone, reading.quoted)

    def _title(self, path: str) -> str:
        """A document's title ('' when it has none or is gone), for naming "this article" in a follow-up."""
        document = self.document(path)
        return document.title if document else ""

    @property
    def generator(self) -> tuple[Generator, FollowUpReader]:
        """Generate mode's answer writer and follow-up reader, both on the model llm_url names (built once)."""
        if not self.settings.llm_url:
            raise UsageError("generate mode needs a model: set llm_url (FOOTNOTE_LLM_URL), e.g. "
                             "http://localhost:11434/v1 for Ollama")
        if self._generator is None:
            support, embed = VerifierSupport(self.verifier), self.corpus.embedder.embed
            with self._loading:
                if self._generator is None:
                    model = ChatModel.from_settings(self.settings)
                    self._generator = (Generator(model, support, embed, self._location, self.settings.strict),
                                       ModelReader(model, self.follow_ups))
        return self._generator

    def _location(self, path: str, start: int) -> str:
        """Where a reader finds an offset of a document ("line 12", "page 3"; '' when it is gone)."""
        document = self.document(path)
        return document.location(start) if document else ""

    @property
    def retriever(self) -> HybridRetriever:
        """Dense + keyword retrieval over the corpus."""
        s = self.settings
        return HybridRetriever(self.corpus, self.term_vectors, s.candidates, s.keyword_weight, s.fusion)

    @property
    def models_dir(self) -> Path:
        """Where exported models and extracted word vectors are cached."""
        return self.settings.models_dir or self.settings.data_dir / "models"

    @property
    def term_vectors(self) -> TermVectors:
        """Word vectors of the indexed vocabulary, shared by every retrieval (loaded once)."""
        with self._loading:
            if self._term_vectors is None:
                self._term_vectors = TermVectors(WordSimilarity(self.models_dir))
        return self._term_vectors

    @property
    def verifier(self) -> Verifier:
        """The cross-encoder that checks quotes and generated sentences (its ONNX graph built on first use)."""
        with self._loading:
            if self._verifier is None:
                self._verifier = Verifier(self.models_dir).loaded()
        return self._verifier

    @property
    def answerer(self) -> ExtractiveAnswerer:
        """The LLM-free answerer (loaded once)."""
        corpus, similarity, verifier = self.corpus, self.term_vectors.similarity, self.verifier
        with self._loading:
            if self._answerer is None:
                check = AnswerCheck(verifier, self.settings.verify_threshold)
                self._answerer = ExtractiveAnswerer(corpus, similarity, self.settings.abstain_threshold,
                                                    self.settings.max_sentences, check)
        return self._answerer


def _abstention_note(question: str, indexed: bool) -> str:
    """Why an abstention happened, where there is more to say than "the documents don't answer".

    Dense search returns passages from any non-empty index, so no passages means nothing indexed
    (also what an index built by another model version looks like: its collection has another name).
    """
    if not indexed:
        return "Nothing is indexed yet for this model: run `footnote ingest`, or add documents in the web chat."
    if not any(w.isascii() for w in words(question)):
        return "The question has no word in Latin script; the index and its model read English."
    return ""
