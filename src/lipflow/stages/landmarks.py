"""Stage 5a: dlib's 68 landmarks on every frame of a 25 fps clip (``data/landmarks/<key>.npz``).

Apart from the crops, because detection is the costly part of mouth extraction and depends
on none of the crop settings (size, margin, T, padding)."""

from __future__ import annotations

from .. import landmarkfile, layout
from ..codedeps import code_fingerprint
from ..datasets import Clip
from ..params import fingerprint
from ..project import Project
from ..records import Record, run_clip
from ..vision import landmarks as vision_landmarks
from ..vision.video import decode
from . import ClipStage, upstream

NAME = "landmarks"


def run(project: Project, clip: Clip, force: bool = False) -> Record:
    settings = project.params[NAME]
    dest = layout.artefact(NAME, clip.key)
    earlier = upstream(clip.key, "fps")

    def work() -> dict:
        points, found, tracking = vision_landmarks.measure(decode(layout.artefact("fps", clip.key)), settings)
        landmarkfile.write(dest, points, found)
        return {"output": str(dest), "frames": len(found), **tracking}

    key = fingerprint(settings, [r.fingerprint for r in earlier], code_fingerprint(__name__))
    return run_clip(NAME, clip.key, layout.record(NAME, clip.key), key, work, earlier, force)


STAGE = ClipStage(NAME, run)
