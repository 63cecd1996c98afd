/// Layers applied in order; children are named "0", "1", ... as in PyTorch.
public final class Sequential: Layer {
  public private(set) var layers: [any Layer]
  public var isTraining = true

  public init(_ layers: [any Layer]) { self.layers = layers }

  /// Applies the layers in order. A BatchNorm2d directly followed by a ReLU or a LeakyReLU
  /// (slope ≥ 0) runs as one fused op: same values and gradients, one pass over memory
  /// instead of three.
  public func forward(_ x: Tensor) throws -> Tensor {
    var h = x
    var i = 0
    while i < layers.count {
      if let bn = layers[i] as? BatchNorm2d, i + 1 < layers.count, let slope = Sequential.fusableSlope(layers[i + 1]) {
        h = try bn.forward(h, activationSlope: slope)
        i += 2
        continue
      }
      h = try layers[i].forward(h)
      i += 1
    }
    return h
  }

  static func fusableSlope(_ layer: any Layer) -> Float? {
    if layer is ReLU { return 0 }
    if let l = layer as? LeakyReLU, l.slope >= 0 { return l.slope }
    return nil
  }

  /// Appends a layer at the end.
  public func append(_ layer: any Layer) { layers.append(layer) }

  public var children: [(name: String, layer: any Layer)] { layers.enumerated().map { (String($0.offset), $0.element) } }

  public func clone() -> any Layer {
    let s = Sequential(layers.map { $0.clone() })
    s.isTraining = isTraining
    return s
  }

  public var description: String {
    "Sequential(\n" + layers.enumerated().map { "  (\($0.offset)) " + "\($0.element)".replacingNewlines(with: "\n  ") }.joined(separator: "\n") + "\n)"
  }
}

extension String {
  func replacingNewlines(with s: String) -> String {
    split(separator: "\n", omittingEmptySubsequences: false).joined(separator: s)
  }
}
