"""The trainers: one command runs every step, and they read the same dev data the bench measures on."""

import sys

import pytest

from evals.docids import file_name
from evals.importers.beir import document_text
from tests.conftest import EVALSETS, ROOT
from training import datasets
from training.__main__ import STEPS, main

sys.path.insert(0, str(ROOT / "bench"))

import corpora  # noqa: E402


def test_every_shipped_weight_file_is_rebuilt_by_a_step():
    shipped = {p.relative_to(ROOT).as_posix() for pattern in ("index/*.npy", "assistant/*.npy", "assistant/*.json")
               for p in ROOT.glob(pattern)}
    written = {path for step in STEPS for path in step.writes}
    assert shipped and shipped <= written
    assert all((ROOT / path).exists() for path in written)


def test_an_unknown_step_is_refused_before_anything_runs(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["rankr"])
    assert exit_.value.code == 2 and "no step 'rankr'" in capsys.readouterr().err


@pytest.mark.dev_data("squad-v1.1")
def test_the_rankers_squad_questions_are_the_ones_the_bench_does_not_ask():
    benched, training = datasets.squad(EVALSETS)
    assert [q for q, _ in benched.questions] == [q for q, _ in corpora.squad(EVALSETS).questions]
    assert len(training.questions) > 4000
    assert not {q for q, _ in benched.questions} & {q for q, _ in training.questions}  # not even a repeat
    assert training.documents == benched.documents  # one corpus, so the bench's figure is held out, not out of scope


@pytest.mark.dev_data("scifact", "squad-v1.1")
def test_the_trainers_corpora_are_the_files_the_bench_indexes():
    for ours, bench in ((datasets.scifact(EVALSETS), corpora.scifact(EVALSETS)),
                        (datasets.squad(EVALSETS)[0], corpora.squad(EVALSETS))):
        written = {file_name(doc): document_text(title, text) for doc, title, text in bench.docs}
        assert list(ours.documents.items()) == list(written.items())  # same files, same order
        assert ours.questions == bench.questions
