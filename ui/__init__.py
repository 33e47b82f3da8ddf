"""The web chat: a Gradio page whose answers cite exact, clickable source spans."""

import index  # noqa: F401  (sets the offline switches before Gradio is imported)
