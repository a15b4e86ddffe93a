/*
 * wisp.h - the C API of wisp, an embeddable library that loads, fine-tunes and
 * runs transformer language models.
 *
 * The runtime's public header (converting models from other formats has its
 * own, wisp/convert.h): plain C99, no C++ in it, so that C, C++, Rust, Go,
 * C# and game engines can bind it.
 *
 * Conventions (the same for every function below):
 *   - Every fallible function returns a wisp_status; WISP_OK (0) is success.
 *     Results go to out-parameters, which are written only on success.
 *   - On failure, wisp_last_error() returns a message for the calling thread.
 *   - Handles (wisp_model, wisp_session) are opaque. Functions named *_free
 *     accept NULL.
 *   - Parameter structs start with `struct_size`. Initialise them with the
 *     matching wisp_*_default_params() and change the fields you need; new
 *     fields are only ever appended, and the library reads only the first
 *     struct_size bytes, so code compiled against an older header keeps
 *     working.
 *   - Variable-size outputs follow "ask for the size, then copy": pass a
 *     buffer and its capacity; the required size is always written to the
 *     size out-parameter, and WISP_ERR_BUFFER_TOO_SMALL is returned if the
 *     buffer cannot hold it (pass NULL and 0 to only ask).
 *   - Nothing aborts on bad input and no C++ exception crosses this boundary.
 *
 * Threading: a wisp_model is immutable once loaded and may be shared by any
 * number of threads and sessions. A wisp_session is a single-threaded object:
 * use it from one thread at a time. Each session may use worker threads of
 * its own (wisp_session_params.n_threads), always including the caller's.
 */
#ifndef WISP_WISP_H_
#define WISP_WISP_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define WISP_API __declspec(dllexport)
#elif defined(__GNUC__)
#define WISP_API __attribute__((visibility("default")))
#else
#define WISP_API
#endif

/* Version of this header. Bumped (major) on incompatible changes to the ABI,
 * (minor) when functions, enum values or fields appended to structs passed
 * by pointer are added. A params struct returned by value never changes
 * size: new options get functions (wisp_model_set_exact_bf16_products). */
#define WISP_API_VERSION_MAJOR 0
#define WISP_API_VERSION_MINOR 4
#define WISP_API_VERSION \
  ((WISP_API_VERSION_MAJOR << 16) | WISP_API_VERSION_MINOR)

/* ------------------------------------------------------------------------ */
/* Status and errors                                                        */
/* ------------------------------------------------------------------------ */

typedef enum wisp_status {
  WISP_OK = 0,
  WISP_ERR_INVALID_ARGUMENT = 1, /* NULL handle, bad parameter, bad token id */
  WISP_ERR_NOT_FOUND = 2,        /* a file that does not exist */
  WISP_ERR_CORRUPT = 3,          /* a truncated or corrupt file */
  WISP_ERR_UNSUPPORTED = 4,      /* valid but not supported by this build */
  WISP_ERR_OUT_OF_RANGE = 5,     /* context full, index out of range */
  WISP_ERR_BUFFER_TOO_SMALL = 6, /* see "ask for the size, then copy" */
  WISP_ERR_CANCELLED = 7,        /* a callback asked to stop */
  WISP_ERR_OUT_OF_MEMORY = 8,
  WISP_ERR_IO = 9, /* reading or writing a file failed */
  WISP_ERR_INTERNAL = 10,
  WISP_ERR_MISMATCH = 11 /* data made for another model (a session state) */
} wisp_status;

/* The library's version string, e.g. "0.1.0". Static storage; never NULL. */
WISP_API const char* wisp_version(void);

/* WISP_API_VERSION of the library actually loaded (compare with the header's
 * to detect a mismatched shared library). */
WISP_API int wisp_api_version(void);

/* Message describing the last failure on the calling thread ("" if none).
 * Valid until the next wisp call on this thread; copy it to keep it. */
WISP_API const char* wisp_last_error(void);

/* A short static name for a status, e.g. "WISP_ERR_CORRUPT". */
WISP_API const char* wisp_status_name(wisp_status status);

/* ------------------------------------------------------------------------ */
/* Models                                                                   */
/* ------------------------------------------------------------------------ */

