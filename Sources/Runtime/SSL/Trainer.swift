#if canImport(Glibc)
import Glibc
#endif

/// The one training loop every SSL method shares (USB's AlgorithmBase): it samples labeled
/// and unlabeled batches (weak + strong views), runs one concatenated forward, adds the
/// supervised cross-entropy to the algorithm's unsupervised loss, steps SGD on the cosine
/// schedule, updates the EMA model, evaluates periodically and records the history.
///
/// Provenance of unlabeled samples is read here, by index, for reporting only (pseudo-label
/// accuracy and mask rate split real vs synthetic; detector metrics). Algorithms receive an
/// `SSLBatch`, which has none.
///
///     var cfg = TrainConfig(steps: 500)
///     let t = try Trainer(model: m, algorithm: FixMatch(), labeled: l, unlabeled: u, eval: test, config: cfg)
///     let run = try t.run()
public final class Trainer {
  public let model: Model
  public let algorithm: any SSLAlgorithm
  public let labeled: Dataset
  public let unlabeled: Dataset?
  public let evalSet: Dataset?
  public let config: TrainConfig
  let optimizer: SGD
  let ema: EMA?
  let schedule: CosineSchedule
  let labeledSampler: LabeledSampler
  let unlabeledSampler: UnlabeledSampler?
  /// Steps completed so far.
  public internal(set) var step = 0
  let run: Run
  var window = Window()
  var startTime = 0.0
  /// Data-parallel hook: how each batch is split over ranks or shards (Trainer+DataParallel).
  var dataParallel: DataParallel? = nil

  /// Prepares a run; the algorithm adds its heads to `model` here (before the optimizer).
  public init(model: Model, algorithm: any SSLAlgorithm, labeled: Dataset, unlabeled: Dataset?,
              eval: Dataset?, config: TrainConfig) throws {
    try config.validate()
    let classes = labeled.classNames.count
    if algorithm.views != .none {
      guard let u = unlabeled else {
        throw RuntimeError.invalidArgument(op: "train", message: "\(algorithm.name) needs an unlabeled dataset (unlabeled: ...)")
      }
      guard u.channels == labeled.channels, u.height == labeled.height, u.width == labeled.width else {
        throw RuntimeError.shapeMismatch(op: "train", shapes: [[u.channels, u.height, u.width], [labeled.channels, labeled.height, labeled.width]],
                                         detail: "differ: unlabeled and labeled images must have one shape")
      }
    }
    if let e = eval, e.classNames.count != classes {
      throw RuntimeError.invalidArgument(op: "train", message: "eval set \(e.name) has \(e.classNames.count) classes, the labeled set \(classes)")
    }
    self.model = model
    self.algorithm = algorithm
    self.labeled = labeled
    self.unlabeled = algorithm.views == .none ? nil : unlabeled
    self.evalSet = eval
    self.config = config

    var rng = RNG(seed: config.seed ^ 0x5353_4C00)  // "SSL"
    try algorithm.prepare(unlabeledCount: self.unlabeled?.count ?? 0, classes: classes, model: model, rng: &rng)
    // One normalisation for training and evaluation: statistics of all training images.
    let norm = (self.unlabeled ?? labeled).channelStats()
    model.inputNormalization = norm
    model.train()
    let params = model.parameters
    for p in params { p.requiresGrad = true }
    optimizer = try SGD(parameters: params, lr: config.lr, momentum: config.momentum, nesterov: config.nesterov,
                        weightDecay: config.weightDecay, noDecay: model.noDecayParameters)
    ema = config.ema > 0 ? try EMA(of: model, momentum: config.ema, warmup: config.emaWarmup) : nil
    schedule = try CosineSchedule(base: config.lr, totalSteps: config.steps)
    labeledSampler = try LabeledSampler(dataset: labeled, batchSize: config.batchSize, seed: config.seed,
                                        augmentation: config.weak, normalization: norm)
    if let u = self.unlabeled {
      unlabeledSampler = try UnlabeledSampler(dataset: u, batchSize: config.batchSize * config.mu, seed: config.seed,
                                              weak: config.weak, strong: config.strong, normalization: norm)
    } else {
      unlabeledSampler = nil
    }
    // The next step's batches are sampled and augmented on a background thread while the
    // current step computes; the batches are the same as without (see `LabeledSampler`).
    labeledSampler.prefetches = true
    unlabeledSampler?.prefetches = true
    let label = algorithm.label
    run = Run(label: label, algorithm: algorithm, model: ema?.model ?? model, liveModel: model, config: config, history: History())
    dataParallel = try DataParallel.make(config: config, model: model)  // data-parallel hook
  }

