// A small, strict JSON reader (RFC 8259) for tests that compare against
// reference files. A DOM is fine here: reference files are small.
#ifndef WISP_TESTS_SUPPORT_JSON_H_
#define WISP_TESTS_SUPPORT_JSON_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace wisp::testing {

class JsonValue {
 public:
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };
  using Member = std::pair<std::string, JsonValue>;

  JsonValue() = default;
  static JsonValue Bool(bool b);
  // `text` is the number as written, kept so that AsInt is exact beyond 2^53.
  static JsonValue Number(double value, std::string text);
  static JsonValue String(std::string s);
  static JsonValue Array(std::vector<JsonValue> items);
  // Keeps the file's key order; on duplicate keys lookups find the first.
  static JsonValue Object(std::vector<Member> members);

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::kNull; }
  bool is_bool() const { return type_ == Type::kBool; }
  bool is_number() const { return type_ == Type::kNumber; }
  bool is_string() const { return type_ == Type::kString; }
  bool is_array() const { return type_ == Type::kArray; }
  bool is_object() const { return type_ == Type::kObject; }

  // Accessors never fail, so tests can chain them: a wrong type gives the
  // default (false, 0, "", empty), and a missing key or index gives a null
  // value. Check with is_*() / contains() where the difference matters.
  bool AsBool() const { return is_bool() && bool_; }
  double AsDouble() const { return is_number() ? number_ : 0.0; }
  // Exact for integers written without fraction or exponent; otherwise the
  // double truncated toward zero (0 when it does not fit in int64).
  int64_t AsInt() const;
  const std::string& AsString() const;
  // Whole array / object, for range-for loops.
  const std::vector<JsonValue>& items() const { return items_; }
  const std::vector<Member>& members() const { return members_; }

  // Number of array items or object members; 0 for anything else.
  size_t size() const;
  bool contains(std::string_view key) const { return Find(key) != nullptr; }
  // nullptr when this is not an object or has no such key.
  const JsonValue* Find(std::string_view key) const;
  const JsonValue& operator[](std::string_view key) const;
  // Without this overload a string literal would be ambiguous with size_t.
  const JsonValue& operator[](const char* key) const {
    return (*this)[std::string_view(key)];
  }
  // A template so that v[0] (0 is also a null pointer) and v[i] for any
  // integer type are not ambiguous. Negative indices give a null value.
  template <typename Int,
            std::enable_if_t<std::is_integral<Int>::value, int> = 0>
  const JsonValue& operator[](Int index) const {
    if constexpr (std::is_signed<Int>::value) {
      if (index < 0) return At(items_.size());
    }
    return At(static_cast<size_t>(index));
  }
  // Item `index`, or a null value when out of range or not an array.
  const JsonValue& At(size_t index) const;

  // Convenience for reference data: an array of numbers as a vector. Fails
  // when this is not an array of numbers (or, for ints, of integers).
  absl::StatusOr<std::vector<int64_t>> AsIntVector() const;
  absl::StatusOr<std::vector<double>> AsDoubleVector() const;

 private:
  Type type_ = Type::kNull;
  bool bool_ = false;
  double number_ = 0.0;
  std::string text_;  // string value, or the number as written
  std::vector<JsonValue> items_;
  std::vector<Member> members_;
};

// Parses one JSON value (surrounding whitespace allowed). Errors are
// InvalidArgument and name the line and column.
absl::StatusOr<JsonValue> ParseJson(std::string_view text);
absl::StatusOr<JsonValue> ReadJsonFile(const std::string& path);

}  // namespace wisp::testing

#endif  // WISP_TESTS_SUPPORT_JSON_H_