typedef struct wisp_model wisp_model;

typedef struct wisp_model_params {
  size_t struct_size; /* sizeof(wisp_model_params) */
  /* Check every tensor's CRC-32C at load (reads the whole file once).
   * Structure, offsets, shapes and dtypes are always verified. Default 1. */
  int verify_checksums;
} wisp_model_params;

/* Default model parameters (struct_size filled in). */
WISP_API wisp_model_params wisp_model_default_params(void);

/* Loads a .wisp model file, memory-mapping its weights in place.
 * params may be NULL for defaults. On success *out_model owns the model;
 * release it with wisp_model_free after every session on it is freed.
 * Errors: INVALID_ARGUMENT (NULL or empty path, NULL out, bad params,
 * unusable config, not a regular file), NOT_FOUND, CORRUPT (truncated, bad
 * checksum, bad metadata), UNSUPPORTED (e.g. a newer format version or an
 * architecture this build lacks). Thread-safe. */
WISP_API wisp_status wisp_model_load(const char* path,
                                     const wisp_model_params* params,
                                     wisp_model** out_model);

/* Releases a model. NULL is ignored. No session on it may be used after. */
WISP_API void wisp_model_free(wisp_model* model);

/* Chooses how this model's bf16 weight matrices multiply activations.
 * `exact` non-zero: always exactly, each weight widened to f32 and multiplied
 * by the f32 activations, so a prompt's logits are the same on every CPU up
 * to f32 summation order (what an f32 model of the same weights computes).
 * 0, the setting after wisp_model_load: prompts (more than one token fed at
 * once) may round the activations to bf16 and run on the CPU's bf16
 * dot-product instructions (AVX512_BF16), about 1.8x faster prefill, so
 * their logits then differ slightly between CPUs with and without them;
 * decoding one token at a time is always exact. WISP_BF16_DOT=0 in the
 * environment makes every model exact, whatever this says. f32 models
 * accept the call, with no effect.
 * Takes effect for forward passes that start after it returns, in every
 * session on the model, including sessions created before the call. Each
 * forward pass (a wisp_session_feed, or each block of a long prompt that
 * the library splits; each generated token) reads the setting once at its
 * start, so no pass mixes the two kinds of products. The model stays the
 * caller's.
 * Errors: INVALID_ARGUMENT for a NULL model. Thread-safe: may be called
 * while sessions on the model run on other threads (a pass already running
 * keeps the setting it started with). Added in API version 0.3. */
WISP_API wisp_status wisp_model_set_exact_bf16_products(wisp_model* model,
                                                        int exact);

/* The model's current wisp_model_set_exact_bf16_products setting: 1 (exact)
 * or 0; 0 for a NULL model (never an error, the last error is untouched).
 * Thread-safe. Added in API version 0.3. */
WISP_API int wisp_model_exact_bf16_products(const wisp_model* model);

typedef enum wisp_norm_kind {
  WISP_NORM_RMS = 0,
  WISP_NORM_LAYER = 1
} wisp_norm_kind;
typedef enum wisp_position_kind {
  WISP_POSITIONS_ROTARY = 0,
  WISP_POSITIONS_LEARNED = 1
} wisp_position_kind;
typedef enum wisp_mlp_kind {
  WISP_MLP_SWIGLU = 0,
  WISP_MLP_GELU_TANH = 1,
  WISP_MLP_GELU_ERF = 2
} wisp_mlp_kind;
typedef enum wisp_mask_kind {
  WISP_MASK_CAUSAL = 0,
  WISP_MASK_BIDIRECTIONAL = 1,
  WISP_MASK_PREFIX = 2
} wisp_mask_kind;

typedef struct wisp_model_config {
  size_t struct_size; /* set by the caller: sizeof(wisp_model_config) */
  int32_t dim;
  int32_t hidden_dim;
  int32_t n_layers;
  int32_t n_heads;
  int32_t n_kv_heads;
  int32_t vocab_size;
  int32_t max_seq_len;
  float norm_eps;
  float rope_theta;
  int32_t norm;      /* wisp_norm_kind */
  int32_t positions; /* wisp_position_kind */
  int32_t mlp;       /* wisp_mlp_kind */
  int32_t mask;      /* wisp_mask_kind */
  int32_t tied_embeddings;
  int32_t bos_id; /* -1 if the tokenizer has none */
  int32_t eos_id; /* -1 if the tokenizer has none */
} wisp_model_config;

