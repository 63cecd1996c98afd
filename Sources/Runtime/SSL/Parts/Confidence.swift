/// Row-wise maximum and argmax of a probability matrix [N, C] (no gradient).
///
/// The pseudo-label rules of every method start here: confidence max_c q_b and class c_b.
func rowMaxArgmax(_ probs: Tensor) -> (max: [Float], argmax: [Int]) {
  let n = probs.shape[0], c = probs.shape[1]
  var mx = [Float](repeating: 0, count: n), am = [Int](repeating: 0, count: n)
  let p = probs.buffer
  for i in 0..<n {
    var best = p[i * c], bi = 0
    for j in 1..<c where p[i * c + j] > best { best = p[i * c + j]; bi = j }
    mx[i] = best; am[i] = bi
  }
  return (mx, am)
}

/// Softmax probabilities of logits [N, C] computed without recording on the tape.
func probabilities(_ logits: Tensor) throws -> Tensor {
  try GradMode.noGrad { try logits.detached().softmax(axis: -1) }
}

/// The masked consistency loss shared by the FixMatch family:
/// (1/U) Σ_b w_b · CE(logits_b, target_b), averaged over all U samples (masked ones add 0).
func weightedCrossEntropy(_ logits: Tensor, targets: [Int], weights: [Float]) throws -> Tensor {
  let w = Tensor(shape: [weights.count], values: weights)
  return try logits.crossEntropy(labels: targets, reduction: .none).mul(w).mean()
}
