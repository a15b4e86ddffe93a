// The x86 implementations behind Crc32c, exposed so that tests can run each
// one whatever the dispatcher would pick on the machine at hand.
#ifndef WISP_FORMAT_CRC32C_INTERNAL_H_
#define WISP_FORMAT_CRC32C_INTERNAL_H_

#include <cstddef>
#include <cstdint>

namespace wisp {
namespace crc32c_internal {

#if defined(__x86_64__)
// True if the CPU has SSE4.2 (the crc32 instruction).
bool CpuHasSse42();

// True if the CPU has what Crc32cFolding needs: SSE4.2, AVX-512F and
// VPCLMULQDQ (carry-less multiplication on 512-bit registers).
bool CpuHasFolding();

// Crc32c with the crc32 instruction on three interleaved streams. Only call
// when CpuHasSse42().
uint32_t Crc32cSse42(const void* data, size_t size, uint32_t crc);

// Crc32c folding 64-byte blocks with carry-less multiplication from 256
// bytes up, the rest with the crc32 instruction. Only call when
// CpuHasFolding().
uint32_t Crc32cFolding(const void* data, size_t size, uint32_t crc);
#endif

}  // namespace crc32c_internal
}  // namespace wisp

#endif  // WISP_FORMAT_CRC32C_INTERNAL_H_
