"""Retrieval: the keyword index's matches and word positions, the ranker's features, and the fused ranking."""

import json
from dataclasses import replace

import numpy as np
import pytest

from assistant import ranking
from assistant.retriever import HybridRetriever
from assistant.terms import content_word_spans
from assistant.term_vectors import TermVectors
from assistant.word_similarity import WordSimilarity
from index import token_vectors
from index.candidates import CandidateChunk, CandidatePool
from index.document import Chunk
from index.embedder import Embedder
from index.keyword_index import KeywordIndex, KeywordMatch, RowLayout, term_positions

TEXTS = ["Vitamin D deficiency\nLow vitamin D levels raise fracture risk. Sunlight helps.",
         "Vitamin D deficiency\nSupplements restore levels within weeks.",
         "Lighthouses\nThe keeper counted 412 ships during the storm."]
GROUPS = ["vitd.txt", "vitd.txt", "light.txt"]


@pytest.fixture
def keywords(tmp_path) -> KeywordIndex:
    index = KeywordIndex(tmp_path / "bm25")
    index.rebuild(["a", "b", "c"], TEXTS, GROUPS)
    return index


def test_keyword_index_survives_a_reload_with_postings_groups_and_word_positions(keywords, tmp_path):
    reloaded = KeywordIndex(tmp_path / "bm25")
    assert reloaded.is_current() and reloaded.ids() == ["a", "b", "c"]
    match = reloaded.match("Which vitamin deficiency raises fracture risk?")
    assert match.terms == ["vitamin", "defici", "rais", "fractur", "risk"]
    assert match.words == ["vitamin", "deficiency", "raises", "fracture", "risk"]
    assert [sorted(rows.tolist()) for rows in match.rows] == [[0, 1], [0, 1], [0], [0], [0]]
    assert match.idf[3] > match.idf[0] > 0  # a rarer term weighs more
    assert reloaded.search("fracture", 3)[0][0] == "a"
    layout = reloaded.layout()
    assert layout.row_of == {"a": 0, "b": 1, "c": 2}
    assert layout.document_of_row.tolist() == [0, 0, 1] and layout.document_sizes.tolist() == [2, 1]
    terms, starts, length = reloaded.row_terms().of(2)
    stems, offsets = term_positions(TEXTS[2])
    vocabulary = reloaded.vocabulary()
    assert terms.tolist() == [vocabulary[s] for s in stems] and starts.tolist() == offsets
    assert length == len(TEXTS[2]) and TEXTS[2][starts[-1]:].startswith("storm")
    words = reloaded.words()  # each stem as the documents first write it
    assert len(words) == len(vocabulary) and words[vocabulary["rais"]] == "raise" and words[vocabulary["level"]] == "levels"


def test_keyword_index_without_shared_words_or_rows(keywords, tmp_path):
    assert keywords.match("the of and") is None and keywords.search("zebra", 5) == []
    empty = KeywordIndex(tmp_path / "empty")
    empty.rebuild([], [])
    assert empty.match("vitamin") is None and empty.search("vitamin", 5) == []
    legacy = KeywordIndex(tmp_path / "legacy")
    legacy.rebuild(["a"], ["text"])
    (legacy.folder / "g00000001").mkdir()  # the format before segments: one bm25s build per version
    (legacy.folder / "CURRENT").write_text(json.dumps({"generation": 1, "build": "g00000001", "rows": 1}))
    assert not KeywordIndex(legacy.folder).is_current()  # ingest rebuilds an index of an older version
    assert KeywordIndex(legacy.folder).search("text", 1) == []
    legacy.rebuild(["a"], ["text"])
    assert KeywordIndex(legacy.folder).is_current() and not (legacy.folder / "g00000001").exists()


def test_a_pinned_index_answers_from_the_version_it_was_pinned_at(keywords):
    pinned = keywords.pinned()
    keywords.rebuild(["z"], ["Zebras graze at dawn."])
    assert keywords.ids() == ["z"] and keywords.search("fracture", 3) == []
    assert pinned.search("fracture", 3)[0][0] == "a" and pinned.layout().row_of == {"a": 0, "b": 1, "c": 2}
    assert "fracture" in pinned.words() and "zebras" not in pinned.words() and "zebras" in keywords.words()


