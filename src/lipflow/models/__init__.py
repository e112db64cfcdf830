"""Lip-reading models: LipNet variants and the CTC pieces every trainer shares."""

from .ctc import ctc_loss
from .lipnet import VARIANTS, Architecture, build, load_model, output_frames

__all__ = ["VARIANTS", "Architecture", "build", "ctc_loss", "load_model", "output_frames"]
