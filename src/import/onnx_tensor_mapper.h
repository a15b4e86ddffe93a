// Reads FLOAT weights out of an OnnxGraph by name, checks their shapes, and
// records them as wisp tensors: borrowed unchanged, or transformed
// (transposed, sliced, permuted) into storage the model owns.
#ifndef WISP_IMPORT_ONNX_TENSOR_MAPPER_H_
#define WISP_IMPORT_ONNX_TENSOR_MAPPER_H_

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "src/format/wisp_file.h"
#include "src/import/onnx_graph.h"

namespace wisp {

// A model ready to be written: the config, the tensors in wisp's names
// (borrowing bytes from the graph or from `storage`), and notes on what the
// importer decided, for the file's provenance text.
struct ImportedModel {
  ModelConfig config;
  std::vector<TensorToWrite> tensors;
  std::deque<std::vector<float>> storage;  // transformed tensors
  std::vector<std::string> notes;
};

// "[3, 4]".
std::string ShapeString(const std::vector<uint64_t>& shape);

class TensorMapper {
 public:
  TensorMapper(const OnnxGraph& graph, ImportedModel* out)
      : graph_(graph), out_(out) {}

  bool Has(const std::string& name) const {
    return graph_.Find(name) != nullptr;
  }

  // The FLOAT tensor `name`, of `shape` unless that is empty. Errors name
  // it: InvalidArgument if missing, of another shape or type, Unimplemented
  // for FLOAT16 / BFLOAT16.
  absl::StatusOr<const OnnxTensor*> Get(const std::string& name,
                                        const std::vector<uint64_t>& shape);

  // `src` unchanged as `dst`, its bytes borrowed from the graph.
  absl::Status Copy(const std::string& dst, const std::string& src,
                    const std::vector<uint64_t>& shape);

  // A [rows, cols] matrix stored as such, or as [cols, rows] if
  // `transposed` (Hugging Face Conv1D, MatMul operands).
  absl::StatusOr<std::vector<float>> Matrix(const std::string& src,
                                            uint64_t rows, uint64_t cols,
                                            bool transposed);

  // Records `values` as `dst`.
  void Add(const std::string& dst, std::vector<uint64_t> shape,
           std::vector<float> values);

  // Rows [begin, begin + count) of a matrix with `cols` columns, as `dst`.
  void AddRows(const std::string& dst, const std::vector<float>& m,
               uint64_t cols, uint64_t begin, uint64_t count);
  // Elements [begin, begin + count) of a vector, as `dst`.
  void AddSlice(const std::string& dst, const std::vector<float>& v,
                uint64_t begin, uint64_t count);

 private:
  const OnnxGraph& graph_;
  ImportedModel* out_;
};

}  // namespace wisp

#endif  // WISP_IMPORT_ONNX_TENSOR_MAPPER_H_
