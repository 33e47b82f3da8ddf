"""The metrics of docs/evals.md, per question and over a run; a metric that doesn't apply is left out."""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from assistant.answer import strip_markers

from evals.docids import doc_id
from evals.evalset import Groups
from evals.normalize import contains, token_f1, tokens

Span = tuple[str, int, int]  # (path, start, end): a character range of one indexed document
HIT_KS = (1, 5, 10)
RANKING_DEPTH = 10  # passages ranked for hit@k and mrr@10
DOCUMENT_DEPTH = 100  # documents ranked for recall@100 when a set has qrels
SHORT_ANSWER_WORDS = 10  # token F1 only means something against short gold answers
# Of generated answers (footnote eval --generate), over their sentences: see generated_scores.
GENERATE_METRICS = ("alce_citation_precision", "alce_citation_recall", "unsupported_rate", "marker_correction_rate",
                    "generated")
# Order of metrics.json and of every table; names as docs/evals.md defines them.
METRICS = (*(f"hit@{k}" for k in HIT_KS), "mrr@10", "ndcg@10", "recall@100", "answer_correct", "f1",
           "citation_precision", "citation_recall", "abstain_precision", "abstain_recall", "abstain_auroc",
           "answerable_declined", *GENERATE_METRICS, "latency_ms_p50", "latency_ms_p95")
DESCRIPTIONS = {
    "hit@1": "evidence in the first retrieved passage (document, with qrels)",
    "hit@5": "evidence in one of the first 5 retrieved passages",
    "hit@10": "evidence in one of the first 10 retrieved passages",
    "mrr@10": "mean of 1/rank of the first passage holding the evidence (0 beyond 10)",
    "ndcg@10": "graded ranking quality of the first 10 documents (BEIR qrels)",
    "recall@100": "share of the relevant documents among the first 100",
    "answer_correct": "answer contains every gold answer (normalised); abstaining on unanswerable",
    "f1": "token F1 against the short gold answer (SQuAD-style)",
    "citation_precision": "cited spans that overlap the evidence, hold a gold answer or a relevant document",
    "citation_recall": "share of the evidence characters covered by citations",
    "abstain_precision": "abstentions that were right (the documents don't answer)",
    "abstain_recall": "unanswerable questions on which the assistant abstained",
    "abstain_auroc": "how well the answer's confidence ranks unanswerable questions below answerable ones (0.5: chance)",
    "answerable_declined": "answerable questions on which the assistant abstained",
    "alce_citation_precision": "generated answers: the model's own [n] markers that name a passage supporting "
                               "their sentence (ALCE-style, judged by the support scorer)",
    "alce_citation_recall": "generated answers: sentences that a passage the model cited supports (ALCE-style)",
    "unsupported_rate": "generated answers: sentences no passage supports (marked in the chat, red in the report)",
    "marker_correction_rate": "generated answers: supported sentences whose marker Footnote corrected or added",
    "generated": "questions answered by the model (the rest fell back to quotes, or abstained)",
    "latency_ms_p50": "median time to answer, ms",
    "latency_ms_p95": "95th-percentile time to answer, ms",
}
# The one number per question that orders the report and decides better/worse in compare.
PRIMARY = ("answer_correct", "citation_recall", "ndcg@10", "mrr@10")


@dataclass(frozen=True)
class Gold:
    """What a question's answer is judged against, with evidence already located in the documents.

    `evidence`: per required evidence item, the spans where any of its alternatives occurs; None
    for a question the documents don't answer. `relevant`: document id → grade (BEIR qrels).
    """

    answers: Groups = ()
    evidence: tuple[tuple[Span, ...], ...] | None = ()
    relevant: Mapping[str, int] = field(default_factory=dict)

    @property
    def unanswerable(self) -> bool:
        """The documents don't answer: abstaining is the right reply."""
        return self.evidence is None

    @property
    def located(self) -> tuple[tuple[Span, ...], ...]:
        """Evidence items found in the documents (unfound ones can't be scored)."""
        return tuple(item for item in self.evidence or () if item)


def answer_correct(text: str, abstained: bool, gold: Gold) -> float | None:
    """1 when every gold item has an alternative inside the answer; unanswerable: 1 for abstaining."""
    if gold.unanswerable:
        return float(abstained)
    if not gold.answers:
        return None
    return float(not abstained and all(any(contains(text, a) for a in item) for item in gold.answers))


