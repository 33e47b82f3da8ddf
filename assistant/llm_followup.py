"""A language model's reading of a follow-up: the conversation and the question in, one standalone question
out; the rule-based reader answers whenever the model fails or its rewrite doesn't look like the question."""

import logging
from collections.abc import Sequence

from assistant.answer import strip_markers
from assistant.followup import Exchange, FollowUpReader, Interpretation, not_again
from assistant.llm import ChatModel, LLMError
from assistant.terms import content_terms

log = logging.getLogger(__name__)
ANSWER_CHARS = 240  # of each earlier answer in the prompt: enough to name what "it" and "they" were
MAX_TOKENS = 80
REACH = 3  # earlier exchanges shown to the model

SYSTEM = ("You rewrite a follow-up question so that it can be understood alone: replace pronouns and vague "
          "references with what they refer to, and keep its meaning. Reply with the rewritten question only.")
# One worked example: small models follow an example far better than an instruction.
EXAMPLE = [{"role": "user", "content": "Previous question: Who founded the Acme company?\n"
                                       "Previous answer: Jane Roe founded Acme in 1901.\nFollow-up: When did she die?"},
           {"role": "assistant", "content": "When did Jane Roe, the founder of the Acme company, die?"}]


class ModelReader:
    """Follow-ups rewritten by a model; `fallback` (the RuleReader) for first questions and whenever the
    model fails or strays (a rewrite sharing no content word with the question and the conversation).

    >>> reader = ModelReader(ChatModel("http://localhost:11434/v1"), RuleReader())
    >>> reader("Where were they sent?", [Exchange("How many operatives were expelled?")]).standalone
    'Where were the operatives sent?'
    """

    def __init__(self, model: ChatModel, fallback: FollowUpReader) -> None:
        self.model = model
        self.fallback = fallback

    def __call__(self, question: str, history: Sequence[Exchange]) -> Interpretation:
        if not history:
            return Interpretation(question, question)
        try:
            rewrite = self.model.complete(rewrite_prompt(question, history), MAX_TOKENS)
        except LLMError as error:
            log.info("follow-up read by rules: %s", error)
            return self.fallback(question, history)
        standalone = cleaned(rewrite)
        if standalone == question or not plausible(standalone, question, history):
            log.info("follow-up read by rules: the model's rewrite %r strays from the question", standalone)
            return self.fallback(question, history)
        return Interpretation(question, standalone, "", not_again(history[-1], standalone))


def rewrite_prompt(question: str, history: Sequence[Exchange]) -> list[dict[str, str]]:
    """The conversation (its last REACH exchanges, answers shortened, without their markers) and the follow-up."""
    turns = []
    for exchange in list(history)[-REACH:]:
        turns.append(f"Previous question: {exchange.read_as}")
        if exchange.answer:
            answer = " ".join(strip_markers(exchange.answer).split())
            turns.append(f"Previous answer: {answer[:ANSWER_CHARS]}")
    conversation = "\n".join(turns)
    return [{"role": "system", "content": SYSTEM}, *EXAMPLE,
            {"role": "user", "content": f"{conversation}\nFollow-up: {question}"}]


def cleaned(rewrite: str) -> str:
    """The rewrite's first line, without a label or quotes the model put around it."""
    line = next((line for line in rewrite.splitlines() if line.strip()), "").strip()
    for label in ("Rewritten question:", "Question:", "Standalone question:"):
        if line.lower().startswith(label.lower()):
            line = line[len(label):].strip()
    return line.strip("\"'“”‘’ ")


def plausible(standalone: str, question: str, history: Sequence[Exchange]) -> bool:
    """A rewrite worth using: a question of reasonable length that keeps the question's own content words
    and adds only words of the conversation."""
    if not standalone or len(standalone) > 3 * len(question) + 120 or not standalone.endswith("?"):
        return False
    said = set(content_terms(question))
    for exchange in history:
        said |= set(content_terms(exchange.read_as)) | set(content_terms(exchange.answer))
    terms = set(content_terms(standalone))
    return set(content_terms(question)) <= terms and terms <= said
