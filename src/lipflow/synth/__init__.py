"""The embedded corpora: synthetic speakers saying sentences, with ground truth.

``speech`` speaks a sentence with exact word and phoneme times (espeak-ng), ``visemes``
turns phonemes (Italian and English) into mouth shapes over time, ``face`` puts a drawn
mouth on a real face photo, and ``corpus`` plans the clips, derives every speaker's settings
from the seed and renders one clip with its truth file. The same machinery makes the
default Italian corpus (``dataset.kind: synthetic``: the sentence table, browser-like WebM
and MP4 at random frame rates) and the GRID-like one (``dataset.kind: grid_synthetic``: GRID
sentences in English, 3 s at 25 fps in MPEG-1, with GRID ``.align`` files written by
:mod:`lipflow.stages.synth`).
"""