def answer_f1(text: str, abstained: bool, gold: Gold) -> float | None:
    """Token F1 against the best alternative, averaged over gold items; only for short gold answers."""
    if gold.unanswerable:
        return float(abstained)
    short = all(len(tokens(a)) <= SHORT_ANSWER_WORDS for item in gold.answers for a in item)
    if not gold.answers or not short:
        return None
    if abstained:
        return 0.0
    return sum(max(token_f1(text, a) for a in item) for item in gold.answers) / len(gold.answers)


def citation_precision(cited: Sequence[tuple[Span, str]], gold: Gold) -> float | None:
    """Share of distinct cited spans that overlap the evidence, contain a gold answer, or sit in a
    relevant document. No citations: not applicable. Unanswerable: every citation is unsupported."""
    distinct = dict(cited)  # the same span cited twice counts once
    if not distinct:
        return None
    if not gold.unanswerable and not (gold.located or gold.answers or gold.relevant):
        return None  # nothing to judge the citations against
    evidence = [span for item in gold.located for span in item]

    def supported(span: Span, quote: str) -> bool:
        return (any(_overlap(span, e) for e in evidence)
                or any(contains(quote, a) for item in gold.answers for a in item)
                or gold.relevant.get(doc_id(span[0]), 0) > 0)

    return sum(supported(span, quote) for span, quote in distinct.items()) / len(distinct)


def citation_recall(cited: Sequence[Span], gold: Gold) -> float | None:
    """Per located evidence item, the share of its characters covered by citations (best
    alternative), averaged over items. No citations covers nothing: 0."""
    if not gold.located:
        return None
    return sum(max(_covered(span, cited) for span in item) for item in gold.located) / len(gold.located)


def evidence_rank(ranking: Sequence[Span], gold: Gold) -> int | None:
    """1-based rank of the first relevant unit, None when none was retrieved.

    With qrels the units are documents (passages of one document count once, BEIR-style);
    otherwise passages, relevant when they hold at least half of an evidence span (so evidence
    cut by a chunk boundary still counts).
    """
    if gold.relevant:
        for rank, document in enumerate(ranked_documents(ranking), 1):
            if gold.relevant.get(document, 0) > 0:
                return rank
        return None
    evidence = [span for item in gold.located for span in item]
    for rank, passage in enumerate(ranking, 1):
        if any(_covered(e, [passage]) >= 0.5 for e in evidence):
            return rank
    return None


def ranked_documents(ranking: Sequence[Span]) -> list[str]:
    """Document ids in order of their best passage."""
    return list(dict.fromkeys(doc_id(path) for path, _, _ in ranking))


def ndcg_at(documents: Sequence[str], relevant: Mapping[str, int], k: int) -> float:
    """nDCG@k with linear gains (the grade itself), as pytrec_eval and BEIR compute it."""
    gains = sorted((g for g in relevant.values() if g > 0), reverse=True)[:k]
    ideal = sum(g / math.log2(i + 2) for i, g in enumerate(gains))
    actual = sum(relevant.get(d, 0) / math.log2(i + 2) for i, d in enumerate(documents[:k]) if relevant.get(d, 0) > 0)
    return actual / ideal if ideal else 0.0


def recall_at(documents: Sequence[str], relevant: Mapping[str, int], k: int) -> float:
    """Share of the relevant documents among the first k."""
    wanted = {d for d, g in relevant.items() if g > 0}
    return len(wanted & set(documents[:k])) / len(wanted) if wanted else 0.0


def score_question(answer: Mapping, ranking: Sequence[Span], gold: Gold) -> dict[str, float]:
    """Every per-question metric that applies, from the Answer JSON and the retrieval ranking."""
    abstained = bool(answer["abstained"])
    text = "" if abstained else strip_markers(answer["answer"])
    cited = [((c["path"], c["start"], c["end"]), c["quote"]) for c in answer["citations"]]
    scores = {"answer_correct": answer_correct(text, abstained, gold), "f1": answer_f1(text, abstained, gold),
              "citation_precision": citation_precision(cited, gold),
              "citation_recall": citation_recall([span for span, _ in cited], gold)}
    if gold.located or gold.relevant:
        rank = evidence_rank(ranking, gold)
        for k in HIT_KS:
            scores[f"hit@{k}"] = float(rank is not None and rank <= k)
        scores["mrr@10"] = 1.0 / rank if rank is not None and rank <= 10 else 0.0
    if gold.relevant:
        documents = ranked_documents(ranking)
        scores["ndcg@10"] = ndcg_at(documents, gold.relevant, 10)
        scores["recall@100"] = recall_at(documents, gold.relevant, DOCUMENT_DEPTH)
    return {name: value for name, value in scores.items() if value is not None}


