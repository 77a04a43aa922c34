"""Evaluation: text normalization, WER/CER, corpora, `eval` runs and benchmarks."""