/* Fills *out_config (whose struct_size the caller sets; only that many bytes
 * are written). Errors: INVALID_ARGUMENT for NULL or a struct_size smaller
 * than the first field set. Thread-safe. */
WISP_API wisp_status wisp_model_get_config(const wisp_model* model,
                                           wisp_model_config* out_config);

/* ------------------------------------------------------------------------ */
/* Tokenizer (the one stored in the model file)                             */
/* ------------------------------------------------------------------------ */

/* Encodes `text_len` bytes of `text` (any bytes; invalid UTF-8 falls back to
 * byte tokens) into token ids, with a BOS id first if add_bos and the
 * tokenizer has one. Writes up to `capacity` ids to `ids` and the count
 * needed to *out_n_ids. Errors: INVALID_ARGUMENT (NULL model/out or NULL text
 * with a non-zero length), UNSUPPORTED (model without tokenizer),
 * BUFFER_TOO_SMALL. Thread-safe. */
WISP_API wisp_status wisp_tokenize(const wisp_model* model, const char* text,
                                   size_t text_len, int add_bos, int32_t* ids,
                                   size_t capacity, size_t* out_n_ids);

/* Decodes ids into text bytes (not NUL-terminated), the way llama2.c prints
 * them: a BOS id is dropped and the leading space of the token after it is
 * removed; byte tokens become raw bytes. Ask-then-copy with `capacity` and
 * *out_len. Errors: INVALID_ARGUMENT (NULL, or an id outside the
 * vocabulary), UNSUPPORTED, BUFFER_TOO_SMALL. Thread-safe. */
WISP_API wisp_status wisp_detokenize(const wisp_model* model,
                                     const int32_t* ids, size_t n_ids,
                                     char* text, size_t capacity,
                                     size_t* out_len);

/* The text of `token` as it is printed after `prev_token` (pass -1 when there
 * is no previous token): what a streaming callback shows. Ask-then-copy.
 * Errors as wisp_detokenize. Thread-safe. */
WISP_API wisp_status wisp_token_to_text(const wisp_model* model,
                                        int32_t prev_token, int32_t token,
                                        char* text, size_t capacity,
                                        size_t* out_len);

/* ------------------------------------------------------------------------ */
/* Sessions: a context (KV cache) on a shared model                         */
/* ------------------------------------------------------------------------ */

typedef struct wisp_session wisp_session;

typedef struct wisp_session_params {
  size_t struct_size; /* sizeof(wisp_session_params) */
  /* Threads computing for this session, including the caller's: 1 (the
   * default) runs everything on the calling thread with no worker threads.
   * More than the CPUs the process may run on (its affinity mask) are
   * reduced to that many: extra threads only wait for each other
   * (wisp_session_threads tells the count). No result depends on the
   * number. */
  int32_t n_threads;
  /* Maximum tokens in the context; 0 (default) means the model's max_seq_len.
   * The KV cache for all of it is allocated at creation. */
  int32_t context_length;
} wisp_session_params;

/* Default session parameters (struct_size filled in). */
WISP_API wisp_session_params wisp_session_default_params(void);

/* Creates a session on `model` (which must outlive it). params may be NULL.
 * Errors: INVALID_ARGUMENT (NULL, n_threads outside 1..1024, context longer
 * than the model's), OUT_OF_MEMORY. Thread-safe with respect to the model. */
WISP_API wisp_status wisp_session_create(const wisp_model* model,
                                         const wisp_session_params* params,
                                         wisp_session** out_session);

/* Releases a session and its worker threads. NULL is ignored. */
WISP_API void wisp_session_free(wisp_session* session);

/* Empties the context (position back to 0), keeping the allocated memory. */
WISP_API wisp_status wisp_session_reset(wisp_session* session);

/* Number of tokens in the context. Writes *out_position. */
WISP_API wisp_status wisp_session_position(const wisp_session* session,
                                           size_t* out_position);

