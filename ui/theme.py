"""The page's look: a Gradio theme on system fonts (nothing from a CDN), the Footnote stylesheet and page script."""

from pathlib import Path

import gradio as gr

SANS = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Liberation Sans", "Arial",
        "sans-serif"]
MONO = ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "Liberation Mono", "DejaVu Sans Mono", "monospace"]
CSS = (Path(__file__).with_name("assets") / "style.css").read_text(encoding="utf-8")
PAGE_SCRIPT = (Path(__file__).with_name("assets") / "page.js").read_text(encoding="utf-8")


def theme() -> gr.themes.Base:
    """Indigo on slate; plain font names are used as-is, so the browser never fetches a web font."""
    return gr.themes.Soft(primary_hue="indigo", neutral_hue="slate", font=SANS, font_mono=MONO).set(
        body_background_fill="#f5f6f8", body_background_fill_dark="#020617", block_radius="12px",
        button_large_radius="10px")
