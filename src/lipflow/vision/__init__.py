"""Faces and mouths in video frames: decoding, dlib landmarks with tracking, mouth crops,
contact sheets. Used by the mouth stage, the synthetic corpus's face check and predict."""
