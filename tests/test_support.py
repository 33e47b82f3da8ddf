"""The support decision measured on its own: held-out answer sentences against the same sentences with a name,
number or date swapped, each checked against the indexed articles as a generated sentence is."""

import pytest

from evals.metrics import auroc
from tests.conftest import EVALSETS
from tests.support_set import support_set

SUPPORT_AUROC = 0.9


@pytest.mark.dev_data("squad-v1.1")
def test_support_separates_answer_sentences_from_swapped_ones(make_assistant, tmp_path):
    claims = support_set(EVALSETS / "squad-v1.1" / "dev-half-a.json", tmp_path / "articles")
    assert len(claims) >= 100 and {c.kind for c in claims} == {"gold", "swap_name", "swap_number"}
    # The check never calls the model: any URL will do.
    assistant = make_assistant(llm_url="http://127.0.0.1:9/v1")
    assistant.ingest([tmp_path / "articles"])
    generator, _ = assistant.generator
    scores = [generator.support_of(c.text, assistant.retriever.retrieve(assistant.question(c.text), 5))
              for c in claims]
    supported = [c.supported for c in claims]
    assert auroc(scores, supported) >= SUPPORT_AUROC
    threshold = generator.support.threshold
    assert sum((s >= threshold) == y for s, y in zip(scores, supported)) / len(claims) >= 0.85