def _candidate(row: int, chunk_text: str, vector, sentences, token_vectors=None) -> CandidateChunk:
    """A chunk at the start of its document, its sentences given by text (all with the chunk's vector)."""
    spans = tuple((chunk_text.index(s), chunk_text.index(s) + len(s)) for s in sentences)
    return CandidateChunk(Chunk(f"c{row}", "doc.txt", 0, len(chunk_text), chunk_text, spans), np.asarray(vector, float),
                          np.asarray([vector] * len(sentences), float), token_vectors, row)


def _pool(keywords: KeywordIndex, match: KeywordMatch | None, candidates: list[CandidateChunk]) -> CandidatePool:
    return CandidatePool(candidates, match, keywords.layout(), keywords.row_terms(), keywords.words())


def test_features_measure_coverage_phrases_and_the_document(keywords):
    vector = np.array([1.0, 0.0])
    first = _candidate(0, TEXTS[0].split("\n", 1)[1], [0.8, 0.6], ["Low vitamin D levels raise fracture risk.", "Sunlight helps."])
    second = _candidate(1, TEXTS[1].split("\n", 1)[1], [0.6, 0.8], ["Supplements restore levels within weeks."])
    match = keywords.match("Does vitamin deficiency raise fracture risk?")
    rows = ranking.chunk_features(vector, _pool(keywords, match, [first, second]))
    named = [dict(zip(ranking.FEATURES, row)) for row in rows]
    assert named[0]["dense"] == pytest.approx(0.8) and named[0]["sentence"] == pytest.approx(0.8)
    assert named[0]["coverage"] == pytest.approx(1.0)  # the title line counts for the chunk
    assert 0 < named[1]["coverage"] < 1 and named[1]["rare_term"] == 0
    assert named[1]["document_coverage"] == pytest.approx(1.0)  # its document says it all, elsewhere
    # Sentence coverage leaves out the title line: "deficiency" sits there, not in the sentence.
    assert named[0]["best_sentence"] == pytest.approx(0.8 + 1 - match.idf[1] / match.idf.sum())
    assert named[0]["bigrams"] > named[1]["bigrams"] > 0  # "fracture risk" side by side; both titles say "vitamin D deficiency"
    assert named[0]["keyword"] > named[1]["keyword"]
    assert named[0]["document_chunks"] == pytest.approx(np.log(2))
    assert named[0]["document_dense"] == named[0]["dense"]  # no document vector given: the chunk's own
    whole = replace(first, document_vector=np.array([0.6, 0.8]))
    assert ranking.chunk_features(vector, _pool(keywords, match, [whole]))[0, 9] == pytest.approx(0.6)
    no_words = ranking.chunk_features(vector, _pool(keywords, None, [first]))
    assert no_words[0, 2:5].tolist() == [0, 0, 0] and no_words[0, 5] == pytest.approx(0.8)


def test_a_chunk_missing_from_the_keyword_index_is_read_on_the_spot(keywords):
    vector = np.array([1.0, 0.0])
    stray = _candidate(-1, "Fracture risk falls with vitamin D.", vector, ["Fracture risk falls with vitamin D."])
    match = keywords.match("vitamin fracture risk")
    row = ranking.chunk_features(vector, _pool(keywords, match, [stray]))[0]
    assert row[2] == 0 and row[3] == 0  # not in the index: no BM25, no postings
    assert row[5] == pytest.approx(2.0)  # but its one sentence holds every query term
    assert row[7] == pytest.approx(row[3]) and row[8] == 0


