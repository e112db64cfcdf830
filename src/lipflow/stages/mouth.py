"""Stage 5b: each 25 fps clip and its landmarks -> T mouth crops (``data/mouth/<key>.npz``)."""

from __future__ import annotations

from .. import landmarkfile, layout, mouthfile
from ..codedeps import code_fingerprint
from ..datasets import Clip
from ..params import fingerprint
from ..project import Project
from ..records import Record, run_clip
from ..vision import landmarks as vision_landmarks
from ..vision import mouths as vision_mouths
from ..vision.video import decode
from . import ClipStage, upstream

NAME = "mouth"


def run(project: Project, clip: Clip, force: bool = False) -> Record:
    settings = project.params[NAME]
    dest = layout.artefact(NAME, clip.key)
    earlier = upstream(clip.key, "fps", "landmarks")

    def work() -> dict:
        dest.unlink(missing_ok=True)
        points, found = landmarkfile.read(layout.artefact("landmarks", clip.key))
        tracking = {k: earlier[1].details[k] for k in vision_landmarks.TRACKING_DETAILS}
        mouths = vision_mouths.crop_frames(decode(layout.artefact("fps", clip.key)), points, found, settings, tracking)
        mouthfile.write(dest, mouths.arrays())
        return {"output": str(dest), "frames_in": earlier[0].details["frames"], **mouths.details}

    key = fingerprint(settings, [r.fingerprint for r in earlier], code_fingerprint(__name__))
    return run_clip(NAME, clip.key, layout.record(NAME, clip.key), key, work, earlier, force)


STAGE = ClipStage(NAME, run)
