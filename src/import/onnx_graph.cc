#include "src/import/onnx_graph.h"

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "onnx/onnx_pb.h"
#include "src/format/mapped_file.h"

namespace wisp {

struct OnnxGraph::Storage {
  onnx::ModelProto model;
  absl::flat_hash_map<std::string, std::unique_ptr<MappedFile>> external;
  std::deque<std::vector<uint8_t>> owned;  // Constant nodes' scalar attributes
};

namespace {

// Bytes per element, 0 for types without a fixed size (STRING, UNDEFINED).
size_t ElementSize(int32_t type) {
  switch (type) {
    case onnx::TensorProto::FLOAT:
    case onnx::TensorProto::INT32:
    case onnx::TensorProto::UINT32:
      return 4;
    case onnx::TensorProto::UINT8:
    case onnx::TensorProto::INT8:
    case onnx::TensorProto::BOOL:
      return 1;
    case onnx::TensorProto::UINT16:
    case onnx::TensorProto::INT16:
    case onnx::TensorProto::FLOAT16:
    case onnx::TensorProto::BFLOAT16:
      return 2;
    case onnx::TensorProto::INT64:
    case onnx::TensorProto::UINT64:
    case onnx::TensorProto::DOUBLE:
    case onnx::TensorProto::COMPLEX64:
      return 8;
    case onnx::TensorProto::COMPLEX128:
      return 16;
    default:
      return 0;
  }
}

template <typename T>
absl::Span<const uint8_t> BytesOf(const google::protobuf::RepeatedField<T>& f) {
  return absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(f.data()),
                             f.size() * sizeof(T));
}

// Where an external tensor's bytes are: checks the path stays inside the
// model's folder (a model file must not make the importer read arbitrary
// files) and the range lies inside the data file.
absl::StatusOr<absl::Span<const uint8_t>> ExternalBytes(
    const onnx::TensorProto& t, uint64_t expected, const std::string& folder,
    OnnxGraph::Storage* storage) {
  std::string location;
  uint64_t offset = 0, length = expected;
  for (const onnx::StringStringEntryProto& entry : t.external_data()) {
    const std::string& key = entry.key();
    if (key == "location") {
      location = entry.value();
    } else if (key == "offset" || key == "length") {
      char* end = nullptr;
      errno = 0;
      const unsigned long long v =
          std::strtoull(entry.value().c_str(), &end, 10);
      if (entry.value().empty() || *end != '\0' || errno != 0) {
        return absl::DataLossError(absl::StrCat("tensor '", t.name(),
                                                "': bad external ", key, " '",
                                                entry.value(), "'"));
      }
      (key == "offset" ? offset : length) = v;
    }
  }
  const std::filesystem::path relative(location);
  if (location.empty() || relative.is_absolute()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "tensor '", t.name(), "': external data location '", location,
        "' must be a path relative to the model's folder"));
  }
  for (const auto& part : relative) {
    if (part == "..") {
      return absl::InvalidArgumentError(
          absl::StrCat("tensor '", t.name(), "': external data location '",
                       location, "' leaves the model's folder"));
    }
  }
  auto it = storage->external.find(location);
  if (it == storage->external.end()) {
    const std::string path =
        (std::filesystem::path(folder) / relative).string();
    absl::StatusOr<std::unique_ptr<MappedFile>> file = MappedFile::Open(path);
    if (!file.ok()) {
      return absl::Status(file.status().code(),
                          absl::StrCat("external data of tensor '", t.name(),
                                       "': ", file.status().message()));
    }
    it = storage->external.emplace(location, std::move(*file)).first;
  }
  const MappedFile& file = *it->second;
  if (length != expected) {
    return absl::DataLossError(
        absl::StrCat("tensor '", t.name(), "': external length ", length,
                     " but its shape needs ", expected, " bytes"));
  }
  if (offset > file.size() || length > file.size() - offset) {
    return absl::DataLossError(absl::StrCat(
        "tensor '", t.name(), "': bytes [", offset, ", ", offset + length,
        ") lie outside ", file.path(), " (", file.size(), " bytes)"));
  }
  return absl::MakeConstSpan(file.data() + offset, length);
}

