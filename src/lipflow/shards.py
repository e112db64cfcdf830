"""Which job of a per-clip stage handles a clip.

One process per clip spends most of its time starting Python and loading models, and a
job per clip makes a GRID-size plan too big for the engines, so per-clip stages run in
shards: each job takes the clips whose key hashes to its index. The hash depends on the key
alone, so adding a clip changes one shard, and the count is a power of two, so when a
growing dataset doubles it each shard splits in two instead of reshuffling.
"""

from __future__ import annotations

import hashlib
import re

from .errors import LipflowError

SPEC = re.compile(r"^(\d+)of(\d+)$")
"""A shard's name on the command line and in file names: ``<index>of<count>``, index from 0."""


class ShardError(LipflowError, ValueError):
    pass


def count(clips: int, settings: dict) -> int:
    """Shards per stage: ``shards.count``, or for ``auto`` the largest power of two that leaves
    at least ``clips_per_shard`` clips per shard on average (so a job's start-up and model
    loading stay a small share of it), at most ``max_count``."""
    if settings["count"] != "auto":
        return settings["count"]
    fitting = clips // settings["clips_per_shard"]
    return min(1 << (fitting.bit_length() - 1) if fitting else 1, settings["max_count"])


def index_of(clip_key: str, shards: int) -> int:
    return int.from_bytes(hashlib.sha1(clip_key.encode()).digest()[:8], "big") % shards


def partition(clip_keys: list[str], shards: int) -> list[list[str]]:
    """The clips of each shard, in the order given."""
    parts: list[list[str]] = [[] for _ in range(shards)]
    for key in clip_keys:
        parts[index_of(key, shards)].append(key)
    return parts


def name(index: int, shards: int) -> str:
    return f"{index}of{shards}"


def parse(text: str) -> tuple[int, int]:
    """``"3of8"`` -> (3, 8), refused unless 0 <= index < count."""
    match = SPEC.match(text)
    if not match or int(match[1]) >= int(match[2]):
        raise ShardError(f"--shard {text!r}: expected <index>of<count> with 0 <= index < count, e.g. 0of8")
    return int(match[1]), int(match[2])
