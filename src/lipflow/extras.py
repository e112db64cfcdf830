"""Which optional part of lipflow (an extra of pyproject.toml) brings each optional import, so a
missing one is one line naming what to install instead of a traceback."""

from __future__ import annotations

EXTRAS = {
    "aeneas": "align",
    "tensorflow": "train",
    "keras": "train",
    "dvclive": "train",
    "librosa": "speech",
    "pystoi": "speech",
    "soundfile": "speech",
    "threadpoolctl": "speech",
    "flask": "record",
}
"""Top-level module -> the extra that installs it (each module is its own distribution's name)."""

ALIGN_STEPS = 'pip install "setuptools<70" wheel "numpy>=1.26,<2" && pip install --no-build-isolation "lipflow[align]"'


def missing_extra(error: ModuleNotFoundError) -> str | None:
    """What to install for the module ``error`` did not find, or None when it is no extra's."""
    module = (error.name or "").split(".")[0]
    extra = EXTRAS.get(module)
    if extra is None:
        return None
    install = ALIGN_STEPS if extra == "align" else f'pip install "lipflow[{extra}]"'
    return f"needs {module}, which the '{extra}' extra installs: {install}"
