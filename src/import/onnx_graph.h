// A read-only view of an ONNX ModelProto: its tensors (initializers and the
// values of Constant nodes) and its nodes, with no protobuf types in the
// interface, so that only onnx_graph.cc depends on protobuf and libonnx.
#ifndef WISP_IMPORT_ONNX_GRAPH_H_
#define WISP_IMPORT_ONNX_GRAPH_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace wisp {

// TensorProto.DataType values that matter here.
enum class OnnxType : int32_t {
  kFloat = 1,
  kInt32 = 6,
  kInt64 = 7,
  kFloat16 = 10,
  kDouble = 11,
  kBFloat16 = 16,
};

// Name of an ONNX data type ("FLOAT16"), or "type N".
std::string OnnxTypeName(int32_t data_type);

struct OnnxTensor {
  std::string name;
  int32_t data_type = 0;
  std::vector<int64_t> dims;
  // Little-endian element bytes, wherever the file keeps them (raw_data, a
  // typed field, or an external data file). Not necessarily aligned: read
  // with memcpy. Empty for types whose size this reader does not know.
  absl::Span<const uint8_t> bytes;

  uint64_t num_elements() const;
  // Element i as a double, for FLOAT, DOUBLE, INT32 and INT64 tensors.
  std::optional<double> Get(uint64_t i) const;
  // All elements as floats; only for kFloat.
  std::vector<float> Floats() const;
};

struct OnnxNode {
  std::string op_type;
  std::string name;
  std::vector<std::string> inputs;  // "" for an omitted optional input
  std::vector<std::string> outputs;
  absl::flat_hash_map<std::string, float> floats;               // f
  absl::flat_hash_map<std::string, std::vector<int64_t>> ints;  // i / ints
};

class OnnxGraph {
 public:
  // Reads and parses `path` and every external data file it names (relative
  // to its folder, never outside it). Errors: NotFound for missing files,
  // DataLoss for bytes that are not a ModelProto or tensors whose data does
  // not match their shape, InvalidArgument for unsafe or unsupported
  // references (absolute external paths, files over 2 GiB).
  static absl::StatusOr<std::unique_ptr<OnnxGraph>> Load(
      const std::string& path);
  ~OnnxGraph();
  OnnxGraph(const OnnxGraph&) = delete;
  OnnxGraph& operator=(const OnnxGraph&) = delete;

  const std::string& path() const { return path_; }
  // "pytorch 1.13.0, opset 17, IR 8", for provenance.
  const std::string& description() const { return description_; }

  // The tensor that value `name` holds if it is an initializer or the output
  // of a Constant node, following Identity nodes; null otherwise.
  const OnnxTensor* Find(const std::string& name) const;
  // `name` after following Identity nodes back to their source.
  std::string Resolve(const std::string& name) const;
  // A scalar (or one-element) numeric constant's value.
  std::optional<double> Scalar(const std::string& name) const;

  // All tensors in file order: initializers, then Constant node values.
  const std::vector<std::unique_ptr<OnnxTensor>>& tensors() const {
    return tensors_;
  }
  const std::vector<OnnxNode>& nodes() const { return nodes_; }
  const std::vector<std::string>& outputs() const { return outputs_; }
  // The node computing value `name`, or null (inputs, initializers).
  const OnnxNode* Producer(const std::string& name) const;
  // The nodes reading value `name`.
  std::vector<const OnnxNode*> Consumers(const std::string& name) const;
  bool HasOp(const std::string& op_type) const;

  // The parsed protobuf and the mapped external files (onnx_graph.cc).
  struct Storage;

 private:
  OnnxGraph();

  std::string path_;
  std::string description_;
  std::unique_ptr<Storage> storage_;
  std::vector<std::unique_ptr<OnnxTensor>> tensors_;
  absl::flat_hash_map<std::string, const OnnxTensor*> by_name_;
  absl::flat_hash_map<std::string, std::string> identity_of_;
  std::vector<OnnxNode> nodes_;
  absl::flat_hash_map<std::string, size_t> producer_;
  std::vector<std::string> outputs_;
};

}  // namespace wisp

#endif  // WISP_IMPORT_ONNX_GRAPH_H_
