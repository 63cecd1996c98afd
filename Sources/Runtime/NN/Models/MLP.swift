extension Model {
  /// A multilayer perceptron: Flatten, then Linear + ReLU for each hidden size, then a linear
  /// main head. `sizes` = [input, hidden..., classes]; features are the last hidden layer
  /// (the flattened input when there is none).
  ///
  ///     let m = try Model.mlp([784, 256, 10], seed: 0)
  public static func mlp(_ sizes: [Int], seed: UInt64 = 0) throws -> Model {
    guard sizes.count >= 2, sizes.allSatisfy({ $0 >= 1 }) else {
      throw RuntimeError.invalidArgument(op: "mlp", message: "sizes must list at least an input and an output size, all positive, got \(sizes)")
    }
    var rng = RNG(seed: seed)
    var layers: [any Layer] = [Flatten()]
    for i in 0..<(sizes.count - 2) {
      layers.append(Linear(sizes[i], sizes[i + 1], rng: &rng))
      layers.append(ReLU())
    }
    let d = sizes[sizes.count - 2]
    let head = Linear(d, sizes[sizes.count - 1], rng: &rng)
    return Model(kind: "mlp(\(sizes))", backbone: Sequential(layers), featureDim: d, mainHead: head)
  }
}
