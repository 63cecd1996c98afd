/// Data-parallel training: every step's global batch (B labeled, μB unlabeled images) is split
/// into K equal shards of consecutive rows; each shard is forwarded on its own (its own batch
/// norm statistics unless synchronised), its loss is the mean over its rows, and the parameter
/// gradients are averaged over the shards, which is the gradient of the global batch's mean
/// loss. The optimizer, EMA and algorithm then step identically on every process.
///
/// Two ways to run the shards:
/// - **Several processes** (`mpirun -np K`): rank r draws only its shard from the shared seeded
///   samplers, and one MPI_Allreduce per step sums a flat buffer holding every gradient, the
///   batch-norm running statistics and the loss values.
/// - **One process** (`TrainConfig.shards = K`): the K shards are forwarded one after another
///   and their gradients accumulated: the same arithmetic as K ranks without `sync_bn`, which
///   makes the multi-process run testable against a single process.
final class DataParallel {
  /// The ranks sharing the run (nil when the shards all run in this process).
  let world: Communicator?
  /// K, the shards of every global batch.
  let shards: Int
  /// The shards this process runs.
  let localShards: [Int]
  /// Whether batch norm normalises over the whole global batch (all ranks' shards).
  let syncBatchNorm: Bool
  let batchNorms: [BatchNorm2d]

  init(world: Communicator?, shards: Int, syncBatchNorm: Bool, model: Model) {
    self.world = world
    self.shards = shards
    localShards = world.map { [$0.rank] } ?? Array(0..<shards)
    self.syncBatchNorm = syncBatchNorm
    batchNorms = SyncBatchNorm.layers(of: model)
    if syncBatchNorm, let world { for bn in batchNorms { bn.sync = world } }
  }

  /// Rows of shard `s` in a batch of `n` rows.
  func rows(_ s: Int, of n: Int) -> Range<Int> { (s * n / shards)..<((s + 1) * n / shards) }

  /// The data-parallel setting a run asks for: nil for an ordinary single-process step.
  static func make(config: TrainConfig, model: Model) throws -> DataParallel? {
    func bad(_ m: String) -> RuntimeError { .invalidArgument(op: "train", message: m) }
    let world = World.size > 1 ? World.communicator : nil
    if world != nil, config.shards != 1 {
      throw bad("shards: \(config.shards) splits the batch inside one process; under mpirun the \(World.size) ranks are the shards (leave shards at 1)")
    }
    let k = world?.size ?? config.shards
    guard k > 1 else { return nil }
    if world == nil, config.syncBatchNorm {
      throw bad("sync_bn normalises over the whole batch, which one process with shards: 1 already does")
    }
    guard config.batchSize % k == 0 else {
      throw bad("batch \(config.batchSize) must divide evenly into the \(k) \(world == nil ? "shards" : "ranks")")
    }
    return DataParallel(world: world, shards: k, syncBatchNorm: config.syncBatchNorm, model: model)
  }
}

