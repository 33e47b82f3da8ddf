"""Trains the verifier (assistant/verifier_weights.*) on CPU from all-MiniLM-L6-v2 and the dev splits.

    python -m training.train_verifier [--evalsets ../shared/evalsets] [--work /tmp/footnote-train]

Pairs (training/pairs.py) come from the articles and news items training/splits.py assigns to
training; the held-out ones give the figures printed at the end and recorded in the manifest.
Seeds are fixed; one epoch over about 30,000 pairs takes about 12 minutes on two cores.
"""

import argparse
import json
import math
import random
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

from assistant.support import candidate_context
from assistant.verifier import WEIGHTS_FILE, _feed, _load_tokenizer, passage_text, question_text
from training import splits
from training.pairs import Pair, holds_answer, rgb_pairs, squad2_pairs, squad_articles, squad_pairs

RETRIEVED = 5  # passages per question, as the answerer reads them
RETRIEVED_NEGATIVES = 3  # shortlisted sentences without the answer, per question
SPAN_WEIGHT = 0.5  # of the answer-span loss beside the [CLS] loss


def build_pairs(evalsets: Path, work: Path, train: bool, seed: int) -> list[Pair]:
    """Every pair of the training side (or of the held-out side) of the dev splits."""
    from training.neighbours import Neighbours

    squad = evalsets / "squad-v1.1" / "dev-half-a.json"
    rgb = evalsets / "rgb" / "en_fact.jsonl"
    rgb_total = sum(1 for line in rgb.read_text().splitlines() if line.strip())
    neighbours = Neighbours.of_squad(squad, work / "models")
    return (squad_pairs(squad, lambda a: splits.squad_trains_on(a) == train, neighbours, seed)
            + retrieved_pairs(squad, work / ("index-train" if train else "index-held-out"),
                              lambda a: splits.squad_trains_on(a) == train)
            + squad2_pairs(evalsets / "squad-v2-sample" / "sample-a.jsonl", splits.squad_article_of(squad),
                           lambda a: splits.squad_trains_on(a) == train)
            + rgb_pairs(rgb, lambda n: splits.rgb_trains_on(n, rgb_total) == train))


def retrieved_pairs(squad: Path, work: Path, keep) -> list[Pair]:
    """What the verifier meets in use: each question of the kept SQuAD articles put to an open corpus
    of their paragraphs, and the sentences the first-pass scorer shortlists that lack the answer."""
    from assistant.pipeline import Assistant
    from assistant.settings import Settings
    from evals.importers.beir import document_text

    folder = work / "corpus"
    folder.mkdir(parents=True, exist_ok=True)
    questions = []
    for number, (title, paragraphs) in enumerate(squad_articles(squad)):
        if not keep(number):
            continue
        for p, (paragraph, asked) in enumerate(paragraphs):
            (folder / f"{number:02d}-{p:03d}.txt").write_text(document_text(title.replace("_", " "), paragraph.text))
            questions += [(qa["question"].strip(), [a["text"] for a in qa["answers"]], f"squad:{number}") for qa in asked]
    assistant = Assistant(Settings().replace(data_dir=work / "data", models_dir=work.parent / "models"))
    print(f"verifier negatives: {assistant.ingest([folder]).summary()}", file=sys.stderr)
    pairs = []
    for text, answers, group in questions:
        question = assistant.question(text)
        passages = assistant.retriever.retrieve(question, RETRIEVED)
        reading = assistant.answerer.read(question.terms, question.embedded.vector, passages)
        wrong = [reading.candidates[i] for i in reading.shortlist if not holds_answer(reading.candidates[i].text, answers)]
        pairs += [Pair(question_text(text), c.text, 0, "retrieved", group, candidate_context(c))
                  for c in wrong[:RETRIEVED_NEGATIVES]]
    return pairs


