// The loss curve of a training run as a standalone SVG image (a line over
// step, with labelled axes), so a run can be judged at a glance in any
// browser without plotting tools.
#ifndef WISP_CLI_LOSS_PLOT_H_
#define WISP_CLI_LOSS_PLOT_H_

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace wisp::cli {

struct LossPoint {
  double step;
  double loss;
};

// The SVG document for `points` (at least one), titled `title`.
std::string LossCurveSvg(const std::vector<LossPoint>& points,
                         const std::string& title);

// Writes LossCurveSvg to `path`.
absl::Status WriteLossCurveSvg(const std::string& path,
                               const std::vector<LossPoint>& points,
                               const std::string& title);

}  // namespace wisp::cli

#endif  // WISP_CLI_LOSS_PLOT_H_
