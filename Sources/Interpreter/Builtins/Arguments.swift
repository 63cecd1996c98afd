import Runtime

/// The arguments of one builtin call, bound to the declared parameters, with checked
/// accessors that fail with Lua-style messages:
/// `bad argument #2 to 'reshape' (list of integers expected, got string)`.
///
/// Positions are 0-based in Swift and reported 1-based to users. A parameter given as
/// `nil` (or omitted with a nil default) reads as absent in the `optional...` accessors.
public struct Arguments {
  public let builtin: Builtin
  /// Interpreter services: `call` a function value, `write` output, `emitImage`, `rng`.
  public let context: CallContext
  var values: [Value?]
  /// Positional arguments collected by a `...rest` parameter.
  public var rest: [Value]

  /// The raw value of parameter `i` (`.null` when absent).
  public subscript(i: Int) -> Value { i < values.count ? values[i] ?? .null : .null }

  /// Whether parameter `i` was given a non-nil value.
  public func has(_ i: Int) -> Bool {
    if case .null = self[i] { return false }
    return true
  }

  /// An error about argument `i`: `bad argument #i+1 to 'name' (message)`.
  public func error(_ i: Int, _ message: String) -> ScriptError {
    ScriptError(.badArgument(function: builtin.name, position: i + 1, message: message))
  }

  /// The standard "<expected> expected, got <type>" error.
  public func typeError(_ i: Int, _ expected: String) -> ScriptError {
    let got: String
    if i >= values.count || values[i] == nil { got = "no value" } else { got = self[i].typeName }
    return error(i, "\(expected) expected, got \(got)")
  }

  public func number(_ i: Int) throws(ScriptError) -> Double {
    switch self[i] {
    case .number(let v): return v
    case .tensor(let t) where t.count == 1: return Double(t.storage.base[0])
    default: throw typeError(i, "number")
    }
  }

  public func optionalNumber(_ i: Int) throws(ScriptError) -> Double? { has(i) ? try number(i) : nil }

  /// An integral number (a non-integral one is an error, never rounded).
  public func int(_ i: Int) throws(ScriptError) -> Int {
    let v = try number(i)
    guard let n = Arguments.integer(v) else { throw error(i, "integer expected, got \(Value.formatNumber(v))") }
    return n
  }

  public func optionalInt(_ i: Int) throws(ScriptError) -> Int? { has(i) ? try int(i) : nil }

  /// `v` as an Int when it is integral and in range.
  public static func integer(_ v: Double) -> Int? {
    guard v == v.rounded(), abs(v) < 9.007_199_254_740_992e15 else { return nil }
    return Int(v)
  }

  public func bool(_ i: Int) throws(ScriptError) -> Bool {
    guard case .bool(let b) = self[i] else { throw typeError(i, "bool") }
    return b
  }

  public func optionalBool(_ i: Int) throws(ScriptError) -> Bool? { has(i) ? try bool(i) : nil }

  public func string(_ i: Int) throws(ScriptError) -> String {
    guard case .string(let s) = self[i] else { throw typeError(i, "string") }
    return s
  }

  public func optionalString(_ i: Int) throws(ScriptError) -> String? { has(i) ? try string(i) : nil }

  /// A list, a range (expanded), a 1-D tensor (as numbers) or an iterable object's elements.
  public func list(_ i: Int) throws(ScriptError) -> [Value] {
    switch self[i] {
    case .list(let l): return l.items
    case .range(let a, let b):
      do { return try Indexing.rangeItems(a, b) } catch { throw self.error(i, "range with at most \(Indexing.maxRangeItems) items expected") }
    case .tensor(let t) where t.rank == 1: return t.values.map { .number(Double($0)) }
    case .object(let o) where o.length != nil:
      do { return try Indexing.elements(self[i]) } catch { throw ScriptError.wrap(error, at: SourceSpan(source: 0, line: 0, column: 0)).unlocated }
    default: throw typeError(i, "list")
    }
  }

  /// The list object itself, for builtins that mutate it (`append`).
  public func listRef(_ i: Int) throws(ScriptError) -> ListRef {
    guard case .list(let l) = self[i] else { throw typeError(i, "list") }
    return l
  }

  /// A list of integers (a shape, indices), a range, a 1-D tensor or a single integer.
  public func intList(_ i: Int) throws(ScriptError) -> [Int] {
    if case .number(let v) = self[i] {
      guard let n = Arguments.integer(v) else { throw error(i, "integer expected, got \(Value.formatNumber(v))") }
      return [n]
    }
    guard let items = try? list(i) else { throw typeError(i, "list of integers") }
    var out: [Int] = []
    out.reserveCapacity(items.count)
    for v in items {
      guard case .number(let x) = v else { throw error(i, "list of integers expected, got a list containing \(v.typeName)") }
      guard let n = Arguments.integer(x) else {
        throw error(i, "list of integers expected, got a list containing \(Value.formatNumber(x))")
      }
      out.append(n)
    }
    return out
  }

