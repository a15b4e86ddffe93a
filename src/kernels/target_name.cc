// Reports which Highway target dynamic dispatch picked on this CPU. It asks a
// dispatched function for its own HWY_TARGET, so the answer is the target the
// kernels actually run, including under hwy::SetSupportedTargetsForTest.
#include "src/kernels/ops.h"

// clang-format off
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "src/kernels/target_name.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
// Must follow foreach_target.h, which re-includes this file per target.
#include "hwy/highway.h"
// clang-format on

HWY_BEFORE_NAMESPACE();
namespace wisp::kernels::HWY_NAMESPACE {

const char* TargetNameImpl() { return hwy::TargetName(HWY_TARGET); }

}  // namespace wisp::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace wisp::kernels {

HWY_EXPORT(TargetNameImpl);

const char* ActiveTargetName() {
  return HWY_DYNAMIC_DISPATCH(TargetNameImpl)();
}

}  // namespace wisp::kernels
#endif  // HWY_ONCE
