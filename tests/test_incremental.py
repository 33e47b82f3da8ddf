"""What grows with the corpus is updated, not rebuilt: the keyword index, the stores' comparison, the stored vectors."""

import sqlite3
from collections import Counter

import numpy as np
import pytest

from index.catalog import VECTOR_FORM_KEY
from index.keyword_index import KeywordIndex, _postings_of
from index import sentence_codes
from index.vectors import from_stored, to_int4, to_int8, unit

from tests.conftest import write_documents

TEXTS = {f"c{i}": f"Report {i}\nThe harbour keeper counted {i * 7} ships and {word} in the storm of year {1900 + i}."
         for i, word in enumerate(["gulls", "whales", "barges", "ferries", "tugs", "yachts", "rafts", "canoes",
                                   "sloops", "ketches", "dinghies", "trawlers", "junks", "galleys",
                                   "punts", "skiffs"])}


def _rows(ids: list[str]) -> tuple[list[str], list[str], list[str]]:
    return ids, [TEXTS[i] for i in ids], [f"doc{int(i[1:]) // 2}" for i in ids]


def _ranked(index: KeywordIndex, query: str) -> list[tuple[str, float]]:
    return [(cid, round(score, 5)) for cid, score in index.search(query, 20)]


def test_updates_score_exactly_as_a_fresh_build_of_the_same_rows(tmp_path):
    updated, fresh = KeywordIndex(tmp_path / "updated"), KeywordIndex(tmp_path / "fresh")
    ids = list(TEXTS)
    updated.rebuild(*_rows(ids[:4]))
    held = set(ids[:4])
    # Enough single-chunk updates to merge segments, and enough deletions of the first to rewrite it.
    for turn, cid in enumerate(ids[4:]):
        removed = {ids[turn % 4]} if turn < 3 else set()
        updated.update(*_rows([cid]), removed=removed)
        held = (held | {cid}) - removed
        fresh.rebuild(*_rows(sorted(held)))
        for query in ("harbour ships storm", "whales", "gulls keeper 1907", "canoes year"):
            assert sorted(_ranked(updated, query)) == sorted(_ranked(fresh, query)), (turn, query)
            # ranking looks candidates up in each term's rows by binary search
            match = updated.match(query)
            assert match is None or all((np.diff(rows) > 0).all() for rows in match.rows), (turn, query)
    reopened = KeywordIndex(tmp_path / "updated")
    assert sorted(reopened.ids()) == sorted(held) and reopened.rows() == len(held)
    assert sorted(_ranked(reopened, "harbour ships storm")) == sorted(_ranked(fresh, "harbour ships storm"))
    layout = reopened.layout()
    assert set(layout.row_of) == held and layout.document_sizes.sum() == len(held)
    row = layout.row_of["c11"]
    terms, starts, length = reopened.row_terms().of(row)
    assert length == len(TEXTS["c11"]) and TEXTS["c11"][starts[-1]:].startswith("1911")
    assert reopened.words()[terms[-1]] == "1911"
    segments = [p for p in (tmp_path / "updated").iterdir() if p.is_dir()]
    assert len(segments) <= 2 * 9, "old segments are cleaned away"

    # Every row of the oldest segments deleted: the words they brought keep their numbers.
    oldest = set(ids[:8]) & held
    updated.update([], [], [], removed=oldest)
    fresh.rebuild(*_rows(sorted(held - oldest)))
    for query in ("harbour ships storm", "punts skiffs", "gulls"):
        assert sorted(_ranked(updated, query)) == sorted(_ranked(fresh, query)), query
    words = KeywordIndex(tmp_path / "updated").words()
    terms, _, _ = updated.row_terms().of(updated.layout().row_of["c15"])
    assert [words[t] for t in terms][-1] == "1915"


def test_segments_stop_merging_at_their_cap_and_score_the_same(tmp_path, monkeypatch):
    """However many rows, no merge makes a segment larger than the cap (a merge's memory grows with its rows)."""
    monkeypatch.setattr("index.keyword_index._MAX_MERGED_ROWS", 4)
    updated, fresh = KeywordIndex(tmp_path / "updated"), KeywordIndex(tmp_path / "fresh")
    ids = list(TEXTS)
    for cid in ids:
        updated.update(*_rows([cid]), removed=set())
    fresh.rebuild(*_rows(ids))
    segments = updated.row_terms().segments
    assert max(len(s.ids) for s in segments) <= 4 and len(segments) >= len(ids) // 4
    for query in ("harbour ships storm", "whales", "gulls keeper 1907", "canoes year"):
        assert sorted(_ranked(updated, query)) == sorted(_ranked(fresh, query)), query


