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
///   mode in which the trainer hands provenance to the algorithm; with `useDummy: false` it is
///   oracle dropping), `routing: "none"` (= FixMatch).
/// - **Design variants** (defaults keep the behaviour above): `queueItems: .images` queues
///   sample positions and re-forwards a class-balanced draw of them through the backbone each
///   step, so the detector sees current features and its loss trains the backbone from both
///   sides; `detectorNegatives: .confident` adds, per pseudo-class, the unlabeled samples of
///   the batch the detector is most sure are real to the 400-odd labeled images as its real
///   side; `dummyInit: .main` copies the main head into the dummy head when warm-up ends.
public final class RSMatch: SyntheticDetector {
  public let name = "rsmatch"
  public let views = UnlabeledViews.weakAndStrong
  @AlgorithmOption("tau", .unit, doc: "confidence threshold τ of the main head's weak-view prediction")
  public var tau: Float = 0.95
  @AlgorithmOption("lambda_u", .nonNegative, doc: "weight λ_u of the real-routed consistency loss")
  public var lambdaU: Float = 1
  /// 0.25, not 1: on a validation split (docs/results.md) a weight of 1 let the main head's
  /// wrong pseudo-labels on synthetic images train the backbone; 0.25 scored highest and ties
  /// dropping them, keeping the dummy head.
  @AlgorithmOption("lambda_syn", .nonNegative, doc: "weight of the synthetic-routed (dummy-head) loss, relative to lambda_u")
  public var lambdaSyn: Float = 0.25
  @AlgorithmOption("lambda_det", .nonNegative, doc: "weight of the detector's class-balanced BCE")
  public var lambdaDet: Float = 1
  @AlgorithmOption("detect_threshold", .openUnit, doc: "p_syn at or above which a sample is routed as synthetic")
  public var detectThreshold: Float = 0.5
  @AlgorithmOption("warmup_steps", .atLeast(0), none: "10%", doc: "steps during which everything is routed as real (nil: 10% of the run)")
  public var warmupSteps: Int? = nil
  @AlgorithmOption("queue_size", .atLeast(1), doc: "capacity of the synthetic-candidate queue, per class")
  public var queueSize = 64
  @AlgorithmOption("queue_per_step", .atLeast(1), doc: "samples pushed per class and step")
  public var queuePerStep = 4
  @AlgorithmOption("classwise_queue", doc: "one queue per pseudo-class (false: one global queue)")
  public var classwiseQueue = true
  @AlgorithmOption("queue_bootstrap", doc: "how the warm-up fills the queue")
  public var queueBootstrap = QueueBootstrap.pu
  @AlgorithmOption("dummy", doc: "train synthetic-routed samples through the dummy head (false: drop them)")
  public var useDummy = true
  @AlgorithmOption("dummy_targets", doc: "which head's weak prediction labels the synthetic-routed samples")
  public var dummyTargets = DummyTargets.main
  @AlgorithmOption("routing", doc: "what decides that a sample is synthetic")
  public var routing = Routing.detector
  @AlgorithmOption("detector_grad", doc: "whether the detector loss trains the backbone too")
  public var detectorGrad = false
  @AlgorithmOption("detector_hidden", .atLeast(0), doc: "hidden width of the detector MLP; 0 makes it a linear probe")
  public var detectorHidden = 64
  @AlgorithmOption("queue_items", doc: "what the queue holds: detached features, or images re-forwarded with gradient")
  public var queueItems = QueueItems.features
  @AlgorithmOption("detector_negatives", doc: "the detector's real side: the labeled batch, or also the unlabeled samples it is surest are real")
  public var detectorNegatives = DetectorNegatives.labeled
  @AlgorithmOption("dummy_init", doc: "the dummy head's start: random, or a copy of the main head when warm-up ends")
  public var dummyInit = DummyInit.random

  /// How the warm-up fills the synthetic-candidate queue.
  public enum QueueBootstrap: String, OptionEnum, Sendable {
    /// Random samples per pseudo-class (positive-unlabeled style, the default).
    case pu
    /// The least confident samples.
    case lowConfidence = "low_confidence"
  }

