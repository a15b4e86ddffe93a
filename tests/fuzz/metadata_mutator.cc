#include "tests/fuzz/metadata_mutator.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <random>
#include <type_traits>
#include <utility>
#include <vector>

#include "flatbuffers/flatbuffers.h"
#include "src/format/wisp_generated.h"
#include "tests/fuzz/sealed_wisp_file.h"

namespace wisp::fuzz {
namespace {

using Rng = std::mt19937;

size_t Below(Rng& rng, size_t n) { return n == 0 ? 0 : rng() % n; }

float InterestingFloat(Rng& rng, float current) {
  const float choices[] = {0.0f,
                           -0.0f,
                           -1.0f,
                           1e-30f,
                           1e30f,
                           current * 2,
                           std::numeric_limits<float>::quiet_NaN(),
                           std::numeric_limits<float>::infinity(),
                           -std::numeric_limits<float>::infinity(),
                           std::numeric_limits<float>::denorm_min()};
  return choices[Below(rng, std::size(choices))];
}

// Around the edges of size, sign and divisibility checks. The arithmetic is
// unsigned, so it wraps instead of overflowing.
template <class T>
T Interesting(Rng& rng, T current) {
  if constexpr (std::is_floating_point_v<T>) {
    return InterestingFloat(rng, current);
  } else {
    using U = std::make_unsigned_t<T>;
    const U c = static_cast<U>(current);
    const U max = static_cast<U>(std::numeric_limits<T>::max());
    const U choices[] = {U(0),     U(1),           U(2),        U(3),
                         U(c + 1), U(c - 1),       U(c * 2),    U(c / 2),
                         max,      U(max / 2 + 1), U(1u << 16), U(rng())};
    return static_cast<T>(choices[Below(rng, std::size(choices))]);
  }
}

// An enum field: a valid value or one past the last.
template <class E>
E AnyEnum(Rng& rng) {
  return static_cast<E>(Below(rng, 5));
}

template <class V>
void MutateVector(Rng& rng, V& v) {
  switch (Below(rng, 4)) {
    case 0:  // truncate
      v.resize(Below(rng, v.size() + 1));
      break;
    case 1:  // extend with copies or zeros
      v.resize(v.size() + 1 + Below(rng, 8));
      break;
    default:
      if (!v.empty()) {
        auto& x = v[Below(rng, v.size())];
        x = Interesting(rng, x);
      }
  }
}

void MutateConfig(Rng& rng, fb::ModelConfigT& c) {
  uint32_t* numbers[] = {&c.dim,        &c.hidden_dim, &c.n_layers,
                         &c.n_heads,    &c.n_kv_heads, &c.vocab_size,
                         &c.max_seq_len};
  switch (Below(rng, 5)) {
    case 0:
    case 1: {
      uint32_t& n = *numbers[Below(rng, std::size(numbers))];
      n = Interesting(rng, n);
      break;
    }
    case 2:
      if (Below(rng, 2)) {
        c.norm_eps = InterestingFloat(rng, c.norm_eps);
      } else {
        c.rope_theta = InterestingFloat(rng, c.rope_theta);
      }
      break;
    case 3:
      switch (Below(rng, 5)) {
        case 0:
          c.norm = AnyEnum<fb::NormKind>(rng);
          break;
        case 1:
          c.positions = AnyEnum<fb::PositionKind>(rng);
          break;
        case 2:
          c.mlp = AnyEnum<fb::MlpKind>(rng);
          break;
        case 3:
          c.mask = AnyEnum<fb::MaskKind>(rng);
          break;
        default:
          c.norm_position = AnyEnum<fb::NormPosition>(rng);
          break;
      }
      break;
    default: {
      bool* flags[] = {&c.tied_embeddings, &c.linear_bias, &c.embedding_norm,
                       &c.final_norm, &c.mlm_head};
      bool& f = *flags[Below(rng, std::size(flags))];
      f = !f;
    }
  }
}

void MutateTokenizer(Rng& rng, fb::TokenizerT& t) {
  int32_t* ids[] = {&t.bos_id, &t.eos_id, &t.unk_id, &t.mask_id, &t.pad_id};
  switch (Below(rng, 8)) {
    case 0:
      MutateVector(rng, t.piece_bytes);
      break;
    case 1:
      MutateVector(rng, t.piece_offsets);
      break;
    case 2:
      MutateVector(rng, t.scores);
      break;
    case 3:
      MutateVector(rng, t.merges);
      break;
    case 4: {
      int32_t& id = *ids[Below(rng, std::size(ids))];
      const int32_t pieces = static_cast<int32_t>(t.piece_offsets.size());
      const int32_t choices[] = {-2,
                                 -1,
                                 0,
                                 pieces - 2,
                                 pieces - 1,
                                 pieces,
                                 std::numeric_limits<int32_t>::max()};
      id = choices[Below(rng, std::size(choices))];
      break;
    }
    case 5:
      t.kind = AnyEnum<fb::TokenizerKind>(rng);
      break;
    case 6:
      t.max_piece_length = Interesting(rng, t.max_piece_length);
      break;
    default:  // one piece swapped for another's bytes
      if (t.piece_offsets.size() > 2) {
        std::swap(t.piece_offsets[Below(rng, t.piece_offsets.size())],
                  t.piece_offsets[Below(rng, t.piece_offsets.size())]);
      }
  }
}

void MutateTensors(Rng& rng, fb::FileT& f) {
  auto& tensors = f.tensors;
  if (tensors.empty()) return;
  const size_t i = Below(rng, tensors.size());
  fb::TensorT& t = *tensors[i];
  switch (Below(rng, 8)) {
    case 0:
      t.dtype = AnyEnum<fb::DType>(rng);
      break;
    case 1:
      MutateVector(rng, t.shape);
      break;
    case 2:
      t.offset = Below(rng, 2) ? t.offset + 64 * (Below(rng, 3) + 1) - 128
                               : Interesting(rng, t.offset);
      break;
    case 3:
      t.byte_length = Interesting(rng, t.byte_length);
      break;
    case 4:  // another tensor's name (a duplicate and a missing one)
      t.name = tensors[Below(rng, tensors.size())]->name;
      break;
    case 5:
      t.name.resize(Below(rng, t.name.size() + 1));
      break;
    case 6:
      tensors.erase(tensors.begin() + i);
      break;
    default:
      tensors.push_back(std::make_unique<fb::TensorT>(t));
  }
}

void MutateFile(Rng& rng, fb::FileT& f) {
  switch (Below(rng, 10)) {
    case 0:
    case 1:
    case 2:
      if (f.config) MutateConfig(rng, *f.config);
      break;
    case 3:
    case 4:
      if (f.tokenizer) MutateTokenizer(rng, *f.tokenizer);
      break;
    case 5:
    case 6:
    case 7:
      MutateTensors(rng, f);
      break;
    case 8:
      f.kind = AnyEnum<fb::FileKind>(rng);
      break;
    default:
      if (f.training) {
        MutateVector(rng, f.training->rng_state);
        f.training->data_cursor = Interesting(rng, f.training->data_cursor);
        f.training->data_epoch = Interesting(rng, f.training->data_epoch);
      } else if (f.tokenizer && Below(rng, 4) == 0) {
        f.tokenizer.reset();
      }
  }
}

}  // namespace

size_t MutateMetadata(uint8_t* data, size_t size, size_t max_size,
                      uint32_t seed) {
  const MetadataCopy copy(data, size);
  if (copy.file() == nullptr) return 0;
  std::unique_ptr<fb::FileT> file(copy.file()->UnPack());
  Rng rng(seed);
  const size_t edits = 1 + Below(rng, 3);
  for (size_t e = 0; e < edits; ++e) MutateFile(rng, *file);
  flatbuffers::FlatBufferBuilder builder;
  fb::FinishFileBuffer(builder, fb::File::Pack(builder, file.get()));
  if (builder.GetSize() > max_size) return 0;
  std::memcpy(data, builder.GetBufferPointer(), builder.GetSize());
  return builder.GetSize();
}

size_t MutateMetadataInput(uint8_t* data, size_t size, size_t max_size,
                           unsigned int seed) {
  if (seed % 4 != 0) {
    const size_t n = MutateMetadata(data, size, max_size, seed);
    if (n != 0) return n;
  }
  return LLVMFuzzerMutate(data, size, max_size);
}

}  // namespace wisp::fuzz
