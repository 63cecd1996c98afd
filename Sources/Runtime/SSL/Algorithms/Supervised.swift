/// The supervised baseline: labeled data only; no unlabeled term.
public final class Supervised: SSLAlgorithm {
  public let name = "supervised"
  public let views = UnlabeledViews.none
  public init() {}

  public func unsupervisedLoss(_ batch: SSLBatch) throws -> UnsupervisedResult {
    UnsupervisedResult(loss: Tensor(scalar: 0), mask: [], pseudoLabels: [])
  }
}
