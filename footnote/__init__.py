"""The composition root: the `footnote` command, which wires index, assistant, evals and the web UI together."""
