"""Retrieval, answering, citations and chat on top of the index; the CLI wires the whole product."""

import index  # noqa: F401  (sets the offline switches before anything else loads)
