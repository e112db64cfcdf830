"""Training: tf.data input (data), the shared loop (loop) and the trainers (vanilla)."""