absl::StatusOr<std::unique_ptr<OnnxTensor>> ReadTensor(
    const onnx::TensorProto& t, const std::string& name,
    const std::string& folder, OnnxGraph::Storage* storage) {
  auto tensor = std::make_unique<OnnxTensor>();
  tensor->name = name;
  tensor->data_type = t.data_type();
  uint64_t count = 1;
  for (int64_t d : t.dims()) {
    if (d < 0 ||
        (d > 0 && count > (uint64_t{1} << 62) / static_cast<uint64_t>(d))) {
      return absl::DataLossError(
          absl::StrCat("tensor '", name, "' has a bad dimension ", d));
    }
    tensor->dims.push_back(d);
    count *= static_cast<uint64_t>(d);
  }
  if (t.has_segment()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "tensor '", name, "' is segmented, which is not supported"));
  }
  const size_t element = ElementSize(t.data_type());
  if (element == 0) return tensor;  // never used as a weight or a number
  const uint64_t expected = count * element;
  absl::Span<const uint8_t> bytes;
  if (t.data_location() == onnx::TensorProto::EXTERNAL) {
    absl::StatusOr<absl::Span<const uint8_t>> external =
        ExternalBytes(t, expected, folder, storage);
    if (!external.ok()) return external.status();
    bytes = *external;
  } else if (t.has_raw_data()) {
    bytes = absl::MakeConstSpan(
        reinterpret_cast<const uint8_t*>(t.raw_data().data()),
        t.raw_data().size());
  } else {
    switch (t.data_type()) {
      case onnx::TensorProto::FLOAT:
        bytes = BytesOf(t.float_data());
        break;
      case onnx::TensorProto::INT32:
        bytes = BytesOf(t.int32_data());
        break;
      case onnx::TensorProto::INT64:
        bytes = BytesOf(t.int64_data());
        break;
      case onnx::TensorProto::DOUBLE:
        bytes = BytesOf(t.double_data());
        break;
      default:
        // Typed storage of other types (e.g. FLOAT16 in int32_data) would
        // need a conversion; such tensors are reported when used.
        return tensor;
    }
  }
  if (bytes.size() != expected) {
    return absl::DataLossError(
        absl::StrCat("tensor '", name, "' has ", bytes.size(),
                     " bytes of data but its shape needs ", expected,
                     " (truncated or corrupt file)"));
  }
  tensor->bytes = bytes;
  return tensor;
}

// A Constant node's value given as value_float(s) / value_int(s).
std::unique_ptr<OnnxTensor> ScalarAttributeTensor(const onnx::AttributeProto& a,
                                                  const std::string& name,
                                                  OnnxGraph::Storage* storage) {
  auto tensor = std::make_unique<OnnxTensor>();
  tensor->name = name;
  std::vector<uint8_t>& bytes = storage->owned.emplace_back();
  auto append = [&bytes](const void* p, size_t n) {
    const uint8_t* b = static_cast<const uint8_t*>(p);
    bytes.insert(bytes.end(), b, b + n);
  };
  if (a.name() == "value_float" || a.name() == "value_floats") {
    tensor->data_type = onnx::TensorProto::FLOAT;
    if (a.name() == "value_float") {
      const float f = a.f();
      append(&f, sizeof(f));
    } else {
      tensor->dims.push_back(a.floats_size());
      append(a.floats().data(), a.floats_size() * sizeof(float));
    }
  } else {
    tensor->data_type = onnx::TensorProto::INT64;
    if (a.name() == "value_int") {
      const int64_t i = a.i();
      append(&i, sizeof(i));
    } else {
      tensor->dims.push_back(a.ints_size());
      append(a.ints().data(), a.ints_size() * sizeof(int64_t));
    }
  }
  tensor->bytes = absl::MakeConstSpan(bytes);
  return tensor;
}

}  // namespace

std::string OnnxTypeName(int32_t data_type) {
  if (onnx::TensorProto::DataType_IsValid(data_type)) {
    return onnx::TensorProto::DataType_Name(
        static_cast<onnx::TensorProto::DataType>(data_type));
  }
  return absl::StrCat("type ", data_type);
}

uint64_t OnnxTensor::num_elements() const {
  uint64_t n = 1;
  for (int64_t d : dims) n *= static_cast<uint64_t>(d);
  return n;
}

std::optional<double> OnnxTensor::Get(uint64_t i) const {
  auto load = [&](auto value) -> std::optional<double> {
    if ((i + 1) * sizeof(value) > bytes.size()) return std::nullopt;
    std::memcpy(&value, bytes.data() + i * sizeof(value), sizeof(value));
    return static_cast<double>(value);
  };
  switch (static_cast<OnnxType>(data_type)) {
    case OnnxType::kFloat:
      return load(float{});
    case OnnxType::kDouble:
      return load(double{});
    case OnnxType::kInt32:
      return load(int32_t{});
    case OnnxType::kInt64:
      return load(int64_t{});
    default:
      return std::nullopt;
  }
}

std::vector<float> OnnxTensor::Floats() const {
  std::vector<float> values;
  if (data_type != static_cast<int32_t>(OnnxType::kFloat)) return values;
  values.resize(bytes.size() / sizeof(float));
  if (!bytes.empty()) std::memcpy(values.data(), bytes.data(), bytes.size());
  return values;
}

OnnxGraph::OnnxGraph() : storage_(std::make_unique<Storage>()) {}
OnnxGraph::~OnnxGraph() = default;

