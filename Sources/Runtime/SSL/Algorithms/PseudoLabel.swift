/// Pseudo-Label (Lee, 2013), as in USB `algorithms/pseudolabel/pseudolabel.py`.
///
/// One weak view whose logits carry the gradient; L_u = (1/U) Σ_b 1[max p_b ≥ τ] · CE(logits_b, argmax p_b),
/// weighted by the ramp min(1, k / (0.4 K)). Defaults: τ = 0.95, λ_u = 1, μ = 1 in USB
/// (rslab's trainer uses the μ given to `train`). USB also discards the BN running statistics of
/// the unlabeled forward; rslab's single concatenated forward keeps them (documented deviation).
public final class PseudoLabel: SSLAlgorithm {
  public let name = "pseudo_label"
  public let views = UnlabeledViews.weak
  @AlgorithmOption("tau", .unit, doc: "confidence threshold τ")
  public var tau: Float = 0.95
  @AlgorithmOption("lambda_u", .nonNegative, doc: "weight λ_u of the unlabeled loss (after the ramp)")
  public var lambdaU: Float = 1
  @AlgorithmOption("ramp", .unit, doc: "fraction of the run over which the unlabeled weight ramps up linearly")
  public var rampFraction: Float = 0.4

  /// Options left nil keep their declared defaults.
  public init(tau: Float? = nil, lambdaU: Float? = nil, rampFraction: Float? = nil) {
    if let tau { self.tau = tau }
    if let lambdaU { self.lambdaU = lambdaU }
    if let rampFraction { self.rampFraction = rampFraction }
  }

  /// The unlabeled weight at step k of K: λ_u · min(1, k / (ramp · K)).
  public func weight(step: Int, total: Int) -> Float {
    let denom = rampFraction * Float(max(total, 1))
    return lambdaU * (denom > 0 ? min(1, Float(step) / denom) : 1)
  }

  public func unsupervisedLoss(_ batch: SSLBatch) throws -> UnsupervisedResult {
    let (conf, pl) = rowMaxArgmax(try probabilities(batch.weakLogits))
    let m: [Float] = conf.map { $0 >= tau ? 1 : 0 }
    let w = weight(step: batch.step, total: batch.totalSteps)
    let loss = try weightedCrossEntropy(batch.weakLogits, targets: pl, weights: m).mul(w)
    return UnsupervisedResult(loss: loss, mask: m, pseudoLabels: pl, terms: [("unsup_weight", Double(w))])
  }
}
