// Fuzzes a session through sequences of C API calls on the default model:
// the input's bytes choose each call and its arguments (token ids in and out
// of the vocabulary, sampler parameters of any bit pattern, NaN included,
// buffer capacities, damaged session states). Checks, besides "no crash":
// a saved state restores into another session with identical logits, and
// every failed call leaves a message.
#include <cstring>
#include <string>
#include <vector>

#include "src/format/crc32c.h"
#include "tests/fuzz/capi_support.h"
#include "tests/fuzz/fuzz_support.h"
#include "wisp/wisp.h"

namespace wisp::fuzz {
namespace {

wisp_sampler_params ReadSampler(ByteReader& in) {
  wisp_sampler_params p = wisp_sampler_default_params();
  const uint8_t which = in.U8();  // which fields take raw bytes
  if (which & 1) p.temperature = in.F32();
  if (which & 2) p.top_k = static_cast<int32_t>(in.U32());
  if (which & 4) p.top_p = in.F32();
  if (which & 8) p.repetition_penalty = in.F32();
  if (which & 16) p.repetition_last_n = static_cast<int32_t>(in.U32());
  if (which & 32) p.seed = in.U32();
  return p;
}

int32_t ReadToken(ByteReader& in, int32_t vocab) {
  const uint32_t raw = in.U32();
  // Mostly valid ids, so that the model runs; sometimes anything.
  return (raw & 0xf) != 0 ? static_cast<int32_t>((raw >> 4) % vocab)
                          : static_cast<int32_t>(raw);
}

// Saves `from`, optionally damages one byte (keeping the checksum right, so
// the damage reaches the header checks), and restores into `to`. An
// undamaged state must restore exactly.
void SaveAndRestore(ByteReader& in, wisp_session* from, wisp_session* to,
                    int32_t vocab) {
  size_t size = 0;
  Check(wisp_session_save_state(from, nullptr, 0, &size));
  std::vector<uint8_t> state(size);
  if (wisp_session_save_state(from, state.data(), size, &size) != WISP_OK) {
    Fail("save_state failed with the size it asked for");
  }
  const uint8_t damage = in.U8();
  const bool damaged = (damage & 3) == 0 && size > 4;
  if (damaged) {
    const size_t at = in.U32() % (size - 4);
    state[at] = in.U8();
    const uint32_t crc = Crc32c(state.data(), size - 4);
    std::memcpy(state.data() + size - 4, &crc, 4);  // little-endian hosts
  }
  const wisp_status status = wisp_session_load_state(to, state.data(), size);
  Check(status);
  if (damaged || status != WISP_OK) return;
  std::vector<float> a(vocab), b(vocab);
  size_t n_a = 0, n_b = 0;
  const wisp_status la = wisp_session_logits(from, a.data(), vocab, &n_a);
  const wisp_status lb = wisp_session_logits(to, b.data(), vocab, &n_b);
  if (la != lb || (la == WISP_OK && std::memcmp(a.data(), b.data(),
                                                vocab * sizeof(float)) != 0)) {
    Fail("a restored session state gives other logits");
  }
}

}  // namespace
}  // namespace wisp::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace wisp::fuzz;
  const wisp_model* model = DefaultModel();
  const int32_t vocab = DefaultVocabSize();

  ByteReader in(data, size);
  wisp_session_params params = wisp_session_default_params();
  params.context_length = 1 + in.U8() % 48;  // small: overflow is reachable
  params.n_threads = 1 + in.U8() % 2;
  wisp_session* sessions[2] = {nullptr, nullptr};
  for (wisp_session*& s : sessions) {
    if (wisp_session_create(model, &params, &s) != WISP_OK) {
      Fail(std::string("session_create: ") + wisp_last_error());
    }
    int32_t threads = 0;
    Check(wisp_session_threads(s, &threads));
    if (threads < 1 || threads > params.n_threads) {
      Fail("session threads outside 1..n_threads");
    }
  }
  std::vector<int32_t> ids;
  std::vector<float> logits;
  std::string text;
  for (int step = 0; step < 64 && !in.empty(); ++step) {
    wisp_session* s = sessions[in.U8() & 1];
    const uint8_t op = in.U8() % 11;
    switch (op) {
      case 0: {  // feed, with or without a logits buffer
        ids.resize(in.U8() % 9);
        for (int32_t& id : ids) id = ReadToken(in, vocab);
        const size_t capacity = in.U8() & 1 ? ids.size() * vocab : in.U8();
        logits.resize(capacity);
        Check(wisp_session_feed(s, ids.data(), ids.size(),
                                capacity ? logits.data() : nullptr, capacity));
        break;
      }
      case 1: {
        const wisp_sampler_params p = ReadSampler(in);
        int32_t token = -1;
        const wisp_status status = wisp_session_sample(s, &p, &token);
        Check(status);
        if (status == WISP_OK && (token < 0 || token >= vocab)) {
          Fail("sampled a token outside the vocabulary");
        }
        break;
      }
      case 2: {
        const wisp_sampler_params p = ReadSampler(in);
        size_t n = 0;
        Check(wisp_session_generate(s, &p, in.U8() % 6, nullptr, nullptr, &n,
                                    nullptr));
        break;
      }
      case 3: {
        const wisp_sampler_params p = ReadSampler(in);
        Check(wisp_session_set_sampler(s, &p));
        break;
      }
      case 4: {
        size_t n = 0;
        Check(wisp_session_continue(s, in.U8() % 6, nullptr, nullptr, &n,
                                    nullptr));
        break;
      }
      case 5:
        SaveAndRestore(in, s, sessions[0] == s ? sessions[1] : sessions[0],
                       vocab);
        break;
      case 6: {  // a state of raw bytes
        std::vector<uint8_t> state(in.U8() * 4);
        for (uint8_t& b : state) b = in.U8();
        Check(wisp_session_load_state(s, state.data(), state.size()));
        break;
      }
      case 7:
        Check(wisp_session_reset(s));
        break;
      case 8: {
        size_t n = 0;
        logits.resize(in.U8() & 1 ? vocab : in.U8());
        Check(wisp_session_logits(s, logits.data(), logits.size(), &n));
        break;
      }
      case 9: {  // tokenise raw bytes, then decode the ids
        text.resize(in.U8() % 32);
        for (char& c : text) c = static_cast<char>(in.U8());
        ids.resize(64);
        size_t n = 0;
        Check(wisp_tokenize(model, text.data(), text.size(), in.U8() & 1,
                            ids.data(), ids.size(), &n));
        char out[512];
        size_t len = 0;
        Check(wisp_detokenize(model, ids.data(), n < 64 ? n : 64, out,
                              sizeof(out), &len));
        break;
      }
      default: {
        char out[64];
        size_t len = 0;
        Check(wisp_token_to_text(model, ReadToken(in, vocab),
                                 ReadToken(in, vocab), out, in.U8() % 64,
                                 &len));
        break;
      }
    }
  }
  for (wisp_session* s : sessions) wisp_session_free(s);
  return 0;
}
