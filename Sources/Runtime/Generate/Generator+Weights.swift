extension Generator {
  /// Metadata keys of a saved generator.
  enum Key {
    static let kind = "rslab.generator.kind", classes = "rslab.generator.classes"
    static let shape = "rslab.generator.shape", seed = "rslab.generator.seed"
    static let trainedOn = "rslab.generator.trained_on", seconds = "rslab.generator.seconds"
  }

  /// Saves the weights, the optimiser state and the loss history to a safetensors file
  /// (atomically), with kind, classes, image shape and seed in the metadata.
  ///
  /// Tensors: `model.<layer>.<param>`, `optim.<key>` and `history` [steps].
  public func save(path: String) throws {
    var tensors: [(String, Tensor)] = model.namedTensors.map { ("model.\($0.name)", $0.tensor) }
    tensors += model.exportOptimizerState().sorted { $0.key < $1.key }.map { ("optim.\($0.key)", $0.value) }
    tensors.append(("history", Tensor(shape: [history.count], values: history.map { Float($0) })))
    let classes = JSONValue.array(classNames.map { .string($0) }).text
    try Safetensors.write(tensors, metadata: [
      Key.kind: kind, Key.classes: classes, Key.shape: imageShape.map(String.init).joined(separator: ","),
      Key.seed: String(seed), Key.trainedOn: trainedOn, Key.seconds: String(trainingSeconds),
    ], path: path)
  }

  /// Loads a generator written by `save(path:)`; it samples exactly as the saved one and
  /// can be trained further (later batches are drawn afresh).
  ///
  /// - Throws: `io` naming the path when the file is not a generator or its tensors do not
  ///   fit the recorded kind and shape.
  public static func load(path: String) throws -> Generator {
    let file = try Safetensors.read(path: path)
    func bad(_ m: String) -> RuntimeError { .io(path: path, message: m) }
    guard let kind = file.metadata[Key.kind] else { throw bad("not an rslab generator file (no \(Key.kind) metadata)") }
    guard let cText = file.metadata[Key.classes],
          case let .array(items)? = try? JSONValue.parse(ArraySlice(Array(cText.utf8))) else {
      throw bad("generator file has no readable class list")
    }
    let classes = try items.map { item -> String in
      guard case let .string(s) = item else { throw bad("generator class names must be strings") }
      return s
    }
    let shape = (file.metadata[Key.shape] ?? "").split(separator: ",").compactMap { Int($0) }
    guard shape.count == 3, let seed = UInt64(file.metadata[Key.seed] ?? "") else {
      throw bad("generator file has no valid image shape and seed")
    }
    let g: Generator
    do {
      g = try Generator(kind: kind, classNames: classes, imageShape: shape, seed: seed)
    } catch let e as RuntimeError {
      throw bad("cannot rebuild the generator: \(e)")
    }
    var byName: [String: Tensor] = [:]
    for (n, t) in file.tensors { byName[n] = t }
    for (n, t) in g.model.namedTensors {
      guard let s = byName["model.\(n)"] else { throw bad("generator weights lack model.\(n)") }
      guard s.shape == t.shape else {
        throw bad("model.\(n) is \(Shape.describe(s.shape)) in the file but \(Shape.describe(t.shape)) in a \(kind) for \(Shape.describe(shape))")
      }
      t.storage.base.update(from: s.storage.base, count: t.count)
    }
    var optim: [String: Tensor] = [:]
    for (n, t) in file.tensors where n.hasPrefix("optim.") { optim[String(n.dropFirst(6))] = t }
    do { try g.model.importOptimizerState(optim) } catch let e as RuntimeError { throw bad("optimizer state: \(e)") }
    if let h = byName["history"] {
      guard h.rank == 1 else { throw bad("history must be one-dimensional, got \(Shape.describe(h.shape))") }
      g.history = h.values.map { Double($0) }
    }
    g.trainedOn = file.metadata[Key.trainedOn] ?? ""
    g.trainingSeconds = Double(file.metadata[Key.seconds] ?? "") ?? 0
    return g
  }
}