def train(pairs: list[Pair], layers: int, epochs: float, batch: int, rate: float, seed: int, threads: int):
    """Fine-tune VerifierNet on the pairs: binary cross-entropy on [CLS], plus SPAN_WEIGHT times the
    answer-span loss where the answer is known (AdamW, linear warm-up and decay)."""
    import torch

    from assistant.verifier_net import VerifierNet

    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    rng = random.Random(seed)
    tokenizer = _load_tokenizer()
    encodings = tokenizer.encode_batch([(p.query, passage_text(p.passage, p.context)) for p in pairs])
    labels = torch.tensor([p.label for p in pairs], dtype=torch.float32)
    spans = torch.tensor([answer_span(p, e) for p, e in zip(pairs, encodings)])
    net = VerifierNet(layers).with_span_head()
    parameters = [p for p in net.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(parameters, lr=rate, weight_decay=0.01)
    plan = [b for _ in range(math.ceil(epochs)) for b in _batches([len(e.ids) for e in encodings], batch, rng)]
    plan = plan[: round(len(plan) * epochs / math.ceil(epochs))]
    warm = max(1, len(plan) // 20)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min((step + 1) / warm, max(0.0, (len(plan) - step) / (len(plan) - warm))))
    started = time.time()
    for step, rows in enumerate(plan):
        feed = {k: torch.from_numpy(v) for k, v in _feed([encodings[i] for i in rows]).items()}
        value = _loss(net, feed, labels[rows], spans[rows])
        value.backward()
        torch.nn.utils.clip_grad_norm_(parameters, 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
        if step % 200 == 0:
            print(f"step {step}/{len(plan)} loss {value.item():.3f} {time.time() - started:.0f} s", file=sys.stderr)
    return net.eval()


def _loss(net, feed: dict, labels, spans):
    """[CLS] cross-entropy, plus the span head's cross-entropy over word-pieces (first and last of the
    answer, or [CLS] for a pair without one; claims are left out of it)."""
    import torch

    states = net.states(**feed)
    loss = torch.nn.functional.binary_cross_entropy_with_logits(net.head(states[:, 0]).squeeze(-1), labels)
    ends = net.span(states).masked_fill(feed["attention_mask"][..., None] == 0, -1e4)
    for side in (0, 1):
        loss = loss + SPAN_WEIGHT / 2 * torch.nn.functional.cross_entropy(ends[..., side], spans[:, side],
                                                                        ignore_index=-100)
    return loss


def answer_span(pair: Pair, encoding) -> tuple[int, int]:
    """The word-pieces (first, last) of a pair's answer in its passage; (0, 0) — [CLS] — for a pair that
    holds none; (-100, -100), ignored, for claims and for positives whose answer can't be placed."""
    if pair.query.startswith("claim:"):
        return -100, -100
    if not pair.label:
        return 0, 0
    passage = passage_text(pair.passage, pair.context).lower()
    start = passage.find(" ".join(pair.answer.split()).lower()) if pair.answer else -1
    if start < 0:
        return -100, -100
    end = start + len(" ".join(pair.answer.split()))
    pieces = [i for i, (sequence, (a, b)) in enumerate(zip(encoding.sequence_ids, encoding.offsets))
              if sequence == 1 and a < end and b > start]
    return (pieces[0], pieces[-1]) if pieces else (-100, -100)


def _batches(lengths: list[int], size: int, rng: random.Random) -> list[list[int]]:
    """Batches of similar length (little padding), in random order."""
    order = sorted(range(len(lengths)), key=lambda i: (lengths[i], rng.random()))
    batches = [order[i:i + size] for i in range(0, len(order), size)]
    rng.shuffle(batches)
    return batches


def scores(net, pairs: list[Pair]) -> np.ndarray:
    """The trained network's logit for each pair."""
    import torch

    tokenizer = _load_tokenizer()
    encodings = tokenizer.encode_batch([(p.query, passage_text(p.passage, p.context)) for p in pairs])
    order = sorted(range(len(pairs)), key=lambda i: len(encodings[i].ids))
    out = np.zeros(len(pairs), dtype=np.float32)
    with torch.no_grad():
        for first in range(0, len(order), 64):
            rows = order[first:first + 64]
            feed = {k: torch.from_numpy(v) for k, v in _feed([encodings[i] for i in rows]).items()}
            out[rows] = net(**feed).numpy()
    return out


def held_out_figures(pairs: list[Pair], logits: np.ndarray) -> dict:
    """AUROC of the positives against each kind of held-out negative, and of claims."""
    from sklearn.metrics import roc_auc_score

    labels = np.array([p.label for p in pairs])
    kinds = np.array([p.kind for p in pairs])
    questions = np.array([p.query.startswith("question:") for p in pairs])
    figures = {}
    for kind in sorted(set(kinds[labels == 0])):
        chosen = (questions & (labels == 1)) | (kinds == kind)
        figures[f"auroc_vs_{kind}"] = round(float(roc_auc_score(labels[chosen], logits[chosen])), 4)
    figures["auroc_questions"] = round(float(roc_auc_score(labels[questions], logits[questions])), 4)
    figures["auroc_claims"] = round(float(roc_auc_score(labels[~questions], logits[~questions])), 4)
    return figures


def main() -> None:
    """Build pairs, train, write the weights and their manifest, print held-out figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evalsets", type=Path, default=Path("../shared/evalsets"))
    parser.add_argument("--work", type=Path, default=Path("/tmp/footnote-train"))
    parser.add_argument("--layers", type=int, default=6)
    parser.add_argument("--epochs", type=float, default=1.0)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--rate", type=float, default=5e-5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2, help="torch threads (1 trains faster on a busy machine)")
    parser.add_argument("--weights", type=Path, default=WEIGHTS_FILE)
    args = parser.parse_args()

    started = time.time()
    training = build_pairs(args.evalsets, args.work, True, args.seed)
    held_out = build_pairs(args.evalsets, args.work, False, args.seed)
    print(f"{len(training)} training pairs: {dict(Counter(p.kind for p in training))}", file=sys.stderr)
    net = train(training, args.layers, args.epochs, args.batch, args.rate, args.seed, args.threads)
    figures = held_out_figures(held_out, scores(net, held_out))
    save(net, args, len(training), time.time() - started, figures)
    print(json.dumps(figures, indent=1))


def save(net, args: argparse.Namespace, pairs: int, seconds: float, figures: dict) -> None:
    """The packed weights, and the manifest that records their sha256 and how they were made."""
    from assistant.verifier_net import pack, save_packed
    from index.model_files import file_sha256

    layout = save_packed(pack(net), args.weights)
    manifest = {"sha256": file_sha256(args.weights), "layers": args.layers, "training_pairs": pairs,
                "epochs": args.epochs, "batch": args.batch, "rate": args.rate, "seed": args.seed,
                "minutes": round(seconds / 60, 1), "held_out": figures,
                "command": "python -m training.train_verifier", "layout": layout}
    args.weights.with_suffix(".json").write_text(json.dumps(manifest, indent=1) + "\n")


if __name__ == "__main__":
    main()
