// Whole-file reads: pipes are read to their end, and an endless or huge
// input ends in an error at the caller's limit instead of exhausting memory.
#include "src/import/read_file.h"

#include <fstream>
#include <string>

#include "gtest/gtest.h"
#include "tests/support/test_paths.h"

namespace wisp {
namespace {

TEST(ReadFileTest, ReadsAFileAndStopsAtTheLimit) {
  const std::string path = testing::TempDir() + "/read_file_test.txt";
  std::ofstream(path) << "0123456789";
  auto all = ReadFileBytes(path, "test file");
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(*all, "0123456789");
  auto exact = ReadFileBytes(path, "test file", 10);
  ASSERT_TRUE(exact.ok()) << exact.status();
  auto over = ReadFileBytes(path, "test file", 9);
  EXPECT_EQ(over.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(over.status().message().find(path), std::string::npos);
  // An endless stream, at a small limit.
  auto zeros = ReadFileBytes("/dev/zero", "test file", 1 << 20);
  EXPECT_EQ(zeros.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReadFileBytes(testing::TempDir() + "/no/such", "test file")
                .status()
                .code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace wisp
