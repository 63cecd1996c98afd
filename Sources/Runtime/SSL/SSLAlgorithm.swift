/// Which views of the unlabeled batch an algorithm needs, and which carry the gradient.
public enum UnlabeledViews: Sendable {
  /// Labeled data only (the supervised baseline).
  case none
  /// One weakly augmented view, forwarded with gradient (Pseudo-Label).
  case weak
  /// A weak view (no gradient: it makes the targets) and a strong view (with gradient).
  case weakAndStrong

  /// The names `custom(views:)` accepts, and the view sets they stand for.
  public static let optionNames = ["weak_strong", "weak"]
  public init?(optionName: String) {
    switch optionName {
    case "weak_strong": self = .weakAndStrong
    case "weak": self = .weak
    default: return nil
    }
  }
  public var optionName: String {
    switch self {
    case .none: return "none"
    case .weak: return "weak"
    case .weakAndStrong: return "weak_strong"
    }
  }
}

/// What an algorithm sees of one training step. Deliberately holds no provenance: which
/// unlabeled samples are synthetic is known only to the trainer's reporting code.
public struct SSLBatch {
  /// 0-based index of the current optimisation step, and the run's total.
  public let step: Int
  public let totalSteps: Int
  public let classes: Int
  /// Main-head logits of the labeled batch [B, C] (with gradient) and their labels.
  public let labeledLogits: Tensor
  public let labels: [Int]
  /// Main-head logits of the unlabeled weak view [U, C]; detached for `.weakAndStrong`.
  public let weakLogits: Tensor
  /// Main-head logits of the unlabeled strong view [U, C] (with gradient), when requested.
  public let strongLogits: Tensor?
  /// Backbone features of the labeled, weak and strong images ([B, F], [U, F], [U, F]),
  /// for algorithms with extra heads (RSMatch). Weak features carry no gradient.
  public let labeledFeatures: Tensor
  public let weakFeatures: Tensor
  public let strongFeatures: Tensor?
  /// Positions of the unlabeled samples in the unlabeled dataset (per-sample state, FlexMatch).
  public let unlabeledIndices: [Int]
  /// Size of the unlabeled dataset.
  public let unlabeledCount: Int
  /// The model being trained (extra heads live on it).
  public let model: Model
  /// True provenance of the unlabeled samples — nil unless the algorithm declares
  /// `usesOracleProvenance` (RSMatch's clearly labelled oracle ablation, an upper bound).
  public let oracleSynthetic: [Bool]?
  /// Backbone features [E, F] (with gradient) of the weak views of the unlabeled samples the
  /// algorithm asked for with `extraUnlabeled(step:)`, forwarded in the same batch; nil when
  /// it asked for none.
  public let extraFeatures: Tensor?
  /// Data parallel: this rank's place in the global batch (nil in one process); see `BatchShard`.
  public var shard: BatchShard? = nil

  public init(step: Int, totalSteps: Int, classes: Int, labeledLogits: Tensor, labels: [Int],
              weakLogits: Tensor, strongLogits: Tensor?, labeledFeatures: Tensor, weakFeatures: Tensor,
              strongFeatures: Tensor?, unlabeledIndices: [Int], unlabeledCount: Int, model: Model,
              oracleSynthetic: [Bool]? = nil, extraFeatures: Tensor? = nil) {
    self.step = step; self.totalSteps = totalSteps; self.classes = classes
    self.labeledLogits = labeledLogits; self.labels = labels
    self.weakLogits = weakLogits; self.strongLogits = strongLogits
    self.labeledFeatures = labeledFeatures; self.weakFeatures = weakFeatures; self.strongFeatures = strongFeatures
    self.unlabeledIndices = unlabeledIndices; self.unlabeledCount = unlabeledCount; self.model = model
    self.oracleSynthetic = oracleSynthetic
    self.extraFeatures = extraFeatures
  }
}

