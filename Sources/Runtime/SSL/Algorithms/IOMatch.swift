/// IOMatch (Z. Li, L. Qi, Y. Shi, Y. Gao, ICCV 2023, arXiv 2308.13168): open-set SSL that uses outliers as an
/// extra class, as in github nukezil/IOMatch (`semilearn/algorithms/iomatch/iomatch.py` and
/// `utils.py`, `config/openset_cv/iomatch/*.yaml`).
///
/// Heads: "proj" = Linear(F, F) → ReLU → Linear(F, 128) (PyTorch default init); on its output
/// "mb" = multi-binary classifier Linear(128, 2K, no bias) and "open" = (K+1)-way classifier
/// Linear(128, K+1), both Xavier normal, bias 0. Per step, from the weak view (no gradient):
///
///     p = softmax(main logits)                 (distribution-aligned if `distAlign`)
///     o_k = p_out,k of the multi-binary head   (pair softmax, as OpenMatch's OVA)
///     s = Σ_k p_k o_k                          (outlier score), inlier = s < 0.5
///     q = (p_1 (1−o_1), …, p_K (1−o_K), s)     ((K+1)-way open-set target, sums to 1)
///     L_ui = mean_b 1[inlier_b] 1[max p_b ≥ τ_p] · CE(strong logits_b, p_b)     (soft target)
///     L_op = mean_b 1[max q_b ≥ τ_q] · CE(open(proj(strong features))_b, q_b)  (soft target)
///     L_mb = OVA loss of the multi-binary head on the labeled batch (OpenMatch Eq. 1)
///     L = λ_mb L_mb + λ_u L_ui + λ_op L_op     (the trainer adds the labeled CE)
///
/// L_op is switched off during the first epoch (`epoch == 0` in the code; 1 of 256 epochs,
/// so the first 1/256 of the run here). Defaults (code and configs): τ_p = 0.95, τ_q = 0.5,
/// λ_u = λ_mb = λ_op = 1, projection 128, distribution alignment off in every published config
/// (on in the code's argument default; then a 128-batch queue towards the uniform target,
/// USB `DistAlignQueueHook`). The code's optional rotation head (`use_rot`, default off) is
/// not implemented. The trainer's weak features are detached, as IOMatch computes all targets
/// under `no_grad`, so this follows the reference without deviation in the loss.
public final class IOMatch: SyntheticDetector {
  public let name = "iomatch"
  public let views = UnlabeledViews.weakAndStrong
  @AlgorithmOption("tau_p", .unit, doc: "closed-set confidence threshold τ_p")
  public var tauP: Float = 0.95
  @AlgorithmOption("tau_q", .unit, doc: "open-set confidence threshold τ_q")
  public var tauQ: Float = 0.5
  @AlgorithmOption("lambda_u", .nonNegative, doc: "weight λ_u of the closed-set unlabeled loss")
  public var lambdaU: Float = 1
  @AlgorithmOption("lambda_mb", .nonNegative, doc: "weight λ_mb of the multi-binary loss on labeled data")
  public var lambdaMB: Float = 1
  @AlgorithmOption("lambda_op", .nonNegative, doc: "weight λ_op of the open-set loss")
  public var lambdaOP: Float = 1
  @AlgorithmOption("proj_dim", .atLeast(1), doc: "width of the projection head's output")
  public var projDim = 128
  @AlgorithmOption("dist_align", doc: "distribution alignment of p (off in the published configs)")
  public var distAlign = false
  @AlgorithmOption("da_len", .atLeast(1), doc: "batches in the distribution-alignment queue")
  public var daLength = 128
  @AlgorithmOption("open_warmup_steps", .atLeast(0), none: "1/256 of the run", doc: "steps during which the open-set loss is off")
  public var openWarmupSteps: Int? = nil
  @AlgorithmOption("inlier_threshold", .openUnit, doc: "outlier-score threshold of the inlier test (0.5 in the code)")
  public var inlierThreshold: Float = 0.5

  /// Distribution-alignment queue: `daLength` rows of per-batch mean probabilities (zeros at
  /// first, as in USB) and the next row to overwrite.
  public private(set) var daQueue: [Float] = []
  public private(set) var daPointer = 0
  var classes = 0

