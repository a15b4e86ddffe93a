#include "tests/support/json.h"

#include <cmath>
#include <cstdint>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "tests/support/test_paths.h"

namespace wisp::testing {

JsonValue JsonValue::Bool(bool b) {
  JsonValue v;
  v.type_ = Type::kBool;
  v.bool_ = b;
  return v;
}

JsonValue JsonValue::Number(double value, std::string text) {
  JsonValue v;
  v.type_ = Type::kNumber;
  v.number_ = value;
  v.text_ = std::move(text);
  return v;
}

JsonValue JsonValue::String(std::string s) {
  JsonValue v;
  v.type_ = Type::kString;
  v.text_ = std::move(s);
  return v;
}

JsonValue JsonValue::Array(std::vector<JsonValue> items) {
  JsonValue v;
  v.type_ = Type::kArray;
  v.items_ = std::move(items);
  return v;
}

JsonValue JsonValue::Object(std::vector<Member> members) {
  JsonValue v;
  v.type_ = Type::kObject;
  v.members_ = std::move(members);
  return v;
}

int64_t JsonValue::AsInt() const {
  if (!is_number()) return 0;
  int64_t exact = 0;
  if (absl::SimpleAtoi(text_, &exact)) return exact;
  // 2^63 as a double; the range check also rejects NaN.
  constexpr double kLimit = 9223372036854775808.0;
  if (!(number_ > -kLimit && number_ < kLimit)) return 0;
  return static_cast<int64_t>(number_);
}

const std::string& JsonValue::AsString() const {
  static const std::string* const kEmpty = new std::string();
  return is_string() ? text_ : *kEmpty;
}

size_t JsonValue::size() const {
  if (is_array()) return items_.size();
  if (is_object()) return members_.size();
  return 0;
}

const JsonValue* JsonValue::Find(std::string_view key) const {
  for (const Member& m : members_) {
    if (m.first == key) return &m.second;
  }
  return nullptr;
}

namespace {
const JsonValue& NullValue() {
  static const JsonValue* const kNull = new JsonValue();
  return *kNull;
}
}  // namespace

const JsonValue& JsonValue::operator[](std::string_view key) const {
  const JsonValue* v = Find(key);
  return v != nullptr ? *v : NullValue();
}

const JsonValue& JsonValue::At(size_t index) const {
  return index < items_.size() ? items_[index] : NullValue();
}

absl::StatusOr<std::vector<int64_t>> JsonValue::AsIntVector() const {
  if (!is_array()) return absl::InvalidArgumentError("not a JSON array");
  std::vector<int64_t> out;
  out.reserve(items_.size());
  for (size_t i = 0; i < items_.size(); ++i) {
    const JsonValue& item = items_[i];
    if (!item.is_number() || std::trunc(item.number_) != item.number_) {
      return absl::InvalidArgumentError(
          absl::StrCat("array item ", i, " is not an integer"));
    }
    out.push_back(item.AsInt());
  }
  return out;
}

absl::StatusOr<std::vector<double>> JsonValue::AsDoubleVector() const {
  if (!is_array()) return absl::InvalidArgumentError("not a JSON array");
  std::vector<double> out;
  out.reserve(items_.size());
  for (size_t i = 0; i < items_.size(); ++i) {
    if (!items_[i].is_number()) {
      return absl::InvalidArgumentError(
          absl::StrCat("array item ", i, " is not a number"));
    }
    out.push_back(items_[i].number_);
  }
  return out;
}

namespace {

// Recursive descent; the depth limit keeps hostile input from overflowing
// the stack.
class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  absl::StatusOr<JsonValue> ParseDocument() {
    SkipWhitespace();
    absl::StatusOr<JsonValue> value = ParseValue(0);
    if (!value.ok()) return value;
    SkipWhitespace();
    if (pos_ != text_.size()) return Error("unexpected text after the value");
    return value;
  }

 private:
  static constexpr int kMaxDepth = 256;

