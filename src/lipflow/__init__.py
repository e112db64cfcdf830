"""lipflow: a reproducible lip-reading pipeline."""

__version__ = "0.1.0"
