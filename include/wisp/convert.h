/*
 * convert.h - the C API of wisp's model converter (libwisp_convert): turns
 * ONNX exports and llama2.c checkpoints into .wisp files that libwisp loads,
 * and .wisp models back into ONNX.
 *
 * The converter is a library of its own because reading ONNX needs protobuf
 * and libonnx, which the runtime (libwisp) does not link. An application
 * that only runs .wisp files never loads them.
 *
 * Conventions are those of wisp.h (whose wisp_status and WISP_API this
 * header uses; no libwisp function is needed to use this one):
 *   - Every fallible function returns a wisp_status; WISP_OK (0) is success.
 *   - On failure, wisp_convert_last_error() returns a message for the calling
 *     thread. The converter keeps its own message, separate from
 *     wisp_last_error(), because the two libraries are separate shared
 *     objects and either may be used without the other.
 *   - wisp_convert_params starts with `struct_size`; initialise it with
 *     wisp_convert_default_params() and change the fields you need. New
 *     fields are only ever appended.
 *   - Nothing aborts on bad input, and no C++ exception crosses this
 *     boundary. Output files are written atomically: a failure or a
 *     cancellation leaves any previous file at out_path untouched.
 *
 * Threading: every function may be called from any thread; conversions do
 * not share state.
 */
#ifndef WISP_CONVERT_H_
#define WISP_CONVERT_H_

#include <stddef.h>
#include <stdint.h>

#include "wisp/wisp.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Which model family an ONNX file holds. AUTO recognises it from the
 * tensor names (llama2.c or Hugging Face LLaMA, GPT-2, BERT). */
typedef enum wisp_convert_arch {
  WISP_CONVERT_ARCH_AUTO = 0,
  WISP_CONVERT_ARCH_LLAMA = 1,
  WISP_CONVERT_ARCH_GPT2 = 2,
  WISP_CONVERT_ARCH_BERT = 3
} wisp_convert_arch;

/* Called as the output file is written with (bytes written, total bytes).
 * Return nonzero to cancel (the call then returns WISP_ERR_CANCELLED). */
typedef int (*wisp_convert_progress_fn)(uint64_t done, uint64_t total,
                                        void* user_data);

typedef struct wisp_convert_params {
  size_t struct_size;     /* sizeof(wisp_convert_params) */
  wisp_convert_arch arch; /* ONNX only; default AUTO */
  /* The tokenizer to embed in the .wisp file: a llama2.c tokenizer file
   * (tokenizer.bin, tok512.bin; required by wisp_convert_llama2c), or GPT-2's
   * encoder.json and vocab.bpe. NULL: none (ONNX: the file has no
   * tokenizer). */
  const char* tokenizer_path;
  const char* gpt2_vocab_path;
  const char* gpt2_merges_path;
  /* Overrides of what the ONNX graph says; 0 takes the graph's value. */
  int32_t n_heads;
  int32_t n_kv_heads;
  int32_t max_seq_len; /* rotary models without a table in the graph: 2048 */
  float norm_eps;
  float rope_theta; /* rotary models without a table in the graph: 10000 */
  wisp_convert_progress_fn progress; /* NULL: no progress */
  void* progress_user_data;
} wisp_convert_params;

/* Default parameters (struct_size filled in, everything else 0 / NULL). */
WISP_API wisp_convert_params wisp_convert_default_params(void);

/* Converts an ONNX model (torch.onnx.export, FLOAT weights, initializers
 * with their PyTorch names; external data files next to it are read) into a
 * .wisp model at out_path. params may be NULL for defaults.
 * Errors: INVALID_ARGUMENT (NULL paths, bad params, unknown architecture,
 * missing tensors, wrong shapes), NOT_FOUND (a missing input file),
 * CORRUPT (not a ModelProto, truncated tensor data), UNSUPPORTED (FLOAT16 or
 * BFLOAT16 weights), IO, CANCELLED. */
WISP_API wisp_status wisp_convert_onnx(const char* onnx_path,
                                       const wisp_convert_params* params,
                                       const char* out_path);

/* Converts a llama2.c checkpoint ("legacy" run.c format) with the llama2.c
 * tokenizer params->tokenizer_path (required) into a .wisp model. Errors as
 * for wisp_convert_onnx. */
WISP_API wisp_status wisp_convert_llama2c(const char* checkpoint_path,
                                          const wisp_convert_params* params,
                                          const char* out_path);

/* ONNX export: the other direction, a .wisp model as a standard ONNX graph
 * (opset 17, IR version 8) for ONNX Runtime and other ONNX tools; the graph
 * computes wisp's forward pass for every model configuration (see
 * docs/onnx.md). Inputs: input_ids int64 [batch, sequence]; bidirectional
 * models also attention_mask int64 [batch, sequence] (0 = padding); prefix-LM
 * models also prefix_length int64 [batch] (0 = causal). Output: logits
 * float32 [batch, sequence, vocab]. sequence <= the model's max_seq_len. */

/* How initializers are named. */
typedef enum wisp_convert_export_names {
  /* The PyTorch names of the model's family when its config is one
   * (llama2.c, GPT-2, BERT), so that importers recognise the file; wisp's
   * own tensor names for other configs. */
  WISP_CONVERT_EXPORT_NAMES_FAMILY = 0,
  /* Always wisp's tensor names (tok_embeddings.weight, layers.N....). */
  WISP_CONVERT_EXPORT_NAMES_WISP = 1
} wisp_convert_export_names;

/* Where the weights go. */
typedef enum wisp_convert_external_data {
  /* In a side file only when they exceed protobuf's 2 GiB limit. */
  WISP_CONVERT_EXTERNAL_DATA_AUTO = 0,
  /* Inside the .onnx file (INVALID_ARGUMENT for models over 2 GiB). */
  WISP_CONVERT_EXTERNAL_DATA_NEVER = 1,
  /* Always in the side file "<onnx_path>.data", next to the model. */
  WISP_CONVERT_EXTERNAL_DATA_ALWAYS = 2
} wisp_convert_external_data;

typedef struct wisp_convert_export_params {
  size_t struct_size;              /* sizeof(wisp_convert_export_params) */
  wisp_convert_export_names names; /* default FAMILY */
  wisp_convert_external_data external_data; /* default AUTO */
  /* Nonzero skips libonnx's checker (onnx::checker::check_model), which
   * otherwise validates the graph before anything is written. */
  int32_t skip_check;
} wisp_convert_export_params;

/* Default export parameters (struct_size filled in, everything else 0). */
WISP_API wisp_convert_export_params wisp_convert_export_default_params(void);

/* Writes the .wisp model at wisp_path (f32 weights) as ONNX to onnx_path,
 * atomically; with external data, "<onnx_path>.data" too. params may be NULL
 * for defaults.
 * Errors: INVALID_ARGUMENT (NULL paths, bad params, a graph the checker
 * rejects, an inline model over 2 GiB), NOT_FOUND (no such model), CORRUPT
 * (a damaged .wisp file), UNSUPPORTED (non-f32 weights), IO (the
 * output cannot be written; nothing is left behind). */
WISP_API wisp_status wisp_convert_export_onnx(
    const char* wisp_path, const wisp_convert_export_params* params,
    const char* onnx_path);

/* Message describing the last failure of a wisp_convert_* call on the
 * calling thread ("" if none). Valid until the next wisp_convert_* call on
 * this thread. */
WISP_API const char* wisp_convert_last_error(void);

#ifdef __cplusplus
}
#endif

#endif /* WISP_CONVERT_H_ */
