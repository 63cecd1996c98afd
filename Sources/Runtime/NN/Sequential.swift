/// Layers applied in order; children are named "0", "1", ... as in PyTorch.
public final class Sequential: Layer {
  public private(set) var layers: [any Layer]
  public var isTraining = true

  public init(_ layers: [any Layer]) { self.layers = layers }

  public func forward(_ x: Tensor) throws -> Tensor {
    var h = x
    for l in layers { h = try l.forward(h) }
    return h
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