  /// Which head's weak prediction labels the synthetic-routed samples.
  public enum DummyTargets: String, OptionEnum, Sendable {
    case main, dummy
  }

  /// What decides that a sample is synthetic.
  public enum Routing: String, OptionEnum, Sendable {
    /// The detector head's score (the method).
    case detector
    /// True provenance: an upper bound, clearly labelled.
    case oracle
    /// Everything real: FixMatch.
    case none
  }

  /// What the queue holds.
  public enum QueueItems: String, OptionEnum, Sendable {
    /// Detached weak-view features at push time (the default).
    case features
    /// Sample positions; each step `queuePerStep` per class are drawn, re-forwarded through the
    /// backbone in the trainer's batch, and the detector loss reaches the backbone from the
    /// queue side and the labeled side.
    case images
  }

  /// The detector's real side.
  public enum DetectorNegatives: String, OptionEnum, Sendable {
    /// The labeled batch (the default).
    case labeled
    /// Also, after warm-up, per pseudo-class the `queuePerStep` unlabeled samples of the batch
    /// with the lowest p_syn below `detectThreshold`: reliable negatives, so the detector does
    /// not learn "one of the labeled images" instead of "real".
    case confident
  }

  /// The dummy head's start.
  public enum DummyInit: String, OptionEnum, Sendable {
    /// Random initialisation (the default).
    case random
    /// A copy of the main head's weights taken at the first step after warm-up.
    case main
  }

  var queue: ClasswiseQueue? = nil
  var rng = RNG(seed: 0)
  /// The queue draw `extraUnlabeled` asked the trainer to forward this step, and its weights.
  var pendingQueueWeights: [Float] = []

  public init() {}

  public var usesOracleProvenance: Bool { routing == .oracle }

  public func prepare(unlabeledCount: Int, classes: Int, model: Model, rng: inout RNG) throws {
    try validate()
    self.rng = RNG(seed: rng.next())
    var init_ = RNG(seed: rng.next())
    let f = model.featureDim
    if !model.hasHead(.detector) {
      let det: any Layer = detectorHidden > 0
        ? Sequential([Linear(f, detectorHidden, rng: &init_), ReLU(), Linear(detectorHidden, 1, rng: &init_)])
        : Linear(f, 1, rng: &init_)
      try model.addHead(name: .detector, layer: det)
    }
    if !model.hasHead(.dummy) { try model.addHead(name: .dummy, layer: Linear(f, classes, rng: &init_)) }
    // With queue_items "images" a queue entry is one number: the sample's position.
    queue = ClasswiseQueue(classes: classes, capacity: queueSize, featureDim: queueItems == .images ? 1 : f,
                           classwise: classwiseQueue)
    pendingQueueWeights = []
  }

  /// With `queueItems == .images`, a class-balanced draw of queued positions for the trainer
  /// to forward (with gradient) in this step's batch.
  public func extraUnlabeled(step: Int) -> [Int] {
    pendingQueueWeights = []
    guard queueItems == .images, routing == .detector, let queue else { return [] }
    let (rows, weights) = queue.sample(perSlot: queuePerStep, rng: &rng)
    pendingQueueWeights = weights
    return rows.map { Int($0[0]) }
  }

  /// Copies the main head's parameters into the dummy head (same shapes: both map features
  /// to class logits).
  func copyMainIntoDummy(_ model: Model) throws {
    let main = model.namedParameters.filter { $0.name.hasPrefix("heads.main.") }
    let dummy = model.namedParameters.filter { $0.name.hasPrefix("heads.dummy.") }
    guard main.count == dummy.count, zip(main, dummy).allSatisfy({ $0.tensor.shape == $1.tensor.shape }) else {
      throw RuntimeError.invalidArgument(op: name, message: "dummy_init \"main\" needs a main head shaped like the dummy head (one linear layer)")
    }
    for (m, d) in zip(main, dummy) { d.tensor.storage.base.update(from: m.tensor.storage.base, count: m.tensor.count) }
  }

