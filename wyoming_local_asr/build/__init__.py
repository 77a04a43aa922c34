"""The build wing: model conversion and quantization, lexicon and LM building, pronunciation
learning. The server never imports it."""
