/// Synchronised batch norm: the training statistics of one batch-norm layer over the union of
/// every rank's batch (PyTorch's `SyncBatchNorm`), so a data-parallel run normalises exactly
/// as one process with the whole global batch would.
enum SyncBatchNorm {
  /// Replaces this rank's per-channel `mean` and biased `variance` (over `count` values per
  /// channel) by those of all ranks' values together, merging (count, mean, M2) exactly
  /// (Chan et al.) in Float64 after one all-gather. Returns the values per channel over all ranks.
  static func mergeStatistics(
    _ comm: Communicator, count: Int, mean: UnsafeMutableBufferPointer<Float>, variance: UnsafeMutableBufferPointer<Float>
  ) -> Int {
    let c = mean.count
    var local = [Double(count)]
    local += (0..<c).map { Double(mean[$0]) }
    local += (0..<c).map { Double(variance[$0]) }
    let all = comm.gather(local)
    let stride = 1 + 2 * c
    let counts = (0..<comm.size).map { all[$0 * stride] }
    let total = counts.reduce(0, +)
    for ch in 0..<c {
      var m = 0.0
      for r in 0..<comm.size { m += counts[r] * all[r * stride + 1 + ch] }
      m /= total
      var m2 = 0.0
      for r in 0..<comm.size {
        let d = all[r * stride + 1 + ch] - m
        m2 += counts[r] * (all[r * stride + 1 + c + ch] + d * d)
      }
      mean[ch] = Float(m)
      variance[ch] = Float(m2 / total)
    }
    return Int(total)
  }

  /// Every batch-norm layer of `model` (backbone and heads).
  static func layers(of model: Model) -> [BatchNorm2d] {
    var out: [BatchNorm2d] = []
    func visit(_ l: any Layer) {
      if let bn = l as? BatchNorm2d { out.append(bn) }
      for child in l.children { visit(child.layer) }
    }
    visit(model.backbone)
    for h in model.heads { visit(h.layer) }
    return out
  }
}
