// CRC-32C of many byte ranges at once on a few threads: the tensor checksums
// of a .wisp file, verified at load. One large tensor (GPT-2's embedding is a
// third of the file) must not leave a thread idle, so ranges are cut into
// pieces that threads take in turn and the pieces' CRCs are joined with
// Crc32cCombine; the results are the same bits as Crc32c on each range.
#ifndef WISP_FORMAT_CRC32C_PARALLEL_H_
#define WISP_FORMAT_CRC32C_PARALLEL_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace wisp {

struct ByteRange {
  const void* data;
  size_t size;
};

// Crc32c(range.data, range.size) of each range, in order, computed on up to
// `max_threads` threads (the calling one included). Below a few MiB in all,
// everything runs on the calling thread, where starting a thread would cost
// more than it saves.
std::vector<uint32_t> Crc32cOfRanges(const std::vector<ByteRange>& ranges,
                                     int max_threads);

}  // namespace wisp

#endif  // WISP_FORMAT_CRC32C_PARALLEL_H_
