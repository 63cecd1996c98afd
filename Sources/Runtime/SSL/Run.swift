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

  /// One line: algorithm, steps, final accuracy.
  public var summary: String {
    let acc = final.first { $0.0 == "test_acc" }.map { String(format1: $0.1 * 100) + "%" } ?? "n/a"
    return "run \(label): \(steps)/\(config.steps) steps\(interrupted ? " (interrupted)" : ""), test_acc \(acc)"
  }
}

extension String {
  /// One decimal, without Foundation.
  init(format1 v: Double) {
    guard v.isFinite else { self = "\(v)"; return }
    let r = (v * 10).rounded() / 10
    let i = Int(r.rounded(.towardZero)), f = Int((abs(r) * 10).rounded()) % 10
    self = (r < 0 && i == 0 ? "-" : "") + "\(i).\(f)"
  }
}
