"""Lip-to-speech: mel targets, the recogniser, the video-to-mel generator and its scoring."""
