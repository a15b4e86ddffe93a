#!/usr/bin/env bash
# Installs the benchmark-only dependencies of scripts/bench/compare.py. None
# of them is needed to build or use wisp:
#   - python3-torch (Debian): makes the GPT-2 124M workload and is the
#     training reference (runs under /usr/bin/python3, not a pyenv python);
#   - libopenblas-dev (Debian): the sgemm yardstick (re-run cmake afterwards
#     so that the wisp_openblas_sgemm target appears);
#   - onnxruntime-node (npm, pinned in tests/onnxrt/package-lock.json, the
#     same install the ONNX export check uses): the inference reference.
#   scripts/bench/setup.sh             apt + npm
#   SKIP_APT=1 scripts/bench/setup.sh  npm only
set -euo pipefail
cd "$(dirname "$0")/../.."

PACKAGES=(python3-torch libopenblas-dev)
# A node and npm from outside Debian's packages do as well.
command -v node >/dev/null && command -v npm >/dev/null ||
  PACKAGES+=(nodejs npm)

if [[ "${SKIP_APT:-0}" != 1 ]]; then
  scripts/install_packages.sh "${PACKAGES[@]}"
fi

# --ignore-scripts: the package carries its CPU build; its install script
# would only try to download GPU libraries.
if [[ ! -f tests/onnxrt/node_modules/onnxruntime-node/package.json ]]; then
  (cd tests/onnxrt && npm ci --ignore-scripts)
fi

/usr/bin/python3 -c 'import torch; print("PyTorch", torch.__version__)'
node -e 'console.log("onnxruntime-node",
  require("./tests/onnxrt/node_modules/onnxruntime-node/package.json").version)'
echo "benchmark dependencies ready; next: scripts/bench/compare.py"