  public func syntheticScores(features: Tensor, model: Model) throws -> [Float] {
    try model.head(.detector, features).sigmoid().values
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

  /// One step: warm-up check, routing, queue and detector update, then the real-routed
  /// (main head) and synthetic-routed (dummy head) consistency losses.
  public func unsupervisedLoss(_ batch: SSLBatch) throws -> UnsupervisedResult {
    guard let strong = batch.strongLogits, let strongF = batch.strongFeatures else {
      throw RuntimeError.invalidArgument(op: name, message: "needs the strong view")
    }
    let u = batch.weakLogits.shape[0]
    let warmup = warmupSteps ?? max(1, batch.totalSteps / 10)
    let inWarmup = batch.step < warmup
    if dummyInit == .main, useDummy, batch.step == warmup { try copyMainIntoDummy(batch.model) }

    // Main-head pseudo-labels from the weak view.
    let (conf, pl) = rowMaxArgmax(try probabilities(batch.weakLogits))
    let mainMask: [Float] = conf.map { $0 >= tau ? 1 : 0 }
    // Detector scores of the weak view (no gradient: they route and rank).
    let pSyn = try GradMode.noGrad { try syntheticScores(features: batch.weakFeatures.detached(), model: batch.model) }

    let routedSyn = route(batch, scores: pSyn, inWarmup: inWarmup)
    let detLoss = try updateDetector(batch, scores: pSyn, confidence: conf, pseudoLabels: pl, inWarmup: inWarmup)
    let (loss, usedMask, labels) = try consistencyLosses(
      batch, strong: strong, strongFeatures: strongF, routedSyn: routedSyn, mainMask: mainMask, pseudoLabels: pl)
    let fill = queue.map { Double($0.count) / Double($0.maxCount) } ?? 0
    return UnsupervisedResult(
      loss: try loss.add(detLoss), mask: usedMask, pseudoLabels: labels,
      terms: [("det_loss", Double(try detLoss.item())),
              ("routed_syn", Double(routedSyn.filter { $0 }.count) / Double(max(u, 1))),
              ("queue_fill", fill)],
      routedSynthetic: routedSyn, syntheticScore: pSyn)
  }

  /// Routing: which unlabeled samples are judged synthetic (none during the warm-up).
  func route(_ batch: SSLBatch, scores pSyn: [Float], inWarmup: Bool) -> [Bool] {
    let none = [Bool](repeating: false, count: pSyn.count)
    switch routing {
    case .oracle: return batch.oracleSynthetic ?? none
    case .detector: return inWarmup ? none : pSyn.map { $0 >= detectThreshold }
    case .none: return none
    }
  }

  /// Detector update: pushes, per pseudo-class, this batch's most synthetic-looking samples
  /// (during the warm-up: random ones or the least confident) into the queue, then returns the
  /// class-balanced BCE of labeled = real (0) against queue = synthetic (1), weight `lambdaDet`.
  func updateDetector(_ batch: SSLBatch, scores pSyn: [Float], confidence conf: [Float], pseudoLabels pl: [Int],
                      inWarmup: Bool) throws -> Tensor {
    guard var queue else { throw RuntimeError.invalidArgument(op: name, message: "prepare() was not called") }
    let u = pl.count
    let weakF = batch.weakFeatures.detached()
    // The queue takes from the whole global batch in a data-parallel run, so every rank keeps
    // the same queue (in one process the whole batch is this batch).
    let queueF = try batch.wholeBatch(weakF)
    let fdim = queueF.shape[1]
    let fb = queueF.buffer
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
      if inWarmup && routing == .detector {
        switch queueBootstrap {
        case .pu:
          var m = members
          rng.shuffle(&m)
          chosen = Array(m.prefix(perGroup))
        case .lowConfidence:
          chosen = Array(members.sorted { qConf[$0] < qConf[$1] }.prefix(perGroup))
        }
      } else {
        chosen = Array(members.sorted { qSyn[$0] > qSyn[$1] }.prefix(perGroup))
      }
      for b in chosen {
        let item = queueItems == .images ? [Float(batch.wholeUnlabeledIndices[b])] : row(b)
        queue.push(item, forClass: classwiseQueue ? g : qPl[b])
      }
    }
    self.queue = queue

    // The synthetic side: the queue's features, or the positions drawn in extraUnlabeled and
    // forwarded by the trainer with gradient.
    let synSide: (features: Tensor, weights: [Float])?
    if queueItems == .images {
      if let ef = batch.extraFeatures, ef.shape[0] == pendingQueueWeights.count, !pendingQueueWeights.isEmpty {
        synSide = (ef, pendingQueueWeights)
      } else {
        synSide = nil
      }
    } else {
      synSide = queue.batch()
    }
    guard routing == .detector, let (qf, qw) = synSide else { return Tensor(scalar: 0) }
    let model = batch.model
    var realF = detectorGrad || queueItems == .images ? batch.labeledFeatures : batch.labeledFeatures.detached()
    if detectorNegatives == .confident && !inWarmup {
      // Reliable negatives: per pseudo-class the batch's lowest p_syn, when judged real.
      var picked: [Int] = []
      for c in 0..<batch.classes {
        let members = (0..<u).filter { pl[$0] == c && pSyn[$0] < detectThreshold }
        picked += members.sorted { pSyn[$0] < pSyn[$1] }.prefix(queuePerStep)
      }
      if !picked.isEmpty {
        realF = try Tensor.concat([realF, try weakF.index([.list(picked)])], axis: 0)
      }
    }
    let nReal = realF.shape[0]
    let lossReal = try bce(try model.head(.detector, realF), target: 0,
                           weights: [Float](repeating: 1 / Float(nReal), count: nReal))
    let lossSyn = try bce(try model.head(.detector, qf), target: 1, weights: qw)
    return try lossReal.add(lossSyn).mul(0.5 * lambdaDet)
  }

