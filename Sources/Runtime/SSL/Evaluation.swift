/// Test-set metrics of a classifier.
public struct EvaluationResult: Sendable {
  /// Fraction of correctly classified images, in [0, 1].
  public var accuracy: Double
  /// Mean cross-entropy.
  public var loss: Double
  /// Accuracy per class (NaN for a class without images).
  public var perClass: [Double]
}

/// Evaluation of a model on a dataset: batched, without gradient, in eval mode, with the
/// normalisation the model was trained with.
public enum Evaluation {
  /// Logits of the main head for every image of `dataset`, [N, C].
  public static func logits(_ model: Model, _ dataset: Dataset, batchSize: Int = 256,
                            cancellation: CancellationToken? = nil) throws -> Tensor {
    try outputs(model, dataset, batchSize: batchSize, cancellation: cancellation) { f in try model.head(.main, f) }
  }

  /// Backbone features for every image, [N, featureDim].
  public static func features(_ model: Model, _ dataset: Dataset, batchSize: Int = 256) throws -> Tensor {
    try outputs(model, dataset, batchSize: batchSize) { $0 }
  }

  /// Runs `head` on the features of every image, in batches, and stacks the results.
  public static func outputs(
    _ model: Model, _ dataset: Dataset, batchSize: Int = 256, cancellation: CancellationToken? = nil,
    head: (Tensor) throws -> Tensor
  ) throws -> Tensor {
    let wasTraining = model.isTraining
    model.eval()
    defer { if wasTraining { model.train() } }
    let norm = model.inputNormalization ?? dataset.channelStats()
    return try GradMode.noGrad {
      var parts: [Tensor] = []
      var start = 0
      while start < dataset.count {
        try cancellation.check()
        let idx = Array(start..<min(start + batchSize, dataset.count))
        let x = try dataset.batch(idx, normalization: norm)
        parts.append(try head(try model.features(x)))
        start += batchSize
      }
      guard !parts.isEmpty else {
        throw RuntimeError.invalidArgument(op: "evaluate", message: "the dataset \(dataset.name) is empty")
      }
      return parts.count == 1 ? parts[0] : try Tensor.concat(parts, axis: 0)
    }
  }

  /// Predicted class per image.
  public static func predict(_ model: Model, _ dataset: Dataset, cancellation: CancellationToken? = nil) throws -> [Int] {
    rowMaxArgmax(try logits(model, dataset, cancellation: cancellation).softmax(axis: -1)).argmax
  }

  /// Accuracy, mean loss and per-class accuracy.
  public static func evaluate(_ model: Model, _ dataset: Dataset, cancellation: CancellationToken? = nil) throws -> EvaluationResult {
    let z = try logits(model, dataset, cancellation: cancellation)
    let classes = dataset.classNames.count
    guard z.shape[1] == classes else {
      throw RuntimeError.shapeMismatch(op: "evaluate", shapes: [z.shape, [dataset.count, classes]],
                                       detail: "differ: the model has \(z.shape[1]) outputs but \(dataset.name) has \(classes) classes")
    }
    let loss = try z.crossEntropy(labels: dataset.labels).item()
    let pred = rowMaxArgmax(z).argmax
    var correct = [Int](repeating: 0, count: classes), total = [Int](repeating: 0, count: classes)
    for (p, y) in zip(pred, dataset.labels) {
      total[y] += 1
      if p == y { correct[y] += 1 }
    }
    let acc = Double(correct.reduce(0, +)) / Double(max(dataset.count, 1))
    let per = (0..<classes).map { total[$0] > 0 ? Double(correct[$0]) / Double(total[$0]) : .nan }
    return EvaluationResult(accuracy: acc, loss: Double(loss), perClass: per)
  }

  /// Confusion counts: rows = true class, columns = predicted class.
  public static func confusion(_ model: Model, _ dataset: Dataset, cancellation: CancellationToken? = nil) throws -> [[Int]] {
    let pred = try predict(model, dataset, cancellation: cancellation)
    let c = dataset.classNames.count
    var m = [[Int]](repeating: [Int](repeating: 0, count: c), count: c)
    for (p, y) in zip(pred, dataset.labels) where p < c { m[y][p] += 1 }
    return m
  }
}
