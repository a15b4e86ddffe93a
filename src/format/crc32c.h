// CRC-32C (Castagnoli), the checksum of tensor bytes and of the metadata in
// .wisp files. Uses the SSE4.2 crc32 instruction when the CPU has it, so
// verifying a file costs a fraction of reading it.
#ifndef WISP_FORMAT_CRC32C_H_
#define WISP_FORMAT_CRC32C_H_

#include <cstddef>
#include <cstdint>

namespace wisp {

// Extends `crc` (0 to start) over data[0, size).
uint32_t Crc32c(const void* data, size_t size, uint32_t crc = 0);

}  // namespace wisp

#endif  // WISP_FORMAT_CRC32C_H_
