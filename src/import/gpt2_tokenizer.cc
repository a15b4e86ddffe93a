#include "src/import/gpt2_tokenizer.h"

#include <array>
#include <cstdint>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "src/import/json_int_object.h"
#include "src/import/read_file.h"
#include "src/tokenizer/utf8.h"

namespace wisp {
namespace {

constexpr char kEndOfText[] = "<|endoftext|>";

absl::string_view View(std::string_view s) { return {s.data(), s.size()}; }

// A token for an error message: escaped, and cut short in garbage files.
std::string Quote(std::string_view token) {
  constexpr size_t kMaxShown = 40;
  const bool cut = token.size() > kMaxShown;
  return absl::StrCat("\"", absl::CHexEscape(View(token.substr(0, kMaxShown))),
                      cut ? "...\"" : "\"");
}

// GPT-2's bytes_to_unicode, inverted. Printable bytes stand for
// themselves; the other 68 take U+0100 onward in increasing order.
class ByteAlphabet {
 public:
  ByteAlphabet() {
    byte_of_.fill(-1);
    int next = 0x100;
    for (int b = 0; b < 256; ++b) {
      const bool printable =
          (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
      byte_of_[printable ? b : next++] = static_cast<int16_t>(b);
    }
  }

  // The raw bytes of `token`; false when a character is not in the alphabet.
  bool ToBytes(std::string_view token, std::string* bytes) const {
    bytes->clear();
    for (size_t at = 0; at < token.size();) {
      const Utf8Char c = DecodeUtf8(token, at);
      if (!c.valid || c.code_point >= byte_of_.size() ||
          byte_of_[c.code_point] < 0) {
        return false;
      }
      bytes->push_back(static_cast<char>(byte_of_[c.code_point]));
      at += c.length;
    }
    return true;
  }

 private:
  std::array<int16_t, 0x100 + 68> byte_of_;
};

absl::Status Invalid(std::string_view name, int line, std::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat(View(name), ":", line, ": ", View(what)));
}

absl::Status ReadEncoder(std::string_view text, std::string_view name,
                         const ByteAlphabet& alphabet, TokenizerData* data,
                         absl::flat_hash_map<std::string, int32_t>* id_of) {
  absl::StatusOr<std::vector<JsonIntMember>> members =
      ParseJsonIntObject(text, name);
  if (!members.ok()) return members.status();
  const size_t n = members->size();
  if (n == 0) return Invalid(name, 1, "no tokens");
  data->pieces.assign(n, std::string());
  id_of->reserve(n);
  std::vector<bool> seen(n, false);
  std::string bytes;
  for (const JsonIntMember& m : *members) {
    const size_t id = static_cast<size_t>(m.value);
    if (id >= n) {
      return Invalid(name, m.line,
                     absl::StrCat("id ", id, " is out of range: ", n,
                                  " tokens must have ids 0..", n - 1));
    }
    if (seen[id])
      return Invalid(name, m.line, absl::StrCat("id ", id, " is used twice"));
    seen[id] = true;
    if (!alphabet.ToBytes(m.key, &bytes)) {
      return Invalid(
          name, m.line,
          absl::StrCat("token ", Quote(m.key),
                       " has a character outside GPT-2's byte alphabet"));
    }
    if (bytes.empty()) return Invalid(name, m.line, "empty token");
    if (!id_of->try_emplace(bytes, static_cast<int32_t>(id)).second) {
      return Invalid(name, m.line,
                     absl::StrCat("token ", Quote(m.key), " appears twice"));
    }
    data->pieces[id] = bytes;
  }
  return absl::OkStatus();
}

absl::Status ReadMerges(std::string_view text, std::string_view name,
                        const ByteAlphabet& alphabet,
                        const absl::flat_hash_map<std::string, int32_t>& id_of,
                        TokenizerData* data) {
  int line_number = 0;
  std::string left_bytes, right_bytes;
  while (!text.empty()) {
    ++line_number;
    const size_t newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text = newline == std::string_view::npos ? std::string_view()
                                             : text.substr(newline + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line_number == 1) {
      if (!absl::StartsWith(View(line), "#version")) {
        return absl::DataLossError(
            absl::StrCat(View(name), ":1: expected a \"#version\" first line"));
      }
      continue;
    }
    const size_t space = line.find(' ');
    if (space == 0 || space == std::string_view::npos ||
        space + 1 == line.size() ||
        line.find(' ', space + 1) != std::string_view::npos) {
      return absl::DataLossError(
          absl::StrCat(View(name), ":", line_number,
                       ": expected \"left right\", found ", Quote(line)));
    }
    const std::string_view left = line.substr(0, space);
    const std::string_view right = line.substr(space + 1);
    int32_t ids[2];
    for (int i = 0; i < 2; ++i) {
      const std::string_view part = i == 0 ? left : right;
      std::string& bytes = i == 0 ? left_bytes : right_bytes;
      if (!alphabet.ToBytes(part, &bytes)) {
        return Invalid(name, line_number,
                       absl::StrCat(Quote(part),
                                    " has a character outside "
                                    "GPT-2's byte alphabet"));
      }
      auto it = id_of.find(bytes);
      if (it == id_of.end()) {
        return Invalid(name, line_number,
                       absl::StrCat(Quote(part), " is not in the vocabulary"));
      }
      ids[i] = it->second;
    }
    if (!id_of.contains(left_bytes + right_bytes)) {
      return Invalid(name, line_number,
                     absl::StrCat("merging makes ",
                                  Quote(absl::StrCat(View(left), View(right))),
                                  ", which is not in the vocabulary"));
    }
    data->merges.emplace_back(ids[0], ids[1]);
  }
  if (line_number == 0) {
    return absl::DataLossError(absl::StrCat(View(name), ": empty file"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<TokenizerData> ParseGpt2Tokenizer(std::string_view encoder_json,
                                                 std::string_view vocab_bpe,
                                                 std::string_view encoder_name,
                                                 std::string_view vocab_name) {
  const ByteAlphabet alphabet;
  TokenizerData data;
  data.kind = TokenizerKind::kByteLevelBpe;
  absl::flat_hash_map<std::string, int32_t> id_of;
  if (absl::Status s =
          ReadEncoder(encoder_json, encoder_name, alphabet, &data, &id_of);
      !s.ok()) {
    return s;
  }
  if (absl::Status s =
          ReadMerges(vocab_bpe, vocab_name, alphabet, id_of, &data);
      !s.ok()) {
    return s;
  }
  auto eos = id_of.find(kEndOfText);
  data.eos_id = eos == id_of.end() ? -1 : eos->second;
  return data;
}

absl::StatusOr<TokenizerData> ReadGpt2Tokenizer(
    const std::string& encoder_json_path, const std::string& vocab_bpe_path) {
  absl::StatusOr<std::string> encoder =
      ReadFileBytes(encoder_json_path, "GPT-2 encoder file");
  if (!encoder.ok()) return encoder.status();
  absl::StatusOr<std::string> merges =
      ReadFileBytes(vocab_bpe_path, "GPT-2 merges file");
  if (!merges.ok()) return merges.status();
  return ParseGpt2Tokenizer(*encoder, *merges, encoder_json_path,
                            vocab_bpe_path);
}

}  // namespace wisp
