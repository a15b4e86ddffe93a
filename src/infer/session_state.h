// A session's context as bytes (a game save): the tokens, KV cache, last
// logits, prefix length and the session's own sampler with the position of
// its random stream, so that a restored session continues exactly as the
// saved one would have.
//
// Layout (all little-endian), version 1:
//   "WISPSTAT"  u32 version  u32 reserved(0)
//   u64 model fingerprint    u32 n_layers  u32 kv_dim  u32 vocab_size
//   u32 flags (bit 0: has logits)  u64 position  u64 prefix_len
//   sampler: f32 temperature  i32 top_k  f32 top_p  f32 repetition_penalty
//            i32 repetition_last_n  u64 seed  u64 rng[4]
//   i32 tokens[position]
//   f32 keys[n_layers][position][kv_dim]  f32 values[same]
//   f32 logits[vocab_size]            (only with has logits)
//   u32 CRC-32C of every byte before it
#ifndef WISP_INFER_SESSION_STATE_H_
#define WISP_INFER_SESSION_STATE_H_

#include <cstddef>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "src/infer/session.h"

namespace wisp {

class SessionState {
 public:
  // Bytes Save writes for the session as it is now.
  static size_t Size(const Session& session);

  // Writes Size(session) bytes to `out`.
  static void Save(const Session& session, uint8_t* out);

  // Replaces the session's context with `bytes`. On error the session is
  // unchanged. DataLoss: not a state, truncated, damaged, unknown version;
  // FailedPrecondition: saved from another model; OutOfRange: more tokens
  // than the session's context length; InvalidArgument: bad sampler values.
  static absl::Status Load(absl::Span<const uint8_t> bytes, Session* session);

  // Identifies a model's weight file (its config, tokenizer and every
  // tensor's checksum), so states cannot cross models.
  static uint64_t ModelFingerprint(const Model& model);
};

}  // namespace wisp

#endif  // WISP_INFER_SESSION_STATE_H_
