/// FreeMatch (Wang et al., ICLR 2023): self-adaptive thresholding and class fairness,
/// as in USB `algorithms/freematch/freematch.py` and `utils.py`.
///
/// EMA m = 0.999; init τ_g = 1/C, p̃ = h = (1/C, ...). Updated with the current batch
/// *before* masking: τ_g ← m τ_g + (1−m) mean_b max q_b; p̃ ← m p̃ + (1−m) mean_b q_b;
/// h ← m h + (1−m) hist(c_b)/U. mask_b = 1[max q_b ≥ τ_g · p̃(c_b) / max_c p̃(c)].
/// Fairness (only when some mask > 0), over masked samples S: r_b = softmax(s_b),
/// ĥ = hist(argmax r_b)/|S|, r̄ = mean_S r_b; A = SumNorm(p̃ / h), B = SumNorm(r̄ / ĥ)
/// (1/0 := 0, scalers detached); L_f = Σ_c A_c log(B_c + 1e−12).
/// L = L_s + λ_u L_u + λ_e L_f with λ_u = 1 and λ_e = 0.001 (USB classic CV configs; the
/// USB code default and TorchSSL use 0.01).
public final class FreeMatch: SSLAlgorithm {
  public let name = "freematch"
  public let views = UnlabeledViews.weakAndStrong
  @AlgorithmOption("lambda_u", .nonNegative, doc: "weight λ_u of the unlabeled loss")
  public var lambdaU: Float = 1
  @AlgorithmOption("lambda_e", .nonNegative, doc: "weight λ_e of the fairness loss")
  public var lambdaE: Float = 0.001
  @AlgorithmOption("momentum", .unit, doc: "EMA momentum m of the confidence statistics")
  public var momentum: Float = 0.999
  public private(set) var tauG: Float = 0
  public private(set) var pModel: [Float] = []
  public private(set) var labelHist: [Float] = []

  /// Options left nil keep their declared defaults.
  public init(lambdaU: Float? = nil, lambdaE: Float? = nil, momentum: Float? = nil) {
    if let lambdaU { self.lambdaU = lambdaU }
    if let lambdaE { self.lambdaE = lambdaE }
    if let momentum { self.momentum = momentum }
  }

  public func prepare(unlabeledCount: Int, classes: Int, model: Model, rng: inout RNG) throws {
    reset(classes: classes)
  }

  func reset(classes: Int) {
    tauG = 1 / Float(classes)
    pModel = [Float](repeating: 1 / Float(classes), count: classes)
    labelHist = pModel
  }

  /// Updates τ_g, p̃, h with the batch, then returns the self-adaptive mask and labels.
  public func mask(weakLogits: Tensor) throws -> (mask: [Float], labels: [Int]) {
    let c = weakLogits.shape[1], u = weakLogits.shape[0]
    if pModel.count != c { reset(classes: c) }
    let probs = try probabilities(weakLogits)
    let (conf, pl) = rowMaxArgmax(probs)
    let m = momentum
    let p = probs.buffer
    var meanProb = [Float](repeating: 0, count: c), hist = [Float](repeating: 0, count: c)
    for b in 0..<u {
      for j in 0..<c { meanProb[j] += p[b * c + j] }
      hist[pl[b]] += 1
    }
    let meanConf = conf.reduce(0, +) / Float(max(u, 1))
    tauG = m * tauG + (1 - m) * meanConf
    for j in 0..<c {
      pModel[j] = m * pModel[j] + (1 - m) * meanProb[j] / Float(max(u, 1))
      labelHist[j] = m * labelHist[j] + (1 - m) * hist[j] / Float(max(u, 1))
    }
    let maxP = pModel.max() ?? 1
    let mask: [Float] = (0..<u).map { b in conf[b] >= tauG * pModel[pl[b]] / maxP ? 1 : 0 }
    return (mask, pl)
  }

  /// The fairness term Σ_c A_c log(B_c + 1e−12) over the masked strong logits.
  public func fairnessLoss(strong: Tensor, mask: [Float]) throws -> Tensor {
    let c = strong.shape[1]
    let chosen = mask.indices.filter { mask[$0] > 0 }
    let probs = try strong.indexSelect(chosen, axis: 0).softmax(axis: -1)  // [S, C], with grad
    let (_, predS) = rowMaxArgmax(probs.detached())
    var histS = [Float](repeating: 0, count: c)
    for y in predS { histS[y] += 1 }
    let scalerS = histS.map { $0 > 0 ? Float(chosen.count) / $0 : 0 }  // 1 / (hist/|S|), 1/0 := 0
    var a = (0..<c).map { labelHist[$0] > 0 ? pModel[$0] / labelHist[$0] : 0 }
    let aSum = a.reduce(0, +)
    if aSum > 0 { a = a.map { $0 / aSum } }
    let modMean = try probs.mean(axis: 0, keepDims: true).mul(Tensor(shape: [1, c], values: scalerS))
    let normed = try modMean.div(modMean.sum(axis: 1, keepDims: true))
    return try normed.add(1e-12).log().mul(Tensor(shape: [1, c], values: a)).sum()
  }

  public func unsupervisedLoss(_ batch: SSLBatch) throws -> UnsupervisedResult {
    guard let strong = batch.strongLogits else {
      throw RuntimeError.invalidArgument(op: name, message: "needs the strong view")
    }
    // τ, p̃ and h follow the whole global batch (data parallel); the losses, this shard's rows.
    let (mAll, plAll) = try mask(weakLogits: try batch.wholeBatch(batch.weakLogits))
    let m = batch.ownRows(mAll), pl = batch.ownRows(plAll)
    var loss = try weightedCrossEntropy(strong, targets: pl, weights: m).mul(lambdaU)
    var fair = 0.0
    if m.contains(where: { $0 > 0 }) {
      let lf = try fairnessLoss(strong: strong, mask: m)
      fair = Double(try lf.item())
      loss = try loss.add(lf.mul(lambdaE))
    }
    return UnsupervisedResult(loss: loss, mask: m, pseudoLabels: pl,
                              terms: [("fairness_loss", fair), ("tau", Double(tauG))])
  }

  public func exportState() -> [String: [Double]] {
    ["tau_g": [Double(tauG)], "p_model": pModel.map(Double.init), "label_hist": labelHist.map(Double.init)]
  }

  public func importState(_ state: [String: [Double]]) throws {
    guard let t = state["tau_g"]?.first, let p = state["p_model"], let h = state["label_hist"] else {
      throw RuntimeError.invalidArgument(op: name, message: "checkpoint lacks freematch state")
    }
    tauG = Float(t); pModel = p.map { Float($0) }; labelHist = h.map { Float($0) }
  }
}
