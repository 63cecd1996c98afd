import Runtime

/// An SSL method as a language value (`fixmatch(tau: 0.9)`). It holds a recipe, not a
/// trained state: every `train` call makes a fresh algorithm instance, so one value can
/// start several independent runs.
final class AlgorithmObject: NativeObject {
  let make: () throws -> any SSLAlgorithm
  let name: String
  /// The options with their typed values (numbers, booleans, strings, nil).
  let options: [(String, OptionValue)]
  let label: String

  /// Wraps a constructor; it is called once here to validate the options.
  init(_ make: @escaping () throws -> any SSLAlgorithm) throws {
    let sample = try make()
    try sample.validate()
    self.make = make
    name = sample.name
    options = sample.options.map { ($0.spec.name, $0.value) }
    label = sample.label
  }

  var typeName: String { "algorithm" }
  var summary: String { "algorithm(\(label))" }
  var memberNames: [String] { ["name", "options"] }
  func member(_ name: String) throws -> Value? {
    switch name {
    case "name": return .string(self.name)
    case "options": return .record(options.map { ($0.0, $0.1.value) })
    default: return nil
    }
  }
}

/// The result of `train`: history, models, final metrics; keeps its trainer so
/// `save_checkpoint(run, path)` can write a resumable checkpoint.
final class RunObject: NativeObject {
  let run: Run
  let trainer: Trainer
  /// The name used in legends and `compare` (the algorithm name unless `train(name:)`).
  let name: String

  init(run: Run, trainer: Trainer, name: String) { self.run = run; self.trainer = trainer; self.name = name }

  var typeName: String { "run" }
  var summary: String {
    let acc = run.final.first { $0.0 == "test_acc" }.map { Format.fixed($0.1 * 100, 1) + "%" } ?? "n/a"
    return "run(\(name): \(run.steps)/\(run.config.steps) steps\(run.interrupted ? ", interrupted" : ""), test_acc \(acc), \(Format.fixed(run.seconds, 1)) s)"
  }
  var memberNames: [String] {
    ["history", "model", "live_model", "final", "detector", "steps", "seconds", "name", "label", "interrupted", "columns"]
  }

  func member(_ name: String) throws -> Value? {
    switch name {
    case "history":
      return .record(run.history.columns.map { c in (c, .list((run.history[c] ?? []).map { .number($0) })) })
    case "columns": return .list(run.history.columns.map { .string($0) })
    case "model": return .object(ModelObject(run.model))
    case "live_model": return .object(ModelObject(run.liveModel))
    case "final": return .record(run.final.map { ($0.0, .number($0.1)) })
    case "detector": return run.detector.map { d in .record(d.map { ($0.0, .number($0.1)) }) } ?? .null
    case "steps": return .number(Double(run.steps))
    case "seconds": return .number(run.seconds)
    case "name": return .string(self.name)
    case "label": return .string(run.label)
    case "interrupted": return .bool(run.interrupted)
    default: return nil
    }
  }
}

/// A text table (`compare(runs)`): displays as aligned columns; `t.rows` gives records.
final class TableObject: NativeObject {
  let header: [String]
  let rows: [[Value]]
  /// Per column, a fixed number of decimals for every number (seconds: 1), or nil for the
  /// default: integers as they are, other numbers with 4 decimals.
  let decimals: [Int?]
  init(header: [String], rows: [[Value]], decimals: [Int?]? = nil) {
    self.header = header; self.rows = rows
    self.decimals = decimals ?? [Int?](repeating: nil, count: header.count)
  }

  var typeName: String { "table" }
  var length: Int? { rows.count }
  var memberNames: [String] { ["rows", "columns"] }
  func member(_ name: String) throws -> Value? {
    switch name {
    case "rows": return .list(rows.map { r in .record(Array(zip(header, r))) })
    case "columns": return .list(header.map { .string($0) })
    default: return nil
    }
  }

  var summary: String {
    let cells = [header] + rows.map { r in r.enumerated().map { TableObject.cell($1, digits: decimals[$0]) } }
    let widths = header.indices.map { i in cells.map { $0[i].count }.max() ?? 0 }
    return cells.enumerated().map { k, row in
      let line = row.enumerated().map { i, s in
        // Text columns align left, numbers right.
        i == 0 ? s.padding(to: widths[i]) : String(repeating: " ", count: widths[i] - s.count) + s
      }.joined(separator: "  ")
      return k == 0 ? line + "\n" + widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") : line
    }.joined(separator: "\n")
  }

  static func cell(_ v: Value, digits: Int?) -> String {
    switch v {
    case .number(let x) where x.isNaN: return "-"
    case .number(let x) where digits != nil: return Format.fixed(x, digits ?? 0)
    case .number(let x) where x != x.rounded(): return Format.fixed(x, 4)
    case .string(let s): return s
    default: return v.display
    }
  }

}