  public func record(_ i: Int) throws(ScriptError) -> RecordRef {
    guard case .record(let r) = self[i] else { throw typeError(i, "record") }
    return r
  }

  /// A tensor; numbers and (nested) lists of numbers are converted.
  public func tensor(_ i: Int) throws(ScriptError) -> Tensor {
    if case .tensor(let t) = self[i] { return t }
    do {
      return try TensorConversion.tensor(from: self[i])
    } catch {
      if case .badArgument = error.kind { throw error }
      throw typeError(i, "tensor")
    }
  }

  public func optionalTensor(_ i: Int) throws(ScriptError) -> Tensor? { has(i) ? try tensor(i) : nil }

  /// A list of tensors (for `concat`, `stack`, `backward`).
  public func tensorList(_ i: Int) throws(ScriptError) -> [Tensor] {
    guard case .list(let l) = self[i] else { throw typeError(i, "list of tensors") }
    var out: [Tensor] = []
    for v in l.items {
      guard case .tensor(let t) = v else { throw error(i, "list of tensors expected, got a list containing \(v.typeName)") }
      out.append(t)
    }
    return out
  }

  /// Something callable: a function or a callable object.
  public func function(_ i: Int) throws(ScriptError) -> Value {
    switch self[i] {
    case .closure, .builtin, .object: return self[i]
    default: throw typeError(i, "function")
    }
  }

  public func optionalFunction(_ i: Int) throws(ScriptError) -> Value? { has(i) ? try function(i) : nil }

  /// A runtime object of a given class, e.g. `a.object(0, as: DatasetObject.self, expected: "dataset")`.
  public func object<T: NativeObject>(_ i: Int, as type: T.Type, expected: String) throws(ScriptError) -> T {
    guard case .object(let o) = self[i], let t = o as? T else { throw typeError(i, expected) }
    return t
  }

  // MARK: - By name

  /// The position of parameter `name`, for the accessors above.
  public func position(_ name: String) -> Int { builtin.position(name) }

  /// The raw value of parameter `name` (`.null` when absent).
  public subscript(name: String) -> Value { self[position(name)] }

  public func number(_ name: String) throws(ScriptError) -> Double { try number(position(name)) }
  public func int(_ name: String) throws(ScriptError) -> Int { try int(position(name)) }
  public func optionalInt(_ name: String) throws(ScriptError) -> Int? { try optionalInt(position(name)) }
  public func bool(_ name: String) throws(ScriptError) -> Bool { try bool(position(name)) }
  public func string(_ name: String) throws(ScriptError) -> String { try string(position(name)) }
  public func optionalString(_ name: String) throws(ScriptError) -> String? { try optionalString(position(name)) }
  public func function(_ name: String) throws(ScriptError) -> Value { try function(position(name)) }
  public func error(_ name: String, _ message: String) -> ScriptError { error(position(name), message) }
  public func object<T: NativeObject>(_ name: String, as type: T.Type, expected: String) throws(ScriptError) -> T {
    try object(position(name), as: type, expected: expected)
  }

  /// The typed value of a declared option, checked against its type and range; a mode's
  /// string is checked against its choices ("did you mean").
  public func option(_ spec: OptionSpec) throws(ScriptError) -> OptionValue {
    let i = position(spec.name)
    let v: OptionValue
    switch self[i] {
    case .number(let x): v = .number(x)
    case .tensor(let t) where t.count == 1: v = .number(Double(t.storage.base[0]))
    case .bool(let b): v = .bool(b)
    case .string(let s): v = .string(s)
    case .null: v = .none
    default: throw typeError(i, spec.typeName)
    }
    if let problem = spec.check(v) {
      if case .wrongType(let expected) = problem { throw typeError(i, expected) }
      throw error(i, problem.message(option: spec.name))
    }
    return v
  }

  // MARK: - Shared argument kinds

  /// A seed: a non-negative integer (the one seed check every builtin uses).
  public func seed(_ i: Int) throws(ScriptError) -> UInt64 {
    let s = try int(i)
    guard s >= 0 else { throw error(i, "non-negative integer expected, got \(s)") }
    return UInt64(s)
  }

  public func optionalSeed(_ i: Int) throws(ScriptError) -> UInt64? { has(i) ? try seed(i) : nil }

  /// A dataset (the one dataset-argument reader).
  public func dataset(_ i: Int) throws(ScriptError) -> Dataset {
    try object(i, as: DatasetObject.self, expected: "dataset").dataset
  }

  public func optionalDataset(_ i: Int) throws(ScriptError) -> Dataset? { has(i) ? try dataset(i) : nil }
}

extension OptionValue {
  /// The language value of a typed option (`nil` for an unset optional).
  var value: Value {
    switch self {
    case .number(let x): return .number(x)
    case .int(let n): return .number(Double(n))
    case .bool(let b): return .bool(b)
    case .string(let s): return .string(s)
    case .none: return .null
    }
  }
}
