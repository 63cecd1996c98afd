/// Options of one training run; defaults follow USB's classic-CV FixMatch recipe
/// (SSL-REFERENCE §1) except the step budget, which CPU runs choose.
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

  /// Checks ranges, naming the offending option.
  public func validate() throws {
    func bad(_ m: String) -> RuntimeError { .invalidArgument(op: "train", message: m) }
    guard steps >= 1 else { throw bad("steps must be at least 1, got \(steps)") }
    guard batchSize >= 1 else { throw bad("batch must be at least 1, got \(batchSize)") }
    guard mu >= 1 else { throw bad("mu must be at least 1, got \(mu)") }
    guard lr > 0, lr.isFinite else { throw bad("lr must be positive, got \(lr)") }
    guard evalEvery >= 1 else { throw bad("eval_every must be at least 1, got \(evalEvery)") }
    guard ema >= 0, ema < 1 else { throw bad("ema must be in [0, 1), got \(ema)") }
    if let c = checkpointEvery, c < 1 { throw bad("checkpoint_every must be at least 1, got \(c)") }
    guard shards >= 1 else { throw bad("shards must be at least 1, got \(shards)") }
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
}
