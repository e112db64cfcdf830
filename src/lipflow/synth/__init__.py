"""The embedded default corpus: synthetic speakers saying the sentence table, with ground truth.

``speech`` speaks a sentence with exact word and phoneme times (espeak-ng), ``visemes``
turns phonemes into mouth shapes over time, ``face`` puts a drawn mouth on a real face
photo, and ``corpus`` plans the clips, derives every speaker's settings from the seed and
renders one clip with its truth file.
"""
