"""Settings: documented, layered defaults ← environment ← flags, and validated."""

from dataclasses import fields
from pathlib import Path

import pytest

from footnote.cli import build_parser
from assistant.settings import Settings, env_name
from tests.conftest import ROOT


def test_every_setting_is_documented_in_the_configuration_page_and_the_help():
    readme = (ROOT / "docs" / "configuration.md").read_text()
    help_text = build_parser()._subparsers._group_actions[0].choices["ask"].format_help()
    for f in fields(Settings):
        assert f.metadata["help"], f.name
        assert f"`{f.name}`" in readme and env_name(f.name) in readme, f.name
        assert f"--{f.name.replace('_', '-')}" in help_text, f.name


def test_environment_overrides_defaults_and_types_are_converted():
    settings = Settings.from_env({"FOOTNOTE_TOP_K": "8", "FOOTNOTE_DATA_DIR": "/tmp/x",
                                  "FOOTNOTE_KEYWORD_WEIGHT": "0.5", "FOOTNOTE_CHROMA_HOST": ""})
    assert settings.top_k == 8 and settings.data_dir == Path("/tmp/x")
    assert settings.keyword_weight == 0.5 and settings.chroma_host is None


@pytest.mark.parametrize("values, message", [
    ({"top_k": "0"}, "top_k"), ({"chunk_tokens": "400"}, "256"), ({"precision": "fp16"}, "precision"),
    ({"keyword_weight": "2"}, "keyword_weight"), ({"nonsense": "1"}, "unknown setting"),
])
def test_invalid_settings_are_refused_with_a_reason(values, message):
    with pytest.raises(ValueError, match=message):
        Settings().replace(**values)
