"""`python -m assistant`: an alias of the footnote command, run by name so the package never imports the CLI above it."""

import runpy

runpy.run_module("footnote", run_name="__main__", alter_sys=True)
