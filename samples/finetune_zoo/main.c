/* The seed demo of how language-model training works, through wisp's C API:
 *
 *   1. ask a pre-trained model how likely each continuation of
 *      "I love New York" is (its favourite, " City", " Zoo"),
 *   2. fine-tune it on the single sentence "I love New York Zoo",
 *      printing the loss of every step (and writing the curve as CSV),
 *   3. ask again, and let the fine-tuned model continue greedily.
 *
 *   finetune_zoo [MODEL.wisp] [STEPS] [OUT_DIR]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wisp/wisp.h>

#define PROMPT "I love New York"
#define SENTENCE "I love New York Zoo"

static void check(wisp_status status, const char* what) {
  if (status != WISP_OK) {
    fprintf(stderr, "%s failed: %s (%s)\n", what, wisp_last_error(),
            wisp_status_name(status));
    exit(1);
  }
}

/* Token ids of `text` with BOS; the caller frees them. */
static int32_t* tokenize(const wisp_model* model, const char* text, size_t* n) {
  wisp_tokenize(model, text, strlen(text), 1, NULL, 0, n);
  int32_t* ids = malloc(*n * sizeof(int32_t));
  check(wisp_tokenize(model, text, strlen(text), 1, ids, *n, n), "tokenize");
  return ids;
}

/* P(continuation | PROMPT): the product of the probabilities of its tokens,
 * each given everything before it (one forward pass over the whole text). */
static double continuation_probability(const wisp_model* model,
                                       const char* continuation) {
  char text[256];
  snprintf(text, sizeof(text), "%s%s", PROMPT, continuation);
  size_t n_prompt = 0, n = 0;
  int32_t* prompt_ids = tokenize(model, PROMPT, &n_prompt);
  int32_t* ids = tokenize(model, text, &n);
  free(prompt_ids);
  wisp_model_config config;
  memset(&config, 0, sizeof(config));
  config.struct_size = sizeof(config);
  check(wisp_model_get_config(model, &config), "config");
  const size_t vocab = (size_t)config.vocab_size;
  float* logits = malloc(n * vocab * sizeof(float));
  wisp_session* session = NULL;
  check(wisp_session_create(model, NULL, &session), "session");
  check(wisp_session_feed(session, ids, n, logits, n * vocab), "feed");
  double log_p = 0.0;
  for (size_t t = n_prompt - 1; t + 1 < n; ++t) {
    const float* row = logits + t * vocab;
    float max = row[0];
    for (size_t v = 1; v < vocab; ++v) max = row[v] > max ? row[v] : max;
    double total = 0.0;
    for (size_t v = 0; v < vocab; ++v) total += exp(row[v] - max);
    log_p += row[ids[t + 1]] - max - log(total);
  }
  wisp_session_free(session);
  free(logits);
  free(ids);
  return exp(log_p);
}

/* The model's favourite next word: greedy tokens until the next one starts a
 * new word (a leading space) or ends the sentence. */
static void favourite_word(const wisp_model* model, char* word, size_t cap) {
  size_t n = 0;
  int32_t* ids = tokenize(model, PROMPT, &n);
  wisp_session* session = NULL;
  check(wisp_session_create(model, NULL, &session), "session");
  check(wisp_session_feed(session, ids, n, NULL, 0), "feed");
  wisp_sampler_params greedy = wisp_sampler_default_params();
  greedy.temperature = 0;
  size_t len = 0;
  int32_t prev = ids[n - 1];
  for (int i = 0; i < 4; ++i) {
    int32_t token = 0;
    char piece[64];
    size_t piece_len = 0;
    check(wisp_session_sample(session, &greedy, &token), "sample");
    check(wisp_token_to_text(model, prev, token, piece, sizeof(piece) - 1,
                             &piece_len),
          "token_to_text");
    if (i > 0 && (piece[0] == ' ' || piece[0] == '.' || piece[0] == ',')) break;
    if (len + piece_len + 1 > cap) break;
    memcpy(word + len, piece, piece_len);
    len += piece_len;
    check(wisp_session_feed(session, &token, 1, NULL, 0), "feed");
    prev = token;
  }
  word[len] = '\0';
  wisp_session_free(session);
  free(ids);
}