def generated_scores(answer: Mapping) -> dict[str, float]:
    """Per question of a run in generate mode, over the answer's checked sentences; only `generated` (0) for
    an answer that fell back to quotes, nothing for an abstention."""
    if answer["abstained"]:
        return {}
    if answer.get("mode") != "generate":
        return {"generated": 0.0}
    sentences = answer.get("sentences") or []
    supported = [s for s in sentences if s["supported"]]
    markers = [(n, s) for s in sentences for n in s["markers"]]
    scores = {"generated": 1.0}
    if sentences:
        scores["unsupported_rate"] = 1 - len(supported) / len(sentences)
        scores["alce_citation_recall"] = sum(bool(set(s["markers"]) & set(s["holding"])) for s in sentences) \
            / len(sentences)
    if markers:
        scores["alce_citation_precision"] = sum(n in s["holding"] for n, s in markers) / len(markers)
    if supported:
        scores["marker_correction_rate"] = sum(s["corrected"] for s in supported) / len(supported)
    return scores


def primary_score(scores: Mapping[str, float]) -> float | None:
    """The question's headline score: the first of answer_correct, citation_recall, ndcg@10, mrr@10."""
    return next((scores[name] for name in PRIMARY if name in scores), None)


def summarize(scores: Sequence[Mapping[str, float]], abstained: Sequence[bool], unanswerable: Sequence[bool],
              latencies_ms: Sequence[float], confidences: Sequence[float] = ()) -> dict[str, float]:
    """metrics.json: each metric's mean over the questions it applies to, plus abstention and latency.
    `confidences` (each answer's probability that the documents answer) rank the questions for abstain_auroc."""
    summary: dict[str, float] = {}
    for name in METRICS:
        values = [s[name] for s in scores if name in s]
        if values:
            summary[name] = round(sum(values) / len(values), 4)
    if any(unanswerable):
        right = sum(a and u for a, u in zip(abstained, unanswerable))
        if any(abstained):
            summary["abstain_precision"] = round(right / sum(abstained), 4)
        summary["abstain_recall"] = round(right / sum(unanswerable), 4)
        if confidences and not all(unanswerable):
            summary["abstain_auroc"] = round(auroc([-c for c in confidences], unanswerable), 4)
    if not all(unanswerable):
        declined = sum(a and not u for a, u in zip(abstained, unanswerable))
        summary["answerable_declined"] = round(declined / sum(not u for u in unanswerable), 4)
    if latencies_ms:
        summary["latency_ms_p50"] = round(percentile(latencies_ms, 50), 1)
        summary["latency_ms_p95"] = round(percentile(latencies_ms, 95), 1)
    return {name: summary[name] for name in METRICS if name in summary}


def auroc(scores: Sequence[float], positive: Sequence[bool]) -> float:
    """The chance that a positive scores above a negative, ties counting half: the area under the ROC
    curve, from the positives' rank sum (Mann-Whitney U) with tied scores sharing their mean rank."""
    order = sorted(range(len(scores)), key=lambda i: scores[i])
    ranks = [0.0] * len(scores)
    first = 0
    while first < len(order):
        last = first
        while last + 1 < len(order) and scores[order[last + 1]] == scores[order[first]]:
            last += 1
        for i in order[first:last + 1]:
            ranks[i] = (first + last) / 2 + 1
        first = last + 1
    positives = sum(1 for y in positive if y)
    negatives = len(positive) - positives
    rank_sum = sum(r for r, y in zip(ranks, positive) if y)
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile with linear interpolation between neighbours (numpy's default)."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _overlap(a: Span, b: Span) -> int:
    return max(0, min(a[2], b[2]) - max(a[1], b[1])) if a[0] == b[0] else 0


def _covered(target: Span, spans: Sequence[Span]) -> float:
    """Share of `target`'s characters inside the union of `spans`."""
    length = target[2] - target[1]
    if length <= 0:
        return 0.0
    pieces = sorted((max(s[1], target[1]), min(s[2], target[2])) for s in spans if _overlap(s, target))
    covered, reach = 0, target[1]
    for start, end in pieces:
        start = max(start, reach)
        if end > start:
            covered += end - start
            reach = end
    return covered / length
