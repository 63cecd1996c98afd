/// RSMatch (Wang, Mao, Xiang, Yamasaki, arXiv 2405.16930): SSL whose unlabeled set mixes real
/// and synthetic images. rslab's reading of the paper (see docs/rsmatch.md; every open choice
/// is an option here, defaults marked):
///
/// - **Identification.** A detector head d on the backbone features gives p_syn = σ(d(f)).
///   It is trained without labeled synthetic images, positive-unlabeled style: known-real =
///   the labeled batch; candidate-synthetic = a class-wise queue (CSQueue) holding, per
///   pseudo-class, the features of the unlabeled samples with the highest p_syn in recent
///   batches (`queuePerStep` per class per step, at most `queueSize` per class). During the
///   warm-up the queue is filled with random unlabeled samples per pseudo-class (`"pu"`,
///   default) or the least confident ones (`"low_confidence"`). Class-balanced BCE, weight
///   `lambdaDet` (1). Features reach d through a stop-gradient by default (`detectorGrad`).
/// - **Routing.** After `warmupSteps` (default 10% of the run) a sample with
///   p_syn(weak) ≥ `detectThreshold` (0.5) is judged synthetic.
/// - **Utilization.** Real-routed samples: FixMatch on the main head h (τ = 0.95).
///   Synthetic-routed samples: the same consistency loss through the dummy head h' (pseudo-label
///   from h's weak prediction, `dummyTargets: "main"`, or from h' itself, `"dummy"`), weight
///   `lambdaSyn` (0.25, chosen on a validation split: docs/results.md): they train the backbone
///   and h', never h. With `useDummy: false` they are dropped (ablation). At test time only h
///   is used.
/// - **Ablations.** `classwiseQueue: false` (one global queue), `useDummy: false`,
///   `routing: "oracle"` (routes by true provenance: an upper bound, clearly labelled; the only
///   mode in which the trainer hands provenance to the algorithm), `routing: "none"` (= FixMatch).
public final class RSMatch: SyntheticDetector {
  public let name = "rsmatch"
  public let views = UnlabeledViews.weakAndStrong
  public var tau: Float = 0.95
  public var lambdaU: Float = 1
  /// Weight of the synthetic-routed consistency loss. 0.25, not 1: on a validation split
  /// (docs/results.md) a weight of 1 let the main head's wrong pseudo-labels on synthetic
  /// images train the backbone; 0.25 scored highest and ties dropping them, keeping the dummy head.
  public var lambdaSyn: Float = 0.25
  public var lambdaDet: Float = 1
  public var detectThreshold: Float = 0.5
  /// Steps during which everything is routed as real; nil = 10% of the run.
  public var warmupSteps: Int? = nil
  public var queueSize = 64
  public var queuePerStep = 4
  public var classwiseQueue = true
  /// "pu" (random per pseudo-class) or "low_confidence".
  public var queueBootstrap = "pu"
  public var useDummy = true
  /// "main" or "dummy": which head's weak prediction labels the synthetic-routed samples.
  public var dummyTargets = "main"
  /// "detector" (default), "oracle" (true provenance; upper bound) or "none" (all real: FixMatch).
  public var routing = "detector"
  /// Whether the detector loss trains the backbone too.
  public var detectorGrad = false
  /// Hidden width of the detector MLP; 0 makes it a linear probe.
  public var detectorHidden = 64

  var queue: ClasswiseQueue? = nil
  var rng = RNG(seed: 0)

  public init() {}

  public var options: [(String, String)] {
    [("tau", "\(tau)"), ("lambda_u", "\(lambdaU)"), ("lambda_syn", "\(lambdaSyn)"), ("lambda_det", "\(lambdaDet)"),
     ("detect_threshold", "\(detectThreshold)"), ("warmup_steps", warmupSteps.map(String.init) ?? "10%"),
     ("queue_size", "\(queueSize)"), ("queue_per_step", "\(queuePerStep)"), ("classwise_queue", "\(classwiseQueue)"),
     ("queue_bootstrap", queueBootstrap), ("dummy", "\(useDummy)"), ("dummy_targets", dummyTargets),
     ("routing", routing), ("detector_grad", "\(detectorGrad)"), ("detector_hidden", "\(detectorHidden)")]
  }

  public var usesOracleProvenance: Bool { routing == "oracle" }