static void print_table(const wisp_model* model, const char* favourite) {
  const char* candidates[] = {favourite, " City", " Zoo"};
  printf("  %-22s %13s\n", "continuation", "probability");
  for (int i = 0; i < 3; ++i) {
    if (i > 0 && strcmp(candidates[i], favourite) == 0) continue;
    char label[64];
    snprintf(label, sizeof(label), "\"...York%s\"", candidates[i]);
    printf("  %-22s %12.6f%%\n", label,
           100.0 * continuation_probability(model, candidates[i]));
  }
}

static int on_step(const wisp_step_info* info, void* user_data) {
  FILE* csv = user_data;
  printf("  step %3lld   loss %.4f\n", (long long)info->step, info->loss);
  fprintf(csv, "%lld,%.6f\n", (long long)info->step, info->loss);
  return 0;
}

static void generate(const wisp_model* model) {
  size_t n = 0;
  int32_t* ids = tokenize(model, PROMPT, &n);
  wisp_session* session = NULL;
  check(wisp_session_create(model, NULL, &session), "session");
  check(wisp_session_feed(session, ids, n, NULL, 0), "feed");
  wisp_sampler_params greedy = wisp_sampler_default_params();
  greedy.temperature = 0;
  size_t len = 0;
  char text[512] = PROMPT;
  len = strlen(text);
  for (int i = 0; i < 12; ++i) {
    int32_t token = 0;
    size_t piece_len = 0;
    check(wisp_session_sample(session, &greedy, &token), "sample");
    if (token == 2 || token == 1) break; /* end of text */
    check(wisp_token_to_text(model, i == 0 ? ids[n - 1] : -1, token, text + len,
                             sizeof(text) - len - 1, &piece_len),
          "token_to_text");
    len += piece_len;
    check(wisp_session_feed(session, &token, 1, NULL, 0), "feed");
  }
  text[len] = '\0';
  printf("%s\n", text);
  wisp_session_free(session);
  free(ids);
}

int main(int argc, char** argv) {
  const char* model_path = argc > 1 ? argv[1] : "build/models/stories260K.wisp";
  const int steps = argc > 2 ? atoi(argv[2]) : 30;
  const char* out_dir = argc > 3 ? argv[3] : ".";
  char csv_path[512], tuned_path[512];
  snprintf(csv_path, sizeof(csv_path), "%s/zoo_loss.csv", out_dir);
  snprintf(tuned_path, sizeof(tuned_path), "%s/zoo_finetuned.wisp", out_dir);

  wisp_model* model = NULL;
  check(wisp_model_load(model_path, NULL, &model), "wisp_model_load");
  char favourite[64];
  favourite_word(model, favourite, sizeof(favourite));

  printf("Before fine-tuning, after \"%s\":\n", PROMPT);
  print_table(model, favourite);
  printf("  greedy: ");
  generate(model);

  printf("\nFine-tuning every weight on \"%s\" (%d steps, AdamW):\n", SENTENCE,
         steps);
  wisp_trainer_params params = wisp_trainer_default_params();
  params.learning_rate = 1e-3f;
  params.lr_schedule = WISP_LR_CONSTANT;
  params.batch_size = 1;
  params.seq_len = 16; /* the sentence is shorter: the rest is padding */
  params.grad_clip = 1.0f;
  wisp_trainer* trainer = NULL;
  check(wisp_trainer_create(model, &params, &trainer), "wisp_trainer_create");
  check(wisp_trainer_set_data_text(trainer, SENTENCE, strlen(SENTENCE)),
        "set_data");
  FILE* csv = fopen(csv_path, "w");
  if (csv == NULL) {
    fprintf(stderr, "cannot write %s\n", csv_path);
    return 1;
  }
  fprintf(csv, "step,loss\n");
  check(wisp_trainer_train(trainer, (size_t)steps, on_step, csv), "train");
  fclose(csv);
  check(wisp_trainer_export_model(trainer, tuned_path), "export");
  wisp_trainer_free(trainer);

  wisp_model* tuned = NULL;
  check(wisp_model_load(tuned_path, NULL, &tuned), "load fine-tuned");
  printf("\nAfter fine-tuning, after \"%s\":\n", PROMPT);
  print_table(tuned, favourite);
  printf("  greedy: ");
  generate(tuned);
  printf("\nloss curve: %s (CSV); fine-tuned model: %s\n", csv_path,
         tuned_path);

  wisp_model_free(tuned);
  wisp_model_free(model);
  return 0;
}
