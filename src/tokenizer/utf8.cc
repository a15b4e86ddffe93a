#include "src/tokenizer/utf8.h"

#include <cstdint>

namespace wisp {
namespace {

bool InRange(uint8_t byte, uint8_t low, uint8_t high) {
  return byte >= low && byte <= high;
}

}  // namespace

Utf8Char DecodeUtf8(std::string_view text, size_t at) {
  const auto byte = [&](size_t i) -> uint8_t {
    return at + i < text.size() ? static_cast<uint8_t>(text[at + i]) : 0;
  };
  const uint8_t b0 = byte(0);
  if (b0 < 0x80) return {1, b0, true};
  constexpr Utf8Char kInvalid = {1, 0xFFFD, false};
  const uint8_t b1 = byte(1);
  if (InRange(b0, 0xC2, 0xDF)) {
    if (!InRange(b1, 0x80, 0xBF)) return kInvalid;
    return {2, ((b0 & 0x1Fu) << 6) | (b1 & 0x3Fu), true};
  }
  // The second byte's range depends on the first: this is what excludes
  // overlongs (E0, F0), surrogates (ED) and values past U+10FFFF (F4).
  uint8_t low = 0x80, high = 0xBF;
  if (b0 == 0xE0) low = 0xA0;
  if (b0 == 0xED) high = 0x9F;
  if (b0 == 0xF0) low = 0x90;
  if (b0 == 0xF4) high = 0x8F;
  const uint8_t b2 = byte(2);
  if (InRange(b0, 0xE0, 0xEF)) {
    if (!InRange(b1, low, high) || !InRange(b2, 0x80, 0xBF)) return kInvalid;
    return {3, ((b0 & 0x0Fu) << 12) | ((b1 & 0x3Fu) << 6) | (b2 & 0x3Fu), true};
  }
  const uint8_t b3 = byte(3);
  if (InRange(b0, 0xF0, 0xF4)) {
    if (!InRange(b1, low, high) || !InRange(b2, 0x80, 0xBF) ||
        !InRange(b3, 0x80, 0xBF)) {
      return kInvalid;
    }
    return {4,
            ((b0 & 0x07u) << 18) | ((b1 & 0x3Fu) << 12) | ((b2 & 0x3Fu) << 6) |
                (b3 & 0x3Fu),
            true};
  }
  return kInvalid;
}

std::string ShortenForMessage(std::string text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  size_t keep = 0;
  while (keep < text.size()) {
    const size_t next = keep + DecodeUtf8(text, keep).length;
    if (next > max_bytes) break;
    keep = next;
  }
  const size_t cut = text.size() - keep;
  text.resize(keep);
  return text + " ... (" + std::to_string(cut) + " more bytes)";
}

}  // namespace wisp
