import Foundation

/// The non-tensor part of a checkpoint, stored as JSON in the safetensors metadata.
struct CheckpointState: Codable {
  var format = 1
  var step: Int
  var algorithm: String
  var algorithmState: [String: [Double]]
  var labeledSampler: SamplerState
  var unlabeledSampler: SamplerState?
  var emaUpdates: Int
  var historyColumns: [String]
  var history: [String: [Double]]
  var seconds: Double
  var totalSteps: Int
  var seed: UInt64
  /// The metric sums since the last history row (absent in older checkpoints).
  var window: Window? = nil
}

extension Trainer {
  /// Writes everything needed to continue this run exactly: live and EMA weights and
  /// buffers, optimizer state, algorithm state, sampler positions and RNGs, step, history.
  /// One safetensors file, written atomically (by rank 0 only in a data-parallel run).
  public func saveCheckpoint(path: String) throws {
    // Every rank holds the same state; under mpirun only rank 0 writes it.
    guard World.isLeader else { return }
    var tensors: [(String, Tensor)] = []
    tensors += (model.namedParameters + model.namedBuffers).map { ("model." + $0.name, $0.tensor) }
    if let ema {
      tensors += (ema.model.namedParameters + ema.model.namedBuffers).map { ("ema." + $0.name, $0.tensor) }
    }
    tensors += optimizer.exportState().sorted { $0.key < $1.key }.map { ("opt." + $0.key, $0.value) }
    let state = CheckpointState(
      step: step, algorithm: algorithm.name, algorithmState: algorithm.exportState(),
      labeledSampler: labeledSampler.state, unlabeledSampler: unlabeledSampler?.state,
      emaUpdates: ema?.updates ?? 0, historyColumns: run.history.columns, history: run.history.dictionary,
      seconds: run.seconds, totalSteps: config.steps, seed: config.seed, window: window)
    let enc = JSONEncoder()
    enc.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    let json = String(decoding: try enc.encode(state), as: UTF8.self)
    try Safetensors.write(tensors, metadata: ["rslab_checkpoint": json], path: path)
  }

  /// Restores a checkpoint written by `saveCheckpoint` for the same model, algorithm and
  /// data, so that `run()` continues exactly as the uninterrupted run would have.
  public func loadCheckpoint(path: String) throws {
    let contents = try Safetensors.read(path: path)
    guard let json = contents.metadata["rslab_checkpoint"] else {
      throw RuntimeError.io(path: path, message: "not an rslab checkpoint (weights only? use load_weights)")
    }
    let dec = JSONDecoder()
    dec.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    let state: CheckpointState
    do { state = try dec.decode(CheckpointState.self, from: Data(json.utf8)) } catch {
      throw RuntimeError.io(path: path, message: "damaged checkpoint metadata: \(error)")
    }
    guard state.algorithm == algorithm.name else {
      throw RuntimeError.invalidArgument(op: "resume", message: "\(path) was written by \(state.algorithm), not \(algorithm.name)")
    }
    guard state.totalSteps == config.steps, state.seed == config.seed else {
      throw RuntimeError.invalidArgument(op: "resume", message: "\(path) belongs to a run of \(state.totalSteps) steps with seed \(state.seed); this run has \(config.steps) steps and seed \(config.seed)")
    }
    // Every tensor is checked before any is copied, so a damaged checkpoint leaves the
    // model as it was rather than half restored.
    func validate(_ prefix: String, _ m: Model) throws {
      for (name, t) in m.namedParameters + m.namedBuffers {
        guard let src = contents[prefix + name] else {
          throw RuntimeError.io(path: path, message: "missing tensor \(prefix + name)")
        }
        guard src.shape == t.shape else {
          throw RuntimeError.shapeMismatch(op: "resume", shapes: [src.shape, t.shape], detail: "differ for \(name)")
        }
        guard FiniteCheck.allFinite(src) else {
          throw RuntimeError.numerical(message: "\(path): the checkpoint tensor \(prefix + name) contains NaN or infinite values; nothing was restored")
        }
      }
    }
    func restore(_ prefix: String, _ m: Model) {
      for (name, t) in m.namedParameters + m.namedBuffers {
        if let src = contents[prefix + name] { t.storage.base.update(from: src.storage.base, count: t.count) }
      }
    }
    try validate("model.", model)
    if let ema { try validate("ema.", ema.model) }
    restore("model.", model)
    if let ema { restore("ema.", ema.model); ema.restore(updates: state.emaUpdates) }
    var opt: [String: Tensor] = [:]
    for (name, t) in contents.tensors where name.hasPrefix("opt.") { opt[String(name.dropFirst(4))] = t }
    try optimizer.importState(opt)
    try algorithm.importState(state.algorithmState)
    try labeledSampler.restore(state.labeledSampler)
    if let s = state.unlabeledSampler, let us = unlabeledSampler { try us.restore(s) }
    step = state.step
    run.history = History(columns: state.historyColumns, data: state.history)
    run.seconds = state.seconds
    window = state.window ?? Window()
    run.steps = state.step
  }
}
