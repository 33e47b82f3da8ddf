"""Logistic-regression scorers shipped as a few numbers of JSON: no scikit-learn at run time."""

import json
from pathlib import Path

import numpy as np

from index.model_files import shipped_file

WEIGHTS_FILE = Path(__file__).with_name("answerer_weights.json")


class LogisticScorer:
    """p = sigmoid(((x - mean) / scale) · coef + intercept), as fitted by training/answerer.py."""

    def __init__(self, names: list[str], mean: list[float], scale: list[float], coef: list[float],
                 intercept: float) -> None:
        self.names = names
        self.mean = np.array(mean)
        self.scale = np.array(scale)
        self.coef = np.array(coef)
        self.intercept = intercept

    def expecting(self, names: tuple[str, ...]) -> "LogisticScorer":
        """This scorer, or a clear error when its weights were fitted on other features."""
        if tuple(self.names) != tuple(names):
            raise ValueError(f"{WEIGHTS_FILE.name} was trained on other features than this code computes; "
                             "retrain with `python -m training answerer`")
        return self

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        """Probability of the positive class for each row."""
        if rows.size == 0:
            return np.zeros(0)
        logits = ((rows - self.mean) / self.scale) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-logits))

    def to_dict(self) -> dict:
        """JSON-ready parameters."""
        return {"names": self.names, "mean": self.mean.tolist(), "scale": self.scale.tolist(),
                "coef": self.coef.tolist(), "intercept": float(self.intercept)}


def load_scorers(path: Path = WEIGHTS_FILE) -> dict:
    """{'sentence': LogisticScorer, 'answerable': LogisticScorer, plus scalar settings}."""
    data = json.loads(shipped_file(path).read_text())
    return {key: LogisticScorer(**value) if isinstance(value, dict) else value for key, value in data.items()}
