"""Each metric pinned on hand-computed cases, edge cases included."""

import math

import pytest

from evals.metrics import Gold, answer_correct, answer_f1, auroc, citation_precision, citation_recall, evidence_rank, \
    ndcg_at, percentile, primary_score, recall_at, score_question, summarize
from assistant.answer import strip_markers
from evals.normalize import contains, token_f1, tokens

DOC = "docs/a.txt"
EVIDENCE = (DOC, 100, 140)  # 40 characters
ANSWERABLE = Gold(answers=(("37",),), evidence=((EVIDENCE,),))
UNANSWERABLE = Gold(evidence=None)


@pytest.mark.parametrize("text, needle, expected", [
    ("It cost 250,000 dollars.", "250000", True),
    ("It cost 250000 dollars.", "250,000", True),
    ("Held in São Paulo", "sao paulo", True),
    ("THE DENVER BRONCOS WON", "Denver Broncos", True),
    ("Denver won, the Broncos lost", "Denver Broncos", False),  # words must be contiguous
    ("founded in 1937", "37", False),  # whole words only
    ("aboard seven aircraft", "seven aircraft.", True),  # punctuation ignored
    ("anything", "", False),
    ("", "37", False),
])
def test_contains_normalises_case_accents_punctuation_and_numbers(text, needle, expected):
    assert contains(text, needle) is expected


def test_tokens_drop_articles_and_punctuation():
    assert tokens("The U.S. sent a $10.4-billion aid!") == ["u", "s", "sent", "10", "4", "billion", "aid"]


def test_token_f1_by_hand():
    # prediction {denver, broncos, won} vs gold {denver, broncos}: P = 2/3, R = 1, F1 = 0.8
    assert token_f1("the Denver Broncos won", "Denver Broncos") == pytest.approx(0.8)
    assert token_f1("", "Denver Broncos") == 0.0


def test_strip_markers():
    assert strip_markers("First quote. [1] Second one. [2]") == "First quote. Second one."


def test_answer_correct_needs_every_item_and_any_alternative():
    gold = Gold(answers=(("Denver Broncos", "Broncos"), ("24–10",)), evidence=((EVIDENCE,),))
    assert answer_correct("The Broncos won 24–10.", False, gold) == 1.0
    assert answer_correct("The Broncos won.", False, gold) == 0.0
    assert answer_correct("The Broncos won 24–10.", True, gold) == 0.0  # abstained
    assert answer_correct("", False, gold) == 0.0  # empty answer


def test_answer_correct_on_unanswerable_rewards_abstaining_only():
    assert answer_correct("The documents don't answer this.", True, UNANSWERABLE) == 1.0
    assert answer_correct("Something confident.", False, UNANSWERABLE) == 0.0


def test_answer_metrics_absent_without_gold_answers():
    gold = Gold(evidence=((EVIDENCE,),))
    assert answer_correct("x", False, gold) is None
    assert answer_f1("x", False, gold) is None


def test_f1_averages_items_takes_best_alternative_and_skips_long_answers():
    gold = Gold(answers=(("Denver Broncos", "Broncos"), ("Carolina",)), evidence=((EVIDENCE,),))
    # item 1: best of F1("Broncos beat Panthers", …) = 0.5 ("Broncos": P 1/3, R 1); item 2: 0
    assert answer_f1("Broncos beat Panthers", False, gold) == pytest.approx(0.25)
    assert answer_f1("Broncos", True, gold) == 0.0
    long_gold = Gold(answers=(("one two three four five six seven eight nine ten eleven",),), evidence=((EVIDENCE,),))
    assert answer_f1("one two", False, long_gold) is None
    assert answer_f1("x", True, UNANSWERABLE) == 1.0


def test_citation_precision_by_overlap_or_gold_answer():
    supporting = ((DOC, 90, 110), "overlaps the evidence")
    answer_bearing = (("docs/b.txt", 0, 20), "37 operatives were expelled")
    unrelated = ((DOC, 0, 50), "unrelated sentence")
    assert citation_precision([supporting, answer_bearing, unrelated, unrelated], ANSWERABLE) == pytest.approx(2 / 3)


