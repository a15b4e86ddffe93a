#include "src/import/onnx_graph_facts.h"

#include <cmath>
#include <deque>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"

namespace wisp {
namespace {

// `x` as a whole number if it is one up to float rounding.
std::optional<uint32_t> Whole(double x) {
  const double r = std::round(x);
  if (r < 1 || r > 1e6 || std::fabs(x - r) > 1e-3 * r) return std::nullopt;
  return static_cast<uint32_t>(r);
}

// The nodes within `depth` producer steps of `value`, nearest first,
// crossing only `through` ops (others are returned but not crossed).
std::vector<const OnnxNode*> Upstream(
    const OnnxGraph& graph, const std::string& value, int depth,
    const absl::flat_hash_set<std::string>& through) {
  std::vector<const OnnxNode*> found;
  absl::flat_hash_set<const OnnxNode*> seen;
  std::deque<std::pair<std::string, int>> queue = {{value, 0}};
  while (!queue.empty()) {
    auto [name, d] = queue.front();
    queue.pop_front();
    const OnnxNode* node = graph.Producer(name);
    if (node == nullptr || d >= depth || !seen.insert(node).second) continue;
    found.push_back(node);
    if (!through.contains(node->op_type)) continue;
    for (const std::string& input : node->inputs)
      queue.push_back({input, d + 1});
  }
  return found;
}

// A positive scalar constant operand of a Mul (`c`) or the divisor of a Div.
std::optional<double> ScalarOperand(const OnnxGraph& graph,
                                    const OnnxNode& node, bool* divides) {
  if (node.inputs.size() != 2) return std::nullopt;
  *divides = node.op_type == "Div";
  std::optional<double> c = graph.Scalar(node.inputs[1]);
  if (!c && node.op_type == "Mul") c = graph.Scalar(node.inputs[0]);
  if (!c || !(*c > 0)) return std::nullopt;
  return c;
}

std::optional<uint32_t> HeadDimFromScores(const OnnxGraph& graph, uint32_t dim,
                                          std::string* how) {
  const absl::flat_hash_set<std::string> masking = {"Add",  "Sub", "Where",
                                                    "Cast", "Mul", "Div"};
  const absl::flat_hash_set<std::string> layout = {"Transpose", "Reshape",
                                                   "Mul", "Div", "Cast"};
  for (const OnnxNode& softmax : graph.nodes()) {
    if (softmax.op_type != "Softmax" || softmax.inputs.empty()) continue;
    const OnnxNode* product = nullptr;
    for (const OnnxNode* node :
         Upstream(graph, softmax.inputs[0], 6, masking)) {
      bool divides = false;
      std::optional<double> c;
      if (node->op_type == "MatMul") {
        product = node;
        break;
      }
      if ((node->op_type == "Div" || node->op_type == "Mul") &&
          (c = ScalarOperand(graph, *node, &divides))) {
        // Scores are divided by sqrt(hd) or multiplied by 1/sqrt(hd).
        std::optional<uint32_t> hd = Whole(divides ? *c * *c : 1 / (*c * *c));
        if (hd && dim % *hd == 0) {
          *how = "the attention score scale";
          return hd;
        }
      }
    }
    // Scaled dot-product attention exports scale q and k by hd^-1/4 each.
    if (product == nullptr || product->inputs.size() != 2) continue;
    std::optional<uint32_t> sides[2];
    for (int side = 0; side < 2; ++side) {
      for (const OnnxNode* node :
           Upstream(graph, product->inputs[side], 4, layout)) {
        bool divides = false;
        std::optional<double> c;
        if ((node->op_type == "Mul" || node->op_type == "Div") &&
            (c = ScalarOperand(graph, *node, &divides))) {
          const double s = divides ? 1 / *c : *c;
          sides[side] = Whole(1 / (s * s * s * s));
          break;
        }
      }
    }
    if (sides[0] && sides[0] == sides[1] && dim % *sides[0] == 0) {
      *how = "the q and k scales of the attention";
      return sides[0];
    }
  }
  return std::nullopt;
}

// A Concat input that is a constant, possibly through Unsqueeze or Cast.
std::optional<double> ConstantPart(const OnnxGraph& graph,
                                   const std::string& value) {
  if (std::optional<double> c = graph.Scalar(value)) return c;
  const OnnxNode* node = graph.Producer(value);
  if (node != nullptr && !node->inputs.empty() &&
      (node->op_type == "Unsqueeze" || node->op_type == "Cast")) {
    return graph.Scalar(node->inputs[0]);
  }
  return std::nullopt;
}

std::optional<uint32_t> HeadDimFromReshapes(const OnnxGraph& graph,
                                            uint32_t dim) {
  // Keys may have fewer heads than queries (grouped-query attention), so
  // the largest head count that divides dim is the query head count.
  uint32_t heads = 0;
  for (const OnnxNode& node : graph.nodes()) {
    if (node.op_type != "Reshape" || node.inputs.size() != 2) continue;
    std::optional<double> h, hd;
    if (const OnnxTensor* shape = graph.Find(node.inputs[1])) {
      if (shape->num_elements() != 4) continue;
      h = shape->Get(2);
      hd = shape->Get(3);
    } else if (const OnnxNode* concat = graph.Producer(node.inputs[1]);
               concat != nullptr && concat->op_type == "Concat" &&
               concat->inputs.size() == 4) {
      h = ConstantPart(graph, concat->inputs[2]);
      hd = ConstantPart(graph, concat->inputs[3]);
    }
    std::optional<uint32_t> n = h ? Whole(*h) : std::nullopt;
    if (!n || dim % *n != 0) continue;
    if (hd && Whole(*hd) != dim / *n) continue;
    heads = std::max(heads, *n);
  }
  if (heads == 0) return std::nullopt;
  return dim / heads;
}

}  // namespace

std::optional<uint32_t> FindHeadDim(const OnnxGraph& graph, uint32_t dim,
                                    std::string* how) {
  if (std::optional<uint32_t> hd = HeadDimFromScores(graph, dim, how)) {
    return hd;
  }
  std::optional<uint32_t> hd = HeadDimFromReshapes(graph, dim);
  if (hd) *how = "the head count of a Reshape";
  return hd;
}

std::optional<float> FindNormEps(const OnnxGraph& graph) {
  for (const OnnxNode& node : graph.nodes()) {
    auto eps = node.floats.find("epsilon");
    if (node.op_type.find("Norm") != std::string::npos) {
      // LayerNormalization's default epsilon is 1e-5.
      return eps != node.floats.end() ? eps->second : 1e-5f;
    }
    if (node.op_type != "Add" || node.inputs.size() != 2) continue;
    for (int i = 0; i < 2; ++i) {
      const OnnxNode* mean = graph.Producer(node.inputs[i]);
      std::optional<double> c = graph.Scalar(node.inputs[1 - i]);
      if (mean != nullptr && mean->op_type == "ReduceMean" && c && *c > 0 &&
          *c < 1) {
        return static_cast<float>(*c);
      }
    }
  }
  return std::nullopt;
}

RotaryFacts FindRotary(const OnnxGraph& graph, uint32_t head_dim) {
  RotaryFacts facts;
  const uint64_t half = head_dim / 2;
  if (half < 2) return facts;  // pair 1 is needed to read theta
  auto set_theta = [&](double f1) {
    if (!(f1 > 0 && f1 < 1)) return false;
    const double theta = std::pow(f1, -static_cast<double>(half));
    const double r = std::round(theta);
    facts.theta =
        static_cast<float>(std::fabs(theta - r) <= 1e-4 * theta ? r : theta);
    return true;
  };
  for (const auto& t : graph.tensors()) {
    if (t->data_type != static_cast<int32_t>(OnnxType::kFloat)) continue;
    std::vector<int64_t> dims = t->dims;
    while (dims.size() > 2 && dims.front() == 1) dims.erase(dims.begin());
    if (dims.size() == 1 && static_cast<uint64_t>(dims[0]) == half &&
        t->Get(0) == 1.0 && !facts.theta && set_theta(*t->Get(1))) {
      continue;  // an inverse-frequency vector
    }
    if (dims.size() != 2 || dims[0] < 3) continue;
    const uint64_t cols = static_cast<uint64_t>(dims[1]);
    if (cols != half && cols != 2 * half) continue;
    bool zeros = true, ones = true;
    for (uint64_t c = 0; c < cols; ++c) {
      zeros = zeros && t->Get(c) == 0.0;
      ones = ones && t->Get(c) == 1.0;
    }
    if (!zeros && !ones) continue;
    // Row p holds sin or cos of p * f_i; check row 2 against row 1 so that
    // an unrelated constant is not taken for a table.
    const double a1 = *t->Get(cols + 1), a2 = *t->Get(2 * cols + 1);
    const double f1 = zeros ? std::asin(a1) : std::acos(a1);
    const double expect = zeros ? std::sin(2 * f1) : std::cos(2 * f1);
    if (std::fabs(a2 - expect) > 1e-4) continue;
    // sin determines small angles far better than cos does.
    if ((!facts.theta || zeros) && set_theta(f1)) {
      facts.positions = static_cast<uint32_t>(dims[0]);
    }
  }
  return facts;
}

GeluFlavor FindGelu(const OnnxGraph& graph) {
  const bool erf = graph.HasOp("Erf"), tanh = graph.HasOp("Tanh");
  if (erf == tanh) return GeluFlavor::kUnknown;
  return erf ? GeluFlavor::kErf : GeluFlavor::kTanh;
}

ClassifierFacts FindClassifier(const OnnxGraph& graph) {
  ClassifierFacts facts;
  if (graph.outputs().empty()) return facts;
  std::string value = graph.outputs()[0];
  for (int step = 0; step < 8; ++step) {
    const OnnxNode* node = graph.Producer(value);
    if (node == nullptr || node->inputs.empty()) return facts;
    if (node->op_type == "Add" && node->inputs.size() == 2) {
      // Skip the decoder bias: follow the operand that is computed.
      value = graph.Find(node->inputs[0]) ? node->inputs[1] : node->inputs[0];
      continue;
    }
    if (node->op_type == "Reshape" || node->op_type == "Identity" ||
        node->op_type == "Cast") {
      value = node->inputs[0];
      continue;
    }
    if ((node->op_type != "MatMul" && node->op_type != "Gemm") ||
        node->inputs.size() < 2) {
      return facts;
    }
    const std::string& w = node->inputs[1];
    bool transposed = true;  // MatMul(x, W) wants W as [dim, vocab]
    if (node->op_type == "Gemm") {
      auto it = node->ints.find("transB");
      transposed =
          it == node->ints.end() || it->second.empty() || it->second[0] == 0;
    }
    if (graph.Find(w) != nullptr) {
      facts.weight = graph.Resolve(w);
      facts.transposed = transposed;
    } else if (const OnnxNode* t = graph.Producer(w);
               t != nullptr && t->op_type == "Transpose" &&
               !t->inputs.empty() && graph.Find(t->inputs[0]) != nullptr) {
      facts.weight = graph.Resolve(t->inputs[0]);
      facts.transposed = !transposed;
    }
    return facts;
  }
  return facts;
}

}  // namespace wisp
