"""`python -m footnote` runs the footnote command."""

import sys

from footnote.cli import main

sys.exit(main())
