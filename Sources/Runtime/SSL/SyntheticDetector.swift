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

  /// When the synthetic samples come from two or more origins (generators), the AUC of each
  /// origin against all real samples and the recall on that origin: `auc_<origin>`,
  /// `recall_<origin>`. Empty for a single synthetic origin (the overall figures say it all).
  public static func perOrigin(scores: [Float], synthetic: [Bool], originIDs: [Int32], originNames: [String],
                               threshold: Float) -> [(String, Double)] {
    var ids: [Int32] = []
    for (s, o) in zip(synthetic, originIDs) where s && !ids.contains(o) { ids.append(o) }
    guard ids.count >= 2 else { return [] }
    var out: [(String, Double)] = []
    var used: Set<String> = []
    for o in ids.sorted() {
      let keep = synthetic.indices.filter { !synthetic[$0] || originIDs[$0] == o }
      let mine = synthetic.indices.filter { synthetic[$0] && originIDs[$0] == o }
      let raw = Int(o) < originNames.count ? originNames[Int(o)] : "origin\(o)"
      // A column / record-field name: letters, digits and underscores only.
      var name = String(raw.map { $0.isLetter || $0.isNumber ? $0 : "_" })
      // Two origins that differ only in punctuation ("gen-1", "gen 1") keep distinct columns.
      if used.contains(name) { name += "_\(o)" }
      used.insert(name)
      let recall = Double(mine.filter { scores[$0] >= threshold }.count) / Double(mine.count)
      out.append(("auc_" + name, auc(scores: keep.map { scores[$0] }, truth: keep.map { synthetic[$0] })))
      out.append(("recall_" + name, recall))
    }
    return out
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
