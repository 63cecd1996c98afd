/// The result of `train`: the history, the models, final metrics.
public final class Run {
  /// Algorithm name and options, e.g. `fixmatch(tau: 0.95, lambda_u: 1)`.
  public let label: String
  public let algorithm: any SSLAlgorithm
  /// One row per evaluation (every `evalEvery` steps and at the end).
  public internal(set) var history: History
  /// The evaluation model: the EMA copy when EMA is on, else the live model.
  public let model: Model
  /// The live (raw) model being optimised.
  public let liveModel: Model
  /// Metrics at the last evaluation, e.g. test_acc, test_loss.
  public internal(set) var final: [(String, Double)] = []
  /// Synthetic-identification metrics at the last evaluation (precision, recall, f1, auc),
  /// for algorithms with a detector.
  public internal(set) var detector: [(String, Double)]? = nil
  /// Steps completed.
  public internal(set) var steps: Int = 0
  /// Whether the run stopped early on Ctrl-C (the history and weights are kept).
  public internal(set) var interrupted = false
  /// Wall-clock seconds spent training.
  public internal(set) var seconds: Double = 0
  public let config: TrainConfig

  init(label: String, algorithm: any SSLAlgorithm, model: Model, liveModel: Model, config: TrainConfig, history: History) {
    self.label = label; self.algorithm = algorithm; self.model = model; self.liveModel = liveModel
    self.config = config; self.history = history
  }
}