def test_postings_count_each_terms_rows_as_a_plain_count_does():
    """The inverted arrays, built by sorting (term, row) keys in place, against a Counter; rows without terms and
    terms without rows included, and more rows than a byte can number."""
    rng = np.random.default_rng(0)
    sizes = rng.integers(0, 12, 300)
    term = rng.integers(0, 50, sizes.sum()).astype(np.int32)
    postings = _postings_of(term, sizes, 60)
    rows = np.repeat(np.arange(len(sizes)), sizes)
    pointers = postings["post_ptr"]
    found = {(t, int(row)): int(tf) for t in range(60)
             for row, tf in zip(*(postings[n][pointers[t]:pointers[t + 1]] for n in ("post_row", "post_tf")))}
    assert found == dict(Counter(zip(term.tolist(), rows.tolist())))
    assert postings["post_row"].dtype == np.uint16 and pointers[-1] == len(found)


def test_a_pinned_reader_keeps_its_version_through_updates(tmp_path):
    index = KeywordIndex(tmp_path / "bm25")
    index.rebuild(*_rows(["c0", "c1"]))
    pinned = index.pinned()
    index.update(*_rows(["c2"]), removed={"c0"})
    assert [cid for cid, _ in pinned.search("gulls", 5)] == ["c0"] and pinned.search("barges", 5) == []
    assert [cid for cid, _ in index.search("barges", 5)] == ["c2"] and index.search("gulls", 5) == []


def test_adding_and_removing_a_file_writes_one_keyword_segment_and_rewrites_nothing(make_assistant, tmp_path):
    folder = tmp_path / "docs"
    write_documents(folder, 12)
    assistant = make_assistant()
    assistant.ingest([folder])
    keywords = assistant.corpus.keywords.folder
    before = {p.name: p.stat().st_mtime_ns for p in keywords.iterdir() if p.is_dir()}
    (folder / "extra.txt").write_text("Zanzibar cloves\nThe cloves of Zanzibar were shipped in 1887 by dhow.\n")

    added = assistant.ingest([folder / "extra.txt"])
    assert added.summary() == "1 added, 0 updated, 0 unchanged, 0 removed, 0 failed"
    after = {p.name: p.stat().st_mtime_ns for p in keywords.iterdir() if p.is_dir()}
    assert {name: after[name] for name in before} == before and len(after) == len(before) + 1
    assert assistant.corpus.search_keywords("zanzibar cloves", 3)[0][0] in assistant.corpus.catalog.chunk_ids()
    assert assistant.ask("When were the cloves of Zanzibar shipped?").passages[0].path.endswith("extra.txt")

    assert assistant.remove(added.added[0])
    now = {p.name: p.stat().st_mtime_ns for p in keywords.iterdir() if p.is_dir()}
    assert {name: now[name] for name in before} == before  # the rest is left as it was
    assert assistant.corpus.search_keywords("zanzibar cloves", 3) == []
    ids = assistant.corpus.catalog.chunk_ids()
    assert sorted(assistant.corpus.keywords.ids()) == sorted(ids) and assistant.corpus.vectors.ids() == set(ids)


def test_an_interrupted_session_is_mended_id_by_id_even_when_the_counts_agree(make_assistant, sources):
    assistant = make_assistant()
    assistant.ingest([sources])
    corpus = assistant.corpus
    victim = corpus.catalog.chunk_ids()[0]
    chunk, (vector, _, _) = corpus.catalog.chunks([victim])[victim], corpus.catalog.vectors([victim])[victim]
    stray = type(chunk)("stray-id", chunk.path, chunk.start, chunk.end, chunk.text)
    corpus.vectors.delete([victim])
    corpus.vectors.add([stray], vector[None])  # the same count, one id wrong: what a killed session may leave
    (corpus.config.data_dir / f"{corpus.collection_name}.writing").touch()

    report = make_assistant().ingest([sources])
    assert report.summary() == "0 added, 0 updated, 1 unchanged, 0 removed, 0 failed"
    assert corpus.vectors.ids() == set(corpus.catalog.chunk_ids())
    assert not (corpus.config.data_dir / f"{corpus.collection_name}.writing").exists()