  /// Checks option values, naming the bad one.
  public func validate() throws {
    func bad(_ m: String) -> RuntimeError { .invalidArgument(op: "rsmatch", message: m) }
    guard ["pu", "low_confidence"].contains(queueBootstrap) else { throw bad("queue_bootstrap must be \"pu\" or \"low_confidence\", got \"\(queueBootstrap)\"") }
    guard ["main", "dummy"].contains(dummyTargets) else { throw bad("dummy_targets must be \"main\" or \"dummy\", got \"\(dummyTargets)\"") }
    guard ["detector", "oracle", "none"].contains(routing) else { throw bad("routing must be \"detector\", \"oracle\" or \"none\", got \"\(routing)\"") }
    guard queueSize >= 1, queuePerStep >= 1 else { throw bad("queue_size and queue_per_step must be at least 1") }
    guard detectThreshold > 0, detectThreshold < 1 else { throw bad("detect_threshold must be in (0, 1), got \(detectThreshold)") }
    guard detectorHidden >= 0 else { throw bad("detector_hidden must be >= 0") }
  }

  public func prepare(unlabeledCount: Int, classes: Int, model: Model, rng: inout RNG) throws {
    try validate()
    self.rng = RNG(seed: rng.next())
    var init_ = RNG(seed: rng.next())
    let f = model.featureDim
    if !model.hasHead("detector") {
      let det: any Layer = detectorHidden > 0
        ? Sequential([Linear(f, detectorHidden, rng: &init_), ReLU(), Linear(detectorHidden, 1, rng: &init_)])
        : Linear(f, 1, rng: &init_)
      try model.addHead(name: "detector", layer: det)
    }
    if !model.hasHead("dummy") { try model.addHead(name: "dummy", layer: Linear(f, classes, rng: &init_)) }
    queue = ClasswiseQueue(classes: classes, capacity: queueSize, featureDim: f, classwise: classwiseQueue)
  }

  public func syntheticScores(features: Tensor, model: Model) throws -> [Float] {
    try model.head("detector", features).sigmoid().values
  }

  /// Class-balanced binary cross-entropy of detector logits z [N, 1] against 0/1 targets,
  /// with per-row weights summing to 1 within each side: log(1 + e^z) − y·z, computed as a
  /// two-class cross-entropy of [0, z] for stability.
  func bce(_ z: Tensor, target: Int, weights: [Float]) throws -> Tensor {
    let n = z.shape[0]
    let two = try Tensor.concat([Tensor(zeros: [n, 1]), z], axis: 1)
    let ce = try two.crossEntropy(labels: [Int](repeating: target, count: n), reduction: .none)
    return try ce.mul(Tensor(shape: [n], values: weights)).sum()
  }