def test_late_interaction_prefers_the_chunk_that_says_what_was_asked(tmp_path, models_dir):
    texts = ["The keeper counted 412 ships during the storm.", "The keeper painted the storm lantern red."]
    keywords = KeywordIndex(tmp_path / "bm25")
    keywords.rebuild(["a", "b"], texts)
    embedder = Embedder(models_dir)
    vectors, sentences, pieces = embedder.embed_with_spans(texts, [[(0, len(t))] for t in texts])
    candidates = [replace(_candidate(row, t, v, [t], token_vectors.expand(p)), sentence_vectors=s)
                  for row, (t, v, s, p) in enumerate(zip(texts, vectors, sentences, pieces))]
    question = "How many vessels did the keeper count?"
    query = embedder.embed_query(question)
    pieces = ranking.question_pieces(query, content_word_spans(question))
    assert len(pieces) == len(query.tokens) - 5  # "How many ... did the ... ?" match anything
    match = keywords.match(question)
    rows = ranking.chunk_features(query.vector, _pool(keywords, match, candidates), question_pieces=pieces)
    late = [ranking.FEATURES.index("late_interaction"), ranking.FEATURES.index("late_interaction_weakest")]
    assert (rows[0, late] > rows[1, late]).all() and (rows[:, late[1]] <= rows[:, late[0]]).all()
    # A chunk of an index not yet given word-piece vectors neither wins nor loses by them.
    older = replace(candidates[1], token_vectors=None)
    mixed = ranking.chunk_features(query.vector, _pool(keywords, match, [candidates[0], older]), question_pieces=pieces)
    assert mixed[1, late] == pytest.approx(mixed[0, late])
    assert not ranking.chunk_features(query.vector, _pool(keywords, match, candidates))[:, late].any()


def test_soft_features_credit_close_words_where_exact_ones_are_missing(tmp_path, models_dir):
    keywords = KeywordIndex(tmp_path / "bm25")
    keywords.rebuild(["a", "b"], ["Storm\nThe keeper counted 412 ships during the storm he named Wren.",
                                  "Harbour\nA boat sank in what the keeper called the storm of the century."])
    vector = np.array([1.0, 0.0])
    sentence = "The keeper counted 412 ships during the storm he named Wren."
    ships = _candidate(0, sentence, [0.6, 0.8], [sentence])
    match = keywords.match("How many boats did the keeper count?")
    assert match.words == ["boats", "keeper", "count"]

    def named(term_vectors: TermVectors | None = None) -> dict[str, float]:
        row = ranking.chunk_features(vector, _pool(keywords, match, [ships]), term_vectors)[0]
        return dict(zip(ranking.FEATURES, row))

    exact = named()  # no word vectors: exact terms only
    assert exact["soft_coverage"] == pytest.approx(exact["coverage"])
    assert exact["soft_best_sentence"] == pytest.approx(exact["best_sentence"])
    soft = named(TermVectors(WordSimilarity(models_dir)))
    boats = match.idf[0] / match.idf.sum()  # "ships" stands in for "boats", most of the way
    assert exact["coverage"] + boats / 2 < soft["soft_coverage"] < exact["coverage"] + boats
    assert soft["soft_best_sentence"] - exact["best_sentence"] == pytest.approx(soft["soft_coverage"] - exact["coverage"])
    assert soft["coverage"] == exact["coverage"]
    match = keywords.match("What was the storm called?")  # a question word counts only as itself:
    assert match.words == ["what", "storm", "called"]  # though "named" is close to "called"
    assert named(TermVectors(WordSimilarity(models_dir)))["soft_coverage"] == pytest.approx(
        named()["coverage"])


def test_term_vectors_follow_the_index_vocabulary(keywords, models_dir):
    similarity = WordSimilarity(models_dir)
    vectors = TermVectors(similarity)
    words = keywords.words()
    rows = vectors.of(words, np.array([3, 0, 3]))
    assert similarity.vector.cache_info().currsize == 0  # the table holds the rows; no second copy
    assert rows.shape == (3, similarity.dimensions) and np.allclose(rows[0], similarity.vector(words[3]), atol=1e-3)
    renumbered = list(reversed(words))  # a rebuilt index: a new word list, a new table
    assert np.allclose(vectors.of(renumbered, np.array([0]))[0], similarity.vector(words[-1]), atol=1e-3)