EARLIER_FORMS = ["float32 chunk vectors, float16 sentence vectors", "int8 sentence vectors",
                 "int4 sentence vectors, plain text"]


@pytest.mark.parametrize("earlier", EARLIER_FORMS)
def test_stored_vectors_read_back_within_a_hair_and_old_catalogs_are_compacted(make_assistant, sources, earlier):
    rows = unit(np.random.default_rng(1).normal(size=(6, 384))).astype(np.float32)
    assert np.abs((from_stored(to_int8(rows), 384) * rows).sum(axis=1) - 1).max() < 0.002
    assert np.abs((from_stored(to_int4(rows), 384) * rows).sum(axis=1) - 1).max() < 0.02
    assert from_stored(to_int8(rows[:0]), 384).shape == from_stored(to_int4(rows[:0]), 384).shape == (0, 384)
    assert sentence_codes.from_bytes(sentence_codes.to_bytes(rows[:0])).shape == (0, 384)
    groups = [rows[:2], rows[:0], rows[2:]]  # coded together, each chunk's bytes are those of its own call
    assert sentence_codes.to_bytes_each(groups) == [sentence_codes.to_bytes(group) for group in groups]
    # Read back together, each chunk's rows are those of its own call, an earlier form's among them too.
    blobs = sentence_codes.to_bytes_each(groups) + [to_int4(rows)]
    for together, alone in zip(sentence_codes.from_bytes_each(blobs), map(sentence_codes.from_bytes, blobs)):
        assert np.array_equal(together, alone)
    with np.errstate(all="raise"):  # an all-zero row (a sentence with no word-piece) stays zero, no 0/0
        assert not from_stored(to_int8(np.zeros((2, 384), np.float32)), 384).any()
        assert not from_stored(to_int4(np.zeros((2, 384), np.float32)), 384).any()
    assistant = make_assistant()
    assistant.ingest([sources])
    catalog = assistant.corpus.catalog
    ids = catalog.chunk_ids()
    current, texts = catalog.vectors(ids), {cid: chunk.text for cid, chunk in catalog.chunks(ids).items()}
    documents = {row["path"]: catalog.document(row["path"]).text for row in catalog.documents()}

    stored = next((sources.parent / "data").glob("*.sqlite"))
    with sqlite3.connect(stored) as db:
        db.executemany("UPDATE chunks SET vector=?, sentence_vectors=?, text=? WHERE id=?", [
            (v.tobytes(), s.astype(np.float16).tobytes(), texts[cid], cid) if earlier.startswith("float32")
            else (to_int8(v), to_int4(s) if "int4" in earlier else to_int8(s), texts[cid], cid)
            for cid, (v, s, _) in current.items()])
        db.executemany("UPDATE documents SET text=? WHERE path=?", [(text, path) for path, text in documents.items()])
        db.execute("DELETE FROM meta WHERE key=?", (VECTOR_FORM_KEY,))  # as an earlier version left it
    legacy = catalog.vectors(ids)
    assert all(np.allclose(legacy[cid][0], current[cid][0], atol=0.01) for cid in ids)  # read as they are
    assert {cid: chunk.text for cid, chunk in catalog.chunks(ids).items()} == texts

    assert make_assistant().ingest([sources]).chunks_embedded == 0  # the write session compacts them
    with sqlite3.connect(stored) as db:
        sizes = db.execute("SELECT length(vector), length(sentence_vectors) % 96, typeof(text) FROM chunks").fetchall()
        document_forms = {form for (form,) in db.execute("SELECT typeof(text) FROM documents")}
    assert set(sizes) == {(1 + 2 + 384, 1, "blob")} and document_forms == {"blob"}
    assert {cid: chunk.text for cid, chunk in catalog.chunks(ids).items()} == texts
    assert {path: catalog.document(path).text for path in documents} == documents
    compacted = catalog.vectors(ids)
    assert all(abs(float(compacted[cid][0] @ legacy[cid][0]) - 1) < 0.002 for cid in ids)
    # Product-quantized sentence vectors keep a cosine of about 0.95 with what they code.
    assert all(np.mean((compacted[cid][1] * legacy[cid][1]).sum(axis=1)) > 0.9 for cid in ids)
    assert assistant.ask("How many operatives were expelled?").citations