  /// Trains until `config.steps` or until `cancellation` is requested (then the partial run
  /// is returned, weights kept). Every `config.checkpointEvery` steps a checkpoint is written
  /// to `config.checkpointFile(step:)`; a failed save stops training with that error. A NaN or
  /// infinite loss stops training with an error naming the step and the term; the model keeps
  /// its last finite weights.
  public func run(cancellation: CancellationToken? = nil, progress: ((TrainProgress) -> Void)? = nil) throws -> Run {
    startTime = MonotonicClock.now()
    let startStep = step
    var lastLoss = Double.nan, lastMask = Double.nan
    func report(stopped: Bool = false) {
      guard let progress else { return }
      let elapsed = MonotonicClock.now() - startTime
      let rate = Double(step - startStep) / max(elapsed, 1e-9)
      progress(TrainProgress(step: step, total: config.steps, loss: lastLoss, maskRate: lastMask,
                             testAccuracy: run.history.last("test_acc"), stepsPerSecond: rate,
                             secondsRemaining: Double(config.steps - step) / max(rate, 1e-9), stopped: stopped))
    }
    while step < config.steps {
      if cancellation?.take() == true {
        run.interrupted = true
        break
      }
      try trainStep()
      // Read before logRow starts a new window, so evaluation steps report their loss too.
      lastLoss = window.lastLoss
      lastMask = window.lastMask
      if step % config.evalEvery == 0 || step == config.steps { try logRow(cancellation: cancellation) }
      if let every = config.checkpointEvery, step % every == 0, let file = config.checkpointFile(step: step) {
        try saveCheckpoint(path: file)
      }
      report()
    }
    if run.interrupted {
      report(stopped: true)
      if window.count > 0 { try logRow(cancellation: nil) }
    }
    run.seconds += MonotonicClock.now() - startTime
    run.steps = step
    return run
  }

  /// One optimisation step.
  public func trainStep() throws {
    if let dp = dataParallel { return try dataParallelStep(dp) }  // data-parallel hook
    let lb = try labeledSampler.next()
    var ub: UnlabeledBatch? = nil
    var extra: Tensor? = nil
    if let us = unlabeledSampler, let u = unlabeled {
      ub = try us.next()
      // Extra weak views the algorithm asked for join the one forward (shared batch-norm
      // statistics); their own augmentation stream keeps the main views unchanged.
      let ask = algorithm.extraUnlabeled(step: step).filter { $0 >= 0 && $0 < u.count }
      if !ask.isEmpty {
        extra = try u.batch(ask, normalization: us.normalization, augmentation: us.weak,
                            seed: config.seed, step: step, stream: 4)
      }
    }
    let (loss, lossValue, supValue, unsup) = try forwardLoss(lb, ub, extra: extra)
    optimizer.zeroGrad()
    try loss.backward()
    // A finite loss can still have a non-finite gradient (sqrt or log at 0 in a custom loss);
    // stepping on it would poison every weight, so stop before the optimizer runs.
    let grads = model.namedParameters.compactMap { p in p.tensor.grad.map { (name: p.name, tensor: $0) } }
    if let bad = FiniteCheck.firstNonFinite(grads) {
      optimizer.zeroGrad()
      throw RuntimeError.numerical(message: "train: the gradient of \(bad) became NaN or infinite at step \(step + 1) (loss \(lossValue), \(unsup == nil ? "supervised loss" : "supervised + unsupervised loss of \(algorithm.name)")); the model keeps its weights from step \(step)")
    }
    optimizer.lr = schedule.lr(step: step)
    try optimizer.step()
    try ema?.update(from: model)
    step += 1
    window.add(loss: lossValue, sup: supValue, lr: Double(optimizer.lr),
               unsup: unsup, indices: ub?.indices ?? [], dataset: unlabeled)
  }

