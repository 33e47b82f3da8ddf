"""The one Assistant every session shares, with index writes kept apart from questions."""

from collections.abc import Sequence
from pathlib import Path

from assistant.answer import Answer
from assistant.pipeline import Assistant
from evals.api import Run, run_set
from evals.runner import Progress as EvalProgress
from index.corpus import IngestReport, Progress
from index.document import Document

from ui.locks import ReadWriteLock


class GuardedAssistant:
    """Concurrent `ask` calls are safe together (measured), but not alongside an ingest.

    An ingest rebuilds the BM25 index in place, toggles the shared tokenizer's truncation and
    writes the catalog through the connection the readers use, so a question asked mid-ingest
    could see half an index or fail. Questions share the lock; ingest and remove take it alone.
    """

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        self.settings = assistant.settings
        self._lock = ReadWriteLock()

    @property
    def indexing(self) -> bool:
        """True while an ingest or removal runs (questions wait for it)."""
        return self._lock.writing

    def ask(self, question: str, previous_questions: Sequence[str] = (), top_k: int | None = None,
            max_sentences: int | None = None) -> Answer:
        """Assistant.ask, shared with other questions."""
        with self._lock.reading():
            return self.assistant.ask(question, previous_questions, top_k, max_sentences)

    def document(self, path: str) -> Document | None:
        """The indexed text of one document."""
        with self._lock.reading():
            return self.assistant.corpus.document(path)

    def documents(self) -> list[dict]:
        """Catalog rows: path, kind, chunks, indexed_at, note."""
        with self._lock.reading():
            return self.assistant.documents()

    def status(self) -> dict:
        """Counts, model, store and failures."""
        with self._lock.reading():
            return self.assistant.status()

    def evaluate(self, set_path: Path, corpus: Path | None = None, limit: int | None = None,
                 progress: EvalProgress | None = None) -> Run:
        """Run an eval set (into data_dir/runs), shared with questions so no ingest changes the index mid-run.

        Without `corpus` the questions go to this assistant's live index. With one, the run indexes
        that folder into its own collection; it still holds the lock shared, so uploads wait for it.
        """
        with self._lock.reading():
            return run_set(set_path, self.settings, corpus=corpus, limit=limit, progress=progress,
                            assistant=None if corpus else self.assistant)

    def ingest(self, paths: Sequence[Path], progress: Progress | None = None) -> IngestReport:
        """Assistant.ingest, alone."""
        with self._lock.exclusive():
            return self.assistant.ingest(list(paths), progress)

    def remove(self, path: str) -> bool:
        """Assistant.remove, alone."""
        with self._lock.exclusive():
            return self.assistant.remove(path)

    def warm_up(self) -> str | None:
        """Open the index and load the answerer now, so the first question is fast; the error, if any."""
        try:
            self.status()
            self.ask("warm up")
        except Exception as error:  # the page still starts; asking will show the same error
            return f"{type(error).__name__}: {error}"
        return None
