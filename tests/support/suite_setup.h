// Makes a test suite's shared set-up fail its tests instead of skipping
// them. GoogleTest skips every test of a suite whose SetUpTestSuite reports
// a failure, and CTest counts skipped tests as "not run", not as failed, so
// a broken fixture (a model that no longer loads, say) would let the whole
// run pass. SetUpTestSuite runs its body through Run, which intercepts the
// failures; SetUp calls Check, which reports them again in every test.
#ifndef WISP_TESTS_SUPPORT_SUITE_SETUP_H_
#define WISP_TESTS_SUPPORT_SUITE_SETUP_H_

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest-spi.h"
#include "gtest/gtest.h"

namespace wisp::testing {

class SuiteSetup {
 public:
  // Runs body (which may use ASSERT_* and EXPECT_*), keeping its failures.
  template <class Body>
  void Run(const Body& body) {
    ::testing::TestPartResultArray results;
    {
      ::testing::ScopedFakeTestPartResultReporter intercept(
          ::testing::ScopedFakeTestPartResultReporter::
              INTERCEPT_ONLY_CURRENT_THREAD,
          &results);
      body();
    }
    errors_.clear();
    for (int i = 0; i < results.size(); ++i) {
      const ::testing::TestPartResult& result = results.GetTestPartResult(i);
      if (!result.failed()) continue;
      absl::StrAppend(&errors_,
                      result.file_name() ? result.file_name() : "(unknown)",
                      ":", result.line_number(), ": ", result.message(), "\n");
    }
  }

  // A fatal failure listing the set-up's failures, if it had any. Call it
  // as ASSERT_NO_FATAL_FAILURE(setup.Check()) from SetUp.
  void Check() const {
    ASSERT_TRUE(errors_.empty()) << "the test suite's set-up failed:\n"
                                 << errors_;
  }

 private:
  std::string errors_;
};

}  // namespace wisp::testing

#endif  // WISP_TESTS_SUPPORT_SUITE_SETUP_H_
