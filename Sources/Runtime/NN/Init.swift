/// Weight initialisers with PyTorch's formulas, drawing from an `RNG` so a seed fixes a model.
enum Init {
  /// Uniform in [-bound, bound).
  static func uniform(_ shape: [Int], bound: Float, rng: inout RNG) -> Tensor {
    let t = Tensor(zeros: shape, zeroed: false)
    let b = t.buffer
    for i in 0..<b.count { b[i] = (2 * rng.uniform() - 1) * bound }
    return t
  }

  /// Normal with standard deviation `std`.
  static func normal(_ shape: [Int], std: Float, rng: inout RNG) -> Tensor {
    let t = Tensor(zeros: shape, zeroed: false)
    let b = t.buffer
    for i in 0..<b.count { b[i] = rng.normal() * std }
    return t
  }

  /// PyTorch's default for `nn.Linear`/`nn.Conv2d` weights: kaiming_uniform_(a = √5),
  /// i.e. U(-1/√fanIn, 1/√fanIn); biases use the same bound.
  static func defaultBound(fanIn: Int) -> Float { 1 / Float(max(1, fanIn)).squareRoot() }
}