  /// The forward pass and losses of one labeled + unlabeled batch (a whole step's, or one
  /// data-parallel shard's): the loss (with gradient), its value, the supervised loss's value
  /// and the algorithm's result. `extra` are further weak views the algorithm asked for
  /// (`extraUnlabeled`); they join the one forward. Under a communicator the algorithm also sees
  /// where the unlabeled rows sit in the global batch (`SSLBatch.shard`).
  func forwardLoss(_ lb: LabeledBatch, _ ub: UnlabeledBatch?, extra: Tensor? = nil) throws
    -> (loss: Tensor, value: Double, sup: Double, unsup: UnsupervisedResult?) {
    let b = lb.labels.count
    var inputs = [lb.images]
    if let ub {
      inputs.append(ub.weak)
      if algorithm.views == .weakAndStrong { inputs.append(ub.strong) }
      if let extra { inputs.append(extra) }
    }
    let x = inputs.count == 1 ? inputs[0] : try Tensor.concat(inputs, axis: 0)
    let feats = try model.features(x)
    let logits = try model.head(.main, feats)
    let u = ub?.indices.count ?? 0
    func rows(_ t: Tensor, _ lo: Int, _ hi: Int) throws -> Tensor {
      try t.index([.slice(start: lo, end: hi, step: nil)])
    }
    let labeledLogits = u == 0 ? logits : try rows(logits, 0, b)
    let supLoss = try labeledLogits.crossEntropy(labels: lb.labels)
    var loss = supLoss
    var unsup: UnsupervisedResult? = nil
    if let ub {
      let strongOn = algorithm.views == .weakAndStrong
      var weakLogits = try rows(logits, b, b + u)
      var weakFeats = try rows(feats, b, b + u)
      if strongOn { weakLogits = weakLogits.detached(); weakFeats = weakFeats.detached() }
      let e = extra?.shape[0] ?? 0, extraStart = b + (strongOn ? 2 : 1) * u
      var batch = SSLBatch(
        step: step, totalSteps: config.steps, classes: labeled.classNames.count,
        labeledLogits: labeledLogits, labels: lb.labels, weakLogits: weakLogits,
        strongLogits: strongOn ? try rows(logits, b + u, b + 2 * u) : nil,
        labeledFeatures: try rows(feats, 0, b), weakFeatures: weakFeats,
        strongFeatures: strongOn ? try rows(feats, b + u, b + 2 * u) : nil,
        unlabeledIndices: ub.indices, unlabeledCount: unlabeled?.count ?? 0, model: model,
        oracleSynthetic: algorithm.usesOracleProvenance ? ub.indices.map { unlabeled?.synthetic[$0] ?? false } : nil,
        extraFeatures: e > 0 ? try rows(feats, extraStart, extraStart + e) : nil)
      if let w = dataParallel?.world {
        // Algorithms see where this shard sits in the global batch (BatchShard).
        let all = w.gather(ub.indices.map(Double.init)).map { Int($0) }
        batch.shard = BatchShard(rows: (w.rank * u)..<((w.rank + 1) * u), unlabeledIndices: all, gather: { try w.gatherRows($0) })
      }
      let r = try algorithm.unsupervisedLoss(batch)
      unsup = r
      loss = try loss.add(r.loss)
    }
    let lossValue = Double(try loss.item())
    if !lossValue.isFinite {
      let s = Double((try? supLoss.item()) ?? .nan)
      let term = s.isFinite ? "the unsupervised loss of \(algorithm.name)" : "the supervised loss"
      throw RuntimeError.numerical(message: "train: the loss became \(lossValue) at step \(step + 1) (\(term)); the model keeps its weights from step \(step)")
    }
    return (loss, lossValue, Double(try supLoss.item()), unsup)
  }

  /// Evaluates and appends a history row with the window's means.
  func logRow(cancellation: CancellationToken?) throws {
    var row: [(String, Double)] = [("step", Double(step))]
    row += window.means()
    if let e = evalSet {
      let r = try evaluateSharded(run.model, e, cancellation: cancellation)  // data-parallel hook
      row += [("test_acc", r.accuracy), ("test_loss", r.loss)]
      if ema != nil { row.append(("raw_test_acc", try evaluateSharded(model, e, cancellation: cancellation).accuracy)) }
    }
    if let det = algorithm as? any SyntheticDetector, let u = unlabeled {
      let metrics = try detectorMetrics(det, u)
      run.detector = metrics
      row += metrics.map { ("det_" + $0.0, $0.1) }
    }
    row.append(("time", run.seconds + MonotonicClock.now() - startTime))
    run.history.append(row)
    run.final = row.filter { $0.0.hasPrefix("test_") || $0.0 == "raw_test_acc" }
    window = Window()
  }

