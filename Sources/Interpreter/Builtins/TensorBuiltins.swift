import Runtime

/// Tensor creation, shape manipulation, reductions, activations and losses.
enum TensorBuiltins {
  enum ReduceKind { case sum, mean, max, min, argmax, std }

  /// A reduction reading the parameters `axis` and `keep_dims` (every reduction declares both).
  static func reduce(_ kind: ReduceKind, _ t: Tensor, _ a: inout Arguments) throws -> Value {
    let axis = try a.optionalInt(a.position("axis"))
    let keep = try a.bool("keep_dims")
    switch kind {
    case .sum: return .tensor(try t.sum(axis: axis, keepDims: keep))
    case .mean: return .tensor(try t.mean(axis: axis, keepDims: keep))
    case .max: return .tensor(try t.max(axis: axis, keepDims: keep))
    case .min: return .tensor(try t.min(axis: axis, keepDims: keep))
    case .argmax: return .tensor(try t.argmax(axis: axis, keepDims: keep))
    case .std: return .tensor(try t.std(axis: axis, keepDims: keep))
    }
  }

  /// A function of a number (`number`, computed in Double) or, elementwise and with its
  /// gradient, of a tensor (`tensor`, e.g. `Tensor.tanh`).
  static func unary(_ a: inout Arguments, number: (Double) -> Double, tensor: (Tensor) -> () throws -> Tensor) throws -> Value {
    switch a[0] {
    case .number(let x): return .number(number(x))
    case .tensor(let t): return .tensor(try tensor(t)())
    default: throw a.typeError(0, "number or tensor")
    }
  }

  /// Class indices from a list, range or tensor of integers.
  static func labels(_ a: Arguments, _ i: Int) throws(ScriptError) -> [Int] {
    if case .tensor(let t) = a[i] {
      var out: [Int] = []
      out.reserveCapacity(t.count)
      for v in t.values {
        guard let k = Arguments.integer(Double(v)) else { throw a.error(i, "integer class labels expected, got \(Tensor.format(v))") }
        out.append(k)
      }
      return out
    }
    return try a.intList(i)
  }

  static func generator(_ a: inout Arguments, _ i: Int) throws(ScriptError) -> RNG? {
    try a.optionalSeed(i).map { RNG(seed: $0) }
  }
}

