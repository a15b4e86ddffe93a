#include "tests/import/onnx_test_util.h"

#include <cstring>
#include <fstream>

#include "gtest/gtest.h"
#include "tests/support/test_paths.h"

namespace wisp::testing {

onnx::ModelProto LoadOnnx(const std::string& path) {
  onnx::ModelProto model;
  absl::StatusOr<std::string> bytes = ReadFileToString(path);
  EXPECT_TRUE(bytes.ok()) << bytes.status();
  if (bytes.ok()) {
    EXPECT_TRUE(model.ParseFromString(*bytes)) << path;
  }
  return model;
}

void SaveOnnx(const onnx::ModelProto& model, const std::string& path) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  ASSERT_TRUE(model.SerializeToOstream(&out)) << path;
}

onnx::TensorProto* FindInitializer(onnx::ModelProto* model,
                                   const std::string& name) {
  for (onnx::TensorProto& t : *model->mutable_graph()->mutable_initializer()) {
    if (t.name() == name) return &t;
  }
  return nullptr;
}

std::vector<float> Floats(const onnx::TensorProto& tensor) {
  if (tensor.float_data_size() > 0) {
    return {tensor.float_data().begin(), tensor.float_data().end()};
  }
  std::vector<float> values(tensor.raw_data().size() / sizeof(float));
  std::memcpy(values.data(), tensor.raw_data().data(),
              values.size() * sizeof(float));
  return values;
}

std::map<std::string, std::vector<float>> InitializerFloats(
    const onnx::ModelProto& model) {
  std::map<std::string, std::vector<float>> values;
  for (const onnx::TensorProto& t : model.graph().initializer()) {
    if (t.data_type() == onnx::TensorProto::FLOAT) values[t.name()] = Floats(t);
  }
  return values;
}

onnx::TensorProto FloatTensor(const std::string& name,
                              const std::vector<int64_t>& dims,
                              const std::vector<float>& values) {
  onnx::TensorProto t;
  t.set_name(name);
  t.set_data_type(onnx::TensorProto::FLOAT);
  for (int64_t d : dims) t.add_dims(d);
  t.set_raw_data(values.data(), values.size() * sizeof(float));
  return t;
}

namespace {

void AddNode(onnx::GraphProto* graph, const std::string& op,
             std::vector<std::string> inputs, const std::string& output) {
  onnx::NodeProto* node = graph->add_node();
  node->set_op_type(op);
  node->set_name("/" + output);
  for (const std::string& input : inputs) node->add_input(input);
  node->add_output(output);
}

void AddScalar(onnx::GraphProto* graph, const std::string& name, float value) {
  onnx::NodeProto* node = graph->add_node();
  node->set_op_type("Constant");
  node->add_output(name);
  onnx::AttributeProto* a = node->add_attribute();
  a->set_name("value");
  a->set_type(onnx::AttributeProto::TENSOR);
  *a->mutable_t() = FloatTensor("", {}, {value});
}

}  // namespace

void AddAttentionScale(onnx::GraphProto* graph, float divisor) {
  AddNode(graph, "MatMul", {"q", "k"}, "/scores");
  AddScalar(graph, "/scale", divisor);
  AddNode(graph, "Div", {"/scores", "/scale"}, "/scaled");
  AddNode(graph, "Softmax", {"/scaled"}, "/probs");
}

void AddNormEps(onnx::GraphProto* graph, float eps) {
  AddNode(graph, "ReduceMean", {"x"}, "/mean");
  AddScalar(graph, "/eps", eps);
  AddNode(graph, "Add", {"/mean", "/eps"}, "/mean_eps");
}

std::vector<float> Transpose(const std::vector<float>& m, size_t rows,
                             size_t cols) {
  std::vector<float> t(m.size());
  for (size_t r = 0; r < rows; ++r) {
    for (size_t c = 0; c < cols; ++c) t[c * rows + r] = m[r * cols + c];
  }
  return t;
}

std::vector<float> Rows(const std::vector<float>& m, size_t cols, size_t begin,
                        size_t count) {
  return {m.begin() + begin * cols, m.begin() + (begin + count) * cols};
}

std::vector<float> WispFloats(const WispFile& file, const std::string& name) {
  const TensorView* t = file.Find(name);
  if (t == nullptr || t->dtype != DType::kF32) return {};
  std::vector<float> values(t->num_elements());
  std::memcpy(values.data(), t->data, values.size() * sizeof(float));
  return values;
}

}  // namespace wisp::testing