  public func unsupervisedLoss(_ batch: SSLBatch) throws -> UnsupervisedResult {
    guard let strong = batch.strongLogits, let strongF = batch.strongFeatures else {
      throw RuntimeError.invalidArgument(op: name, message: "needs the strong view")
    }
    guard var queue else { throw RuntimeError.invalidArgument(op: name, message: "prepare() was not called") }
    let model = batch.model
    let u = batch.weakLogits.shape[0]
    let warmup = warmupSteps ?? max(1, batch.totalSteps / 10)
    let inWarmup = batch.step < warmup

    // Main-head pseudo-labels from the weak view.
    let (conf, pl) = rowMaxArgmax(try probabilities(batch.weakLogits))
    let mainMask: [Float] = conf.map { $0 >= tau ? 1 : 0 }

    // Detector scores of the weak view (no gradient: they route and rank).
    let pSyn = try GradMode.noGrad { try syntheticScores(features: batch.weakFeatures.detached(), model: model) }

    // Routing.
    var routedSyn = [Bool](repeating: false, count: u)
    switch routing {
    case "oracle": routedSyn = batch.oracleSynthetic ?? routedSyn
    case "detector": if !inWarmup { routedSyn = pSyn.map { $0 >= detectThreshold } }
    default: break
    }

    // Queue update: per pseudo-class, the most synthetic-looking samples of this batch (of
    // the whole global batch in a data-parallel run, so every rank keeps the same queue).
    let weakF = try batch.wholeBatch(batch.weakFeatures.detached())
    let fdim = weakF.shape[1]
    let fb = weakF.buffer
    func row(_ b: Int) -> [Float] { Array(UnsafeBufferPointer(start: fb.baseAddress! + b * fdim, count: fdim)) }
    let (qConf, qPl, qSyn) = batch.shard == nil ? (conf, pl, pSyn) : try {
      let (c, l) = rowMaxArgmax(try probabilities(try batch.wholeBatch(batch.weakLogits)))
      let s = try batch.wholeBatch(Tensor(shape: [u, 1], values: pSyn)).values
      return (c, l, s)
    }()
    let groups: [[Int]] = classwiseQueue
      ? (0..<batch.classes).map { c in (0..<qPl.count).filter { qPl[$0] == c } }
      : [Array(0..<qPl.count)]
    let perGroup = classwiseQueue ? queuePerStep : queuePerStep * batch.classes
    for (g, members) in groups.enumerated() where !members.isEmpty {
      var chosen: [Int]
      if inWarmup && routing == "detector" {
        if queueBootstrap == "pu" {
          var m = members
          rng.shuffle(&m)
          chosen = Array(m.prefix(perGroup))
        } else {
          chosen = Array(members.sorted { qConf[$0] < qConf[$1] }.prefix(perGroup))
        }
      } else {
        chosen = Array(members.sorted { qSyn[$0] > qSyn[$1] }.prefix(perGroup))
      }
      for b in chosen { queue.push(row(b), forClass: classwiseQueue ? g : qPl[b]) }
    }
    self.queue = queue

    // Detector loss: labeled = real (0), queue = synthetic (1), class-balanced.
    var detLoss = Tensor(scalar: 0)
    if routing == "detector", let (qf, qw) = queue.batch() {
      let realF = detectorGrad ? batch.labeledFeatures : batch.labeledFeatures.detached()
      let nReal = realF.shape[0]
      let lossReal = try bce(try model.head("detector", realF), target: 0,
                             weights: [Float](repeating: 1 / Float(nReal), count: nReal))
      let lossSyn = try bce(try model.head("detector", qf), target: 1, weights: qw)
      detLoss = try lossReal.add(lossSyn).mul(0.5 * lambdaDet)
    }

    // Consistency losses: real-routed through h, synthetic-routed through h'.
    var realW = [Float](repeating: 0, count: u), synW = [Float](repeating: 0, count: u)
    var synTargets = pl
    var synMask = mainMask
    if useDummy, dummyTargets == "dummy", routedSyn.contains(true) {
      let dummyWeak = try GradMode.noGrad { try model.head("dummy", batch.weakFeatures.detached()) }
      let (dc, dl) = rowMaxArgmax(try probabilities(dummyWeak))
      synTargets = dl
      synMask = dc.map { $0 >= tau ? 1 : 0 }
    }
    for b in 0..<u {
      if routedSyn[b] { synW[b] = useDummy ? synMask[b] : 0 } else { realW[b] = mainMask[b] }
    }
    var loss = try weightedCrossEntropy(strong, targets: pl, weights: realW).mul(lambdaU)
    if useDummy, synW.contains(where: { $0 > 0 }) {
      let dummyStrong = try model.head("dummy", strongF)
      let synLoss = try weightedCrossEntropy(dummyStrong, targets: synTargets, weights: synW)
      loss = try loss.add(synLoss.mul(lambdaU * lambdaSyn))
    }
    loss = try loss.add(detLoss)
    let usedMask = (0..<u).map { routedSyn[$0] ? synW[$0] : realW[$0] }
    let labels = (0..<u).map { routedSyn[$0] ? synTargets[$0] : pl[$0] }
    return UnsupervisedResult(
      loss: loss, mask: usedMask, pseudoLabels: labels,
      terms: [("det_loss", Double(try detLoss.item())),
              ("routed_syn", Double(routedSyn.filter { $0 }.count) / Double(max(u, 1))),
              ("queue_fill", Double(queue.count) / Double(queue.maxCount))],
      routedSynthetic: routedSyn, syntheticScore: pSyn)
  }

  public func exportState() -> [String: [Double]] {
    let s = rng.state
    // 32-bit halves: exact in a Double and safe through JSON.
    let words = [s.0, s.1, s.2, s.3].flatMap { [Double($0 >> 32), Double($0 & 0xFFFF_FFFF)] }
    return ["queue": queue?.export() ?? [], "rng": words]
  }

  public func importState(_ state: [String: [Double]]) throws {
    guard let q = state["queue"], let r = state["rng"], r.count == 8,
          r.allSatisfy({ $0 >= 0 && $0 < 4_294_967_296 && $0 == $0.rounded() }) else {
      throw RuntimeError.invalidArgument(op: name, message: "checkpoint lacks rsmatch state")
    }
    try queue?.restore(q)
    let w = (0..<4).map { UInt64(r[2 * $0]) << 32 | UInt64(r[2 * $0 + 1]) }
    rng.state = (w[0], w[1], w[2], w[3])
  }
}