extension BuiltinRegistry {
  static func registerTensor(_ r: BuiltinRegistry) {
    let c = "tensor"
    r.add("tensor(values)", category: c, doc: "A tensor from a number or a rectangular nested list of numbers.",
          example: "tensor([[1, 2, 3], [4, 5, 6]])") { a in .tensor(try a.tensor(0)) }
    r.add("zeros(shape)", category: c, doc: "A tensor of zeros.", example: "zeros([2, 3])") { a in .tensor(try Tensor.zeros(try a.intList(0))) }
    r.add("ones(shape)", category: c, doc: "A tensor of ones.", example: "ones([2, 3])") { a in .tensor(try Tensor.ones(try a.intList(0))) }
    r.add("full(shape, v)", category: c, doc: "A tensor filled with v.", example: "full([2, 2], 0.5)") { a in
      .tensor(try Tensor.full(try a.intList(0), Float(try a.number(1))))
    }
    r.add("arange(a, b?, step?)", category: c, doc: "The values a, a+step, ... below b as a 1-D tensor; arange(n) is 0..n-1.",
          example: "arange(0, 1, 0.25)") { a in
      .tensor(try Tensor.arange(try a.number(0), try a.optionalNumber(1), try a.optionalNumber(2) ?? 1))
    }
    r.add("eye(n)", category: c, doc: "The n×n identity matrix.", example: "eye(3)") { a in .tensor(try Tensor.eye(try a.int(0))) }
    r.add("randn(shape, seed: nil)", category: c, doc: "Standard normal samples; without seed, drawn from the global seed (seed(n)).",
          example: "randn([2, 3], seed: 1)") { a in
      let shape = try a.intList(0)
      if var g = try TensorBuiltins.generator(&a, 1) { return .tensor(try Tensor.randn(shape, rng: &g)) }
      return .tensor(try Tensor.randn(shape, rng: &a.context.rng))
    }
    r.add("rand(shape, seed: nil)", category: c, doc: "Uniform samples in [0, 1); without seed, drawn from the global seed.",
          example: "rand([3], seed: 7)") { a in
      let shape = try a.intList(0)
      if var g = try TensorBuiltins.generator(&a, 1) { return .tensor(try Tensor.rand(shape, rng: &g)) }
      return .tensor(try Tensor.rand(shape, rng: &a.context.rng))
    }
    r.add("shape(t)", category: c, doc: "The shape of a tensor as a list.", example: "shape(zeros([2, 3]))") { a in
      .list(try a.tensor(0).shape.map { .number(Double($0)) })
    }
    r.add("reshape(t, shape)", category: c, doc: "The same elements in a new shape; one dimension may be -1.",
          example: "reshape(arange(6), [2, -1])") { a in .tensor(try a.tensor(0).reshape(try a.intList(1))) }
    r.add("transpose(t, dims?)", category: c, doc: "Reverses the dimensions, or permutes them in the order dims.",
          example: "transpose(tensor([[1, 2, 3]]))") { a in
      let t = try a.tensor(0)
      return .tensor(a.has(1) ? try t.transpose(try a.intList(1)) : try t.transpose())
    }
    r.add("concat(ts, axis: 0)", category: c, doc: "Joins tensors along an existing axis.",
          example: "concat([ones([1, 2]), zeros([2, 2])], axis: 0)") { a in
      .tensor(try Tensor.concat(try a.tensorList(0), axis: try a.int(1)))
    }
    r.add("stack(ts, axis: 0)", category: c, doc: "Joins equally shaped tensors along a new axis.",
          example: "stack([ones([2]), zeros([2])])") { a in
      .tensor(try Tensor.stack(try a.tensorList(0), axis: try a.int(1)))
    }
    r.add("flatten(t)", category: c, doc: "The elements as a 1-D tensor.", example: "flatten(eye(2))") { a in .tensor(try a.tensor(0).flatten()) }
    r.add("item(t)", category: c, doc: "The number held by a one-element tensor.", example: "item(sum(ones([3])))") { a in
      .number(Double(try a.tensor(0).item()))
    }
    r.add("to_list(t)", category: c, doc: "The tensor as nested lists of numbers.", example: "to_list(eye(2))") { a in
      TensorConversion.list(from: try a.tensor(0))
    }
    r.add("mean(t, axis: nil, keep_dims: false)", category: c, doc: "The mean of a tensor (over an axis) or of a list of numbers.",
          example: "mean(tensor([[1, 2], [3, 4]]), axis: 0)") { a in
      if case .tensor(let t) = a[0] { return try TensorBuiltins.reduce(.mean, t, &a) }
      let xs = try a.list(0)
      guard !xs.isEmpty else { throw a.error(0, "non-empty list expected") }
      var s = 0.0
      for v in xs {
        guard case .number(let x) = v else { throw a.error(0, "list of numbers expected, got a list containing \(v.typeName)") }
        s += x
      }
      return .number(s / Double(xs.count))
    }
    r.add("argmax(t, axis: nil, keep_dims: false)", category: c, doc: "Index of the largest value (over an axis), as a float tensor.",
          example: "argmax(tensor([[1, 5], [7, 2]]), axis: 1)") { a in try TensorBuiltins.reduce(.argmax, try a.tensor(0), &a) }
    r.add("std(t, axis: nil, keep_dims: false)", category: c, doc: "The (population) standard deviation (over an axis).",
          example: "std(tensor([1, 2, 3, 4]))") { a in try TensorBuiltins.reduce(.std, try a.tensor(0), &a) }
    r.add("where(c, a, b)", category: c, doc: "Elementwise: a where c is nonzero, else b (broadcasting).",
          example: "x = tensor([-1, 2])\nwhere(x > 0, x, 0)") { a in
      .tensor(try Tensor.where(try a.tensor(0), try a.tensor(1), try a.tensor(2)))
    }
    r.add("clip(t, lo, hi)", category: c, doc: "Limits every element to [lo, hi].", example: "clip(tensor([-1, 0.5, 2]), 0, 1)") { a in
      .tensor(try a.tensor(0).clip(Float(try a.number(1)), Float(try a.number(2))))
    }
    r.add("relu(t)", category: c, doc: "max(t, 0) elementwise.", example: "relu(tensor([-1, 2]))") { a in
      try TensorBuiltins.unary(&a, number: { Swift.max($0, 0) }, tensor: Tensor.relu)
    }
    r.add("sigmoid(t)", category: c, doc: "1 / (1 + exp(-t)) elementwise.", example: "sigmoid(tensor([0]))") { a in
      try TensorBuiltins.unary(&a, number: { 1 / (1 + Glibc.exp(-$0)) }, tensor: Tensor.sigmoid)
    }
    r.add("gelu(t)", category: c, doc: "GELU x·Φ(x) = x(1 + erf(x/√2))/2 elementwise (exact form, as PyTorch's default).",
          example: "gelu(tensor([-1, 0, 1]))") { a in
      try TensorBuiltins.unary(&a, number: { 0.5 * $0 * (1 + Glibc.erf($0 / 2.0.squareRoot())) }, tensor: Tensor.gelu)
    }
    r.add("tanh(t)", category: c, doc: "Hyperbolic tangent elementwise.", example: "tanh(0.5)") { a in
      try TensorBuiltins.unary(&a, number: { Glibc.tanh($0) }, tensor: Tensor.tanh)
    }
    r.add("softmax(t, axis: -1)", category: c, doc: "exp(t) normalised to sum to 1 along axis.",
          example: "softmax(tensor([[1, 2, 3]]))") { a in .tensor(try a.tensor(0).softmax(axis: try a.int(1))) }
    r.add("log_softmax(t, axis: -1)", category: c, doc: "log(softmax(t)), computed stably.",
          example: "log_softmax(tensor([[1, 2, 3]]))") { a in .tensor(try a.tensor(0).logSoftmax(axis: try a.int(1))) }
    r.add("one_hot(labels, n)", category: c, doc: "A [N, n] tensor with a 1 in each label's column.",
          example: "one_hot([0, 2], 3)") { a in .tensor(try Tensor.oneHot(try TensorBuiltins.labels(a, 0), classes: try a.int(1))) }
    r.add("cross_entropy(logits, labels, reduction: \"mean\")", category: c,
          doc: "Softmax cross-entropy of [N, C] logits against class indices (or soft [N, C] targets).",
          help: "reduction is \"mean\", \"sum\" or \"none\" (one loss per row).",
          example: "cross_entropy(tensor([[2, 0], [0, 2]]), [0, 1])") { a in
      let logits = try a.tensor(0)
      let name = try a.string(2)
      guard let red = Reduction(rawValue: name) else { throw a.error(2, "\"mean\", \"sum\" or \"none\" expected, got \(Value.quote(name))") }
      if case .tensor(let t) = a[1], t.shape == logits.shape, t.rank == 2 {
        return .tensor(try logits.crossEntropy(targets: t, reduction: red))
      }
      return .tensor(try logits.crossEntropy(labels: try TensorBuiltins.labels(a, 1), reduction: red))
    }
    r.add("matmul(a, b)", category: c, doc: "Matrix product of 2-D tensors (the @ operator).",
          example: "matmul(eye(2), tensor([[1, 2], [3, 4]]))") { a in .tensor(try a.tensor(0).matmul(try a.tensor(1))) }
    r.add("conv2d(x, w, b?, stride: 1, padding: 0)", category: c,
          doc: "2-D convolution of [N, C, H, W] input with [O, C, kH, kW] weights (and an optional [O] bias).",
          example: "conv2d(ones([1, 1, 4, 4]), ones([2, 1, 3, 3]), padding: 1)") { a in
      let bias: Tensor? = a.has(2) ? try a.tensor(2) : nil
      return .tensor(try a.tensor(0).conv2d(weight: try a.tensor(1), bias: bias, stride: try a.int(3), padding: try a.int(4)))
    }
    r.add("max_pool2d(x, k)", category: c, doc: "Max pooling of [N, C, H, W] input over k×k windows with stride k.",
          example: "max_pool2d(reshape(arange(16), [1, 1, 4, 4]), 2)") { a in
      .tensor(try a.tensor(0).maxPool2d(kernel: try a.int(1)))
    }
    r.add("avg_pool2d(x, k)", category: c, doc: "Average pooling of [N, C, H, W] input over k×k windows with stride k.",
          example: "avg_pool2d(ones([1, 1, 4, 4]), 2)") { a in
      .tensor(try a.tensor(0).avgPool2d(kernel: try a.int(1)))
    }
  }
}

#if canImport(Glibc)
import Glibc
#endif
