"""The index lock: questions run together, an ingest commits alone, an eval run holds the index still."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from assistant.index_lock import IndexLock
from ui.chat_handlers import respond
from ui.history_handlers import ChatContext

from ui_server import SAMPLE_QUESTION


def test_questions_asked_during_an_ingest_wait_for_it_and_stay_exact(make_assistant, sources):
    assistant = make_assistant()
    assistant.ingest([sources])
    assert assistant.warm_up() is None  # as build_app does: lazy loading is not safe to race
    text = next(sources.iterdir()).read_text()
    for i in range(3):
        (sources / f"variant{i}.txt").write_text(text.replace("37", str(100 + i)))

    def ask(_: int) -> dict:
        return assistant.ask(SAMPLE_QUESTION).to_dict()

    with ThreadPoolExecutor(8) as pool:
        asked = [pool.submit(ask, i) for i in range(12)]
        report = assistant.ingest([sources])
        asked += [pool.submit(ask, i) for i in range(12)]
        answers = [future.result() for future in asked]

    assert len(report.added) == 3
    for answer in answers:
        assert not answer["abstained"]
        for citation in answer["citations"]:
            document = assistant.document(citation["path"])
            assert document.text[citation["start"]:citation["end"]] == citation["quote"]


def test_a_waiting_writer_goes_before_new_readers():
    lock, order = IndexLock(), []
    reading = threading.Event()

    def reader(name: str, hold: float) -> None:
        with lock.reading():
            reading.set()
            order.append(name)
            time.sleep(hold)

    def writer() -> None:
        with lock.exclusive():
            order.append("writer")

    first = threading.Thread(target=reader, args=("first reader", 0.2))
    first.start()
    reading.wait()
    waiting = threading.Thread(target=writer)
    waiting.start()
    time.sleep(0.05)
    assert lock.writing
    late = threading.Thread(target=reader, args=("late reader", 0))
    late.start()
    for thread in (first, waiting, late):
        thread.join(5)
    assert order == ["first reader", "writer", "late reader"]


def test_the_waiting_frame_shows_only_when_an_answer_is_slow(sample_assistant, tmp_path):
    assistant = sample_assistant
    assert assistant.warm_up() is None
    context = ChatContext.open(tmp_path, suggestions=lambda: [])
    quick = list(respond(assistant, context, SAMPLE_QUESTION, [], "", 5, 2, None))
    assert "fn-pending" not in quick[0][0] and "fn-cite" in quick[0][0]
    assert quick[0][2] == ""  # the question box is cleared by the first update either way

    with assistant.lock.exclusive():  # an ingest commits: the question must wait and say so
        slow = respond(assistant, context, SAMPLE_QUESTION, [], "", 5, 2, None)
        first = next(slow)
    assert "Waiting for indexing to finish" in first[0] and first[2] == ""
    rest = list(slow)
    assert "fn-cite" in rest[-1][0] and len(rest[-1][1]) == 1
    assert len(context.store.conversations("")) == 2  # each answer was kept


def test_a_reader_may_read_again_while_a_writer_waits():
    lock, events = IndexLock(), []

    def write() -> None:
        with lock.exclusive():
            events.append("writer")

    with lock.reading():
        writer = threading.Thread(target=write)
        writer.start()
        time.sleep(0.05)
        assert lock.writing
        with lock.reading():  # an eval run's own question: without re-entry this would wait for the writer forever
            events.append("nested read")
    writer.join(5)
    assert events == ["nested read", "writer"]
