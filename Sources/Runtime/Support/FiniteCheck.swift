/// Scans for NaN and infinity: the trainer's guard against a poisoned step and the weight
/// loaders' guard against a poisoned file.
public enum FiniteCheck {
  /// Whether every element of `buffer` is finite. One branch-free pass (`x * 0` is 0 for a
  /// finite x and NaN otherwise), so it costs about as much as reading the memory.
  public static func allFinite(_ buffer: UnsafeBufferPointer<Float>) -> Bool {
    var acc: Float = 0
    var i = 0
    let n = buffer.count
    guard let p = buffer.baseAddress else { return true }
    while i + 8 <= n {
      let v = SIMD8<Float>(p[i], p[i + 1], p[i + 2], p[i + 3], p[i + 4], p[i + 5], p[i + 6], p[i + 7])
      acc += (v * 0).sum()
      i += 8
    }
    while i < n { acc += p[i] * 0; i += 1 }
    return acc == 0
  }

  /// Whether every element of the tensor is finite.
  public static func allFinite(_ t: Tensor) -> Bool {
    allFinite(UnsafeBufferPointer(start: t.storage.base, count: t.count))
  }

  /// The name of the first tensor holding a NaN or infinity, if any.
  public static func firstNonFinite(_ tensors: [(name: String, tensor: Tensor)]) -> String? {
    tensors.first { !allFinite($0.tensor) }?.name
  }
}
