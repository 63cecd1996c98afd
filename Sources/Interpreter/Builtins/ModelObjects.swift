import Runtime

/// A model as a language value: `m(x)` gives the main head's logits, `m.features(x)`-style
/// access goes through builtins (`features(m, x)`), and the display is the model's summary.
///
/// When the model was trained by `train(...)` it carries the input normalisation the
/// trainer used; calling it on a batch [N, C, H, W] applies that normalisation first, so
/// `m(images(ds))` gives the same logits `evaluate` sees.
final class ModelObject: NativeObject {
  let model: Model
  init(_ model: Model) { self.model = model }

  var typeName: String { "model" }
  var summary: String { "model(\(model.summary))" }
  var memberNames: [String] { ["kind", "heads", "param_count", "feature_dim", "training", "layers"] }

  func member(_ name: String) throws -> Value? {
    switch name {
    case "kind": return .string(model.kind)
    case "heads": return .list(model.heads.map { .string($0.name) })
    case "param_count": return .number(Double(model.parameterCount))
    case "feature_dim": return .number(Double(model.featureDim))
    case "training": return .bool(model.isTraining)
    case "layers": return .string(model.description)
    default: return nil
    }
  }

  func call(_ arguments: [Value], context: CallContext) throws -> Value? {
    guard arguments.count == 1 else {
      throw ScriptError(.arguments(function: "model", message: "takes one argument (a batch of inputs), got \(arguments.count)"))
    }
    let x = try ModelObject.input(arguments[0], op: "model")
    return .tensor(try model(try ModelObject.normalized(x, model)))
  }

  /// A tensor argument for a forward pass (lists are converted).
  static func input(_ v: Value, op: String) throws -> Tensor {
    if case .tensor(let t) = v { return t }
    do { return try TensorConversion.tensor(from: v) } catch {
      throw ScriptError(.badArgument(function: op, position: 1, message: "tensor expected, got \(v.typeName)"))
    }
  }

  /// `x` normalised with the model's training statistics when it has them and `x` is a
  /// batch of images with the matching channel count; otherwise `x` unchanged.
  static func normalized(_ x: Tensor, _ model: Model) throws -> Tensor {
    guard let n = model.inputNormalization, x.rank == 4, x.shape[1] == n.mean.count else { return x }
    let c = n.mean.count
    let mean = Tensor(shape: [1, c, 1, 1], values: n.mean), std = Tensor(shape: [1, c, 1, 1], values: n.std)
    return try x.sub(mean).div(std)
  }
}

/// A single layer (`linear(4, 2)`, `relu_layer()`): callable, combinable with `sequential`.
final class LayerObject: NativeObject {
  let layer: any Layer
  init(_ layer: any Layer) { self.layer = layer }

  var typeName: String { "layer" }
  var summary: String { "layer(\(layer))".split(separator: "\n").joined(separator: " ") }

  func call(_ arguments: [Value], context: CallContext) throws -> Value? {
    guard arguments.count == 1 else {
      throw ScriptError(.arguments(function: "layer", message: "takes one argument (a batch of inputs), got \(arguments.count)"))
    }
    return .tensor(try layer.forward(try ModelObject.input(arguments[0], op: "layer")))
  }
}

/// The identity, used as the head of a `sequential` model whose last layer is not linear.
final class IdentityLayer: Layer {
  var isTraining = true
  func forward(_ x: Tensor) throws -> Tensor { x }
  func clone() -> any Layer { let l = IdentityLayer(); l.isTraining = isTraining; return l }
  var description: String { "Identity" }
}
