"""Acoustic models: hama's Conformer-CTC rebuilt as ONNX (`build`), any sherpa-onnx-layout CTC
model dir run with onnxruntime (`runner`), the manifest and `verify` (`registry`)."""
