// AtomicFile writes what is at PATH and nothing else: a link's target, a
// pipe's reader, never a folder, and nothing at all until Commit.
#include "src/format/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "gtest/gtest.h"
#include "tests/support/test_paths.h"

namespace wisp {
namespace {

absl::Status WriteAll(const std::string& path, const std::string& text) {
  AtomicFile out(path);
  absl::Status s = out.Open();
  if (s.ok()) s = out.Write(text.data(), text.size());
  if (s.ok()) s = out.Commit();
  return s;
}

std::string Read(const std::string& path) {
  return testing::ReadFileToString(path).value_or("<unreadable>");
}

class AtomicFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::TempDir() + "/atomic_file_test";
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(AtomicFileTest, ReplacesAFileOnlyOnCommit) {
  const std::string path = dir_ + "/out.bin";
  ASSERT_TRUE(WriteAll(path, "old").ok());
  {
    AtomicFile out(path);
    ASSERT_TRUE(out.Open().ok());
    ASSERT_TRUE(out.Write("new", 3).ok());
    EXPECT_EQ(Read(path), "old") << "visible before Commit";
  }  // destroyed without Commit
  EXPECT_EQ(Read(path), "old");
  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
    (void)entry;
    ++files;
  }
  EXPECT_EQ(files, 1u) << "the temporary file was left behind";
  ASSERT_TRUE(WriteAll(path, "new").ok());
  EXPECT_EQ(Read(path), "new");
}

TEST_F(AtomicFileTest, FollowsASymbolicLinkAndKeepsIt) {
  const std::string target = dir_ + "/target.bin";
  const std::string link = dir_ + "/link.bin";
  ASSERT_TRUE(WriteAll(target, "old").ok());
  ASSERT_EQ(::symlink(target.c_str(), link.c_str()), 0);
  ASSERT_TRUE(WriteAll(link, "new").ok());
  EXPECT_TRUE(std::filesystem::is_symlink(link));
  EXPECT_EQ(Read(target), "new");
}

// A pipe stands in for /dev/null and other devices (a test must not risk
// the real one): renaming over it would put a regular file in its place.
TEST_F(AtomicFileTest, WritesThroughAPipeInsteadOfReplacingIt) {
  const std::string fifo = dir_ + "/pipe";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const int reader = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK);
  ASSERT_GE(reader, 0);
  ASSERT_TRUE(WriteAll(fifo, "through").ok());
  char buffer[16] = {};
  EXPECT_EQ(::read(reader, buffer, sizeof(buffer)), 7);
  EXPECT_EQ(std::string(buffer), "through");
  ::close(reader);
  struct stat info;
  ASSERT_EQ(::stat(fifo.c_str(), &info), 0);
  EXPECT_TRUE(S_ISFIFO(info.st_mode)) << "the pipe was replaced";
}

TEST_F(AtomicFileTest, RejectsFoldersEmptyPathsAndMissingFolders) {
  AtomicFile folder(dir_);
  EXPECT_EQ(folder.Open().code(), absl::StatusCode::kInvalidArgument);
  AtomicFile empty("");
  EXPECT_EQ(empty.Open().code(), absl::StatusCode::kInvalidArgument);
  AtomicFile missing(dir_ + "/no/such/folder/out.bin");
  const absl::Status s = missing.Open();
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
  EXPECT_NE(s.message().find(dir_ + "/no/such/folder/out.bin"),
            std::string::npos)
      << "the error names the output, not the temporary file: " << s;
  EXPECT_TRUE(CheckWritable(dir_ + "/out.bin").ok());
  EXPECT_FALSE(CheckWritable(dir_ + "/no/such/folder/out.bin").ok());
  EXPECT_FALSE(CheckWritable(dir_).ok());
  EXPECT_FALSE(CheckWritable("").ok());
}

}  // namespace
}  // namespace wisp
