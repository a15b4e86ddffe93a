#!/usr/bin/env bash
# Runs wisp's tests: first the suites that read untrusted input (weight
# files, tokenizer files, the C API; the fuzz targets over their seeds) and
# the training code under
# AddressSanitizer and UBSan in ./build-asan (the slow learning test only in
# Release), then the whole suite on the Release build in ./build.
# Expects scripts/setup.sh to have run.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

# ONNX Runtime (CPU) for the check of `wisp export --to onnx`, from the npm
# registry at the version pinned in tests/onnxrt/package-lock.json. The CPU
# binaries ship inside the package; --ignore-scripts skips its postinstall,
# which would fetch CUDA providers from elsewhere. Without npm or the
# registry the check reports itself skipped instead of failing the run.
if command -v npm >/dev/null 2>&1; then
  if ! (cd tests/onnxrt && timeout 900 npm ci --ignore-scripts --no-audit \
        --no-fund >/dev/null 2>&1); then
    rm -rf tests/onnxrt/node_modules
    echo "test.sh: cannot install onnxruntime-node; the ONNX Runtime" \
      "check will be skipped" >&2
  fi
fi

cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DWISP_SANITIZE=address,undefined -DWISP_BUILD_BENCH=OFF >/dev/null
cmake --build build-asan -j"$jobs" --target format_test model_test \
  tokenizer_test capi_test train_test c_generate finetune_zoo import_test \
  convert_capi_test onnx_export_test export_capi_test npc_dialogue \
  model_file_fuzz session_api_fuzz checkpoint_fuzz trainer_api_fuzz \
  tokenizer_fuzz tokenizer_files_fuzz onnx_import_fuzz llama2c_import_fuzz \
  fuzz_seeds
# The ONNX Runtime check runs node on the Release build only.
ASAN_OPTIONS=detect_leaks=1 ctest --test-dir build-asan -j"$jobs" \
  --output-on-failure -E '(_NOT_BUILT$|^Learning|^onnxrt_)'

cmake --build build -j"$jobs"
ctest --test-dir build -j"$jobs" --output-on-failure