absl::StatusOr<std::unique_ptr<OnnxGraph>> OnnxGraph::Load(
    const std::string& path) {
  absl::StatusOr<std::unique_ptr<MappedFile>> file = MappedFile::Open(path);
  if (!file.ok()) return file.status();
  if ((*file)->size() > static_cast<size_t>(INT_MAX)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", (*file)->size(),
                     " bytes; protobuf files are limited to 2 GiB (export "
                     "large models with external data)"));
  }
  std::unique_ptr<OnnxGraph> graph(new OnnxGraph());
  graph->path_ = path;
  onnx::ModelProto& model = graph->storage_->model;
  if (!model.ParseFromArray((*file)->data(),
                            static_cast<int>((*file)->size())) ||
      !model.has_graph()) {
    return absl::DataLossError(
        absl::StrCat(path,
                     ": not an ONNX model (the protobuf does not parse as a "
                     "ModelProto with a graph; truncated or corrupt?)"));
  }
  int64_t opset = 0;
  for (const onnx::OperatorSetIdProto& id : model.opset_import()) {
    if (id.domain().empty() || id.domain() == "ai.onnx") opset = id.version();
  }
  graph->description_ = absl::StrCat(
      model.producer_name().empty() ? "unknown producer"
                                    : model.producer_name(),
      model.producer_version().empty() ? "" : " ", model.producer_version(),
      ", opset ", opset, ", IR ", model.ir_version());

  const std::string folder = std::filesystem::path(path).parent_path().string();
  const onnx::GraphProto& g = model.graph();
  auto add =
      [&](absl::StatusOr<std::unique_ptr<OnnxTensor>> tensor) -> absl::Status {
    if (!tensor.ok()) {
      return absl::Status(tensor.status().code(),
                          absl::StrCat(path, ": ", tensor.status().message()));
    }
    graph->by_name_[(*tensor)->name] = tensor->get();
    graph->tensors_.push_back(std::move(*tensor));
    return absl::OkStatus();
  };
  for (const onnx::TensorProto& t : g.initializer()) {
    absl::Status status =
        add(ReadTensor(t, t.name(), folder, graph->storage_.get()));
    if (!status.ok()) return status;
  }
  for (const onnx::NodeProto& n : g.node()) {
    OnnxNode node;
    node.op_type = n.op_type();
    node.name = n.name();
    node.inputs.assign(n.input().begin(), n.input().end());
    node.outputs.assign(n.output().begin(), n.output().end());
    for (const onnx::AttributeProto& a : n.attribute()) {
      if (a.has_f()) node.floats[a.name()] = a.f();
      if (a.has_i()) node.ints[a.name()] = {a.i()};
      if (a.ints_size() > 0)
        node.ints[a.name()].assign(a.ints().begin(), a.ints().end());
      if (n.op_type() != "Constant" || n.output_size() != 1) continue;
      absl::Status status;
      if (a.name() == "value" && a.has_t()) {
        status =
            add(ReadTensor(a.t(), n.output(0), folder, graph->storage_.get()));
      } else if (a.name() == "value_float" || a.name() == "value_floats" ||
                 a.name() == "value_int" || a.name() == "value_ints") {
        status =
            add(ScalarAttributeTensor(a, n.output(0), graph->storage_.get()));
      }
      if (!status.ok()) return status;
    }
    if (node.op_type == "Identity" && node.inputs.size() == 1 &&
        node.outputs.size() == 1) {
      graph->identity_of_[node.outputs[0]] = node.inputs[0];
    }
    for (const std::string& output : node.outputs) {
      graph->producer_[output] = graph->nodes_.size();
    }
    graph->nodes_.push_back(std::move(node));
  }
  for (const onnx::ValueInfoProto& output : g.output()) {
    graph->outputs_.push_back(output.name());
  }
  return graph;
}

std::string OnnxGraph::Resolve(const std::string& name) const {
  std::string current = name;
  // Bounded, so that a cycle of Identity nodes in a crafted file ends.
  for (int hops = 0; hops < 64; ++hops) {
    auto it = identity_of_.find(current);
    if (it == identity_of_.end()) break;
    current = it->second;
  }
  return current;
}

const OnnxTensor* OnnxGraph::Find(const std::string& name) const {
  auto it = by_name_.find(Resolve(name));
  return it == by_name_.end() ? nullptr : it->second;
}

std::optional<double> OnnxGraph::Scalar(const std::string& name) const {
  const OnnxTensor* tensor = Find(name);
  if (tensor == nullptr || tensor->num_elements() != 1) return std::nullopt;
  return tensor->Get(0);
}

const OnnxNode* OnnxGraph::Producer(const std::string& name) const {
  auto it = producer_.find(name);
  return it == producer_.end() ? nullptr : &nodes_[it->second];
}

std::vector<const OnnxNode*> OnnxGraph::Consumers(
    const std::string& name) const {
  std::vector<const OnnxNode*> consumers;
  for (const OnnxNode& node : nodes_) {
    for (const std::string& input : node.inputs) {
      if (input == name) {
        consumers.push_back(&node);
        break;
      }
    }
  }
  return consumers;
}

bool OnnxGraph::HasOp(const std::string& op_type) const {
  for (const OnnxNode& node : nodes_) {
    if (node.op_type == op_type) return true;
  }
  return false;
}

}  // namespace wisp
