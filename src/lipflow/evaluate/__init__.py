"""Scoring a trained lip reader: CTC decoding, error metrics and the evaluate stage."""
