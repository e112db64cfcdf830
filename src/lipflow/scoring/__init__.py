"""Turning model outputs into sentences (CTC decoders) and sentences into scores (CER, WER,
BLEU): shared by training's validation, evaluation and prediction."""