/// What an algorithm returns for one step.
public struct UnsupervisedResult {
  /// The weighted unsupervised loss (scalar, carrying the gradient), added to the supervised loss.
  public var loss: Tensor
  /// Per unlabeled sample, the weight its consistency term received (0/1 for hard masks).
  public var mask: [Float]
  /// Per unlabeled sample, the pseudo-label it was trained towards.
  public var pseudoLabels: [Int]
  /// Extra scalars to log in the run history (e.g. "fairness_loss", "tau").
  public var terms: [(String, Double)]
  /// Per unlabeled sample, whether it was routed as synthetic (RSMatch), for reporting.
  public var routedSynthetic: [Bool]?
  /// Per unlabeled sample, the detector's synthetic score (RSMatch), for reporting.
  public var syntheticScore: [Float]?

  public init(loss: Tensor, mask: [Float], pseudoLabels: [Int], terms: [(String, Double)] = [],
              routedSynthetic: [Bool]? = nil, syntheticScore: [Float]? = nil) {
    self.loss = loss; self.mask = mask; self.pseudoLabels = pseudoLabels; self.terms = terms
    self.routedSynthetic = routedSynthetic; self.syntheticScore = syntheticScore
  }
}

/// An SSL method: the trainer owns the loop (sampling, forward, supervised loss, optimizer,
/// EMA, evaluation); an algorithm only turns a step's logits into its unsupervised loss and
/// keeps its own state (thresholds, class statistics).
public protocol SSLAlgorithm: AnyObject {
  /// Registry name, e.g. "fixmatch".
  var name: String { get }
  /// The unlabeled views the trainer must produce.
  var views: UnlabeledViews { get }
  /// The declared options with their current values, in declaration order. The default
  /// finds the algorithm's `@AlgorithmOption` properties, so an option is declared once, on its property.
  var options: [any AnyOption] { get }
  /// Called once before training with the unlabeled set's size and the class count
  /// (algorithms with per-sample or per-class state size it here), and the model (to add heads).
  func prepare(unlabeledCount: Int, classes: Int, model: Model, rng: inout RNG) throws
  /// The unsupervised loss of one step.
  func unsupervisedLoss(_ batch: SSLBatch) throws -> UnsupervisedResult
  /// The algorithm's state as named arrays, for checkpoints; `importState` restores it exactly.
  func exportState() -> [String: [Double]]
  func importState(_ state: [String: [Double]]) throws
  /// Whether the trainer must hand this algorithm the true provenance (oracle ablations only).
  var usesOracleProvenance: Bool { get }
  /// Positions in the unlabeled dataset whose weak views the trainer should forward in this
  /// step's batch (features in `SSLBatch.extraFeatures`), e.g. RSMatch re-embedding its queue.
  func extraUnlabeled(step: Int) -> [Int]
}

extension SSLAlgorithm {
  public var options: [any AnyOption] { declaredOptions(of: self) }

  /// `fixmatch(tau: 0.95, lambda_u: 1.0)`: the name and every option's value, for run records.
  public var label: String {
    name + "(" + options.map { "\($0.spec.name): \($0.valueText)" }.joined(separator: ", ") + ")"
  }

  /// Checks every option's current value against its declaration (values set from Swift
  /// bypass the checks `Option.set` makes); the error names the option.
  public func validate() throws {
    for o in options {
      if let problem = o.spec.check(o.value) {
        throw RuntimeError.invalidArgument(op: name, message: "\(o.spec.name): \(problem.message(option: o.spec.name))")
      }
    }
  }

  public func prepare(unlabeledCount: Int, classes: Int, model: Model, rng: inout RNG) throws {}
  public func exportState() -> [String: [Double]] { [:] }
  public func importState(_ state: [String: [Double]]) throws {}
  public var usesOracleProvenance: Bool { false }
  public func extraUnlabeled(step: Int) -> [Int] { [] }
}