/* Threads the session computes with, the caller's included: n_threads as
 * created, reduced to the CPUs the process could run on at creation (see
 * wisp_session_params.n_threads) and to the threads the system let it
 * start. Writes *out_threads. Errors: INVALID_ARGUMENT (NULL). Since API
 * 0.4. */
WISP_API wisp_status wisp_session_threads(const wisp_session* session,
                                          int32_t* out_threads);

/* Appends ids to the context and runs them through the model in one pass
 * (a whole prompt is processed matrix-matrix). If `logits` is not NULL it
 * receives n_ids * vocab_size floats: row t holds the logits that predict the
 * token after ids[t]; `logits_capacity` is its size in floats. The logits
 * after the last id are always kept for sampling.
 * Errors: INVALID_ARGUMENT (NULL, an id outside the vocabulary, logits
 * capacity too small), OUT_OF_RANGE (the context would overflow; nothing is
 * fed). */
WISP_API wisp_status wisp_session_feed(wisp_session* session,
                                       const int32_t* ids, size_t n_ids,
                                       float* logits, size_t logits_capacity);

/* Copies the logits after the last fed token (vocab_size floats) into
 * `logits`. Ask-then-copy with `capacity` and *out_n. Errors:
 * INVALID_ARGUMENT, BUFFER_TOO_SMALL, OUT_OF_RANGE (nothing fed yet). */
WISP_API wisp_status wisp_session_logits(const wisp_session* session,
                                         float* logits, size_t capacity,
                                         size_t* out_n);

typedef struct wisp_sampler_params {
  size_t struct_size;        /* sizeof(wisp_sampler_params) */
  float temperature;         /* <= 0: greedy (argmax). Default 0.8 */
  int32_t top_k;             /* <= 0: no top-k cut. Default 40 */
  float top_p;               /* >= 1: no nucleus cut. Default 0.95 */
  float repetition_penalty;  /* 1: off (default); > 1 discourages repeats */
  int32_t repetition_last_n; /* tokens the penalty looks back. Default 64 */
  uint64_t seed;             /* same seed, same model, same output. Default 0 */
} wisp_sampler_params;

/* Default sampler parameters (struct_size filled in). */
WISP_API wisp_sampler_params wisp_sampler_default_params(void);

/* Samples one token from the current logits with `params` (NULL: defaults)
 * WITHOUT feeding it; call wisp_session_feed with it to continue. Each call
 * with the same seed starts the random stream afresh, so for a stream of
 * sampled tokens use wisp_session_generate. Errors: INVALID_ARGUMENT,
 * OUT_OF_RANGE (nothing fed yet). */
WISP_API wisp_status wisp_session_sample(wisp_session* session,
                                         const wisp_sampler_params* params,
                                         int32_t* out_token);

/* Called for every generated token with its id and its text (not
 * NUL-terminated, `text_len` bytes, valid during the call). Return 0 to
 * continue, non-zero to stop generating. */
typedef int (*wisp_token_callback)(int32_t token, const char* text,
                                   size_t text_len, void* user_data);

typedef enum wisp_stop_reason {
  WISP_STOP_MAX_TOKENS = 0,   /* generated max_tokens tokens */
  WISP_STOP_END_OF_TEXT = 1,  /* the model produced EOS (or BOS) */
  WISP_STOP_CONTEXT_FULL = 2, /* no room left in the context */
  WISP_STOP_CALLBACK = 3      /* the callback returned non-zero */
} wisp_stop_reason;

/* Generates up to max_tokens tokens after the current context, feeding each
 * one back and streaming it through `callback` (may be NULL). The end-of-text
 * token is not fed nor passed to the callback. The session must have been
 * fed at least one token. Writes the number of tokens generated to
 * *out_n_generated and why generation stopped to *out_reason (either may be
 * NULL). Stopping early through the callback is not an error.
 * Errors: INVALID_ARGUMENT, OUT_OF_RANGE (nothing fed yet). */
WISP_API wisp_status wisp_session_generate(
    wisp_session* session, const wisp_sampler_params* params, size_t max_tokens,
    wisp_token_callback callback, void* user_data, size_t* out_n_generated,
    wisp_stop_reason* out_reason);

