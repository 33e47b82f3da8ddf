"""Importers: each public format becomes OUT/corpus + OUT/set.jsonl whose evidence is found verbatim."""

import json

import pytest

from assistant.settings import UsageError
from evals.docids import doc_id, file_name
from evals.evalset import load_set
from evals.importers import import_set
from tests.conftest import EVALSETS


def jsonl(path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def assert_evidence_is_verbatim(out):
    """Every evidence alternative occurs in one of the record's source documents."""
    corpus = {p.name: p.read_text() for p in (out / "corpus").iterdir()}
    for record in load_set(out / "set.jsonl"):
        texts = [corpus[s] for s in record.sources] or list(corpus.values())
        for item in record.evidence or ():
            assert any(alternative in text for alternative in item for text in texts), (record.id, item)


@pytest.mark.parametrize("identifier", ["4983", "a/b c", ".hidden", "ümlaut%"])
def test_document_ids_round_trip_through_file_names(identifier):
    name = file_name(identifier)
    assert "/" not in name and not name.startswith(".") and name.endswith(".txt")
    assert doc_id(f"some/corpus/{name}") == identifier


def make_beir(root):
    jsonl(root / "corpus.jsonl", [{"_id": "d1", "title": "Aspirin", "text": "Aspirin thins blood."},
                                  {"_id": "a/2", "title": "", "text": "Vitamin C and colds."},
                                  {"_id": "d3", "title": "Noise", "text": "Unrelated."}])
    jsonl(root / "queries.jsonl", [{"_id": "q1", "text": "Aspirin thins blood", "metadata": {
        "d1": [{"sentences": [0], "label": "SUPPORT"}]}}, {"_id": "q2", "text": "Vitamin C cures colds"},
        {"_id": "q3", "text": "Only grade zero"}])
    (root / "qrels").mkdir()
    (root / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\t2\nq2\ta/2\t1\nq2\tgone\t1\n"
                                             "q3\td3\t0\n")
    return root


def test_beir_documents_are_named_by_id_and_records_carry_qrels(tmp_path):
    manifest = import_set("beir", make_beir(tmp_path / "beir"), tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out" / "corpus").iterdir()) == ["a%2F2.txt", "d1.txt", "d3.txt"]
    assert (tmp_path / "out" / "corpus" / "d1.txt").read_text() == "Aspirin\nAspirin thins blood.\n"
    records = load_set(tmp_path / "out" / "set.jsonl")
    assert [(r.id, dict(r.relevant), r.type) for r in records] == [("q1", {"d1": 2}, "support"),
                                                                  ("q2", {"a/2": 1}, "query")]
    assert all(r.answerable and r.evidence == () for r in records)
    assert "1 qrels name documents missing from corpus.jsonl (dropped)" in manifest["notes"]


def test_beir_split_choice_is_a_user_error_when_ambiguous(tmp_path):
    root = make_beir(tmp_path / "beir")
    (root / "qrels" / "dev.tsv").write_text("q1\td1\t1\n")
    with pytest.raises(UsageError, match="choose a qrels split with --split"):
        import_set("beir", root, tmp_path / "out")
    assert import_set("beir", root, tmp_path / "out", split="dev")["questions"] == 1
    with pytest.raises(UsageError, match="--counterfactual does not apply"):
        import_set("beir", root, tmp_path / "out2", split="dev", counterfactual=True)


def test_squad_paragraphs_become_documents_and_evidence_is_the_answer_sentence(tmp_path):
    context = "Super Bowl 50 was a game. The Denver Broncos won it. It was played in Santa Clara."
    data = {"version": "1.1", "data": [{"title": "Super Bowl 50", "paragraphs": [{"context": context, "qas": [
        {"id": "a", "question": "Who won?", "answers": [{"text": "Denver Broncos", "answer_start": 30},
                                                         {"text": "Broncos", "answer_start": 37}]},
        {"id": "b", "question": "What was unanswerable?", "answers": [], "is_impossible": True}]}]}]}
    source = tmp_path / "dev.json"
    source.write_text(json.dumps(data))
    import_set("squad", source, tmp_path / "out")
    assert (tmp_path / "out" / "corpus" / "Super_Bowl_50_000.txt").read_text() == context
    won, unanswerable = load_set(tmp_path / "out" / "set.jsonl")
    assert won.answers == (("Denver Broncos", "Broncos"),)
    assert won.evidence == (("The Denver Broncos won it.",),) and won.sources == ("Super_Bowl_50_000.txt",)
    assert not unanswerable.answerable and unanswerable.answers == ()


def test_squad_jsonl_sample_layout(tmp_path):
    source = jsonl(tmp_path / "sample.jsonl", [
        {"id": "1", "context": "Warsaw has 13 reserves. Lakes are emptied to clean them.", "question": "Why?",
         "answers": ["to clean them", "clean them"], "is_impossible": False},
        {"id": "2", "context": "Warsaw has 13 reserves. Lakes are emptied to clean them.", "question": "Who?",
         "answers": [""], "is_impossible": True}])
    manifest = import_set("squad", source, tmp_path / "out")
    assert (manifest["documents"], manifest["questions"], manifest["unanswerable"]) == (1, 2, 1)
    first = load_set(tmp_path / "out" / "set.jsonl")[0]
    assert first.evidence == (("Lakes are emptied to clean them.",),)


def test_rgb_snippets_become_documents_and_answer_groups_keep_alternatives(tmp_path):
    source = jsonl(tmp_path / "rgb.jsonl", [
        {"id": 0, "query": "Super Bowl 2021 location", "answer": "Tampa, Florida",
         "positive": ["It was played in Tampa, Florida. Great game.", "Held in Tampa, Florida again"],
         "negative": ["Las Vegas hosts 2024."], "positive_wrong": ["It was played in Glendale, Arizona."]},
        {"id": 22, "query": "When was it released?", "answer": [["December 1 2017", "Dec 1, 2017"]],
         "positive": ["Released on Dec 1, 2017 worldwide."], "negative": ["Las Vegas hosts 2024."]}])
    import_set("rgb", source, tmp_path / "out")
    names = sorted(p.name for p in (tmp_path / "out" / "corpus").iterdir())
    assert names == ["q000_negative_0.txt", "q000_positive_0.txt", "q000_positive_1.txt", "q022_positive_0.txt"]
    super_bowl, release = load_set(tmp_path / "out" / "set.jsonl")
    assert super_bowl.evidence == (("It was played in Tampa, Florida.", "Held in Tampa, Florida again"),)
    assert release.answers == (("December 1 2017", "Dec 1, 2017"),)
    import_set("rgb", source, tmp_path / "out", counterfactual=True)  # re-import refreshes in place
    assert (tmp_path / "out" / "corpus" / "q000_positive_wrong_0.txt").exists()
    assert_evidence_is_verbatim(tmp_path / "out")


def test_multihop_corpus_is_rebuilt_from_facts(tmp_path):
    fact = {"title": "Google trial", "source": "TechCrunch", "published_at": "2023-10-31T02:30:32+00:00",
            "url": "https://example.org/1"}
    source = jsonl(tmp_path / "mh.jsonl", [
        {"id": "1", "query": "Which company?", "question_type": "inference_query", "answer": "Google",
         "evidence_list": [{**fact, "fact": "Google spent $26.3 billion."},
                           {**fact, "fact": "Chrome was to be preinstalled."}]},
        {"id": "2", "query": "Did both agree?", "question_type": "comparison_query", "answer": "Yes",
         "evidence_list": [{**fact, "fact": "Google spent $26.3 billion."}]},
        {"id": "3", "query": "Unknown?", "question_type": "null_query", "answer": "Insufficient information.",
         "evidence_list": []}])
    import_set("multihop", source, tmp_path / "out")
    [document] = list((tmp_path / "out" / "corpus").iterdir())
    assert document.read_text() == ("Google trial\nTechCrunch, 2023-10-31\n\nGoogle spent $26.3 billion.\n\n"
                                    "Chrome was to be preinstalled.\n")
    which, yes_no, null = load_set(tmp_path / "out" / "set.jsonl")
    assert which.answers == (("Google",),) and len(which.evidence) == 2 and which.type == "inference_query"
    assert yes_no.answers == () and yes_no.reference == "Yes" and yes_no.answerable
    assert not null.answerable


def test_import_refuses_to_clobber_a_folder_that_is_not_an_import(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "precious.txt").write_text("keep me")
    with pytest.raises(UsageError, match="is not an earlier import"):
        import_set("beir", make_beir(tmp_path / "beir"), tmp_path / "out")
    with pytest.raises(UsageError, match="unknown format"):
        import_set("csv", tmp_path, tmp_path / "x")


@pytest.mark.dev_data("squad-v2-sample", "rgb", "multihop-rag")
@pytest.mark.parametrize("kind, relative, lines", [
    ("squad", "squad-v2-sample/sample-a.jsonl", 40),
    ("rgb", "rgb/en_fact.jsonl", 10),
    ("multihop", "multihop-rag/queries_with_answers.jsonl", 40),
])
def test_real_data_slices_import_with_verbatim_evidence(tmp_path, kind, relative, lines):
    head = (EVALSETS / relative).read_text().splitlines()[:lines]
    source = tmp_path / "slice.jsonl"
    source.write_text("\n".join(head) + "\n")
    manifest = import_set(kind, source, tmp_path / "out")
    assert manifest["questions"] == lines
    assert_evidence_is_verbatim(tmp_path / "out")


@pytest.mark.dev_data("squad-v1.1")
def test_real_squad_json_slice(tmp_path):
    data = json.loads((EVALSETS / "squad-v1.1" / "dev-half-a.json").read_text())
    data["data"] = [{**data["data"][0], "paragraphs": data["data"][0]["paragraphs"][:3]}]
    source = tmp_path / "slice.json"
    source.write_text(json.dumps(data))
    manifest = import_set("squad", source, tmp_path / "out")
    assert manifest["documents"] == 3 and not manifest["notes"]
    assert_evidence_is_verbatim(tmp_path / "out")
