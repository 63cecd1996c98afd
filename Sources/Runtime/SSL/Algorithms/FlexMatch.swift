/// FlexMatch (Zhang et al., NeurIPS 2021): curriculum pseudo-labelling with class-wise
/// flexible thresholds, as in USB `algorithms/flexmatch/utils.py` (FlexMatchThresholdingHook).
///
/// State: ŷ[n] for every unlabeled index (init −1) and β(c). Each step:
/// 1. mask_b = 1[max q_b ≥ τ · M(β(c_b))], M(x) = x / (2 − x) (the "convex" mapping);
/// 2. samples with max q_b ≥ τ overwrite ŷ[idx_b] = c_b;
/// 3. σ(c) = #{ŷ = c}, σ(−1) = #unused; unless all are unused, with warm-up
///    β(c) = σ(c) / max(max_c' σ(c'), σ(−1)); without, β(c) = σ(c) / max_c' σ(c').
/// So at the start β = 0 and the threshold is 0: every unlabeled sample is used.
/// Defaults: τ = 0.95, λ_u = 1, threshold warm-up on.
public final class FlexMatch: SSLAlgorithm {
  public let name = "flexmatch"
  public let views = UnlabeledViews.weakAndStrong
  @AlgorithmOption("tau", .unit, doc: "upper confidence threshold τ, scaled per class")
  public var tau: Float = 0.95
  @AlgorithmOption("lambda_u", .nonNegative, doc: "weight λ_u of the unlabeled loss")
  public var lambdaU: Float = 1
  @AlgorithmOption("threshold_warmup", doc: "count unused samples as a class when normalising the learning effect")
  public var thresholdWarmup = true
  /// ŷ per unlabeled sample (−1 = not yet selected).
  public private(set) var selected: [Int] = []
  /// β(c), the normalised learning effect per class.
  public private(set) var classwiseAcc: [Float] = []

  /// Options left nil keep their declared defaults.
  public init(tau: Float? = nil, lambdaU: Float? = nil, thresholdWarmup: Bool? = nil) {
    if let tau { self.tau = tau }
    if let lambdaU { self.lambdaU = lambdaU }
    if let thresholdWarmup { self.thresholdWarmup = thresholdWarmup }
  }

  public func prepare(unlabeledCount: Int, classes: Int, model: Model, rng: inout RNG) throws {
    selected = [Int](repeating: -1, count: unlabeledCount)
    classwiseAcc = [Float](repeating: 0, count: classes)
  }

  /// The class-wise threshold τ · β(c) / (2 − β(c)).
  public func threshold(forClass c: Int) -> Float {
    let b = classwiseAcc[c]
    return tau * (b / (2 - b))
  }

  /// Mask from the current β, then the ŷ and β updates (USB order).
  public func mask(weakLogits: Tensor, indices: [Int]) throws -> (mask: [Float], labels: [Int]) {
    if selected.isEmpty || classwiseAcc.count != weakLogits.shape[1] {
      throw RuntimeError.invalidArgument(op: name, message: "prepare() was not called with the unlabeled set")
    }
    let (conf, pl) = rowMaxArgmax(try probabilities(weakLogits))
    var m = [Float](repeating: 0, count: conf.count)
    for b in 0..<conf.count {
      m[b] = conf[b] >= threshold(forClass: pl[b]) ? 1 : 0
      if conf[b] >= tau {
        guard indices[b] >= 0, indices[b] < selected.count else {
          throw RuntimeError.indexOutOfRange(op: name, index: indices[b], size: selected.count)
        }
        selected[indices[b]] = pl[b]
      }
    }
    updateClasswiseAcc()
    return (m, pl)
  }

  func updateClasswiseAcc() {
    let c = classwiseAcc.count
    var counts = [Int](repeating: 0, count: c)
    var unused = 0
    for y in selected { if y < 0 { unused += 1 } else if y < c { counts[y] += 1 } }
    guard unused < selected.count else { return }  // all still unused: keep β
    let maxClass = counts.max() ?? 0
    let denom = thresholdWarmup ? max(maxClass, unused) : maxClass
    guard denom > 0 else { return }
    for i in 0..<c { classwiseAcc[i] = Float(counts[i]) / Float(denom) }
  }

  public func unsupervisedLoss(_ batch: SSLBatch) throws -> UnsupervisedResult {
    guard let strong = batch.strongLogits else {
      throw RuntimeError.invalidArgument(op: name, message: "needs the strong view")
    }
    // The state update sees the whole global batch (data parallel); the loss, this shard's rows.
    let (mAll, plAll) = try mask(weakLogits: try batch.wholeBatch(batch.weakLogits), indices: batch.wholeUnlabeledIndices)
    let m = batch.ownRows(mAll), pl = batch.ownRows(plAll)
    let loss = try weightedCrossEntropy(strong, targets: pl, weights: m).mul(lambdaU)
    return UnsupervisedResult(loss: loss, mask: m, pseudoLabels: pl)
  }

  public func exportState() -> [String: [Double]] {
    ["selected": selected.map(Double.init), "classwise_acc": classwiseAcc.map(Double.init)]
  }

  public func importState(_ state: [String: [Double]]) throws {
    guard let s = state["selected"], let a = state["classwise_acc"] else {
      throw RuntimeError.invalidArgument(op: name, message: "checkpoint lacks flexmatch state")
    }
    selected = s.map { Int($0) }
    classwiseAcc = a.map { Float($0) }
  }
}
