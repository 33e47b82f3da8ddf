"""Offline switches, set before any hub-, telemetry- or analytics-aware library is imported."""

import os

# Forced rather than defaulted: "runs offline" is a promise of the product, not a preference.
OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "TOKENIZERS_PARALLELISM": "false",
    "ANONYMIZED_TELEMETRY": "False",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "GRADIO_RUN_HISTORY": "False",
}


def enforce_offline() -> None:
    """Set every offline/telemetry switch in this process's environment."""
    os.environ.update(OFFLINE_ENV)
    # llama-index-core ships these files; pointing the variables elsewhere makes it download.
    for name in ("TIKTOKEN_CACHE_DIR", "NLTK_DATA"):
        os.environ.pop(name, None)
