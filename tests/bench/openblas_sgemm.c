/* OpenBLAS sgemm: the GEMM yardstick for wisp's MatMul, on the shapes of
 * issue 5 (GPT-2 small prefill, and the logits GEMV), y = x W^T with x
 * [M, K] and W [N, K] row-major exactly as wisp's MatMul (src/kernels/ops.h).
 * Prints one JSON object: the core OpenBLAS chose (openblas_get_corename),
 * its build config, and GFLOP/s and GB/s per shape and thread count (median
 * of several timed batches).
 *
 *   openblas_sgemm [--threads 1,2] [--min-time SECONDS]
 *
 * Run it with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset (compare.py
 * does): this machine may set them for old OpenBLAS builds, which would pin
 * a kernel other than the one OpenBLAS picks for the CPU. */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { kBatches = 5 };

static double Now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

static int CompareDoubles(const void* a, const void* b) {
  const double x = *(const double*)a, y = *(const double*)b;
  return (x > y) - (x < y);
}

static float* RandomFloats(size_t n, unsigned seed) {
  float* v = malloc(n * sizeof(float));
  if (v == NULL) {
    fprintf(stderr, "openblas_sgemm: out of memory\n");
    exit(1);
  }
  for (size_t i = 0; i < n; ++i) {
    seed = seed * 1664525u + 1013904223u;
    v[i] = (float)(seed >> 8) / (float)(1u << 24) * 2.0f - 1.0f;
  }
  return v;
}

static void Multiply(const float* x, const float* w, float* y, int m, int k,
                     int n) {
  if (m == 1) {
    /* A GEMV: what a decoder runs per token, through BLAS's own path. */
    cblas_sgemv(CblasRowMajor, CblasNoTrans, n, k, 1.0f, w, k, x, 1, 0.0f, y,
                1);
  } else {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, 1.0f, x, k, w,
                k, 0.0f, y, n);
  }
}

/* Seconds per call: the median over kBatches batches, each long enough
 * (min_time / kBatches) for the clock. */
static double SecondsPerCall(int m, int k, int n, double min_time) {
  float* x = RandomFloats((size_t)m * k, 1);
  float* w = RandomFloats((size_t)n * k, 2);
  float* y = RandomFloats((size_t)m * n, 3);
  Multiply(x, w, y, m, k, n); /* warm-up: threads, buffers */
  long calls = 1;
  for (;;) { /* calls per batch */
    const double start = Now();
    for (long i = 0; i < calls; ++i) Multiply(x, w, y, m, k, n);
    if (Now() - start >= min_time / kBatches) break;
    calls *= 2;
  }
  double per_call[kBatches];
  for (int b = 0; b < kBatches; ++b) {
    const double start = Now();
    for (long i = 0; i < calls; ++i) Multiply(x, w, y, m, k, n);
    per_call[b] = (Now() - start) / calls;
  }
  qsort(per_call, kBatches, sizeof(double), CompareDoubles);
  free(x);
  free(w);
  free(y);
  return per_call[kBatches / 2];
}

int main(int argc, char** argv) {
  const char* threads_list = "1,2";
  double min_time = 1.0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--threads")) {
      threads_list = argv[i + 1];
    } else if (!strcmp(argv[i], "--min-time")) {
      min_time = atof(argv[i + 1]);
    } else {
      fprintf(stderr, "openblas_sgemm: unknown flag %s\n", argv[i]);
      return 2;
    }
  }
  if (argc % 2 == 0 || !(min_time > 0)) {
    fprintf(stderr,
            "usage: openblas_sgemm [--threads 1,2] [--min-time SECONDS]\n");
    return 2;
  }
  static const int kShapes[][3] = {
      {128, 768, 2304}, {512, 768, 3072}, {512, 3072, 768}, {1, 768, 50257}};
  printf("{\"corename\": \"%s\", \"config\": \"%s\", \"results\": [",
         openblas_get_corename(), openblas_get_config());
  int first = 1;
  char* list = strdup(threads_list);
  for (char* t = strtok(list, ","); t != NULL; t = strtok(NULL, ",")) {
    const int threads = atoi(t);
    if (threads < 1) {
      fprintf(stderr, "openblas_sgemm: bad thread count '%s'\n", t);
      return 2;
    }
    openblas_set_num_threads(threads);
    for (size_t s = 0; s < sizeof(kShapes) / sizeof(kShapes[0]); ++s) {
      const int m = kShapes[s][0], k = kShapes[s][1], n = kShapes[s][2];
      fprintf(stderr, "openblas_sgemm: %dx%dx%d on %d thread(s)\n", m, k, n,
              threads);
      const double seconds = SecondsPerCall(m, k, n, min_time);
      const double bytes = ((double)n * k + (double)m * k + (double)m * n) * 4;
      printf(
          "%s{\"m\": %d, \"k\": %d, \"n\": %d, \"threads\": %d, "
          "\"gflops\": %.2f, \"gbs\": %.2f}",
          first ? "" : ", ", m, k, n, threads, 2.0 * m * k * n / seconds * 1e-9,
          bytes / seconds * 1e-9);
      first = 0;
    }
  }
  free(list);
  printf("]}\n");
  return 0;
}
