"""Mouth crops of the realistic embedded corpus beside real GRID crops: docs/img/realistic_vs_grid.png.

Usage (after scripts/study.sh has made the study's mouth crops):
    python scripts/contact_sheet.py [--study studies/realistic] [--out docs/img/realistic_vs_grid.png]
The real clips are the GRID samples in ../shared/fixtures (or --grid FOLDER), cropped by the same
landmarks and crop code as the pipeline, with the study's mouth parameters.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np

from lipflow import mouthfile
from lipflow.params import load
from lipflow.vision.mouths import extract

REPO = Path(__file__).resolve().parents[1]
FRAMES = range(8, 72, 7)           # every 7th frame of a 3 s clip, skipping the silent ends
SCALE = 2


def row(crops: np.ndarray) -> np.ndarray:
    picked = [crops[i] for i in FRAMES if i < len(crops)]
    return np.concatenate(picked, axis=1)


def label(image: np.ndarray, text: str) -> np.ndarray:
    band = np.full((14, image.shape[1], 3), 255, np.uint8)
    cv2.putText(band, text, (2, 11), cv2.FONT_HERSHEY_SIMPLEX, 0.35, (0, 0, 0), 1, cv2.LINE_AA)
    return np.concatenate([band, image], axis=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--study", type=Path, default=REPO / "studies" / "realistic")
    parser.add_argument("--grid", type=Path, default=REPO.parent / "shared" / "fixtures")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "img" / "realistic_vs_grid.png")
    parser.add_argument("--synthetic", type=int, default=5, help="synthetic clips (one per speaker)")
    args = parser.parse_args()
    params = load(args.study / "params.yaml")
    rows = []
    mouths = sorted((args.study / "data" / "mouth").glob("s*/*.npz"))
    speakers_done = set()
    for path in mouths:
        if path.parent.name in speakers_done or len(speakers_done) == args.synthetic:
            continue
        speakers_done.add(path.parent.name)
        rows.append(label(row(mouthfile.read_frames(path)), f"synthetic {path.parent.name}/{path.stem}"))
    for video in sorted(args.grid.glob("grid*/*.mpg")):
        crops = extract(video, params["landmarks"], params["mouth"]).frames
        rows.append(label(row(crops), f"real GRID {video.stem}"))
    width = max(r.shape[1] for r in rows)
    sheet = np.concatenate([np.pad(r, ((0, 2), (0, width - r.shape[1]), (0, 0)), constant_values=255) for r in rows])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(args.out), cv2.resize(sheet[..., ::-1], None, fx=SCALE, fy=SCALE, interpolation=cv2.INTER_NEAREST))
    print(f"{args.out}: {len(speakers_done)} synthetic and {len(rows) - len(speakers_done)} real clips")


if __name__ == "__main__":
    main()
