/// An algorithm that identifies synthetic unlabeled samples (RSMatch). The trainer asks it
/// for scores at evaluation and measures them against provenance, which the algorithm
/// itself never sees.
public protocol SyntheticDetector: SSLAlgorithm {
  /// Probability of being synthetic for each feature row [N, F].
  func syntheticScores(features: Tensor, model: Model) throws -> [Float]
  /// Scores at or above this are judged synthetic.
  var detectThreshold: Float { get }
}

/// Binary-classification metrics of synthetic identification against provenance.
public enum DetectionMetrics {
  /// Precision, recall, F1 at `threshold` and ROC AUC (ties counted half).
  public static func compute(scores: [Float], truth: [Bool], threshold: Float) -> [(String, Double)] {
    var tp = 0, fp = 0, fn = 0
    for (s, t) in zip(scores, truth) {
      if s >= threshold { if t { tp += 1 } else { fp += 1 } } else if t { fn += 1 }
    }
    let precision = tp + fp > 0 ? Double(tp) / Double(tp + fp) : 0
    let recall = tp + fn > 0 ? Double(tp) / Double(tp + fn) : 0
    let f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
    return [("precision", precision), ("recall", recall), ("f1", f1), ("auc", auc(scores: scores, truth: truth))]
  }

  /// ROC AUC by the rank-sum (Mann-Whitney) statistic; NaN when one class is absent.
  public static func auc(scores: [Float], truth: [Bool]) -> Double {
    let pos = truth.filter { $0 }.count, neg = truth.count - pos
    guard pos > 0, neg > 0 else { return .nan }
    let order = scores.indices.sorted { scores[$0] < scores[$1] }
    var rankSumPos = 0.0
    var i = 0
    while i < order.count {
      var j = i
      while j + 1 < order.count, scores[order[j + 1]] == scores[order[i]] { j += 1 }
      let avgRank = Double(i + j) / 2 + 1
      for k in i...j where truth[order[k]] { rankSumPos += avgRank }
      i = j + 1
    }
    return (rankSumPos - Double(pos) * Double(pos + 1) / 2) / (Double(pos) * Double(neg))
  }
}
