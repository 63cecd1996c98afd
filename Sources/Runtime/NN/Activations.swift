/// max(x, 0) elementwise.
public final class ReLU: Layer {
  public var isTraining = true
  public init() {}
  public func forward(_ x: Tensor) throws -> Tensor { try x.relu() }
  public func clone() -> any Layer { let l = ReLU(); l.isTraining = isTraining; return l }
  public var description: String { "ReLU" }
}

/// GELU x·Φ(x), exact erf form (as PyTorch's `nn.GELU()` default).
public final class GELU: Layer {
  public var isTraining = true
  public init() {}
  public func forward(_ x: Tensor) throws -> Tensor { try x.gelu() }
  public func clone() -> any Layer { let l = GELU(); l.isTraining = isTraining; return l }
  public var description: String { "GELU" }
}

/// x for x > 0, slope·x otherwise (WRN uses slope 0.1).
public final class LeakyReLU: Layer {
  public let slope: Float
  public var isTraining = true
  public init(slope: Float = 0.01) { self.slope = slope }
  public func forward(_ x: Tensor) throws -> Tensor { try x.leakyRelu(slope: slope) }
  public func clone() -> any Layer { let l = LeakyReLU(slope: slope); l.isTraining = isTraining; return l }
  public var description: String { "LeakyReLU(\(slope))" }
}

/// [N, ...] -> [N, product of the rest].
public final class Flatten: Layer {
  public var isTraining = true
  public init() {}
  public func forward(_ x: Tensor) throws -> Tensor {
    x.rank <= 2 && x.rank > 0 ? x : try x.flatten(from: 1)
  }
  public func clone() -> any Layer { let l = Flatten(); l.isTraining = isTraining; return l }
  public var description: String { "Flatten" }
}

/// Inverted dropout with its own seeded generator (deterministic per seed); identity in
/// evaluation mode.
public final class Dropout: Layer {
  public let p: Float
  public var rng: RNG
  public var isTraining = true

  public init(p: Float = 0.5, seed: UInt64 = 0) throws {
    guard p >= 0, p <= 1 else { throw RuntimeError.invalidArgument(op: "Dropout", message: "p must be in [0, 1], got \(p)") }
    self.p = p
    rng = RNG(seed: seed)
  }

  private init(validated p: Float, rng: RNG) {
    self.p = p
    self.rng = rng
  }

  public func forward(_ x: Tensor) throws -> Tensor { try x.dropout(p: p, rng: &rng, training: isTraining) }

  public func clone() -> any Layer {
    let l = Dropout(validated: p, rng: rng)
    l.isTraining = isTraining
    return l
  }

  public var description: String { "Dropout(\(p))" }
}