/* Gives the session a sampler of its own, whose random stream continues
 * across calls of wisp_session_continue and is part of the saved session
 * state. Setting it (again) restarts the stream from params->seed. Until it
 * is set, the session's sampler has the default parameters. params may be
 * NULL (defaults). Errors: INVALID_ARGUMENT. */
WISP_API wisp_status wisp_session_set_sampler(
    wisp_session* session, const wisp_sampler_params* params);

/* Generates like wisp_session_generate, but with the session's own sampler
 * (wisp_session_set_sampler), so that generation can be spread over many
 * short calls: calls with budgets a and b produce the same tokens as one call
 * with a + b (a game gives each frame a token budget this way). Same
 * callback, out-parameters and errors as wisp_session_generate. */
WISP_API wisp_status wisp_session_continue(
    wisp_session* session, size_t max_tokens, wisp_token_callback callback,
    void* user_data, size_t* out_n_generated, wisp_stop_reason* out_reason);

/* Session state: the bytes of a game save. */

/* Serialises the session's context into `buffer`: its tokens, KV cache,
 * last logits, prefix length and its own sampler with the position of its
 * random stream. Ask-then-copy with `capacity` and *out_size (the size grows
 * with the position). The bytes are little-endian, checksummed and tied to
 * the model's weights: they restore only into a session on a model loaded
 * from an identical weight file (same config and tensors). The session is not
 * changed. Errors: INVALID_ARGUMENT, BUFFER_TOO_SMALL. */
WISP_API wisp_status wisp_session_save_state(const wisp_session* session,
                                             void* buffer, size_t capacity,
                                             size_t* out_size);

/* Replaces the session's context with one saved by wisp_session_save_state;
 * afterwards the session continues exactly as the saved one would have. The
 * session's thread count is kept. On any error the session is unchanged.
 * Errors: INVALID_ARGUMENT (NULL), CORRUPT (not a session state, truncated
 * or damaged bytes, unknown version), MISMATCH (saved from another model),
 * OUT_OF_RANGE (more tokens than this session's context_length). */
WISP_API wisp_status wisp_session_load_state(wisp_session* session,
                                             const void* data, size_t size);

/* ------------------------------------------------------------------------ */
/* Evaluation                                                               */
/* ------------------------------------------------------------------------ */

/* The training objective, which also decides the attention mask. */
typedef enum wisp_objective {
  WISP_OBJECTIVE_CAUSAL = 0, /* predict the next token; causal attention */
  /* BERT's masked LM: 15% of positions chosen, of those 80% replaced by the
   * mask token, 10% by a random token, 10% kept; loss only there;
   * bidirectional attention */
  WISP_OBJECTIVE_MASKED = 1,
  /* bidirectional over a prefix, causal after it; loss only after it */
  WISP_OBJECTIVE_PREFIX = 2
} wisp_objective;

typedef struct wisp_eval_params {
  size_t struct_size; /* sizeof(wisp_eval_params) */
  int32_t seq_len; /* tokens per window; default 256, capped at max_seq_len */
  int32_t batch_size; /* windows per forward pass; default 8 */
  int32_t n_threads;  /* including the caller's; default 1; as for sessions */
  int32_t objective;  /* wisp_objective; default WISP_OBJECTIVE_CAUSAL */
  /* masked LM: the mask token; -1 (default): the tokenizer's [MASK], else
   * its end-of-text token; below -1: INVALID_ARGUMENT. The masking is
   * seeded: the same every call. */
  int32_t mask_token;
  /* prefix LM: each line holding this separator is one example whose prefix
   * ends with it; NULL or "" (default): a seeded random prefix per window.
   * Borrowed for the call. */
  const char* prefix_separator;
} wisp_eval_params;

/* Default evaluation parameters (struct_size filled in). */
WISP_API wisp_eval_params wisp_eval_default_params(void);

