import Runtime

/// A value of the language.
///
/// Numbers are unboxed `Double`s so scalar loops allocate nothing. Lists and records are
/// reference types (mutable, shared by reference, as in Python). Runtime objects that are
/// not core (datasets, models, runs, ...) are `.object(any NativeObject)`: other modules
/// add kinds by conforming a class to `NativeObject`, never by editing this enum.
public enum Value {
  case number(Double)
  case bool(Bool)
  case string(String)
  /// RSL's `nil`.
  case null
  case list(ListRef)
  case record(RecordRef)
  /// The half-open integer range `a..b`.
  case range(Int, Int)
  case closure(Closure)
  case builtin(Builtin)
  case tensor(Tensor)
  case object(any NativeObject)

  /// The kind's name as `type(x)` reports it.
  public var typeName: String {
    switch self {
    case .number: return "number"
    case .bool: return "bool"
    case .string: return "string"
    case .null: return "nil"
    case .list: return "list"
    case .record: return "record"
    case .range: return "range"
    case .closure, .builtin: return "function"
    case .tensor: return "tensor"
    case .object(let o): return o.typeName
    }
  }

  /// A list value holding `items`.
  public static func list(_ items: [Value]) -> Value { .list(ListRef(items)) }

  /// A record value with fields in the given order.
  public static func record(_ fields: KeyValuePairs<String, Value>) -> Value {
    .record(RecordRef(fields.map { ($0.key, $0.value) }))
  }

  /// A record value with fields in the given order.
  public static func record(_ fields: [(String, Value)]) -> Value { .record(RecordRef(fields)) }

  /// The number, when this is one.
  public var asNumber: Double? { if case .number(let v) = self { return v } else { return nil } }
}

/// A mutable list shared by reference.
public final class ListRef {
  public var items: [Value]
  public init(_ items: [Value]) { self.items = items }
}

/// A mutable record: fields in insertion order. Records are small, so lookups are a
/// linear scan, which beats hashing for a handful of fields.
public final class RecordRef {
  public private(set) var keys: [String]
  public private(set) var values: [Value]

  public init(_ fields: [(String, Value)]) {
    keys = fields.map(\.0)
    values = fields.map(\.1)
  }

  public func get(_ key: String) -> Value? {
    for i in keys.indices where keys[i] == key { return values[i] }
    return nil
  }

  /// Sets a field, appending it when new.
  public func set(_ key: String, _ value: Value) {
    for i in keys.indices where keys[i] == key {
      values[i] = value
      return
    }
    keys.append(key)
    values.append(value)
  }

  public var fields: [(String, Value)] { Array(zip(keys, values)) }
}

/// A runtime object exposed to the language (dataset, model, optimizer, run, ...).
///
/// Conform a class to add a kind; every requirement but `typeName` and `summary` has a
/// default. Members are looked up by `x.name`; `x[i]` calls `index`; `x(args)` calls `call`;
/// `len(x)` uses `length`; `for v in x` uses `elements()` when implemented, otherwise visits
/// `x[0] ..< x[length]` lazily (so a dataset need not materialise its samples).
///
///     final class RunObject: NativeObject {
///       let run: TrainingRun
///       var typeName: String { "run" }
///       var summary: String { "run(\(run.algorithm), \(run.steps) steps)" }
///       var memberNames: [String] { ["history", "model", "final"] }
///       func member(_ name: String) throws -> Value? {
///         switch name {
///         case "history": return .record(run.history.map { ($0.key, .list($0.value.map(Value.number))) })
///         default: return nil   // "run has no field 'x'" with a suggestion from memberNames
///         }
///       }
///     }
public protocol NativeObject: AnyObject {
  /// The kind's name as `type(x)` reports it: "dataset", "model", ...
  var typeName: String { get }
  /// A one-line display, e.g. `dataset(fashion_mnist train, 60000 images [1, 28, 28], 10 classes, 0 synthetic)`.
  var summary: String { get }
  /// The value of `x.name`, or nil when there is no such member.
  func member(_ name: String) throws -> Value?
  /// Names offered by completion and "did you mean".
  var memberNames: [String] { get }
  /// `x[key]`, or nil when the object is not indexable.
  func index(_ key: Value) throws -> Value?
  /// `len(x)`, or nil when the object has no length.
  var length: Int? { get }
  /// All elements at once for `for v in x`; leave nil (the default) to be iterated lazily
  /// through `length` and `index`.
  func elements() throws -> [Value]?
  /// `x(args...)` for callable objects (a model gives logits), or nil when not callable.
  func call(_ arguments: [Value], context: CallContext) throws -> Value?
  /// A path of a PNG file to show (images): notebooks embed it, the REPL prints the path.
  var imagePath: String? { get }
}

extension NativeObject {
  public func member(_ name: String) throws -> Value? { nil }
  public var memberNames: [String] { [] }
  public func index(_ key: Value) throws -> Value? { nil }
  public var length: Int? { nil }
  public func elements() throws -> [Value]? { nil }
  public func call(_ arguments: [Value], context: CallContext) throws -> Value? { nil }
  public var imagePath: String? { nil }
}
