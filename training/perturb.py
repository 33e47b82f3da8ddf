"""Near-miss questions: a real question changed in one detail so that its answer sentence no longer answers it.

SQuAD 2.0's unanswerable questions were written this way by people (swapped entities and numbers,
antonyms, dropped or added negation, an extra condition). Each function returns the changed question,
still fluent English, or None when the question offers nothing to change.
"""

import random
import re
from dataclasses import dataclass
from functools import lru_cache

ANTONYMS = (
    ("before", "after"), ("first", "last"), ("largest", "smallest"), ("most", "least"), ("more", "less"),
    ("increase", "decrease"), ("increased", "decreased"), ("highest", "lowest"), ("earliest", "latest"),
    ("north", "south"), ("east", "west"), ("northern", "southern"), ("eastern", "western"),
    ("maximum", "minimum"), ("early", "late"), ("earlier", "later"), ("higher", "lower"), ("larger", "smaller"),
    ("major", "minor"), ("positive", "negative"), ("public", "private"), ("internal", "external"),
    ("inside", "outside"), ("above", "below"), ("won", "lost"), ("win", "lose"), ("start", "end"),
    ("started", "ended"), ("began", "ended"), ("older", "newer"), ("oldest", "newest"), ("strong", "weak"),
    ("longest", "shortest"), ("best", "worst"), ("rich", "poor"), ("male", "female"), ("men", "women"),
    ("modern", "ancient"), ("accepted", "rejected"), ("supported", "opposed"), ("opened", "closed"),
    ("upper", "lower"), ("import", "export"), ("imports", "exports"), ("bought", "sold"), ("buy", "sell"),
    ("fastest", "slowest"), ("success", "failure"), ("successful", "unsuccessful"), ("legal", "illegal"),
    ("common", "rare"), ("always", "never"), ("allowed", "banned"), ("increasing", "decreasing"),
    ("rise", "fall"), ("rose", "fell"), ("gained", "lost"), ("entered", "left"), ("joined", "left"),
    ("birth", "death"),
)
# Capitalised words after a lower-case word or a comma: names, not the first word of a sentence.
_NAME = re.compile(r"(?<=[a-z0-9,;:]\s)[A-Z][\w\u00c0-\u024f'’-]*(?:\.[A-Z]\.?)?(?:\s+(?:of\s+|de\s+|the\s+)?[A-Z][\w\u00c0-\u024f'’-]*)*")
_YEAR = re.compile(r"\b(1[5-9]\d\d|20\d\d)\b")
_NUMBER = re.compile(r"\b\d[\d,.]*\d\b|\b\d\b")
_WORD = re.compile(r"\b[a-z]{4,}\b")
_NEGATED = re.compile(r"\s+(not|never)\b|(?<=\w)n't\b", re.IGNORECASE)
# A modal followed by its verb ("can be described"), not by its subject ("could the capsule").
_AUXILIARY = re.compile(r"\b(?:did|does|do|is|was|are|were|has|have|had|could|should|would)\b(?!n't)")
_MODAL = re.compile(r"\b(can|could|should|would|will|must|may|might)\s+"
                    r"(?!(?:the|a|an|he|she|it|they|we|you|i|his|her|its|their|this|that|these|those)\b)(?=[a-z]+\b)")
_NOT_NAMES = {"The", "A", "An", "In", "On", "At", "Of", "For", "By", "To", "And", "Or", "But", "As", "It", "He", "She",
              "They", "His", "Her", "Its", "Their", "This", "That", "These", "Those", "What", "Which", "Who", "When",
              "Where", "Why", "How", "I"}


@dataclass(frozen=True)
class Inventory:
    """The names, years and other numbers of one article: what a swap may put in."""

    names: tuple[str, ...]
    years: tuple[str, ...]
    numbers: tuple[str, ...]

    @classmethod
    def of(cls, text: str) -> "Inventory":
        """Everything swappable in an article's text."""
        names = {m.group() for m in _NAME.finditer(text) if m.group().split()[0] not in _NOT_NAMES}
        years = set(_YEAR.findall(text))
        numbers = {n for n in _NUMBER.findall(text) if n not in years}
        return cls(tuple(sorted(names)), tuple(sorted(years)), tuple(sorted(numbers)))


@lru_cache(maxsize=100_000)
def is_common(word: str) -> bool:
    """A word people write often enough that swapping it in reads naturally (no "unrecovered")."""
    from wordfreq import zipf_frequency

    return zipf_frequency(word, "en") >= 3.0


def _replace(text: str, match: re.Match, new: str) -> str:
    return text[:match.start()] + new + text[match.end():]


def swap_name(q: str, sentence: str, inventory: Inventory, rng: random.Random) -> str | None:
    """A name the sentence shares with the question, replaced by another name of the article."""
    found = [m for m in _NAME.finditer(q) if m.group() in sentence and m.group().split()[0] not in _NOT_NAMES]
    if not found:
        return None
    m = rng.choice(found)
    width = len(m.group().split())
    others = [n for n in inventory.names if n not in sentence and n not in q and abs(len(n.split()) - width) <= 1]
    return _replace(q, m, rng.choice(others)) if others else None


