"""The acoustic model at run time: ONNX session, providers, chunking, model cards."""