  /// Consistency losses: real-routed samples through the main head h (FixMatch, `lambdaU`),
  /// synthetic-routed ones through the dummy head h' (`lambdaU · lambdaSyn`), labelled by h's
  /// or h''s weak prediction (`dummyTargets`), or dropped without a dummy head. Returns the
  /// loss and, per sample, the weight and pseudo-label it was trained with.
  func consistencyLosses(_ batch: SSLBatch, strong: Tensor, strongFeatures strongF: Tensor, routedSyn: [Bool],
                         mainMask: [Float], pseudoLabels pl: [Int]) throws -> (Tensor, [Float], [Int]) {
    let u = pl.count
    let model = batch.model
    var realW = [Float](repeating: 0, count: u), synW = [Float](repeating: 0, count: u)
    var synTargets = pl
    var synMask = mainMask
    if useDummy, dummyTargets == .dummy, routedSyn.contains(true) {
      let dummyWeak = try GradMode.noGrad { try model.head(.dummy, batch.weakFeatures.detached()) }
      let (dc, dl) = rowMaxArgmax(try probabilities(dummyWeak))
      synTargets = dl
      synMask = dc.map { $0 >= tau ? 1 : 0 }
    }
    for b in 0..<u {
      if routedSyn[b] { synW[b] = useDummy ? synMask[b] : 0 } else { realW[b] = mainMask[b] }
    }
    var loss = try weightedCrossEntropy(strong, targets: pl, weights: realW).mul(lambdaU)
    if useDummy, synW.contains(where: { $0 > 0 }) {
      let dummyStrong = try model.head(.dummy, strongF)
      let synLoss = try weightedCrossEntropy(dummyStrong, targets: synTargets, weights: synW)
      loss = try loss.add(synLoss.mul(lambdaU * lambdaSyn))
    }
    let usedMask = (0..<u).map { routedSyn[$0] ? synW[$0] : realW[$0] }
    let labels = (0..<u).map { routedSyn[$0] ? synTargets[$0] : pl[$0] }
    return (loss, usedMask, labels)
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
