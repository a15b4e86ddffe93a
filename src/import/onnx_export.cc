#include "src/import/onnx_export.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "absl/strings/str_cat.h"
#include "onnx/checker.h"
#include "onnx/onnx_pb.h"
#include "src/format/atomic_file.h"
#include "src/import/onnx_export_graph.h"
#include "src/import/onnx_export_names.h"
#include "src/model/model.h"
#include "src/model/tensor_names.h"

namespace wisp {
namespace {

// Protobuf refuses to serialise messages of 2 GiB or more; leave room for
// the graph itself.
constexpr uint64_t kInlineLimit = (uint64_t{2} << 30) - (uint64_t{64} << 20);
// Tensors below this stay inline even with external data: constants and
// small vectors are not worth a file offset each.
constexpr uint64_t kExternalMinBytes = 1024;
// Offsets in the side file are aligned so that runtimes can map tensors in
// place.
constexpr uint64_t kExternalAlignment = 64;

uint64_t WeightBytes(const onnx::GraphProto& graph) {
  uint64_t total = 0;
  for (const onnx::TensorProto& t : graph.initializer()) {
    total += t.raw_data().size();
  }
  return total;
}

// Moves the large initializers' bytes into `data` (the side file, named
// `location` relative to the model), leaving references in the graph.
absl::Status MoveToExternalData(onnx::GraphProto* graph,
                                const std::string& location, AtomicFile* data) {
  static const char kZeros[kExternalAlignment] = {};
  uint64_t offset = 0;
  for (onnx::TensorProto& t : *graph->mutable_initializer()) {
    const uint64_t size = t.raw_data().size();
    if (size < kExternalMinBytes) continue;
    const uint64_t pad =
        (kExternalAlignment - offset % kExternalAlignment) % kExternalAlignment;
    absl::Status s = data->Write(kZeros, pad);
    if (s.ok()) s = data->Write(t.raw_data().data(), size);
    if (!s.ok()) return s;
    offset += pad;
    auto add = [&t](const std::string& key, const std::string& value) {
      onnx::StringStringEntryProto* e = t.add_external_data();
      e->set_key(key);
      e->set_value(value);
    };
    add("location", location);
    add("offset", std::to_string(offset));
    add("length", std::to_string(size));
    t.set_data_location(onnx::TensorProto::EXTERNAL);
    t.clear_raw_data();
    offset += size;
  }
  return absl::OkStatus();
}

void AddMetadata(onnx::ModelProto* proto, const std::string& key,
                 const std::string& value) {
  onnx::StringStringEntryProto* e = proto->add_metadata_props();
  e->set_key(key);
  e->set_value(value);
}

absl::Status Export(const std::string& wisp_path, const std::string& onnx_path,
                    const OnnxExportOptions& options,
                    OnnxExportSummary* summary) {
  absl::StatusOr<std::unique_ptr<Model>> model = Model::Load(wisp_path);
  if (!model.ok()) return model.status();
  // The graph's initializers are FLOAT; bf16 weights would need Cast nodes.
  if ((*model)->has_bf16_weights()) {
    return absl::UnimplementedError(absl::StrCat(
        wisp_path, ": bf16 weights cannot be exported; export the f32 model"));
  }
  const ModelConfig& c = (*model)->config();
  const bool output_bias =
      (*model)->file().Find(TensorNames::Bias(TensorNames::Output())) !=
      nullptr;
  summary->naming = ChooseOnnxNaming(c, output_bias, options.naming);

  onnx::ModelProto proto;
  proto.set_ir_version(8);
  proto.set_producer_name("wisp");
  proto.set_doc_string(absl::StrCat(
      "Exported by wisp from ", wisp_path,
      ". Input input_ids int64 [batch, sequence] (sequence <= ", c.max_seq_len,
      "); output logits float32 [batch, sequence, ", c.vocab_size, "]."));
  onnx::OperatorSetIdProto* opset = proto.add_opset_import();
  opset->set_domain("");
  opset->set_version(17);
  AddMetadata(&proto, "wisp.architecture", c.architecture);
  AddMetadata(&proto, "wisp.mask", MaskKindName(c.mask));
  AddMetadata(&proto, "wisp.naming", summary->naming);
  absl::Status s = BuildOnnxGraph(**model, summary->naming,
                                  proto.mutable_graph(), &summary->notes);
  if (!s.ok()) return s;
  const onnx::GraphProto& graph = proto.graph();
  summary->nodes = static_cast<uint64_t>(graph.node_size());
  summary->initializers = static_cast<uint64_t>(graph.initializer_size());
  summary->weight_bytes = WeightBytes(graph);

  if (options.check) {
    // libonnx reports problems by throwing ValidationError.
    try {
      onnx::checker::check_model(proto);
    } catch (const std::exception& e) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the exported graph fails the ONNX checker: ", e.what()));
    }
  }

  const bool external = options.external_data == OnnxExternalData::kAlways ||
                        (options.external_data == OnnxExternalData::kAuto &&
                         summary->weight_bytes >= kInlineLimit);
  std::unique_ptr<AtomicFile> data;
  if (external) {
    // The location is relative to the model's folder, as ONNX requires.
    const std::string data_path = onnx_path + ".data";
    const size_t slash = data_path.rfind('/');
    const std::string location =
        slash == std::string::npos ? data_path : data_path.substr(slash + 1);
    data = std::make_unique<AtomicFile>(data_path);
    s = data->Open();
    if (s.ok())
      s = MoveToExternalData(proto.mutable_graph(), location, data.get());
    if (!s.ok()) return s;
    summary->external_data_path = data_path;
  } else if (summary->weight_bytes >= kInlineLimit) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the weights take ", summary->weight_bytes,
        " bytes, more than fits in one protobuf; export with external data"));
  }

  std::string bytes;
  if (!proto.SerializeToString(&bytes)) {
    return absl::InternalError("cannot serialise the ONNX model");
  }
  AtomicFile out(onnx_path);
  s = out.Open();
  if (s.ok()) s = out.Write(bytes.data(), bytes.size());
  // Both files are complete before either is renamed, and the data file
  // goes first: a model file never refers to a side file not yet there.
  if (s.ok() && data) s = data->Commit();
  if (s.ok()) s = out.Commit();
  return s;
}

}  // namespace

absl::Status ExportOnnx(const std::string& wisp_path,
                        const std::string& onnx_path,
                        const OnnxExportOptions& options,
                        OnnxExportSummary* summary) {
  OnnxExportSummary local;
  return Export(wisp_path, onnx_path, options,
                summary != nullptr ? summary : &local);
}

}  // namespace wisp
