"""The one base of every error a user can act on.

The CLI catches :class:`LipflowError` once and prints its message as one line, so each
library raises the subclass that names its own domain and nobody repeats a try/except.
"""

from __future__ import annotations

import errno

STORAGE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES})


class LipflowError(Exception):
    """Something the user can fix (a file, a parameter, a missing stage); the message says what."""


class StageError(LipflowError):
    """A clip cannot go through a stage; the message is the manifest's reason."""


def is_storage_error(error: BaseException) -> bool:
    """A read or write the machine refused (disk full, quota, read-only, no permission): not the
    clip's fault, so it stops the stage (finished clips kept) instead of failing the clip for good."""
    return isinstance(error, OSError) and error.errno in STORAGE_ERRNOS
