"""Face and mouth vision: decoding, dlib landmarks, mouth crops, contact sheets.

OpenCV runs single-threaded: the engines already run one job per core, and its worker threads
only added CPU time (and 30% run-to-run spread in the landmarks stage) on small frames. The
results do not depend on it."""

import cv2

cv2.setNumThreads(1)
