// Byte-order-independent little-endian integers, for the fixed binary
// layouts wisp writes itself (the .wisp header, session states).
#ifndef WISP_FORMAT_LITTLE_ENDIAN_H_
#define WISP_FORMAT_LITTLE_ENDIAN_H_

#include <cstddef>
#include <cstdint>

namespace wisp {

// Writes the sizeof(T) bytes of an unsigned integer at out[offset].
template <class T>
void PutLittleEndian(uint8_t* out, size_t offset, T value) {
  for (size_t i = 0; i < sizeof(T); ++i) {
    out[offset + i] =
        static_cast<uint8_t>(static_cast<uint64_t>(value) >> (8 * i));
  }
}

// Reads an unsigned integer of sizeof(T) bytes at in[offset].
template <class T>
T GetLittleEndian(const uint8_t* in, size_t offset) {
  uint64_t value = 0;
  for (size_t i = 0; i < sizeof(T); ++i) {
    value |= static_cast<uint64_t>(in[offset + i]) << (8 * i);
  }
  return static_cast<T>(value);
}

}  // namespace wisp

#endif  // WISP_FORMAT_LITTLE_ENDIAN_H_