def test_citation_precision_counts_a_duplicate_citation_once():
    supporting = ((DOC, 100, 140), "the evidence")
    unrelated = ((DOC, 0, 50), "other")
    assert citation_precision([supporting, supporting, unrelated], ANSWERABLE) == pytest.approx(0.5)


def test_citation_precision_edge_cases():
    assert citation_precision([], ANSWERABLE) is None  # no citations: nothing to be precise about
    assert citation_precision([((DOC, 0, 10), "a confident quote")], UNANSWERABLE) == 0.0  # answered the unanswerable
    no_gold = Gold(evidence=((),))  # evidence not found in the documents, no answers
    assert citation_precision([((DOC, 0, 10), "x")], no_gold) is None


def test_citation_precision_with_qrels_counts_relevant_documents():
    gold = Gold(relevant={"42": 1, "7": 0})
    cited = [(("corpus/42.txt", 0, 9), "a"), (("corpus/7.txt", 0, 9), "b")]
    assert citation_precision(cited, gold) == 0.5


def test_citation_recall_by_character_coverage():
    assert citation_recall([(DOC, 90, 120)], ANSWERABLE) == pytest.approx(0.5)  # 20 of 40 characters
    assert citation_recall([(DOC, 90, 120), (DOC, 110, 130)], ANSWERABLE) == pytest.approx(0.75)  # union 100–130
    assert citation_recall([(DOC, 100, 140), (DOC, 100, 140)], ANSWERABLE) == 1.0  # duplicates: no double count
    assert citation_recall([("docs/b.txt", 100, 140)], ANSWERABLE) == 0.0  # same offsets, other document
    assert citation_recall([], ANSWERABLE) == 0.0  # answered (or abstained) without citing


def test_citation_recall_averages_items_and_takes_the_best_alternative():
    gold = Gold(evidence=(((DOC, 0, 10), ("docs/b.txt", 0, 10)), ((DOC, 50, 60),)))
    assert citation_recall([("docs/b.txt", 0, 10)], gold) == 0.5  # item 1 via its alternative, item 2 missed


def test_citation_recall_absent_without_located_evidence():
    assert citation_recall([(DOC, 0, 5)], UNANSWERABLE) is None
    assert citation_recall([(DOC, 0, 5)], Gold(answers=(("x",),), evidence=((),))) is None


def test_evidence_rank_needs_half_the_evidence_inside_a_passage():
    ranking = [(DOC, 0, 99), (DOC, 125, 400), (DOC, 110, 300)]
    # passage 2 holds 15 of 40 characters (not enough); passage 3 holds 30 of 40
    assert evidence_rank(ranking, ANSWERABLE) == 3
    assert evidence_rank(ranking[:2], ANSWERABLE) is None


def test_ndcg_and_recall_by_hand():
    relevant = {"a": 2, "b": 1, "z": 0}
    # DCG = 2/log2(3) + 1/log2(4); ideal = 2/log2(2) + 1/log2(3)
    expected = (2 / math.log2(3) + 0.5) / (2 + 1 / math.log2(3))
    assert ndcg_at(["c", "a", "b"], relevant, 10) == pytest.approx(expected)
    assert ndcg_at(["a", "b"], relevant, 10) == 1.0
    assert ndcg_at(["c"], relevant, 10) == 0.0
    assert recall_at(["a", "c"], relevant, 100) == 0.5
    assert recall_at(["c", "a"], relevant, 1) == 0.0


def test_score_question_keeps_only_metrics_that_apply():
    answer = {"answer": "37 operatives were expelled. [1]", "abstained": False,
              "citations": [{"path": DOC, "start": 100, "end": 140, "quote": "37 operatives were expelled."}]}
    scores = score_question(answer, [(DOC, 0, 99), (DOC, 80, 200)], ANSWERABLE)
    # f1: 1 of 4 answer words is the gold answer: P = 1/4, R = 1, F1 = 0.4
    assert scores == {"answer_correct": 1.0, "f1": pytest.approx(0.4), "citation_precision": 1.0,
                      "citation_recall": 1.0, "hit@1": 0.0, "hit@5": 1.0, "hit@10": 1.0, "mrr@10": 0.5}


