// CRC-32C (Castagnoli), the checksum of tensor bytes and of the metadata in
// .wisp files. Chosen at run time: with AVX-512 and VPCLMULQDQ, buffers from
// 256 bytes are folded 64 bytes at a time by carry-less multiplication;
// otherwise, and for the tail, the SSE4.2 crc32 instruction runs on three
// interleaved streams so that its latency is hidden. Either way verifying a
// file costs a fraction of reading it.
#ifndef WISP_FORMAT_CRC32C_H_
#define WISP_FORMAT_CRC32C_H_

#include <cstddef>
#include <cstdint>

namespace wisp {

// Extends `crc` (0 to start) over data[0, size).
uint32_t Crc32c(const void* data, size_t size, uint32_t crc = 0);

// The CRC of A followed by B, given crc_a = Crc32c(A), crc_b = Crc32c(B) and
// the length of B, without touching the bytes (zlib's crc32_combine for the
// Castagnoli polynomial). Costs O(log length_b).
uint32_t Crc32cCombine(uint32_t crc_a, uint32_t crc_b, uint64_t length_b);

// The portable byte-table implementation, whatever the CPU: the reference
// the hardware path is tested against.
uint32_t Crc32cPortable(const void* data, size_t size, uint32_t crc = 0);

}  // namespace wisp

#endif  // WISP_FORMAT_CRC32C_H_