def test_term_vectors_keep_at_most_their_capacity(keywords, models_dir):
    similarity = WordSimilarity(models_dir)
    vectors, words = TermVectors(similarity, capacity=4), keywords.words()
    expected = similarity.vectors(words[:6])
    assert np.allclose(vectors.of(words, np.array([0, 1, 2])), expected[:3], atol=1e-3)
    assert np.allclose(vectors.of(words, np.array([3, 4, 1])), expected[[3, 4, 1]], atol=1e-3)  # slots given up
    assert vectors._used == 3
    assert np.allclose(vectors.of(words, np.arange(6)), expected, atol=1e-3)  # more than it holds: computed


def test_layout_numbers_documents_in_order_of_appearance():
    layout = RowLayout.build(["x", "y", "z"], ["b.txt", "a.txt", "b.txt"])
    assert layout.document_of_row.tolist() == [0, 1, 0] and layout.document_sizes.tolist() == [2, 1]


def test_shipped_weights_match_the_features():
    shipped = json.loads(ranking.WEIGHTS_FILE.read_text())["weights"]
    assert set(shipped) == set(ranking.QUERY_KINDS)
    for kind in ranking.QUERY_KINDS:
        assert set(shipped[kind]) == set(ranking.FEATURES) and ranking.weights(kind).shape == (len(ranking.FEATURES),)
    assert not np.allclose(ranking.weights("question"), ranking.weights("statement"))


@pytest.mark.parametrize("query, kind", [
    ("Who will visit Mexico?", "question"), ("how many operatives were expelled", "question"),
    ("Name two series that were reboots.", "question"), ("Is vitamin D linked to fractures", "question"),
    ("Super Bowl 2021 location?", "question"), ("Vitamin D lowers fracture risk.", "statement"),
    ("Kash Patel visit", "statement"), ("Isolation of a new strain.", "statement"),
])
def test_query_kind_tells_questions_from_claims_and_keywords(query, kind):
    assert ranking.query_kind(query) == kind


def test_retrieval_ranks_with_the_weights_of_the_query_kind(sample_assistant):
    retriever, orders = sample_assistant.retriever, set()
    for query in ("Who was expelled to the United States?", "Operatives expelled to the United States"):
        question = sample_assistant.question(query)
        found = retriever.pool(question, 30)
        by_kind = {kind: [found.chunks[i].id for i in np.argsort(-(found.features @ ranking.weights(kind)),
                                                                 kind="stable")]
                   for kind in ranking.QUERY_KINDS}
        retrieved = retriever.retrieve(question, len(found.chunks))
        assert [p.chunk_id for p in retrieved] == by_kind[ranking.query_kind(query)] == by_kind[question.kind]
        orders.add(tuple(by_kind["question"]) != tuple(by_kind["statement"]))
    assert True in orders  # the kinds' weights order these pools differently, so the check above can fail


@pytest.mark.parametrize("fusion", ["learned", "mix"])
def test_both_fusions_rank_the_answering_passage_first(sample_assistant, fusion):
    retriever = HybridRetriever(sample_assistant.corpus, sample_assistant.term_vectors, candidates=30, fusion=fusion)
    passages = retriever.retrieve(sample_assistant.question("How many operatives were expelled to the United States?"), 3)
    assert len(passages) == 3 and "37 operatives" in passages[0].text
    scores = [p.score for p in passages]
    assert scores == sorted(scores, reverse=True) and all(0.0 <= s <= 1.0 for s in scores) and scores[0] == 1.0
    assert passages[0].keyword > 0 and 0 < passages[0].dense <= 1


def test_retrieval_returns_what_there_is(sample_assistant):
    corpus = sample_assistant.corpus
    everything = HybridRetriever(corpus, sample_assistant.term_vectors, candidates=5).retrieve(
        sample_assistant.question("security cooperation"), 500)
    assert len(everything) == corpus.status()["chunks"] == len({p.chunk_id for p in everything})
    foreign = HybridRetriever(corpus, sample_assistant.term_vectors).retrieve(
        sample_assistant.question("¿Cuántos operativos fueron expulsados?"), 2)
    assert len(foreign) == 2  # no shared words: dense alone still ranks


def test_unknown_fusion_is_refused(sample_assistant):
    with pytest.raises(ValueError, match="fusion"):
        HybridRetriever(sample_assistant.corpus, sample_assistant.term_vectors, fusion="rrf")
