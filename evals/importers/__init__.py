"""Importers that turn public benchmark files into a corpus folder + eval set the runner scores."""

import inspect
from collections.abc import Callable
from pathlib import Path

from assistant.settings import UsageError

from evals.importers.beir import import_beir
from evals.importers.common import Imported, write_import
from evals.importers.multihop import import_multihop
from evals.importers.rgb import import_rgb
from evals.importers.squad import import_squad

IMPORTERS: dict[str, Callable[..., Imported]] = {
    "beir": import_beir, "squad": import_squad, "rgb": import_rgb, "multihop": import_multihop}


def import_set(kind: str, source: Path, out: Path, **options) -> dict:
    """Convert `source` with the `kind` importer into OUT/corpus + OUT/set.jsonl; returns the manifest."""
    if kind not in IMPORTERS:
        raise UsageError(f"unknown format {kind!r} (choose from {', '.join(IMPORTERS)})")
    if not source.exists():
        raise UsageError(f"{source}: no such file or directory")
    given = {name: value for name, value in options.items() if value is not None}
    accepted = inspect.signature(IMPORTERS[kind]).parameters
    if unknown := [name for name in given if name not in accepted]:
        raise UsageError(f"--{unknown[0].replace('_', '-')} does not apply to the {kind} importer")
    imported = IMPORTERS[kind](source, **given)
    if not imported.records:
        raise UsageError(f"{source}: no questions found for the {kind} importer")
    return write_import(imported, out, kind, source)