/* Mean cross-entropy (natural log) of `model` over `text` for the objective:
 * by default the next-token loss over `text` tokenized with a leading BOS and
 * cut into windows of seq_len tokens; for masked LM the loss at a fixed
 * seeded masking; for prefix LM the loss after the prefixes. Perplexity is
 * exp(*out_loss). params may be NULL; a
 * seq_len above the model's max_seq_len is capped to it. Errors:
 * INVALID_ARGUMENT (NULL, text of fewer than 2 tokens, bad params),
 * UNSUPPORTED (no tokenizer). Thread-safe. */
WISP_API wisp_status wisp_model_evaluate(const wisp_model* model,
                                         const char* text, size_t text_len,
                                         const wisp_eval_params* params,
                                         float* out_loss);

/* ------------------------------------------------------------------------ */
/* Fine-tuning                                                              */
/* ------------------------------------------------------------------------ */

typedef struct wisp_trainer wisp_trainer;

typedef enum wisp_lr_schedule {
  WISP_LR_CONSTANT = 0, /* the learning rate after warm-up */
  WISP_LR_COSINE = 1    /* cosine decay to min_lr_ratio * lr over total_steps */
} wisp_lr_schedule;

typedef struct wisp_trainer_params {
  size_t struct_size;   /* sizeof(wisp_trainer_params) */
  float learning_rate;  /* peak learning rate; default 1e-3 */
  int32_t lr_schedule;  /* wisp_lr_schedule; default WISP_LR_COSINE */
  int32_t warmup_steps; /* linear warm-up from lr/warmup; default 0 */
  int32_t total_steps;  /* steps the cosine spans; 0: constant after warm-up */
  float min_lr_ratio;   /* cosine floor as a fraction of lr; default 0.1 */
  int32_t batch_size;   /* sequences per micro-batch; default 8 */
  int32_t seq_len;      /* tokens per sequence; default 64 */
  int32_t grad_accum;   /* micro-batches per optimizer step; default 1 */
  float weight_decay;   /* AdamW decay on matrices, not norms; default 0.1 */
  float beta1;          /* default 0.9 */
  float beta2;          /* default 0.95 */
  float eps;            /* default 1e-8 */
  float grad_clip;      /* max global gradient norm, 0: off; default 1.0 */
  uint64_t seed;        /* data shuffling; default 0 */
  int32_t n_threads;    /* including the caller's; default 1; as for sessions */
  float eval_fraction;  /* held-out tail of the data, 0..0.5; default 0.1 */
  int32_t objective;    /* wisp_objective; default WISP_OBJECTIVE_CAUSAL */
  float mask_probability; /* masked LM: share of positions chosen; 0.15 */
  /* masked LM: -1 (default): [MASK], else end-of-text; below -1 invalid */
  int32_t mask_token;
  /* prefix LM separator as in wisp_eval_params; copied at creation */
  const char* prefix_separator;
} wisp_trainer_params;

/* Default trainer parameters (struct_size filled in). */
WISP_API wisp_trainer_params wisp_trainer_default_params(void);

/* Creates a trainer that fine-tunes a copy of every weight of `model` (full
 * fine-tuning; the model itself is not changed and must outlive the
 * trainer). params may be NULL. Errors: INVALID_ARGUMENT (NULL, out-of-range
 * params, seq_len above max_seq_len), UNSUPPORTED (weights neither f32
 * nor bf16; bf16 weights train as exact f32 copies), OUT_OF_MEMORY. A trainer
 * is single-threaded: use it from one thread at a time. */
WISP_API wisp_status wisp_trainer_create(const wisp_model* model,
                                         const wisp_trainer_params* params,
                                         wisp_trainer** out_trainer);

/* Releases a trainer. NULL is ignored. */
WISP_API void wisp_trainer_free(wisp_trainer* trainer);

/* Sets the training data as text: tokenized with a leading BOS, cut into
 * windows of seq_len tokens (data shorter than one window is one padded
 * window; padding carries no loss), the last eval_fraction held out, the rest
 * visited in a seeded shuffled order each epoch. Replaces earlier data.
 * Errors: INVALID_ARGUMENT (NULL, fewer than 2 tokens), UNSUPPORTED (no
 * tokenizer). */
WISP_API wisp_status wisp_trainer_set_data_text(wisp_trainer* trainer,
                                                const char* text,
                                                size_t text_len);

