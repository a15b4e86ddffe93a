#include "tests/tokenizer/reference_bpe.h"

#include <cstdint>
#include <utility>

#include "src/tokenizer/gpt2_pretokenizer.h"

namespace wisp::testing {

ReferenceBpe::ReferenceBpe(const TokenizerData& data) {
  for (size_t id = 0; id < data.pieces.size(); ++id) {
    ids_.emplace(data.pieces[id], static_cast<int32_t>(id));
  }
  for (size_t rank = 0; rank < data.merges.size(); ++rank) {
    const auto [left, right] = data.merges[rank];
    ranks_[{data.pieces[left], data.pieces[right]}] = rank;
  }
}

void ReferenceBpe::AppendWord(const std::string& word,
                              std::vector<int32_t>* ids) const {
  std::vector<std::string> parts;
  for (char c : word) parts.emplace_back(1, c);
  while (parts.size() > 1) {
    size_t best = SIZE_MAX;
    std::pair<std::string, std::string> best_pair;
    for (size_t i = 0; i + 1 < parts.size(); ++i) {
      auto it = ranks_.find({parts[i], parts[i + 1]});
      if (it != ranks_.end() && it->second < best) {
        best = it->second;
        best_pair = it->first;
      }
    }
    if (best == SIZE_MAX) break;
    std::vector<std::string> merged;
    for (size_t i = 0; i < parts.size();) {
      if (i + 1 < parts.size() && parts[i] == best_pair.first &&
          parts[i + 1] == best_pair.second) {
        merged.push_back(parts[i] + parts[i + 1]);
        i += 2;
      } else {
        merged.push_back(parts[i++]);
      }
    }
    parts = std::move(merged);
  }
  for (const std::string& part : parts) ids->push_back(ids_.at(part));
}

std::vector<int32_t> ReferenceBpe::Encode(const std::string& text) const {
  std::vector<int32_t> ids;
  for (size_t begin = 0; begin < text.size();) {
    const size_t end = Gpt2WordEnd(text, begin);
    AppendWord(text.substr(begin, end - begin), &ids);
    begin = end;
  }
  return ids;
}

}  // namespace wisp::testing
