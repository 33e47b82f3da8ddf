"""The trained verifier, run as shipped: checked weights, the answering sentence above its neighbours, support for claims."""

import shutil

import numpy as np
import pytest

from assistant import verifier as verifier_module
from assistant.verifier import Verifier, VerifierError, manifest
from index.batch_pool import UNFUSED
from index.model_files import file_sha256
from index.sentences import split_sentences
from tests.conftest import SAMPLE_ARTICLE


@pytest.fixture(scope="module")
def verifier(models_dir) -> Verifier:
    return Verifier(models_dir)


@pytest.fixture(scope="module")
def sentences() -> list[str]:
    text = SAMPLE_ARTICLE.read_text()
    return [text[s:e] for s, e in split_sentences(text)]


def test_the_shipped_weights_are_the_recorded_ones() -> None:
    assert file_sha256(verifier_module.WEIGHTS_FILE) == manifest()["sha256"]
    assert verifier_module.WEIGHTS_FILE.stat().st_size < 15_000_000  # int8 rows: the repository stays small


def test_the_graph_runs_each_residual_add_and_layer_norm_apart(verifier, models_dir, tmp_path) -> None:
    import onnx
    import onnxruntime

    def ops(path) -> set[str]:
        return {node.op_type for node in onnx.load(str(path)).graph.node}

    built = verifier_module.onnx_path(models_dir)
    assert "LayerNormalization" in ops(built) and "SkipLayerNormalization" not in ops(built)
    options = onnxruntime.SessionOptions()
    options.optimized_model_filepath = str(tmp_path / "as-run.onnx")  # the graph as the session optimised it
    options.log_severity_level = 3
    onnxruntime.InferenceSession(str(built), options, providers=["CPUExecutionProvider"], disabled_optimizers=UNFUSED)
    assert "SkipLayerNormalization" not in ops(tmp_path / "as-run.onnx")  # the slower fused kernel


def test_weights_that_are_not_the_recorded_ones_are_refused(tmp_path, monkeypatch) -> None:
    tampered = tmp_path / "verifier_weights.npy"
    shutil.copy(verifier_module.WEIGHTS_FILE, tampered)
    with tampered.open("r+b") as handle:
        handle.seek(-16, 2)
        handle.write(b"\x00" * 16)
    monkeypatch.setattr(verifier_module, "WEIGHTS_FILE", tampered)
    with pytest.raises(VerifierError, match="sha256"):
        verifier_module.onnx_path(tmp_path / "models")


@pytest.mark.parametrize("question, answer", [
    ("How many operatives were expelled to the United States?", "The expulsion of 37 operatives"),
    ("Where were the detainees sent?", "The detainees were sent to Washington"),
    ("How many people were handed over in total?", "a total of 92 high-impact criminals"),
    ("Who has publicly recognized operational cooperation with Mexico?", "Ambassador Ronald Johnson has publicly"),
])
def test_the_answering_sentence_scores_above_every_other(verifier, sentences, question, answer) -> None:
    scores = verifier.answers(question, sentences)
    best = sentences[int(np.argmax(scores))]
    assert answer in best
    # Far ahead of the runner-up (measured 3.1x to 12x): a ranking, not a coin toss. Its probabilities are
    # not calibrated for questions (0.25 to 0.6 here), which is why quotes are still chosen by the answerer.
    runner_up = np.sort(scores)[-2]
    assert scores.max() > 2 * runner_up


def test_a_near_miss_is_not_answered_by_the_sentence_it_resembles(verifier, sentences) -> None:
    reward = next(s for s in sentences if "$250,000 reward" in s)
    assert verifier.answers("What reward was offered for Alejandro N?", [reward])[0] > \
        verifier.answers("What reward was offered for Otmane Khalladi?", [reward])[0]


def test_support_for_a_claim_and_not_for_the_claim_with_a_number_changed(verifier, sentences) -> None:
    source = next(s for s in sentences if s.startswith("The expulsion of 37 operatives"))
    supported, changed = verifier.supports(["Mexico expelled 37 operatives to the United States.",
                                            "Mexico expelled 73 operatives to the United States."], [source, source])
    assert supported > 0.5 > changed


def test_a_question_of_many_word_pieces_is_read_not_refused(verifier, sentences) -> None:
    # 300 characters of code-like text are ~200 word-pieces, more than the pair holds: the question is cut
    # with the sentence (cutting only the sentence raised a tokenizer error and failed the whole answer).
    question = "What does " + "-> " * 100 + "mean?"
    scores = verifier.answers(question, sentences[:3])
    assert scores.shape == (3,) and np.isfinite(scores).all()
    claims = verifier.supports(["x" + ".x" * 150], [sentences[0]])
    assert np.isfinite(claims).all()
