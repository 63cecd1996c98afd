#if canImport(Glibc)
import Glibc
#endif

/// SoftMatch (Chen et al., ICLR 2023): truncated-Gaussian sample weights with uniform
/// distribution alignment, as in USB `algorithms/softmatch/` and `algorithms/hooks/dist_align.py`.
///
/// m = 0.999, n_σ = 2. (1) p_m = mean_b q_b on the first step, then an EMA;
/// q̂_b = Normalize(q_b · (1/C + 1e−6) / (p_m + 1e−6)). (2) μ_t ← m μ_t + (1−m) mean max q̂,
/// σ²_t ← m σ²_t + (1−m) var(max q̂) (unbiased); init 1/C and 1. (3)
/// w_b = exp(−min(max q̂_b − μ_t, 0)² / (2 σ²_t / n_σ²)). (4) pseudo-label = argmax of the
/// *unaligned* q_b; L_u = λ_u (1/U) Σ_b w_b CE(s_b, c_b). Defaults: λ_u = 1.
public final class SoftMatch: SSLAlgorithm {
  public let name = "softmatch"
  public let views = UnlabeledViews.weakAndStrong
  @AlgorithmOption("lambda_u", .nonNegative, doc: "weight λ_u of the unlabeled loss")
  public var lambdaU: Float = 1
  @AlgorithmOption("momentum", .unit, doc: "EMA momentum m of the confidence statistics")
  public var momentum: Float = 0.999
  @AlgorithmOption("n_sigma", .nonNegative, doc: "width n_σ of the truncated Gaussian, in standard deviations")
  public var nSigma: Float = 2
  public private(set) var pModel: [Float]? = nil
  public private(set) var muT: Float = 0
  public private(set) var varT: Float = 1

  /// Options left nil keep their declared defaults.
  public init(lambdaU: Float? = nil, momentum: Float? = nil, nSigma: Float? = nil) {
    if let lambdaU { self.lambdaU = lambdaU }
    if let momentum { self.momentum = momentum }
    if let nSigma { self.nSigma = nSigma }
  }

  public func prepare(unlabeledCount: Int, classes: Int, model: Model, rng: inout RNG) throws {
    pModel = nil
    muT = 1 / Float(classes)
    varT = 1
  }

  /// Aligns, updates the Gaussian statistics and returns the per-sample weights and labels.
  public func weights(weakLogits: Tensor) throws -> (weights: [Float], labels: [Int]) {
    let u = weakLogits.shape[0], c = weakLogits.shape[1]
    if muT == 0 { muT = 1 / Float(c) }
    let probs = try probabilities(weakLogits)
    let (_, pl) = rowMaxArgmax(probs)
    let p = probs.buffer
    var mean = [Float](repeating: 0, count: c)
    for b in 0..<u { for j in 0..<c { mean[j] += p[b * c + j] / Float(max(u, 1)) } }
    if var pm = pModel, pm.count == c {
      for j in 0..<c { pm[j] = momentum * pm[j] + (1 - momentum) * mean[j] }
      pModel = pm
    } else {
      pModel = mean
    }
    let pm = pModel ?? mean
    var maxAligned = [Float](repeating: 0, count: u)
    for b in 0..<u {
      var row = [Float](repeating: 0, count: c), s: Float = 0
      for j in 0..<c {
        row[j] = p[b * c + j] * (1 / Float(c) + 1e-6) / (pm[j] + 1e-6)
        s += row[j]
      }
      maxAligned[b] = (row.max() ?? 0) / s
    }
    let batchMean = maxAligned.reduce(0, +) / Float(max(u, 1))
    var batchVar: Float = 0
    if u > 1 {
      batchVar = maxAligned.reduce(0) { $0 + ($1 - batchMean) * ($1 - batchMean) } / Float(u - 1)
    }
    muT = momentum * muT + (1 - momentum) * batchMean
    varT = momentum * varT + (1 - momentum) * batchVar
    let w: [Float] = maxAligned.map { v in
      let d = min(v - muT, 0)
      return Float(exp(-Double(d * d) / Double(2 * varT / (nSigma * nSigma))))
    }
    return (w, pl)
  }

  public func unsupervisedLoss(_ batch: SSLBatch) throws -> UnsupervisedResult {
    guard let strong = batch.strongLogits else {
      throw RuntimeError.invalidArgument(op: name, message: "needs the strong view")
    }
    // μ_t, σ²_t and p̃ follow the whole global batch (data parallel); the loss, this shard's rows.
    let (wAll, plAll) = try weights(weakLogits: try batch.wholeBatch(batch.weakLogits))
    let w = batch.ownRows(wAll), pl = batch.ownRows(plAll)
    let loss = try weightedCrossEntropy(strong, targets: pl, weights: w).mul(lambdaU)
    return UnsupervisedResult(loss: loss, mask: w, pseudoLabels: pl,
                              terms: [("mu_t", Double(muT)), ("var_t", Double(varT))])
  }

  public func exportState() -> [String: [Double]] {
    var s: [String: [Double]] = ["mu_t": [Double(muT)], "var_t": [Double(varT)]]
    if let pm = pModel { s["p_model"] = pm.map(Double.init) }
    return s
  }

  public func importState(_ state: [String: [Double]]) throws {
    guard let m = state["mu_t"]?.first, let v = state["var_t"]?.first else {
      throw RuntimeError.invalidArgument(op: name, message: "checkpoint lacks softmatch state")
    }
    muT = Float(m); varT = Float(v)
    pModel = state["p_model"].map { $0.map { Float($0) } }
  }
}
