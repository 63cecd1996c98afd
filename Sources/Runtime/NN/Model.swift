/// A classifier split into a feature extractor (the backbone) and named heads.
///
/// `model(x)` gives the logits of the "main" head. SSL methods that need more outputs from
/// the same features add heads: RSMatch adds a one-output "detector" head (real vs
/// synthetic) and a "dummy" classifier head, and calls `features` once per batch:
///
///     let f = try model.features(x)
///     let logits = try model.head("main", f), isSynthetic = try model.head("detector", f)
///
/// Parameters are named `backbone.<path>` and `heads.<name>.<path>` in a fixed order, which
/// is also the order of `parameters` (optimizer state is keyed by position).
public final class Model: CustomStringConvertible {
  /// What built the model, e.g. `convnet(width: 32)`; saved with the weights.
  public let kind: String
  public let backbone: any Layer
  /// Width of `features(x)`: [N, featureDim].
  public let featureDim: Int
  public private(set) var heads: [(name: String, layer: any Layer)]
  /// Whether the model is in training mode (batch-norm batch statistics, dropout on).
  public private(set) var isTraining = true
  /// The input normalisation the model was trained with (set by the trainer); evaluation
  /// applies the same statistics so accuracy is measured on the inputs the model knows.
  public var inputNormalization: Normalization?

  /// A model from a backbone producing [N, featureDim] and its main head.
  public init(kind: String, backbone: any Layer, featureDim: Int, mainHead: any Layer) {
    self.kind = kind
    self.backbone = backbone
    self.featureDim = featureDim
    heads = [(HeadName.main.rawValue, mainHead)]
  }

  /// The backbone's output for a batch: [N, featureDim].
  public func features(_ x: Tensor) throws -> Tensor { try backbone.forward(x) }

  /// The output of head `name` on features from `features(_:)`.
  public func head(_ name: HeadName, _ features: Tensor) throws -> Tensor {
    guard let h = heads.first(where: { $0.name == name.rawValue }) else {
      throw RuntimeError.invalidArgument(op: "head", message: "the model has no head '\(name)' (heads: \(heads.map(\.name).joined(separator: ", ")))")
    }
    return try h.layer.forward(features)
  }

  /// The main head's logits.
  public func callAsFunction(_ x: Tensor) throws -> Tensor { try head(.main, try features(x)) }

  /// Adds a head that maps [N, featureDim] features to its outputs; names are unique.
  public func addHead(name head: HeadName, layer: any Layer) throws {
    let name = head.rawValue
    guard !name.isEmpty, !name.contains("."), !heads.contains(where: { $0.name == name }) else {
      throw RuntimeError.invalidArgument(op: "addHead", message: "head name '\(name)' is empty, contains '.', or already exists (heads: \(heads.map(\.name).joined(separator: ", ")))")
    }
    layer.setTraining(isTraining)
    heads.append((name, layer))
  }

  /// Adds a linear head with `outputs` outputs (PyTorch default initialisation).
  public func addLinearHead(name: HeadName, outputs: Int, seed: UInt64) throws {
    var rng = RNG(seed: seed)
    try addHead(name: name, layer: Linear(featureDim, outputs, rng: &rng))
  }

  /// Whether the model has a head called `name`.
  public func hasHead(_ name: HeadName) -> Bool { heads.contains { $0.name == name.rawValue } }

  public var namedParameters: [(name: String, tensor: Tensor)] {
    backbone.namedParameters.map { ("backbone.\($0.name)", $0.tensor) }
      + heads.flatMap { h in h.layer.namedParameters.map { ("heads.\(h.name).\($0.name)", $0.tensor) } }
  }

  public var namedBuffers: [(name: String, tensor: Tensor)] {
    backbone.namedBuffers.map { ("backbone.\($0.name)", $0.tensor) }
      + heads.flatMap { h in h.layer.namedBuffers.map { ("heads.\(h.name).\($0.name)", $0.tensor) } }
  }

  /// All parameters in `namedParameters` order.
  public var parameters: [Tensor] { namedParameters.map(\.tensor) }

  /// The parameters USB exempts from weight decay: every parameter of rank ≤ 1 (batch-norm
  /// weights and biases, layer biases).
  public var noDecayParameters: [Tensor] { parameters.filter { $0.rank <= 1 } }

  /// The number of trainable scalars.
  public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

  /// Training mode for every layer.
  public func train() { setTraining(true) }
  /// Evaluation mode for every layer (running batch-norm statistics, no dropout).
  public func eval() { setTraining(false) }

  private func setTraining(_ on: Bool) {
    isTraining = on
    backbone.setTraining(on)
    for h in heads { h.layer.setTraining(on) }
  }

  /// A deep copy: new tensors with equal values, same heads and mode.
  public func copy() -> Model {
    let m = Model(kind: kind, backbone: backbone.clone(), featureDim: featureDim, mainHead: heads[0].layer.clone())
    for h in heads.dropFirst() { m.heads.append((h.name, h.layer.clone())) }
    m.isTraining = isTraining
    m.inputNormalization = inputNormalization
    return m
  }

  /// One line: kind, parameter count, heads.
  public var summary: String {
    "\(kind): \(parameterCount) parameters, features \(featureDim), heads \(heads.map { "\($0.name) \($0.layer)" }.joined(separator: ", "))"
  }

  /// The full layer tree.
  public var description: String {
    "Model \(kind)\nbackbone: \(backbone)\n" + heads.map { "head \($0.name): \($0.layer)" }.joined(separator: "\n")
  }
}
