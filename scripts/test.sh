#!/usr/bin/env bash
# Runs wisp's tests: first the suites that read untrusted input (weight
# files, tokenizer files, the C API) and the training code under
# AddressSanitizer and UBSan in ./build-asan (the slow learning test only in
# Release), then the whole suite on the Release build in ./build.
# Expects scripts/setup.sh to have run.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DWISP_SANITIZE=address,undefined -DWISP_BUILD_BENCH=OFF >/dev/null
cmake --build build-asan -j"$jobs" --target format_test model_test \
  tokenizer_test capi_test train_test c_generate finetune_zoo
ASAN_OPTIONS=detect_leaks=1 ctest --test-dir build-asan -j"$jobs" \
  --output-on-failure -E '(_NOT_BUILT$|^Learning)'

cmake --build build -j"$jobs"
ctest --test-dir build -j"$jobs" --output-on-failure
