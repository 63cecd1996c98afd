/// An exponential moving average of a model's parameters, used for evaluation (USB
/// `EMA`, USB `semilearn/core/hooks/ema.py`): after each optimizer step
/// `shadow = d·shadow + (1 - d)·θ` for parameters, while batch-norm running statistics
/// (buffers) are copied from the live model.
///
/// The decay is `momentum` (0.999), or with `warmup` TensorFlow's
/// d_k = min(momentum, (1 + k) / (10 + k)) for the k-th update (k from 0), so short CPU runs
/// do not evaluate a model that is still mostly its random initialisation.
///
///     let ema = try EMA(of: model)
///     ... try opt.step(); try ema.update(from: model)
///     let acc = evaluate(ema.model, test)
public final class EMA {
  /// The averaged copy (evaluation mode, parameters do not require grad).
  public let model: Model
  public let momentum: Float
  public let warmup: Bool
  /// Updates applied so far.
  public private(set) var updates = 0

  /// Starts the average at the live model's current weights.
  public init(of live: Model, momentum: Float = 0.999, warmup: Bool = true) throws {
    guard momentum >= 0, momentum <= 1 else {
      throw RuntimeError.invalidArgument(op: "ema", message: "momentum must be in [0, 1], got \(momentum)")
    }
    model = live.copy()
    model.eval()
    for p in model.parameters { p.requiresGrad = false }
    self.momentum = momentum
    self.warmup = warmup
  }

  /// Sets the update count when resuming from a checkpoint (it drives the warm-up decay).
  public func restore(updates: Int) { self.updates = max(0, updates) }

  /// The decay the next update will use.
  public var nextDecay: Float {
    warmup ? min(momentum, Float(1 + updates) / Float(10 + updates)) : momentum
  }

  /// Moves the average toward `live` (which must have the same parameter names and shapes).
  public func update(from live: Model) throws {
    let src = live.namedParameters, dst = model.namedParameters
    let srcB = live.namedBuffers, dstB = model.namedBuffers
    guard src.count == dst.count, srcB.count == dstB.count,
          zip(src, dst).allSatisfy({ $0.name == $1.name && $0.tensor.shape == $1.tensor.shape }),
          zip(srcB, dstB).allSatisfy({ $0.name == $1.name && $0.tensor.shape == $1.tensor.shape }) else {
      throw RuntimeError.invalidArgument(op: "ema", message: "the live model \(live.kind) does not have the averaged model's parameters (was a head added after the EMA was made?)")
    }
    let d = nextDecay, e = 1 - d
    for (s, t) in zip(src, dst) {
      let a = t.tensor.buffer, b = s.tensor.buffer
      for i in 0..<a.count { a[i] = d * a[i] + e * b[i] }
    }
    for (s, t) in zip(srcB, dstB) {
      t.tensor.storage.base.update(from: s.tensor.storage.base, count: t.tensor.count)
    }
    updates += 1
  }
}
