"""Trainers that rebuild every weight file Footnote ships, from the dev splits in ../shared/evalsets (not packaged)."""
