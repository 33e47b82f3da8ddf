"""`python -m assistant` runs the footnote command."""

import sys

from assistant.cli import main

sys.exit(main())