def test_score_question_with_qrels_ranks_documents_once():
    answer = {"answer": "The documents don't answer this.", "abstained": True, "citations": []}
    ranking = [("c/9.txt", 0, 10), ("c/9.txt", 10, 20), ("c/42.txt", 0, 10)]
    scores = score_question(answer, ranking, Gold(relevant={"42": 1}))
    assert scores["hit@1"] == 0.0 and scores["hit@5"] == 1.0 and scores["mrr@10"] == 0.5  # document rank 2
    assert scores["ndcg@10"] == pytest.approx(1 / math.log2(3)) and scores["recall@100"] == 1.0
    assert "answer_correct" not in scores and "citation_precision" not in scores


def test_score_question_unanswerable_answered():
    answer = {"answer": "A guess. [1]", "abstained": False,
              "citations": [{"path": DOC, "start": 0, "end": 8, "quote": "A guess."}]}
    assert score_question(answer, [(DOC, 0, 500)], UNANSWERABLE) == {
        "answer_correct": 0.0, "f1": 0.0, "citation_precision": 0.0}


def test_summarize_means_over_applicable_questions_and_abstention_by_hand():
    scores = [{"answer_correct": 1.0}, {"answer_correct": 0.0, "ndcg@10": 0.5}, {}, {"answer_correct": 1.0}]
    abstained = [False, True, True, True]
    unanswerable = [False, False, True, True]
    summary = summarize(scores, abstained, unanswerable, [10.0, 20.0, 30.0, 40.0])
    assert summary == {"ndcg@10": 0.5, "answer_correct": 0.6667, "abstain_precision": 0.6667,
                       "abstain_recall": 1.0, "answerable_declined": 0.5, "latency_ms_p50": 25.0,
                       "latency_ms_p95": 38.5}
    assert list(summary) == ["ndcg@10", "answer_correct", "abstain_precision", "abstain_recall",
                             "answerable_declined", "latency_ms_p50", "latency_ms_p95"]


def test_summarize_leaves_out_what_does_not_apply():
    summary = summarize([{"answer_correct": 1.0}], [False], [False], [])
    # no unanswerable questions, no timings: absent, not 0 (declining an answerable one applies to every set)
    assert summary == {"answer_correct": 1.0, "answerable_declined": 0.0}
    never_abstains = summarize([{}, {}], [False, False], [True, False], [5.0, 5.0])
    assert never_abstains["abstain_recall"] == 0.0 and "abstain_precision" not in never_abstains


def test_percentile_interpolates_like_numpy():
    assert percentile([5.0], 95) == 5.0
    assert percentile([1.0, 2.0, 3.0, 4.0, 100.0], 50) == 3.0
    assert percentile([1.0, 2.0, 3.0, 4.0, 100.0], 95) == pytest.approx(80.8)


def test_primary_score_order():
    assert primary_score({"mrr@10": 0.5, "citation_recall": 0.25}) == 0.25
    assert primary_score({"mrr@10": 0.5, "ndcg@10": 0.7}) == 0.7
    assert primary_score({}) is None


def test_auroc_by_hand_with_ties_counting_half():
    assert auroc([0.9, 0.8, 0.1, 0.2], [True, True, False, False]) == 1.0
    assert auroc([0.1, 0.2, 0.9, 0.8], [True, True, False, False]) == 0.0
    assert auroc([0.5, 0.5, 0.5, 0.5], [True, False, True, False]) == 0.5
    assert auroc([0.9, 0.5, 0.5, 0.1], [True, True, False, False]) == 0.875


def test_summary_ranks_abstention_by_confidence_and_counts_declined_answerable_questions():
    summary = summarize([{}, {}, {}, {}], abstained=[True, False, True, False], unanswerable=[True, True, False, False],
                        latencies_ms=[1, 1, 1, 1], confidences=[0.1, 0.3, 0.2, 0.9])
    assert summary["abstain_auroc"] == 0.75  # the unanswerable ones at 0.1 and 0.3 against 0.2 and 0.9
    assert summary["answerable_declined"] == 0.5