  absl::Status Error(const char* what) const {
    size_t line = 1, column = 1;
    for (size_t i = 0; i < pos_ && i < text_.size(); ++i) {
      if (text_[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    return absl::InvalidArgumentError(
        absl::StrCat("JSON: ", what, " at line ", line, ", column ", column));
  }

  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return AtEnd() ? '\0' : text_[pos_]; }

  void SkipWhitespace() {
    while (!AtEnd()) {
      char c = text_[pos_];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
      ++pos_;
    }
  }

  bool ConsumeLiteral(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  absl::StatusOr<JsonValue> ParseValue(int depth) {
    if (depth > kMaxDepth) return Error("nesting too deep");
    if (AtEnd()) return Error("unexpected end of input");
    char c = Peek();
    if (c == '{') return ParseObject(depth);
    if (c == '[') return ParseArray(depth);
    if (c == '"') {
      absl::StatusOr<std::string> s = ParseString();
      if (!s.ok()) return s.status();
      return JsonValue::String(*std::move(s));
    }
    if (c == '-' || (c >= '0' && c <= '9')) return ParseNumber();
    if (ConsumeLiteral("true")) return JsonValue::Bool(true);
    if (ConsumeLiteral("false")) return JsonValue::Bool(false);
    if (ConsumeLiteral("null")) return JsonValue();
    return Error("unexpected character");
  }

  absl::StatusOr<JsonValue> ParseObject(int depth) {
    ++pos_;  // '{'
    std::vector<JsonValue::Member> members;
    SkipWhitespace();
    if (Peek() == '}') {
      ++pos_;
      return JsonValue::Object(std::move(members));
    }
    while (true) {
      SkipWhitespace();
      if (Peek() != '"') return Error("expected a string key");
      absl::StatusOr<std::string> key = ParseString();
      if (!key.ok()) return key.status();
      SkipWhitespace();
      if (Peek() != ':') return Error("expected ':'");
      ++pos_;
      SkipWhitespace();
      absl::StatusOr<JsonValue> value = ParseValue(depth + 1);
      if (!value.ok()) return value;
      members.emplace_back(*std::move(key), *std::move(value));
      SkipWhitespace();
      if (Peek() == ',') {
        ++pos_;
        continue;
      }
      if (Peek() == '}') {
        ++pos_;
        return JsonValue::Object(std::move(members));
      }
      return Error("expected ',' or '}'");
    }
  }

  absl::StatusOr<JsonValue> ParseArray(int depth) {
    ++pos_;  // '['
    std::vector<JsonValue> items;
    SkipWhitespace();
    if (Peek() == ']') {
      ++pos_;
      return JsonValue::Array(std::move(items));
    }
    while (true) {
      SkipWhitespace();
      absl::StatusOr<JsonValue> value = ParseValue(depth + 1);
      if (!value.ok()) return value;
      items.push_back(*std::move(value));
      SkipWhitespace();
      if (Peek() == ',') {
        ++pos_;
        continue;
      }
      if (Peek() == ']') {
        ++pos_;
        return JsonValue::Array(std::move(items));
      }
      return Error("expected ',' or ']'");
    }
  }

  bool IsDigit() const { return Peek() >= '0' && Peek() <= '9'; }

  absl::StatusOr<JsonValue> ParseNumber() {
    size_t start = pos_;
    if (Peek() == '-') ++pos_;
    if (Peek() == '0') {
      ++pos_;
    } else if (IsDigit()) {
      while (IsDigit()) ++pos_;
    } else {
      return Error("invalid number");
    }
    if (Peek() == '.') {
      ++pos_;
      if (!IsDigit()) return Error("invalid number: digit expected after '.'");
      while (IsDigit()) ++pos_;
    }
    if (Peek() == 'e' || Peek() == 'E') {
      ++pos_;
      if (Peek() == '+' || Peek() == '-') ++pos_;
      if (!IsDigit())
        return Error("invalid number: digit expected in exponent");
      while (IsDigit()) ++pos_;
    }
    std::string lexeme(text_.substr(start, pos_ - start));
    double value = 0.0;
    // SimpleAtod fails on overflow to infinity; JSON has no infinities.
    if (!absl::SimpleAtod(lexeme, &value) || !std::isfinite(value)) {
      pos_ = start;
      return Error("number out of range");
    }
    return JsonValue::Number(value, std::move(lexeme));
  }

  // Reads 4 hex digits after "\u".
  bool ParseHex4(uint32_t* out) {
    if (text_.size() - pos_ < 4) return false;
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      char c = text_[pos_ + i];
      v <<= 4;
      if (c >= '0' && c <= '9') {
        v |= static_cast<uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        v |= static_cast<uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        v |= static_cast<uint32_t>(c - 'A' + 10);
      } else {
        return false;
      }
    }
    pos_ += 4;
    *out = v;
    return true;
  }

  static void AppendUtf8(uint32_t cp, std::string* out) {
    if (cp < 0x80) {
      out->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  absl::Status ParseUnicodeEscape(std::string* out) {
    uint32_t cp = 0;
    if (!ParseHex4(&cp)) return Error("invalid \\u escape");
    if (cp >= 0xDC00 && cp <= 0xDFFF) return Error("lone low surrogate");
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      uint32_t low = 0;
      if (!ConsumeLiteral("\\u") || !ParseHex4(&low) || low < 0xDC00 ||
          low > 0xDFFF) {
        return Error("high surrogate without a low surrogate");
      }
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    AppendUtf8(cp, out);
    return absl::OkStatus();
  }

  // Raw bytes >= 0x80 are copied as they are: the input is taken to be UTF-8.
  absl::StatusOr<std::string> ParseString() {
    ++pos_;  // opening quote
    std::string out;
    while (true) {
      if (AtEnd()) return Error("unterminated string");
      char c = text_[pos_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) {
        --pos_;
        return Error("control character in string");
      }
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (AtEnd()) return Error("unterminated escape");
      char e = text_[pos_++];
      switch (e) {
        case '"':
          out.push_back('"');
          break;
        case '\\':
          out.push_back('\\');
          break;
        case '/':
          out.push_back('/');
          break;
        case 'b':
          out.push_back('\b');
          break;
        case 'f':
          out.push_back('\f');
          break;
        case 'n':
          out.push_back('\n');
          break;
        case 'r':
          out.push_back('\r');
          break;
        case 't':
          out.push_back('\t');
          break;
        case 'u': {
          absl::Status s = ParseUnicodeEscape(&out);
          if (!s.ok()) return s;
          break;
        }
        default:
          --pos_;
          return Error("invalid escape");
      }
    }
  }

  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

absl::StatusOr<JsonValue> ParseJson(std::string_view text) {
  return Parser(text).ParseDocument();
}

absl::StatusOr<JsonValue> ReadJsonFile(const std::string& path) {
  absl::StatusOr<std::string> bytes = ReadFileToString(path);
  if (!bytes.ok()) return bytes.status();
  absl::StatusOr<JsonValue> value = ParseJson(*bytes);
  if (!value.ok()) {
    return absl::Status(value.status().code(),
                        absl::StrCat(path, ": ", value.status().message()));
  }
  return value;
}

}  // namespace wisp::testing
