"""The one base of every error a user can act on.

The CLI catches :class:`LipflowError` once and prints its message as one line, so each
library raises the subclass that names its own domain and nobody repeats a try/except.
"""

from __future__ import annotations


class LipflowError(Exception):
    """Something the user can fix (a file, a parameter, a missing stage); the message says what."""


class StageError(LipflowError):
    """A clip cannot go through a stage; the message is the manifest's reason."""
