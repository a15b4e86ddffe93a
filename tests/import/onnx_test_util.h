// Helpers for the ONNX import tests: reading, editing and writing ModelProtos
// with protobuf directly, so that the tests do not trust the importer's own
// reader, and reading back .wisp tensors.
#ifndef WISP_TESTS_IMPORT_ONNX_TEST_UTIL_H_
#define WISP_TESTS_IMPORT_ONNX_TEST_UTIL_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "onnx/onnx_pb.h"
#include "src/format/wisp_file.h"

namespace wisp::testing {

// Parses an ONNX file; fails the test (and returns an empty model) if it
// cannot.
onnx::ModelProto LoadOnnx(const std::string& path);
void SaveOnnx(const onnx::ModelProto& model, const std::string& path);

// The initializer `name`, or null.
onnx::TensorProto* FindInitializer(onnx::ModelProto* model,
                                   const std::string& name);
// Its values, read from raw_data or float_data.
std::vector<float> Floats(const onnx::TensorProto& tensor);
// name -> values of every FLOAT initializer.
std::map<std::string, std::vector<float>> InitializerFloats(
    const onnx::ModelProto& model);

// A FLOAT tensor with its values in raw_data.
onnx::TensorProto FloatTensor(const std::string& name,
                              const std::vector<int64_t>& dims,
                              const std::vector<float>& values);
// A node computing Softmax(MatMul(q, k) / divisor) and one computing
// Add(ReduceMean(x), eps): where the importer reads the head size and the
// norm epsilon.
void AddAttentionScale(onnx::GraphProto* graph, float divisor);
void AddNormEps(onnx::GraphProto* graph, float eps);

// A row-major [rows, cols] matrix transposed.
std::vector<float> Transpose(const std::vector<float>& m, size_t rows,
                             size_t cols);
// Rows [begin, begin + count) of a matrix with `cols` columns.
std::vector<float> Rows(const std::vector<float>& m, size_t cols, size_t begin,
                        size_t count);

// The f32 values of tensor `name` in an opened .wisp file (empty if absent).
std::vector<float> WispFloats(const WispFile& file, const std::string& name);

}  // namespace wisp::testing

#endif  // WISP_TESTS_IMPORT_ONNX_TEST_UTIL_H_
