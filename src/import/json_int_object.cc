#include "src/import/json_int_object.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "src/tokenizer/utf8.h"

namespace wisp {
namespace {

constexpr int64_t kMaxValue = 0x7FFFFFFF;

bool IsHexDigit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
         (c >= 'A' && c <= 'F');
}

int HexValue(char c) {
  if (c <= '9') return c - '0';
  return (c | 0x20) - 'a' + 10;
}

void AppendUtf8(char32_t cp, std::string* out) {
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

// Newlines occur only in whitespace (strings reject raw control bytes), so
// the line is tracked there and positions in errors cost nothing until used.
class Parser {
 public:
  Parser(std::string_view text, std::string_view name)
      : text_(text), name_(name.data(), name.size()) {}

  absl::StatusOr<std::vector<JsonIntMember>> ParseObject() {
    std::vector<JsonIntMember> members;
    SkipWhitespace();
    if (!Consume('{')) return Error("expected '{'");
    SkipWhitespace();
    if (!Consume('}')) {
      while (true) {
        SkipWhitespace();
        JsonIntMember member;
        member.line = line_;
        if (absl::Status s = ParseString(&member.key); !s.ok()) return s;
        SkipWhitespace();
        if (!Consume(':')) return Error("expected ':' after a key");
        SkipWhitespace();
        if (absl::Status s = ParseValue(&member.value); !s.ok()) return s;
        members.push_back(std::move(member));
        SkipWhitespace();
        if (Consume('}')) break;
        if (!Consume(',')) return Error("expected ',' or '}'");
      }
    }
    SkipWhitespace();
    if (pos_ != text_.size()) return Error("unexpected text after the object");
    return members;
  }

 private:
  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return AtEnd() ? '\0' : text_[pos_]; }
  bool Consume(char c) {
    if (AtEnd() || text_[pos_] != c) return false;
    ++pos_;
    return true;
  }

  void SkipWhitespace() {
    while (!AtEnd()) {
      const char c = text_[pos_];
      if (c == '\n') {
        ++line_;
        line_start_ = pos_ + 1;
      } else if (c != ' ' && c != '\t' && c != '\r') {
        return;
      }
      ++pos_;
    }
  }

  absl::Status Error(absl::string_view what) const {
    const char* found = AtEnd() ? " (at end of file)" : "";
    return absl::DataLossError(absl::StrCat(
        name_, ":", line_, ":", pos_ - line_start_ + 1, ": ", what, found));
  }

  // Four hex digits after "\u".
  bool ParseHex4(char32_t* value) {
    if (text_.size() - pos_ < 4) return false;
    *value = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = text_[pos_ + i];
      if (!IsHexDigit(c)) return false;
      *value = (*value << 4) | HexValue(c);
    }
    pos_ += 4;
    return true;
  }

  absl::Status ParseEscape(std::string* out) {
    constexpr std::string_view kEscaped = "\"\\/bfnrt";
    constexpr std::string_view kMeaning = "\"\\/\b\f\n\r\t";
    const size_t simple = kEscaped.find(Peek());
    if (simple != std::string_view::npos && !AtEnd()) {
      out->push_back(kMeaning[simple]);
      ++pos_;
      return absl::OkStatus();
    }
    if (!Consume('u')) return Error("invalid escape");
    char32_t cp = 0;
    if (!ParseHex4(&cp)) return Error("\\u needs four hex digits");
    if (cp >= 0xDC00 && cp <= 0xDFFF) return Error("lone low surrogate");
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      char32_t low = 0;
      if (!Consume('\\') || !Consume('u') || !ParseHex4(&low) || low < 0xDC00 ||
          low > 0xDFFF) {
        return Error("high surrogate without a low surrogate");
      }
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    AppendUtf8(cp, out);
    return absl::OkStatus();
  }

  absl::Status ParseString(std::string* out) {
    if (!Consume('"')) return Error("expected a string key");
    while (true) {
      if (AtEnd()) return Error("unterminated string");
      const char c = text_[pos_];
      if (c == '"') {
        ++pos_;
        return absl::OkStatus();
      }
      if (c == '\\') {
        ++pos_;
        if (absl::Status s = ParseEscape(out); !s.ok()) return s;
        continue;
      }
      if (static_cast<unsigned char>(c) < 0x20) {
        return Error("control character in a string");
      }
      const Utf8Char decoded = DecodeUtf8(text_, pos_);
      if (!decoded.valid) return Error("invalid UTF-8 in a string");
      out->append(text_.substr(pos_, decoded.length));
      pos_ += decoded.length;
    }
  }

  // JSON's number grammar, but only integers in 0..kMaxValue are accepted.
  absl::Status ParseValue(int32_t* value) {
    if (Peek() == '-') return Error("expected a non-negative integer");
    if (Peek() < '0' || Peek() > '9') return Error("expected an integer");
    const size_t start = pos_;
    int64_t v = 0;
    while (Peek() >= '0' && Peek() <= '9') {
      v = v * 10 + (Peek() - '0');
      ++pos_;
      if (v > kMaxValue) return Error("integer is larger than 2^31-1");
    }
    if (pos_ - start > 1 && text_[start] == '0') {
      pos_ = start;
      return Error("integer with a leading zero");
    }
    if (Peek() == '.' || Peek() == 'e' || Peek() == 'E') {
      return Error("expected an integer, not a fraction or exponent");
    }
    *value = static_cast<int32_t>(v);
    return absl::OkStatus();
  }

  std::string_view text_;
  absl::string_view name_;
  size_t pos_ = 0;
  int line_ = 1;
  size_t line_start_ = 0;
};

}  // namespace

absl::StatusOr<std::vector<JsonIntMember>> ParseJsonIntObject(
    std::string_view text, std::string_view name) {
  return Parser(text, name).ParseObject();
}

}  // namespace wisp
