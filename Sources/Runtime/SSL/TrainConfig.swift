/// Options of one training run; defaults follow USB's classic-CV FixMatch recipe
/// (USB `config/classic_cv/fixmatch/*.yaml`) except the step budget, which CPU runs choose.
public struct TrainConfig: Sendable {
  /// Optimisation steps K.
  public var steps: Int
  /// Labeled batch size B.
  public var batchSize = 64
  /// Unlabeled-to-labeled ratio μ (unlabeled batch = μB).
  public var mu = 7
  /// Base learning rate of the cosine schedule.
  public var lr: Float = 0.03
  public var momentum: Float = 0.9
  public var nesterov = true
  /// Weight decay, not applied to rank ≤ 1 parameters (USB).
  public var weightDecay: Float = 5e-4
  /// Evaluate (and log a history row) every this many steps, and at the end.
  public var evalEvery = 100
  /// Seed of the samplers, augmentation and any head initialisation.
  public var seed: UInt64 = 0
  /// EMA momentum for the evaluation model; 0 evaluates the live model.
  public var ema: Float = 0.999
  /// TensorFlow-style EMA warm-up d_k = min(m, (1+k)/(10+k)), for short CPU budgets.
  public var emaWarmup = true
  /// Weak and strong augmentation of the unlabeled views (strong default RandAugment n=2, m=10).
  public var weak: Augmentation = .weak
  public var strong: Augmentation? = nil
  /// Write a checkpoint every this many steps to `checkpointPath` (atomic), if both are set.
  public var checkpointEvery: Int? = nil
  public var checkpointPath: String? = nil
  /// At most this many unlabeled images are scored when measuring a detector at evaluation.
  public var detectorEvalLimit = 4000
  /// Data parallel (Trainer+DataParallel): batch-norm statistics over all ranks' shards
  /// (`sync_bn`) instead of each rank's own.
  public var syncBatchNorm = false
  /// Splits every batch into this many shards run one after another in this process, each
  /// with its own batch-norm statistics: the single-process twin of as many MPI ranks.
  public var shards = 1

  public init(steps: Int) { self.steps = steps }

  /// The options `train` exposes, in signature order: name, range and doc declared once;
  /// the default is the property's initial value above.
  public static var options: [ConfigOption<TrainConfig>] {
    let d = TrainConfig(steps: 1)
    return [
      ConfigOption(\.steps, "steps", .atLeast(1), required: true, doc: "optimisation steps", defaults: d),
      ConfigOption(\.batchSize, "batch", .atLeast(1), doc: "labeled batch size B", defaults: d),
      ConfigOption(\.mu, "mu", .atLeast(1), doc: "unlabeled-to-labeled ratio μ (unlabeled batch = μB)", defaults: d),
      ConfigOption(\.lr, "lr", .positive, doc: "base learning rate of the cosine schedule", defaults: d),
      ConfigOption(\.evalEvery, "eval_every", .atLeast(1), doc: "steps between evaluations (and history rows)", defaults: d),
      ConfigOption(\.seed, "seed", .atLeast(0), doc: "seed of the samplers, augmentation and head initialisation", defaults: d),
      ConfigOption(\.ema, "ema", OptionRange(lower: 0, upper: 1, upperOpen: true),
                   doc: "EMA momentum of the evaluation model; 0 evaluates the live model", defaults: d),
      ConfigOption(\.checkpointEvery, "checkpoint_every", .atLeast(1), doc: "steps between checkpoints", defaults: d),
      ConfigOption(\.checkpointPath, "checkpoint_path",
                   doc: "checkpoint file; a \"{step}\" in it is replaced by the step", defaults: d),
      ConfigOption(\.syncBatchNorm, "sync_bn",
                   doc: "data parallel: batch-norm statistics over the whole global batch (false: per rank)", defaults: d),
      ConfigOption(\.shards, "shards", .atLeast(1),
                   doc: "split each batch into K shards normalised on their own, in one process (what K ranks do without sync_bn)", defaults: d),
    ]
  }

  /// Checks every declared option's range, naming the offending one, and that the two
  /// checkpoint options come together.
  public func validate() throws {
    for o in TrainConfig.options {
      if let p = o.spec.check(o.get(self)) {
        throw RuntimeError.invalidArgument(op: "train", message: "\(o.spec.name): \(p.message(option: o.spec.name))")
      }
    }
    if (checkpointEvery == nil) != (checkpointPath == nil) {
      throw RuntimeError.invalidArgument(op: "train", message: "checkpoint_every and checkpoint_path must be given together")
    }
  }

  /// The checkpoint file for `step`: `checkpointPath` with "{step}" replaced.
  public func checkpointFile(step: Int) -> String? {
    checkpointPath.map { $0.replacingAll("{step}", with: String(step)) }
  }
}

extension String {
  /// Every occurrence of `target` replaced (no Foundation).
  public func replacingAll(_ target: String, with replacement: String) -> String {
    guard !target.isEmpty else { return self }
    var out = "", rest = Substring(self)
    while let r = rest.firstRange(of: target) {
      out += rest[..<r.lowerBound] + replacement
      rest = rest[r.upperBound...]
    }
    return out + rest
  }
}

/// One progress report, sent after every step (the Shell draws a bar from it).
public struct TrainProgress: Sendable {
  public var step: Int
  public var total: Int
  public var loss: Double
  public var maskRate: Double
  /// The latest test accuracy, if evaluated yet.
  public var testAccuracy: Double?
  public var stepsPerSecond: Double
  public var secondsRemaining: Double
  /// Set on the last report of a run that stopped early (Ctrl-C): a display ends its line.
  public var stopped = false

  public init(step: Int, total: Int, loss: Double, maskRate: Double, testAccuracy: Double?,
              stepsPerSecond: Double, secondsRemaining: Double, stopped: Bool = false) {
    self.step = step; self.total = total; self.loss = loss; self.maskRate = maskRate
    self.testAccuracy = testAccuracy; self.stepsPerSecond = stepsPerSecond
    self.secondsRemaining = secondsRemaining; self.stopped = stopped
  }
}