extension Trainer {
  /// One optimisation step over the shards of the global batch (see `DataParallel`); the
  /// same updates as `trainStep` on one process with the whole batch, up to summation order
  /// (and batch-norm statistics per shard unless synchronised).
  func dataParallelStep(_ dp: DataParallel) throws {
    let b = config.batchSize, ub = config.batchSize * config.mu
    // Sampling: a rank draws only its rows; a single process draws the batch once and slices it.
    let single = dp.world == nil
    let lbAll = try labeledSampler.next(rows: single ? nil : dp.rows(dp.localShards[0], of: b))
    let ubAll = try unlabeledSampler?.next(rows: single ? nil : dp.rows(dp.localShards[0], of: ub))
    func slice(_ t: Tensor, _ r: Range<Int>) throws -> Tensor {
      try t.index([.slice(start: r.lowerBound, end: r.upperBound, step: nil)])
    }
    // Every shard starts from the same batch-norm running statistics; their updates are averaged.
    let buffers = model.namedBuffers.map(\.tensor)
    let start = dp.localShards.count > 1 ? buffers.map { $0.copy() } : []
    var bufferSums = buffers.map { [Double](repeating: 0, count: $0.count) }
    optimizer.zeroGrad()
    var lossSum = 0.0, supSum = 0.0
    var results: [(UnsupervisedResult?, [Int])] = []
    for (k, s) in dp.localShards.enumerated() {
      if k > 0 { for (t, s0) in zip(buffers, start) { _ = t.buffer.update(fromContentsOf: s0.buffer) } }
      let lr = single ? dp.rows(s, of: b) : 0..<b / dp.shards
      let ur = single ? dp.rows(s, of: ub) : 0..<ub / dp.shards
      let lb = LabeledBatch(images: single ? try slice(lbAll.images, lr) : lbAll.images,
                            labels: Array(lbAll.labels[lr]), indices: Array(lbAll.indices[lr]))
      let u: UnlabeledBatch? = try ubAll.map {
        single ? UnlabeledBatch(weak: try slice($0.weak, ur), strong: try slice($0.strong, ur), indices: Array($0.indices[ur])) : $0
      }
      let (loss, value, sup, unsup) = try forwardLoss(lb, u)
      try loss.backward()
      lossSum += value; supSum += sup
      results.append((unsup, u?.indices ?? []))
      for (j, t) in buffers.enumerated() { for i in 0..<t.count { bufferSums[j][i] += Double(t.buffer[i]) } }
    }
    // One flat buffer: gradients, "has a gradient" flags, running statistics, loss values.
    let params = model.parameters
    var flat: [Float] = []
    flat.reserveCapacity(params.reduce(0) { $0 + $1.count } + params.count + 2)
    for p in params {
      if let g = p.grad { flat.append(contentsOf: g.buffer) } else { flat.append(contentsOf: repeatElement(0, count: p.count)) }
    }
    for p in params { flat.append(p.grad == nil ? 0 : 1) }
    let averageBuffers = !dp.syncBatchNorm
    if averageBuffers { for s in bufferSums { flat.append(contentsOf: s.map { Float($0) }) } }
    flat.append(Float(lossSum)); flat.append(Float(supSum))
    let reduceStart = MonotonicClock.now()
    if let w = dp.world { flat.withUnsafeMutableBufferPointer { w.sum($0) } }
    let reduceSeconds = MonotonicClock.now() - reduceStart
    // Average and write back.
    let scale = 1 / Float(dp.shards)
    var o = 0
    var flags = params.reduce(0) { $0 + $1.count }
    for p in params {
      if flat[flags] > 0 {
        let g = Tensor(zeros: p.shape, zeroed: false)
        for i in 0..<p.count { g.buffer[i] = flat[o + i] * scale }
        p.grad = g
      } else {
        p.grad = nil
      }
      o += p.count; flags += 1
    }
    o = flags
    if averageBuffers {
      for t in buffers { for i in 0..<t.count { t.buffer[i] = flat[o + i] * scale }; o += t.count }
    }
    let lossValue = Double(flat[o] * scale), supValue = Double(flat[o + 1] * scale)
    let grads = model.namedParameters.compactMap { p in p.tensor.grad.map { (name: p.name, tensor: $0) } }
    if let bad = FiniteCheck.firstNonFinite(grads) {
      optimizer.zeroGrad()
      throw RuntimeError.numerical(message: "train: the gradient of \(bad) became NaN or infinite at step \(step + 1) (loss \(lossValue)); the model keeps its weights from step \(step)")
    }
    optimizer.lr = schedule.lr(step: step)
    try optimizer.step()
    try ema?.update(from: model)
    step += 1
    // Per-sample metrics (mask rate, pseudo-label accuracy, routing) of the whole global batch;
    // the algorithm's other terms are this process's (rank 0's are logged).
    let merged = results.compactMap(\.0)
    var indices = results.flatMap(\.1)
    var unsup = merged.isEmpty ? nil : UnsupervisedResult(
      loss: Tensor(scalar: 0), mask: merged.flatMap(\.mask), pseudoLabels: merged.flatMap(\.pseudoLabels),
      terms: merged[0].terms + (dp.world == nil ? [] : [("allreduce_ms", reduceSeconds * 1000)]),
      routedSynthetic: merged.allSatisfy { $0.routedSynthetic != nil } ? merged.flatMap { $0.routedSynthetic! } : nil)
    if let w = dp.world, var r = unsup, r.mask.count == indices.count, r.pseudoLabels.count == indices.count {
      (r, indices) = Self.gatherRowMetrics(w, r, indices)
      unsup = r
    }
    window.add(loss: lossValue, sup: supValue, lr: Double(optimizer.lr), unsup: unsup, indices: indices, dataset: unlabeled)
  }

  /// Every rank's per-row mask, pseudo-label, routing and dataset index, in batch order (one all-gather).
  private static func gatherRowMetrics(_ w: Communicator, _ r: UnsupervisedResult, _ indices: [Int]) -> (UnsupervisedResult, [Int]) {
    let n = indices.count
    let routed = r.routedSynthetic.map { $0.map { $0 ? 1.0 : 0.0 } } ?? [Double](repeating: -1, count: n)
    let local = indices.map(Double.init) + r.mask.map(Double.init) + r.pseudoLabels.map(Double.init) + routed
    let all = w.gather(local)
    var out = r
    out.mask = []; out.pseudoLabels = []
    var allRouted: [Bool] = [], allIndices: [Int] = []
    for k in 0..<w.size {
      let o = k * 4 * n
      allIndices += all[o..<(o + n)].map { Int($0) }
      out.mask += all[(o + n)..<(o + 2 * n)].map { Float($0) }
      out.pseudoLabels += all[(o + 2 * n)..<(o + 3 * n)].map { Int($0) }
      allRouted += all[(o + 3 * n)..<(o + 4 * n)].map { $0 > 0 }
    }
    out.routedSynthetic = r.routedSynthetic == nil ? nil : allRouted
    return (out, allIndices)
  }

  /// Evaluation for a history row: each rank scores a contiguous slice of `data` and the
  /// correct counts and loss sums are added over the ranks (one all-reduce).
  func evaluateSharded(_ model: Model, _ data: Dataset, cancellation: CancellationToken?) throws -> (accuracy: Double, loss: Double) {
    guard let world = dataParallel?.world else {
      let r = try Evaluation.evaluate(model, data, cancellation: cancellation)
      return (r.accuracy, r.loss)
    }
    let lo = world.rank * data.count / world.size, hi = (world.rank + 1) * data.count / world.size
    var sums = [0.0, 0.0, Double(hi - lo)]
    if hi > lo {
      let r = try Evaluation.evaluate(model, try data.subset(Array(lo..<hi)), cancellation: cancellation)
      sums[0] = r.accuracy * Double(hi - lo); sums[1] = r.loss * Double(hi - lo)
    }
    world.sum(&sums)
    return (sums[0] / max(sums[2], 1), sums[1] / max(sums[2], 1))
  }
}
