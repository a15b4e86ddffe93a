#include "src/cli/loss_plot.h"

#include <algorithm>
#include <cmath>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace wisp::cli {
namespace {

constexpr double kWidth = 720, kHeight = 420;
constexpr double kLeft = 70, kRight = 20, kTop = 40, kBottom = 50;

// A "nice" tick spacing (1, 2 or 5 times a power of ten) for a range.
double TickStep(double range, int target_ticks) {
  const double raw = range / target_ticks;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0}) {
    if (raw <= m * magnitude) return m * magnitude;
  }
  return 10 * magnitude;
}

std::string Escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else if (c == '&')
      out += "&amp;";
    else
      out += c;
  }
  return out;
}

}  // namespace

std::string LossCurveSvg(const std::vector<LossPoint>& points,
                         const std::string& title) {
  double x0 = points.front().step, x1 = points.back().step;
  double y0 = points.front().loss, y1 = y0;
  for (const LossPoint& p : points) {
    x0 = std::min(x0, p.step);
    x1 = std::max(x1, p.step);
    y0 = std::min(y0, p.loss);
    y1 = std::max(y1, p.loss);
  }
  if (x1 <= x0) x1 = x0 + 1;
  if (y1 <= y0) y1 = y0 + 1;
  const double y_step = TickStep(y1 - y0, 6);
  y0 = std::floor(y0 / y_step) * y_step;
  y1 = std::ceil(y1 / y_step) * y_step;
  const double plot_w = kWidth - kLeft - kRight,
               plot_h = kHeight - kTop - kBottom;
  auto px = [&](double x) { return kLeft + (x - x0) / (x1 - x0) * plot_w; };
  auto py = [&](double y) { return kTop + (y1 - y) / (y1 - y0) * plot_h; };

  std::string svg = absl::StrFormat(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%g\" height=\"%g\" "
      "viewBox=\"0 0 %g %g\" font-family=\"sans-serif\" font-size=\"12\">\n"
      "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
      "<text x=\"%g\" y=\"24\" font-size=\"15\" text-anchor=\"middle\">%s"
      "</text>\n",
      kWidth, kHeight, kWidth, kHeight, kWidth / 2, Escape(title));
  // Grid and axis labels.
  for (double y = y0; y <= y1 + y_step / 2; y += y_step) {
    absl::StrAppendFormat(
        &svg,
        "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
        "stroke=\"#ddd\"/>\n<text x=\"%.1f\" y=\"%.1f\" "
        "text-anchor=\"end\">%g</text>\n",
        kLeft, py(y), kWidth - kRight, py(y), kLeft - 6, py(y) + 4, y);
  }
  const double x_step = std::max(1.0, TickStep(x1 - x0, 8));
  for (double x = std::ceil(x0 / x_step) * x_step; x <= x1; x += x_step) {
    absl::StrAppendFormat(
        &svg,
        "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
        "stroke=\"#eee\"/>\n<text x=\"%.1f\" y=\"%.1f\" "
        "text-anchor=\"middle\">%g</text>\n",
        px(x), kTop, px(x), kTop + plot_h, px(x), kTop + plot_h + 18, x);
  }
  absl::StrAppendFormat(
      &svg,
      "<rect x=\"%g\" y=\"%g\" width=\"%g\" height=\"%g\" fill=\"none\" "
      "stroke=\"#444\"/>\n<text x=\"%g\" y=\"%g\" "
      "text-anchor=\"middle\">step</text>\n<text x=\"16\" y=\"%g\" "
      "text-anchor=\"middle\" transform=\"rotate(-90 16 %g)\">loss</text>\n",
      kLeft, kTop, plot_w, plot_h, kLeft + plot_w / 2, kHeight - 10,
      kTop + plot_h / 2, kTop + plot_h / 2);
  svg +=
      "<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\" points=\"";
  for (const LossPoint& p : points) {
    absl::StrAppendFormat(&svg, "%.1f,%.1f ", px(p.step), py(p.loss));
  }
  svg += "\"/>\n";
  if (points.size() == 1) {
    absl::StrAppendFormat(&svg,
                          "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" "
                          "fill=\"#1f77b4\"/>\n",
                          px(points[0].step), py(points[0].loss));
  }
  svg += "</svg>\n";
  return svg;
}

absl::Status WriteLossCurveSvg(const std::string& path,
                               const std::vector<LossPoint>& points,
                               const std::string& title) {
  if (points.empty()) return absl::InvalidArgumentError("no points to plot");
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << LossCurveSvg(points, title);
  out.close();
  if (!out) return absl::InternalError("cannot write " + path);
  return absl::OkStatus();
}

}  // namespace wisp::cli
