#include "tests/tokenizer/run_c_encode.h"

#include <unordered_map>

namespace wisp::testing {

std::vector<int32_t> RunCEncode(const TokenizerData& data,
                                const std::string& text, bool bos, bool eos) {
  std::unordered_map<std::string, int32_t> vocab;
  for (size_t i = 0; i < data.pieces.size(); ++i) {
    vocab.emplace(data.pieces[i], static_cast<int32_t>(i));
  }
  auto str_lookup = [&](const std::string& s) {
    auto it = vocab.find(s);
    return it == vocab.end() ? -1 : it->second;
  };

  std::vector<int32_t> tokens;
  if (bos) tokens.push_back(1);
  if (!text.empty()) tokens.push_back(str_lookup(" "));
  std::string str_buffer;
  for (size_t c = 0; c < text.size(); ++c) {
    if ((text[c] & 0xC0) != 0x80) str_buffer.clear();
    str_buffer.push_back(text[c]);
    const bool next_is_continuation =
        c + 1 < text.size() && (text[c + 1] & 0xC0) == 0x80;
    if (next_is_continuation && str_buffer.size() < 4) continue;
    const int32_t id = str_lookup(str_buffer);
    if (id != -1) {
      tokens.push_back(id);
    } else {
      for (char b : str_buffer) {
        tokens.push_back(static_cast<unsigned char>(b) + 3);
      }
    }
    str_buffer.clear();
  }

  while (true) {
    float best_score = -1e10f;
    int32_t best_id = -1;
    int best_idx = -1;
    for (int i = 0; i + 1 < static_cast<int>(tokens.size()); ++i) {
      const int32_t id =
          str_lookup(data.pieces[tokens[i]] + data.pieces[tokens[i + 1]]);
      if (id != -1 && data.scores[id] > best_score) {
        best_score = data.scores[id];
        best_id = id;
        best_idx = i;
      }
    }
    if (best_idx == -1) break;
    tokens[best_idx] = best_id;
    tokens.erase(tokens.begin() + best_idx + 1);
  }
  if (eos) tokens.push_back(2);
  return tokens;
}

}  // namespace wisp::testing
