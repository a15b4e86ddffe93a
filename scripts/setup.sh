#!/usr/bin/env bash
# Installs wisp's build dependencies from Debian's packages and builds it
# (Release, warnings as errors) into ./build.
#   scripts/setup.sh            install + build
#   SKIP_APT=1 scripts/setup.sh build only
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(build-essential cmake pkg-config
  libhwy-dev libabsl-dev libflatbuffers-dev flatbuffers-compiler
  libonnx-dev libprotobuf-dev protobuf-compiler
  libgtest-dev libgmock-dev libbenchmark-dev
  mono-mcs mono-devel
  golang-go)

if [[ "${SKIP_APT:-0}" != 1 ]]; then
  scripts/install_packages.sh "${PACKAGES[@]}"
fi

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$(nproc)"
echo "built: build/bin/wisp, build/capi/libwisp.so, build/models/stories260K.wisp"