  public init() {}

  /// The outlier score is judged against provenance at evaluation.
  public var detectThreshold: Float { inlierThreshold }

  public func prepare(unlabeledCount: Int, classes: Int, model: Model, rng: inout RNG) throws {
    try validate()
    self.classes = classes
    daQueue = [Float](repeating: 0, count: daLength * classes)
    daPointer = 0
    var r = RNG(seed: rng.next())
    let f = model.featureDim
    if !model.hasHead(.proj) {
      try model.addHead(name: .proj, layer: Sequential([Linear(f, f, rng: &r), ReLU(), Linear(f, projDim, rng: &r)]))
    }
    if !model.hasHead(.multiBinary) { try model.addHead(name: .multiBinary, layer: xavierNormalLinear(projDim, 2 * classes, bias: false, rng: &r)) }
    if !model.hasHead(.open) { try model.addHead(name: .open, layer: xavierNormalLinear(projDim, classes + 1, bias: true, rng: &r)) }
  }

  /// The first step at which the open-set loss counts.
  public func openStart(totalSteps: Int) -> Int { openWarmupSteps ?? (totalSteps + 255) / 256 }

  /// USB's DistAlignQueueHook with a uniform target: push the batch mean of p into the queue,
  /// then p · (1/K + 1e-6) / (queue mean + 1e-6), renormalised. p is [N, K] row-major.
  public func alignDistribution(_ p: [Float], rows n: Int) throws -> [Float] {
    let k = classes
    guard daQueue.count == daLength * k, k > 0 else {
      throw RuntimeError.invalidArgument(op: name, message: "prepare() was not called before distribution alignment")
    }
    guard p.count == n * k else {
      throw RuntimeError.shapeMismatch(op: name, shapes: [[p.count], [n, k]], detail: "differ: probabilities must be [N, K]")
    }
    guard n > 0 else { return p }
    for c in 0..<k {
      var s: Float = 0
      for b in 0..<n { s += p[b * k + c] }
      daQueue[daPointer * k + c] = s / Float(n)
    }
    daPointer = (daPointer + 1) % daLength
    var model = [Float](repeating: 0, count: k)
    for r in 0..<daLength { for c in 0..<k { model[c] += daQueue[r * k + c] } }
    let target = 1 / Float(k) + 1e-6
    var out = p
    for b in 0..<n {
      var z: Float = 0
      for c in 0..<k { out[b * k + c] = p[b * k + c] * target / (model[c] / Float(daLength) + 1e-6); z += out[b * k + c] }
      for c in 0..<k { out[b * k + c] /= z }
    }
    return out
  }

  /// The closed-set targets p, the (K+1)-way targets q, the outlier scores s and the three
  /// masks (inlier, τ_p on p, τ_q on q) from probabilities p [N, K] and multi-binary logits.
  public func targets(probabilities p: [Float], mbLogits: Tensor, classes k: Int)
    throws -> (q: [Float], score: [Float], inlier: [Bool], pMask: [Bool], qMask: [Bool]) {
    let (out, inl) = try OneVsAll.values(mbLogits, classes: k)
    let n = mbLogits.shape[0]
    guard p.count == n * k else {
      throw RuntimeError.shapeMismatch(op: name, shapes: [[p.count], [n, k]], detail: "differ: probabilities must be [N, K] for the multi-binary logits' N")
    }
    var q = [Float](repeating: 0, count: n * (k + 1))
    var score = [Float](repeating: 0, count: n)
    var pMask = [Bool](repeating: false, count: n), qMask = pMask
    for b in 0..<n {
      var s: Float = 0, pMax: Float = 0, qMax: Float = 0
      for c in 0..<k {
        let pc = p[b * k + c]
        s += pc * out[b * k + c]
        q[b * (k + 1) + c] = pc * inl[b * k + c]
        pMax = max(pMax, pc); qMax = max(qMax, q[b * (k + 1) + c])
      }
      q[b * (k + 1) + k] = s
      score[b] = s
      pMask[b] = pMax >= tauP
      qMask[b] = max(qMax, s) >= tauQ
    }
    return (q, score, score.map { $0 < inlierThreshold }, pMask, qMask)
  }