/// `custom(unsup: f)`: an SSL algorithm whose unlabeled loss is an RSL function.
///
/// Each step `f(ctx)` receives a record with the step's tensors (autodiff on):
/// `weak` (weak-view logits [U, C], detached), `strong` (strong-view logits [U, C], or nil
/// for `views: "weak"`, where `weak` carries the gradient), `labeled` (labeled logits
/// [B, C]), `labels` ([B]), `weak_features`, `strong_features`, `labeled_features`,
/// `step` (0-based), `total`, `classes`, `model` (the live model). It returns the loss (a
/// one-element tensor) or a record `{loss, mask, pseudo_labels}` whose per-sample mask and
/// pseudo-labels feed the history's mask rate and pseudo-label accuracy.
final class CustomAlgorithm: SSLAlgorithm {
  let name = "custom"
  let views: UnlabeledViews
  let function: Value
  let context: CallContext
  let functionName: String

  init(function: Value, views: UnlabeledViews, context: CallContext) {
    self.function = function
    self.views = views
    self.context = context
    if case .closure(let c) = function { functionName = c.name } else { functionName = "fn" }
  }

  /// Not declared `@AlgorithmOption`s: the function is no option value; shown for the run label.
  var options: [any AnyOption] {
    [AlgorithmOption(wrappedValue: functionName, "unsup", doc: "the unlabeled-loss function"),
     AlgorithmOption(wrappedValue: views.optionName, "views", doc: "the unlabeled views")]
  }

  func unsupervisedLoss(_ b: SSLBatch) throws -> UnsupervisedResult {
    let ctx: [(String, Value)] = [
      ("weak", .tensor(b.weakLogits)),
      ("strong", b.strongLogits.map { .tensor($0) } ?? .null),
      ("labeled", .tensor(b.labeledLogits)),
      ("labels", .tensor(Tensor(shape: [b.labels.count], values: b.labels.map(Float.init)))),
      ("weak_features", .tensor(b.weakFeatures)),
      ("strong_features", b.strongFeatures.map { .tensor($0) } ?? .null),
      ("labeled_features", .tensor(b.labeledFeatures)),
      ("step", .number(Double(b.step))),
      ("total", .number(Double(b.totalSteps))),
      ("classes", .number(Double(b.classes))),
      ("model", .object(ModelObject(b.model))),
    ]
    // Ctrl-C inside the callback must not abort the step half-way: the trainer stops
    // cleanly at the next step boundary instead.
    let held = context.holdInterrupts
    context.holdInterrupts = true
    defer { context.holdInterrupts = held }
    let result = try context.call(function, [.record(ctx)])
    let u = b.weakLogits.shape[0]
    switch result {
    case .tensor(let t):
      return UnsupervisedResult(loss: try CustomAlgorithm.scalar(t, functionName), mask: [], pseudoLabels: [])
    case .record(let r):
      guard case .tensor(let t)? = r.get("loss") else {
        throw RuntimeError.invalidArgument(op: "custom", message: "\(functionName) returned a record without a tensor field 'loss' (fields: \(r.keys.joined(separator: ", ")))")
      }
      let mask = try r.get("mask").map { try CustomAlgorithm.floats($0, u, "mask", functionName) } ?? []
      let pl = try r.get("pseudo_labels").map { try CustomAlgorithm.floats($0, u, "pseudo_labels", functionName) } ?? []
      let labels = try pl.map { v -> Int in
        guard v == v.rounded(), v >= 0, Int(v) < b.classes else {
          throw RuntimeError.invalidArgument(op: "custom", message: "\(functionName) returned pseudo-label \(v), not a class index in 0..\(b.classes)")
        }
        return Int(v)
      }
      return UnsupervisedResult(loss: try CustomAlgorithm.scalar(t, functionName), mask: mask, pseudoLabels: labels)
    default:
      throw RuntimeError.invalidArgument(op: "custom", message: "\(functionName) must return the unlabeled loss (a one-element tensor) or a record {loss, mask, pseudo_labels}, got \(result.typeName)")
    }
  }

  static func scalar(_ t: Tensor, _ f: String) throws -> Tensor {
    guard t.count == 1 else {
      throw RuntimeError.invalidArgument(op: "custom", message: "\(f) returned a loss of shape \(Shape.describe(t.shape)); a one-element tensor is needed (use mean or sum)")
    }
    return t.rank == 0 ? t : try t.reshape([])
  }

  static func floats(_ v: Value, _ n: Int, _ field: String, _ f: String) throws -> [Float] {
    let t: Tensor
    if case .tensor(let x) = v { t = x } else {
      do { t = try TensorConversion.tensor(from: v) } catch {
        throw RuntimeError.invalidArgument(op: "custom", message: "\(f) returned a '\(field)' that is a \(v.typeName), not a tensor or list of numbers")
      }
    }
    guard t.count == n else {
      throw RuntimeError.invalidArgument(op: "custom", message: "\(f) returned a '\(field)' of \(t.count) values for \(n) unlabeled samples")
    }
    return t.values
  }
}