/* The same with token ids (no BOS is added). Errors: INVALID_ARGUMENT (NULL,
 * fewer than 2 ids, an id outside the vocabulary). */
WISP_API wisp_status wisp_trainer_set_data_ids(wisp_trainer* trainer,
                                               const int32_t* ids,
                                               size_t n_ids);

typedef struct wisp_step_info {
  size_t struct_size;  /* sizeof(wisp_step_info), set by the caller */
  int64_t step;        /* 1-based number of the step just taken */
  float loss;          /* mean loss over the step's target tokens */
  float learning_rate; /* used for this step */
  float grad_norm;     /* global gradient norm before clipping */
  int64_t tokens;      /* target tokens in the step */
} wisp_step_info;

/* One optimizer step (forward, backward over grad_accum micro-batches,
 * clipping, AdamW). Fills *out_info if not NULL (its struct_size set by the
 * caller). Errors: INVALID_ARGUMENT (no data set), INTERNAL (a non-finite
 * gradient; the weights are left unchanged). */
WISP_API wisp_status wisp_trainer_step(wisp_trainer* trainer,
                                       wisp_step_info* out_info);

/* Called after every step of wisp_trainer_train; return non-zero to stop. */
typedef int (*wisp_train_callback)(const wisp_step_info* info, void* user_data);

/* Runs n_steps steps, calling `callback` (may be NULL) after each. Returns
 * WISP_ERR_CANCELLED if the callback stopped it (the steps taken so far are
 * kept), or the first step's error. */
WISP_API wisp_status wisp_trainer_train(wisp_trainer* trainer, size_t n_steps,
                                        wisp_train_callback callback,
                                        void* user_data);

/* Mean loss of the current weights on the held-out part of the data (on all
 * of it if nothing is held out). Errors: INVALID_ARGUMENT (no data). */
WISP_API wisp_status wisp_trainer_evaluate(wisp_trainer* trainer,
                                           float* out_loss);

/* Mean loss of the current weights on `text` (as wisp_model_evaluate, with
 * the trainer's seq_len and batch_size). */
WISP_API wisp_status wisp_trainer_evaluate_text(wisp_trainer* trainer,
                                                const char* text,
                                                size_t text_len,
                                                float* out_loss);

/* Optimizer steps taken so far (including those before a resume). */
WISP_API wisp_status wisp_trainer_get_step(const wisp_trainer* trainer,
                                           int64_t* out_step);

/* Threads the trainer computes with, the caller's included, reduced as a
 * session's are (wisp_session_threads). Writes *out_threads. Errors:
 * INVALID_ARGUMENT (NULL). Since API 0.4. */
WISP_API wisp_status wisp_trainer_threads(const wisp_trainer* trainer,
                                          int32_t* out_threads);

/* Writes a training checkpoint (weights, AdamW moments, step, random state,
 * data position) to `path`, through a temporary file renamed into place: a
 * crash during the save leaves the previous file intact. A checkpoint also
 * loads as a model. A symbolic link at `path` is followed (its target is
 * replaced, the link stays); a device or pipe there (/dev/null) is written
 * straight through. Errors: INVALID_ARGUMENT (NULL, an empty path or a
 * folder), IO (cannot write). */
WISP_API wisp_status wisp_trainer_save_checkpoint(const wisp_trainer* trainer,
                                                  const char* path);

/* Continues from a checkpoint of the same model shape: call after setting
 * the same data; the following steps then match an uninterrupted run bit for
 * bit (same machine and thread count). On error the trainer is unchanged.
 * Errors: NOT_FOUND, CORRUPT, INVALID_ARGUMENT (not a checkpoint, another
 * shape, no data set). */
WISP_API wisp_status wisp_trainer_resume(wisp_trainer* trainer,
                                         const char* path);

/* Writes the current weights as a model file (atomically, as
 * wisp_trainer_save_checkpoint writes), loadable with wisp_model_load.
 * Errors: INVALID_ARGUMENT, IO (cannot write). */
WISP_API wisp_status wisp_trainer_export_model(const wisp_trainer* trainer,
                                               const char* path);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* WISP_WISP_H_ */