  public func syntheticScores(features: Tensor, model: Model) throws -> [Float] {
    let logits = try model.head(.main, features)
    let k = logits.shape[1]
    let p = try probabilities(logits).values
    let mb = try model.head(.multiBinary, try model.head(.proj, features))
    return try targets(probabilities: p, mbLogits: mb, classes: k).score
  }

  public func unsupervisedLoss(_ batch: SSLBatch) throws -> UnsupervisedResult {
    guard let strong = batch.strongLogits, let strongF = batch.strongFeatures else {
      throw RuntimeError.invalidArgument(op: name, message: "needs the strong view")
    }
    guard daQueue.count == daLength * batch.classes else {
      throw RuntimeError.invalidArgument(op: name, message: "prepare() was not called for \(batch.classes) classes")
    }
    let model = batch.model, k = batch.classes
    let u = batch.weakLogits.shape[0]

    // Labeled multi-binary loss (gradient into mb, proj and the backbone).
    let mbLabeled = try model.head(.multiBinary, try model.head(.proj, batch.labeledFeatures))
    let lMB = try OneVsAll.supervisedLoss(mbLabeled, labels: batch.labels, classes: k)

    // Targets from the weak view, without gradient.
    var p = try probabilities(batch.weakLogits).values
    if distAlign { p = try alignDistribution(p, rows: u) }
    let mbWeak = try GradMode.noGrad { try model.head(.multiBinary, try model.head(.proj, batch.weakFeatures.detached())) }
    let t = try targets(probabilities: p, mbLogits: mbWeak, classes: k)

    let uiMask: [Float] = (0..<u).map { t.inlier[$0] && t.pMask[$0] ? 1 : 0 }
    let lUI = try strong.crossEntropy(targets: Tensor(shape: [u, k], values: p),
                                      weights: Tensor(shape: [u], values: uiMask), reduction: .mean)
    var loss = try lMB.mul(lambdaMB).add(lUI.mul(lambdaU))

    // The open-set loss, off during the first epoch (the code multiplies it by 0 there).
    let openOn = batch.step >= openStart(totalSteps: batch.totalSteps)
    let qMask: [Float] = t.qMask.map { $0 ? 1 : 0 }
    var opValue = 0.0
    if openOn {
      let openLogits = try model.head(.open, try model.head(.proj, strongF))
      let lOP = try openLogits.crossEntropy(targets: Tensor(shape: [u, k + 1], values: t.q),
                                            weights: Tensor(shape: [u], values: qMask), reduction: .mean)
      opValue = Double(try lOP.item())
      loss = try loss.add(lOP.mul(lambdaOP))
    }

    let (_, pl) = rowMaxArgmax(Tensor(shape: [u, k], values: p))
    return UnsupervisedResult(
      loss: loss, mask: uiMask, pseudoLabels: pl,
      terms: [("mb_loss", Double(try lMB.item())), ("ui_loss", Double(try lUI.item())),
              ("op_loss", opValue),
              ("inlier_rate", Double(t.inlier.filter { $0 }.count) / Double(max(u, 1))),
              ("q_mask_rate", Double(qMask.reduce(0, +)) / Double(max(u, 1)))],
      routedSynthetic: t.inlier.map { !$0 }, syntheticScore: t.score)
  }

  public func exportState() -> [String: [Double]] {
    ["da_queue": daQueue.map(Double.init), "da_pointer": [Double(daPointer)]]
  }

  public func importState(_ state: [String: [Double]]) throws {
    guard let q = state["da_queue"], let ptr = state["da_pointer"]?.first, q.count == daQueue.count,
          ptr >= 0, ptr < Double(daLength), ptr == ptr.rounded() else {
      throw RuntimeError.invalidArgument(op: name, message: "checkpoint lacks iomatch state (or was made with other classes or da_len)")
    }
    daQueue = q.map { Float($0) }
    daPointer = Int(ptr)
  }
}
