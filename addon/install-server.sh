#!/bin/sh
# The one recipe that installs the server into an image, shared by addon/Dockerfile,
# docker/Dockerfile and docker/Dockerfile.jetson (it lives here because the Supervisor builds
# the add-on from this folder alone; the other two build from the repository root).
#
#   install-server.sh system
#       Debian's (or Ubuntu's) Python and the tools the images need (CA certificates, nc for
#       the HEALTHCHECK). `update-ca-certificates` also trusts the certificates of
#       /usr/local/share/ca-certificates (a build behind a TLS-inspecting proxy mounts its CA
#       there).
#   install-server.sh server REQUIREMENT
#       A venv with the package (REQUIREMENT: a source folder, an sdist, or name==version) and
#       RNNoise's library, pyrnnoise without its declared dependencies (audiolab, av,
#       matplotlib: about 240 MB the server never loads); the default model is built into the
#       image, then the build's own packages (onnx, pocketsphinx: about 70 MB) and pip leave.
#       With MODEL_PREBUILT (a folder holding `models/<name>/` as `model build` writes it), that
#       model is copied first, and kept if it is current: `scripts/addon-image` does this for an
#       image built under emulation (qemu), where building the model is slow and crashed qemu;
#       the files are the same on every architecture.
#
# Environment: VENV (the venv's folder), PYRNNOISE_REQUIREMENT, PYTHON (python3),
# MODEL_DATA_DIR (/usr/share/wyoming-local-asr), MODEL_PREBUILT (see above), EXPECT_VERSION
# (the package version the image must hold, if set), ONNXRUNTIME_GPU (if set: the onnxruntime build that replaces
# PyPI's CPU one once the model is built, from ONNXRUNTIME_INDEX if set, and it must offer
# the CUDA execution provider).
set -eu

PYTHON="${PYTHON:-python3}"
MODEL_DATA_DIR="${MODEL_DATA_DIR:-/usr/share/wyoming-local-asr}"

system() {
    apt-get update
    apt-get install -y --no-install-recommends \
        ca-certificates \
        netcat-traditional \
        "${PYTHON}" \
        "${PYTHON}-venv"
    rm -rf /var/lib/apt/lists/*
    update-ca-certificates > /dev/null
}

server() {
    : "${VENV:?VENV names the venv}" "${PYRNNOISE_REQUIREMENT:?}"
    pip="$VENV/bin/pip --no-cache-dir --disable-pip-version-check"
    "${PYTHON}" -m venv "$VENV"
    $pip install "$1"
    $pip install --no-deps "${PYRNNOISE_REQUIREMENT}"
    if [ -n "${EXPECT_VERSION:-}" ]; then
        "$VENV/bin/wyoming-local-asr" --version | grep -qx "${EXPECT_VERSION}"
    fi
    if [ -n "${MODEL_PREBUILT:-}" ]; then
        mkdir -p "${MODEL_DATA_DIR}/models"
        cp -R "${MODEL_PREBUILT}/models/." "${MODEL_DATA_DIR}/models/"
    fi
    # Builds the model, or (prebuilt and current: this version, complete) says it is up to date.
    "$VENV/bin/wyoming-local-asr" model --data-dir "${MODEL_DATA_DIR}" build
    $pip uninstall --yes --quiet onnx ml_dtypes pocketsphinx
    if [ -n "${ONNXRUNTIME_GPU:-}" ]; then
        $pip uninstall --yes --quiet onnxruntime
        $pip install ${ONNXRUNTIME_INDEX:+--extra-index-url "${ONNXRUNTIME_INDEX}"} "${ONNXRUNTIME_GPU}"
        "$VENV/bin/python" -c "import onnxruntime as o; p = o.get_available_providers(); print(p); assert 'CUDAExecutionProvider' in p"
    fi
    $pip uninstall --yes --quiet pip
    rm -rf /root/.cache
}

case "${1:-}" in
    system) system ;;
    server) shift; server "$@" ;;
    *) echo "usage: install-server.sh system | server REQUIREMENT" >&2; exit 2 ;;
esac
