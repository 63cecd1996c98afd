extension Model {
  /// Saves parameters and buffers to a safetensors file (F32, names as `namedParameters`),
  /// with the model kind and head names in the metadata.
  public func save(path: String) throws {
    try Safetensors.write(namedParameters + namedBuffers,
                          metadata: ["rslab.kind": kind, "rslab.heads": heads.map(\.name).joined(separator: ",")],
                          path: path)
  }

  /// Loads weights saved by `save(path:)` (or any safetensors file with the same names and
  /// shapes). Nothing is changed unless every name and shape matches; the error lists the
  /// missing, unexpected and mismatched names.
  public func loadWeights(path: String) throws {
    let file = try Safetensors.read(path: path)
    let targets = namedParameters + namedBuffers
    var byName: [String: Tensor] = [:]
    for (n, t) in file.tensors { byName[n] = t }
    let wanted = Set(targets.map(\.name))
    let missing = targets.map(\.name).filter { byName[$0] == nil }
    let unexpected = file.tensors.map(\.name).filter { !wanted.contains($0) }
    let mismatched = targets.compactMap { n, t -> String? in
      guard let s = byName[n], s.shape != t.shape else { return nil }
      return "\(n) is \(Shape.describe(s.shape)) in the file but \(Shape.describe(t.shape)) in the model"
    }
    var problems: [String] = []
    if !missing.isEmpty { problems.append("missing \(Model.list(missing))") }
    if !unexpected.isEmpty { problems.append("unexpected \(Model.list(unexpected))") }
    problems += mismatched.prefix(5)
    guard problems.isEmpty else {
      throw RuntimeError.io(path: path, message: "weights do not fit the model \(kind): " + problems.joined(separator: "; "))
    }
    // A file saved from a diverged run would silently poison the model.
    if let bad = FiniteCheck.firstNonFinite(targets.compactMap { n, _ in byName[n].map { (name: n, tensor: $0) } }) {
      throw RuntimeError.numerical(message: "\(path): the weights of \(bad) contain NaN or infinite values; the model is unchanged")
    }
    for (n, t) in targets {
      guard let s = byName[n] else { continue }
      t.storage.base.update(from: s.storage.base, count: t.count)
    }
  }

  static func list(_ names: [String]) -> String {
    names.count <= 6 ? names.joined(separator: ", ") : names.prefix(6).joined(separator: ", ") + " and \(names.count - 6) more"
  }
}