  func detectorMetrics(_ det: any SyntheticDetector, _ u: Dataset) throws -> [(String, Double)] {
    // A fixed, evenly spread subset keeps evaluation cheap and comparable across rows.
    let n = min(u.count, config.detectorEvalLimit)
    let idx = (0..<n).map { $0 * u.count / max(n, 1) }
    let sub = try u.subset(idx)
    let feats = try Evaluation.features(model, sub)
    let scores = try GradMode.noGrad { try det.syntheticScores(features: feats, model: model) }
    return DetectionMetrics.compute(scores: scores, truth: sub.synthetic, threshold: det.detectThreshold)
      + DetectionMetrics.perOrigin(scores: scores, synthetic: sub.synthetic, originIDs: sub.originIDs,
                                   originNames: sub.originNames, threshold: det.detectThreshold)
  }

}

/// Running sums of the training metrics between two history rows (saved in checkpoints, so
/// a run resumed between two rows logs the same means as the uninterrupted one).
struct Window: Codable {
  var count = 0
  var loss = 0.0, sup = 0.0, unsupLoss = 0.0, lr = 0.0
  var lastLoss = Double.nan, lastMask = Double.nan
  var maskSum = [0.0, 0.0], maskN = [0, 0]            // [real, synthetic]
  var plCorrect = [0.0, 0.0], plWeight = [0.0, 0.0]
  var routedSyn = [0, 0], routedN = [0, 0]
  var termNames: [String] = [], termSums: [Double] = []

  mutating func add(loss l: Double, sup s: Double, lr r: Double, unsup: UnsupervisedResult?, indices: [Int], dataset: Dataset?) {
    count += 1
    loss += l; sup += s; lr = r; lastLoss = l
    unsupLoss += l - s
    guard let unsup, let ds = dataset else { return }
    var mTotal = 0.0
    for (k, i) in indices.enumerated() where k < unsup.mask.count {
      let syn = ds.synthetic[i] ? 1 : 0
      let w = Double(unsup.mask[k])
      mTotal += w
      maskSum[syn] += w; maskN[syn] += 1
      if k < unsup.pseudoLabels.count {
        plWeight[syn] += w
        if unsup.pseudoLabels[k] == ds.labels[i] { plCorrect[syn] += w }
      }
      if let routed = unsup.routedSynthetic, k < routed.count {
        routedN[syn] += 1
        if routed[k] { routedSyn[syn] += 1 }
      }
    }
    lastMask = mTotal / Double(max(indices.count, 1))
    for (name, v) in unsup.terms {
      if let j = termNames.firstIndex(of: name) { termSums[j] += v } else { termNames.append(name); termSums.append(v) }
    }
  }

  func means() -> [(String, Double)] {
    guard count > 0 else { return [] }
    let n = Double(count)
    func ratio(_ a: Double, _ b: Double) -> Double { b > 0 ? a / b : .nan }
    var r: [(String, Double)] = [("loss", loss / n), ("sup_loss", sup / n), ("unsup_loss", unsupLoss / n), ("lr", lr)]
    if maskN[0] + maskN[1] > 0 {
      r += [("mask_rate", ratio(maskSum[0] + maskSum[1], Double(maskN[0] + maskN[1]))),
            ("mask_rate_real", ratio(maskSum[0], Double(maskN[0]))),
            ("mask_rate_syn", ratio(maskSum[1], Double(maskN[1]))),
            ("pl_acc", ratio(plCorrect[0] + plCorrect[1], plWeight[0] + plWeight[1])),
            ("pl_acc_real", ratio(plCorrect[0], plWeight[0])),
            ("pl_acc_syn", ratio(plCorrect[1], plWeight[1]))]
    }
    if routedN[0] + routedN[1] > 0 {
      r += [("routed_syn_real", ratio(Double(routedSyn[0]), Double(routedN[0]))),
            ("routed_syn_syn", ratio(Double(routedSyn[1]), Double(routedN[1])))]
    }
    r += zip(termNames, termSums).map { ($0, $1 / n) }
    return r
  }
}
