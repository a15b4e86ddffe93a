/* The smallest complete wisp program: load a model, feed a prompt, stream a
 * greedy continuation. Uses nothing but <wisp/wisp.h>.
 *
 *   c_generate MODEL.wisp "Once upon a time" 50
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wisp/wisp.h>

static int print_token(int32_t token, const char* text, size_t len,
                       void* user_data) {
  (void)token;
  (void)user_data;
  fwrite(text, 1, len, stdout);
  fflush(stdout);
  return 0; /* 0: keep going */
}

static int fail(const char* what, wisp_status status) {
  fprintf(stderr, "%s failed: %s (%s)\n", what, wisp_last_error(),
          wisp_status_name(status));
  return 1;
}

int main(int argc, char** argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s MODEL.wisp PROMPT N\n", argv[0]);
    return 2;
  }
  const char* prompt = argv[2];
  const size_t n_tokens = (size_t)strtoul(argv[3], NULL, 10);

  wisp_model* model = NULL;
  wisp_status status = wisp_model_load(argv[1], NULL, &model);
  if (status != WISP_OK) return fail("wisp_model_load", status);

  /* Ask for the size, then copy. */
  size_t n_ids = 0;
  wisp_tokenize(model, prompt, strlen(prompt), 1, NULL, 0, &n_ids);
  int32_t* ids = malloc(n_ids * sizeof(int32_t));
  status = wisp_tokenize(model, prompt, strlen(prompt), 1, ids, n_ids, &n_ids);
  if (status != WISP_OK) return fail("wisp_tokenize", status);

  wisp_session* session = NULL;
  status = wisp_session_create(model, NULL, &session);
  if (status != WISP_OK) return fail("wisp_session_create", status);
  status = wisp_session_feed(session, ids, n_ids, NULL, 0);
  if (status != WISP_OK) return fail("wisp_session_feed", status);

  wisp_sampler_params sampler = wisp_sampler_default_params();
  sampler.temperature = 0.0f; /* greedy */
  fputs(prompt, stdout);
  status = wisp_session_generate(session, &sampler, n_tokens, print_token, NULL,
                                 NULL, NULL);
  putchar('\n');
  if (status != WISP_OK) return fail("wisp_session_generate", status);

  free(ids);
  wisp_session_free(session);
  wisp_model_free(model);
  return 0;
}
