/// One-vs-all (OVA) classifiers of OpenMatch and IOMatch's multi-binary classifier: K binary
/// "is it class k or not" detectors in one linear layer with 2K outputs.
///
/// Layout as in the reference code (`logits.view(N, 2, K)` in OP_Match `utils/misc.py` and
/// IOMatch `semilearn/algorithms/{openmatch,iomatch}/utils.py`): columns 0..<K are the
/// "outlier of class k" logits, columns K..<2K the "inlier of class k" logits, and each pair
/// (k, K+k) goes through its own two-way softmax.
enum OneVsAll {
  /// The differentiable pair probabilities of OVA logits [N, 2K]: (outlier, inlier), each [N, K].
  static func probabilities(_ logits: Tensor, classes k: Int) throws -> (outlier: Tensor, inlier: Tensor) {
    guard logits.rank == 2, logits.shape[1] == 2 * k else {
      throw RuntimeError.shapeMismatch(op: "ova", shapes: [logits.shape], detail: "must be [N, \(2 * k)] for \(k) classes")
    }
    let neg = try logits.index([.all, .slice(start: 0, end: k, step: nil)])
    let pos = try logits.index([.all, .slice(start: k, end: 2 * k, step: nil)])
    // softmax over the pair = sigmoid of the difference, each side computed directly.
    return (try neg.sub(pos).sigmoid(), try pos.sub(neg).sigmoid())
  }

  /// The same probabilities as plain arrays (row-major [N, K]), without recording on the tape.
  static func values(_ logits: Tensor, classes k: Int) throws -> (outlier: [Float], inlier: [Float]) {
    try GradMode.noGrad {
      let (o, i) = try probabilities(logits.detached(), classes: k)
      return (o.values, i.values)
    }
  }

  /// OpenMatch's labeled OVA loss (paper Eq. 1, code `ova_loss`): the positive term
  /// −log(p_in(y) + 1e-8) plus only the hardest negative, max_{k≠y} −log(p_out(k) + 1e-8),
  /// each averaged over the batch.
  static func supervisedLoss(_ logits: Tensor, labels: [Int], classes k: Int) throws -> Tensor {
    let n = logits.shape[0]
    guard labels.count == n else {
      throw RuntimeError.invalidArgument(op: "ova", message: "got \(labels.count) labels for \(n) rows")
    }
    let (out, inl) = try probabilities(logits, classes: k)
    let onehot = try Tensor.oneHot(labels, classes: k)
    let pos = try inl.add(1e-8).log().neg().mul(onehot).sum(axis: 1).mean()
    let neg = try out.add(1e-8).log().neg().mul(onehot.rsub(1)).max(axis: 1).mean()
    return try pos.add(neg)
  }

  /// Open-set entropy of OVA logits (paper Eq. 2, code `ova_ent`): the mean over samples and
  /// classes of the binary entropy −Σ_j p_j log(p_j + 1e-8).
  static func entropy(_ logits: Tensor, classes k: Int) throws -> Tensor {
    let (out, inl) = try probabilities(logits, classes: k)
    let h = try out.mul(out.add(1e-8).log()).add(inl.mul(inl.add(1e-8).log())).neg()
    return try h.mean()
  }

  /// Soft open-set consistency (paper Eq. 3, code `socr_loss_func`): the mean over samples of
  /// Σ_k Σ_j (p_j,k(view 1) − p_j,k(view 2))².
  static func consistency(_ a: Tensor, _ b: Tensor, classes k: Int) throws -> Tensor {
    let (oa, ia) = try probabilities(a, classes: k)
    let (ob, ib) = try probabilities(b, classes: k)
    let d = try oa.sub(ob).square().add(ia.sub(ib).square())
    return try d.sum(axis: 1).mean()
  }
}

/// Xavier (Glorot) normal initialisation, std = √(2 / (fan_in + fan_out)), as
/// `nn.init.xavier_normal_` (IOMatch's extra classifiers).
func xavierNormalLinear(_ inFeatures: Int, _ outFeatures: Int, bias: Bool, rng: inout RNG) -> Linear {
  let std = (2 / Float(max(1, inFeatures + outFeatures))).squareRoot()
  let w = Init.normal([outFeatures, inFeatures], std: std, rng: &rng).requiringGrad()
  return Linear(weight: w, bias: bias ? Tensor(zeros: [outFeatures]).requiringGrad() : nil)
}