def swap_role(q: str, sentence: str, answers: list[str], rng: random.Random) -> str | None:
    """A name of the question replaced by another name of the same sentence (not the answer): the
    sentence speaks of both, in other roles ("NSF was operated by who?" of "… operated by MCI with the NSF")."""
    found = [m for m in _NAME.finditer(q) if m.group() in sentence]
    others = [m.group() for m in _NAME.finditer(" " + sentence) if m.group() not in q
              and not any(m.group() in a or a in m.group() for a in answers)]
    if not found or not others:
        return None
    return _replace(q, rng.choice(found), rng.choice(others))


def swap_number(q: str, sentence: str, inventory: Inventory, rng: random.Random) -> str | None:
    """A year or number the sentence shares, replaced by another of the article (or a near one)."""
    found = [m for m in _NUMBER.finditer(q) if m.group() in sentence]
    if not found:
        return None
    m = rng.choice(found)
    pool = inventory.years if _YEAR.fullmatch(m.group()) else inventory.numbers
    others = [n for n in pool if n not in sentence]
    if others:
        return _replace(q, m, rng.choice(others))
    digits = m.group().replace(",", "")
    return _replace(q, m, str(int(digits) + rng.choice((-3, -2, -1, 1, 2, 5)))) if digits.isdigit() else None


def flip_antonym(q: str, sentence: str, rng: random.Random) -> str | None:
    """A word turned into its opposite ("before" for "after"), where the sentence lacks the opposite."""
    options = []
    for a, b in ANTONYMS:
        for word, opposite in ((a, b), (b, a)):
            match = re.search(rf"\b{word}\b", q, re.IGNORECASE)
            if match and not re.search(rf"\b{opposite}\b", sentence, re.IGNORECASE):
                options.append((match, opposite))
    if not options:
        return None
    match, opposite = rng.choice(options)
    return _replace(q, match, opposite)


def flip_negation(q: str) -> str | None:
    """"not"/"never"/"n't" dropped, or added: "did" → "didn't" (as SQuAD 2.0's writers often did),
    "can" → "cannot"."""
    if _NEGATED.search(q):
        return " ".join(_NEGATED.sub("", q, count=1).split()).replace("ca ", "can ").replace("wo ", "will ")
    auxiliary = _AUXILIARY.search(q)
    if auxiliary is not None:
        return _replace(q, auxiliary, auxiliary.group() + "n't")
    modal = _MODAL.search(q)
    if modal is None:
        return None
    word = modal.group(1)
    return _replace(q, modal, ("cannot" if word == "can" else f"{word} not") + " ")


def swap_word(q: str, sentence: str, neighbours, rng: random.Random) -> str | None:
    """A word the sentence shares, replaced by a close but different common word ("design" for
    "construction"); `neighbours(word)` lists candidates, closest first."""
    shared = [m for m in _WORD.finditer(q) if m.group() in sentence.lower()]
    rng.shuffle(shared)
    for m in shared:
        word = m.group()
        options = [w for w in neighbours(word)[:8] if w[:4] != word[:4] and w not in sentence.lower()
                   and w.endswith("s") == word.endswith("s") and is_common(w)]
        if options:
            return _replace(q, m, rng.choice(options[:4]))
    return None


def add_condition(q: str, sentence: str, inventory: Inventory, rng: random.Random) -> str | None:
    """A condition the sentence does not meet: "… in 1850?"."""
    years = [y for y in inventory.years if y not in sentence]
    if not years or _YEAR.search(q) or not q.rstrip().endswith("?"):
        return None
    return q.rstrip()[:-1].rstrip() + f" in {rng.choice(years)}?"


def flip_prefix(q: str, sentence: str) -> str | None:
    """A word the sentence shares given "un" or stripped of it (encrypted/unencrypted), where the
    result is a common word."""
    for m in _WORD.finditer(q):
        word = m.group()
        if word not in sentence.lower():
            continue
        if word.startswith("un") and is_common(word[2:]):
            return _replace(q, m, word[2:])
        if word.endswith(("ed", "able", "ible", "ful")) and is_common("un" + word):
            return _replace(q, m, "un" + word)
    return None


def near_misses(q: str, sentence: str, answers: list[str], inventory: Inventory, neighbours,
                rng: random.Random) -> list[tuple[str, str]]:
    """(kind, changed question) for every kind of change the question allows, shuffled."""
    made = [("swap_name", swap_name(q, sentence, inventory, rng)),
            ("swap_role", swap_role(q, sentence, answers, rng)),
            ("swap_number", swap_number(q, sentence, inventory, rng)),
            ("antonym", flip_antonym(q, sentence, rng)),
            ("negation", flip_negation(q)),
            ("swap_word", swap_word(q, sentence, neighbours, rng)),
            ("add_condition", add_condition(q, sentence, inventory, rng)),
            ("prefix", flip_prefix(q, sentence))]
    made = [(kind, changed) for kind, changed in made if changed and changed.lower() != q.lower()]
    rng.shuffle(made)
    # An extra condition fits almost any question: last, so it doesn't crowd out the subtler changes.
    return sorted(made, key=lambda kind_changed: kind_changed[0] == "add_condition")
