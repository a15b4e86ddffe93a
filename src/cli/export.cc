// wisp export: .wisp models into other formats (ONNX), so that a model
// fine-tuned in wisp runs in other runtimes.
#include <cstdio>

#include "src/cli/args.h"
#include "src/cli/commands.h"
#include "src/cli/common.h"
#include "src/import/onnx_export.h"

namespace wisp::cli {

int RunExport(int argc, char** argv) {
  auto args = Args::Parse(argc, argv, 2,
                          {{{"--to"}},
                           {{"-o", "--output"}},
                           {{"--names"}},
                           {{"--external-data"}},
                           {{"--no-check"}, false},
                           {{"-q", "--quiet"}, false}},
                          /*max_positional=*/1);
  if (!args.ok()) return ReportError(args.status());
  auto to = args->Required("--to");
  auto out = args->Required("-o");
  for (const absl::Status& s : {to.status(), out.status()}) {
    if (!s.ok()) return ReportError(s);
  }
  if (*to != "onnx") {
    return ReportError("unknown --to '" + *to + "' (supported: onnx)");
  }
  if (args->positional().size() != 1) {
    return ReportError("export takes exactly one input MODEL.wisp file");
  }
  absl::Status writable = CheckOutputPaths(*args, {"-o"});
  if (!writable.ok()) return ReportError(writable);
  OnnxExportOptions options;
  const std::string names = args->Get("--names").value_or("family");
  if (names == "wisp") {
    options.naming = OnnxNaming::kWisp;
  } else if (names != "family") {
    return ReportError("--names must be family or wisp, got '" + names + "'");
  }
  const std::string external = args->Get("--external-data").value_or("auto");
  if (external == "always") {
    options.external_data = OnnxExternalData::kAlways;
  } else if (external == "never") {
    options.external_data = OnnxExternalData::kNever;
  } else if (external != "auto") {
    return ReportError("--external-data must be auto, always or never, got '" +
                       external + "'");
  }
  options.check = !args->Has("--no-check");

  const std::string& input = args->positional()[0];
  OnnxExportSummary summary;
  absl::Status status = ExportOnnx(input, *out, options, &summary);
  if (!status.ok()) return ReportError(status);
  if (!args->Has("-q")) {
    std::fprintf(stderr,
                 "exported %s -> %s (ONNX opset 17, %s tensor names, %llu "
                 "nodes, %llu weight bytes%s%s)\n",
                 input.c_str(), out->c_str(), summary.naming.c_str(),
                 static_cast<unsigned long long>(summary.nodes),
                 static_cast<unsigned long long>(summary.weight_bytes),
                 summary.external_data_path.empty() ? "" : " in ",
                 summary.external_data_path.c_str());
    for (const std::string& note : summary.notes) {
      std::fprintf(stderr, "note: %s\n", note.c_str());
    }
  }
  return 0;
}

}  // namespace wisp::cli
