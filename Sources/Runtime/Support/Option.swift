/// Declared options: one declaration per option (name, type, default, valid range, one-line
/// doc), from which the language binding derives a builtin's signature, `:help`, the
/// Markdown reference, argument validation and the typed `algo.options` record.
///
/// An algorithm declares each option with the `@AlgorithmOption` property wrapper:
///
///     @AlgorithmOption("tau", .unit, doc: "confidence threshold") public var tau: Float = 0.95
///
/// and nothing else: `SSLAlgorithm.options` finds the declarations (in declaration order)
/// and the builtin reads arguments by these names.

/// A typed option value, as declared defaults and `algo.options` carry them.
public enum OptionValue: Sendable, Equatable, CustomStringConvertible {
  case number(Double)
  case int(Int)
  case bool(Bool)
  case string(String)
  /// Not set (an optional option left to its documented automatic value).
  case none

  /// Swift's rendering (`0.95`, `1.0`, `true`, `pu`), as run labels show options.
  public var description: String {
    switch self {
    case .number(let v): return "\(v)"
    case .int(let v): return "\(v)"
    case .bool(let v): return "\(v)"
    case .string(let s): return s
    case .none: return "nil"
    }
  }
}

/// A Swift type an option can have: Float, Double, Int, Bool, Int?, String or a mode enum.
public protocol OptionType {
  /// What the type is called in messages: "number", "integer", "bool", "string".
  static var optionTypeName: String { get }
  /// The accepted strings of a mode enum (nil for other types).
  static var optionChoices: [String]? { get }
  var optionValue: OptionValue { get }
  /// Converts a value of the right kind; nil when the kind is wrong.
  init?(optionValue: OptionValue)
}

extension OptionType {
  public static var optionChoices: [String]? { nil }
}

extension Float: OptionType {
  public static var optionTypeName: String { "number" }
  /// Through the shortest decimal text, so 0.95 reads back as 0.95, not 0.949999988079071.
  public var optionValue: OptionValue { .number(Double(description) ?? Double(self)) }
  public init?(optionValue v: OptionValue) {
    switch v {
    case .number(let x): self = Float(x)
    case .int(let n): self = Float(n)
    default: return nil
    }
  }
}

extension Double: OptionType {
  public static var optionTypeName: String { "number" }
  public var optionValue: OptionValue { .number(self) }
  public init?(optionValue v: OptionValue) {
    switch v {
    case .number(let x): self = x
    case .int(let n): self = Double(n)
    default: return nil
    }
  }
}

extension Int: OptionType {
  public static var optionTypeName: String { "integer" }
  public var optionValue: OptionValue { .int(self) }
  public init?(optionValue v: OptionValue) {
    switch v {
    case .int(let n): self = n
    case .number(let x) where x == x.rounded() && abs(x) < 9.007_199_254_740_992e15: self = Int(x)
    default: return nil
    }
  }
}

extension UInt64: OptionType {
  public static var optionTypeName: String { "integer" }
  public var optionValue: OptionValue { .int(Int(truncatingIfNeeded: self)) }
  public init?(optionValue v: OptionValue) {
    guard let n = Int(optionValue: v), n >= 0 else { return nil }
    self = UInt64(n)
  }
}

extension Bool: OptionType {
  public static var optionTypeName: String { "bool" }
  public var optionValue: OptionValue { .bool(self) }
  public init?(optionValue v: OptionValue) {
    guard case .bool(let b) = v else { return nil }
    self = b
  }
}

extension String: OptionType {
  public static var optionTypeName: String { "string" }
  public var optionValue: OptionValue { .string(self) }
  public init?(optionValue v: OptionValue) {
    guard case .string(let s) = v else { return nil }
    self = s
  }
}

extension Optional: OptionType where Wrapped: OptionType {
  public static var optionTypeName: String { Wrapped.optionTypeName }
  public static var optionChoices: [String]? { Wrapped.optionChoices }
  public var optionValue: OptionValue { map(\.optionValue) ?? .none }
  public init?(optionValue v: OptionValue) {
    if case .none = v { self = .none; return }
    guard let w = Wrapped(optionValue: v) else { return nil }
    self = .some(w)
  }
}

/// A mode: a string-valued enum whose raw values are the names users write
/// (`routing: "detector"`). The string becomes the enum once, where the option is set.
public protocol OptionEnum: OptionType, RawRepresentable, CaseIterable where RawValue == String {}

extension OptionEnum {
  public static var optionTypeName: String { "string" }
  public static var optionChoices: [String]? { allCases.map(\.rawValue) }
  public var optionValue: OptionValue { .string(rawValue) }
  public init?(optionValue v: OptionValue) {
    guard case .string(let s) = v, let e = Self(rawValue: s) else { return nil }
    self = e
  }
}

/// The valid values of a numeric option: an interval with open or closed ends.
public struct OptionRange: Sendable, Equatable {
  public var lower: Double?
  public var upper: Double?
  public var lowerOpen = false
  public var upperOpen = false

  public init(lower: Double?, upper: Double?, lowerOpen: Bool = false, upperOpen: Bool = false) {
    self.lower = lower; self.upper = upper; self.lowerOpen = lowerOpen; self.upperOpen = upperOpen
  }

  /// [0, 1]: thresholds, momenta, fractions.
  public static let unit = OptionRange(lower: 0, upper: 1)
  /// (0, 1): a threshold that must split.
  public static let openUnit = OptionRange(lower: 0, upper: 1, lowerOpen: true, upperOpen: true)
  /// [0, ∞), finite: loss weights.
  public static let nonNegative = OptionRange(lower: 0, upper: nil)
  /// (0, ∞), finite: learning rates.
  public static let positive = OptionRange(lower: 0, upper: nil, lowerOpen: true)
  /// [n, ∞): counts and sizes.
  public static func atLeast(_ n: Double) -> OptionRange { OptionRange(lower: n, upper: nil) }

  public func contains(_ v: Double) -> Bool {
    guard v.isFinite else { return false }
    if let l = lower, lowerOpen ? v <= l : v < l { return false }
    if let u = upper, upperOpen ? v >= u : v > u { return false }
    return true
  }

  /// "a value in [0, 1]", "a non-negative number", "an integer >= 1".
  public func describe(integer: Bool) -> String {
    func f(_ x: Double) -> String { x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : "\(x)" }
    switch (lower, upper) {
    case (let l?, let u?):
      return "a value in \(lowerOpen ? "(" : "[")\(f(l)), \(f(u))\(upperOpen ? ")" : "]")"
    case (0?, nil) where !integer:
      return lowerOpen ? "a positive number" : "a non-negative number"
    case (0?, nil) where !lowerOpen:
      return "non-negative integer"
    case (let l?, nil):
      return (integer ? "an integer " : "a number ") + (lowerOpen ? "> " : ">= ") + f(l)
    case (nil, let u?):
      return (integer ? "an integer " : "a number ") + (upperOpen ? "< " : "<= ") + f(u)
    case (nil, nil):
      return integer ? "an integer" : "a finite number"
    }
  }
}

/// Everything declared about one option except its current value.
public struct OptionSpec: Sendable {
  /// The name users write (`lambda_syn`).
  public let name: String
  /// One line for the reference.
  public let doc: String
  public let typeName: String
  /// The accepted strings of a mode.
  public let choices: [String]?
  public let range: OptionRange?
  /// The default; nil for a required option (no default).
  public let defaultValue: OptionValue?
  /// What an unset (nil) value means, e.g. "10% of the run".
  public let noneMeans: String?

  public init(name: String, doc: String, typeName: String, choices: [String]?, range: OptionRange?,
              defaultValue: OptionValue?, noneMeans: String?) {
    self.name = name; self.doc = doc; self.typeName = typeName; self.choices = choices; self.range = range
    self.defaultValue = defaultValue; self.noneMeans = noneMeans
  }

  /// Checks a value's kind and range; the message completes "bad argument #n to 'f' (...)".
  public func check(_ v: OptionValue) -> OptionProblem? {
    if case .none = v { return defaultValue == OptionValue.none ? nil : .wrongType(expected: typeName) }
    if let choices {
      guard case .string(let s) = v else { return .wrongType(expected: typeName) }
      return choices.contains(s) ? nil : .notAChoice(s, choices)
    }
    let x: Double
    switch (typeName, v) {
    case ("number", .number(let d)): x = d
    case ("number", .int(let n)): x = Double(n)
    case ("integer", .int(let n)): x = Double(n)
    case ("integer", .number(let d)):
      guard d == d.rounded(), abs(d) < 9.007_199_254_740_992e15 else { return .notInteger(d) }
      x = d
    case ("bool", .bool), ("string", .string): return nil
    default: return .wrongType(expected: typeName)
    }
    if let range, !range.contains(x) { return .outOfRange(x, range.describe(integer: typeName == "integer")) }
    return nil
  }

  /// `0.95`, `"pu"`, `nil`: the default as a literal of the language.
  public var defaultText: String? { defaultValue.map(OptionSpec.literal) }

  /// A value written as the language would (numbers without a trailing `.0`, strings quoted).
  public static func literal(_ v: OptionValue) -> String {
    switch v {
    case .number(let x):
      return x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : "\(x)"
    case .string(let s): return "\"\(s)\""
    default: return v.description
    }
  }
}

/// Why a value does not fit an option.
public enum OptionProblem: Error, Equatable {
  case wrongType(expected: String)
  case notInteger(Double)
  case outOfRange(Double, String)
  case notAChoice(String, [String])

  /// The text inside "bad argument #n to 'f' (...)"; `got` renders the offending value.
  public func message(option: String) -> String {
    func num(_ x: Double) -> String { x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : "\(x)" }
    switch self {
    case .wrongType(let e): return "\(e) expected"
    case .notInteger(let x): return "integer expected, got \(num(x))"
    case .outOfRange(let x, let want): return "\(want) expected, got \(num(x))"
    case .notAChoice(let s, let choices):
      let list = choices.map { "\"\($0)\"" }
      let alternatives = list.count > 1 ? list.dropLast().joined(separator: ", ") + " or " + list.last! : list.joined()
      let hint = Suggest.closest(to: s, in: choices).map { " (did you mean \"\($0)\"?)" } ?? ""
      return "\(option) must be \(alternatives), got \"\(s)\"\(hint)"
    }
  }
}

/// The type-erased face of a declared option: its spec and current value.
public protocol AnyOption: AnyObject {
  var spec: OptionSpec { get }
  var value: OptionValue { get }
  /// Sets the value after checking kind and range.
  func set(_ v: OptionValue) throws(OptionProblem)
}

extension AnyOption {
  /// The value as run labels show it (`10% of the run` for an unset optional).
  public var valueText: String {
    if case .none = value, let m = spec.noneMeans { return m }
    return value.description
  }
}

/// One declared option of an algorithm: `@AlgorithmOption("tau", .unit, doc: "...") var tau: Float = 0.95`.
/// The initial value is the default. A class, so the declarations found on an instance
/// (`SSLAlgorithm.options`) can be set by name.
@propertyWrapper
public final class AlgorithmOption<T: OptionType>: AnyOption {
  public let spec: OptionSpec
  public var wrappedValue: T

  public init(wrappedValue: T, _ name: String, _ range: OptionRange? = nil, none: String? = nil, doc: String) {
    self.wrappedValue = wrappedValue
    spec = OptionSpec(name: name, doc: doc, typeName: T.optionTypeName, choices: T.optionChoices, range: range,
                      defaultValue: wrappedValue.optionValue, noneMeans: none)
  }

  public var value: OptionValue { wrappedValue.optionValue }

  public func set(_ v: OptionValue) throws(OptionProblem) {
    if let p = spec.check(v) { throw p }
    guard let t = T(optionValue: v) else { throw .wrongType(expected: spec.typeName) }
    wrappedValue = t
  }
}

/// The `@AlgorithmOption` declarations of an object, in declaration order (base classes first).
public func declaredOptions(of object: AnyObject) -> [any AnyOption] {
  var mirrors: [Mirror] = []
  var m: Mirror? = Mirror(reflecting: object)
  while let cur = m { mirrors.insert(cur, at: 0); m = cur.superclassMirror }
  return mirrors.flatMap { $0.children.compactMap { $0.value as? any AnyOption } }
}

/// Sets options by name and checks them; the error names the option.
public func applyOptions(_ values: [(String, OptionValue)], to options: [any AnyOption], op: String) throws {
  for (name, v) in values {
    guard let o = options.first(where: { $0.spec.name == name }) else {
      throw RuntimeError.invalidArgument(op: op, message: "no option '\(name)'")
    }
    do { try o.set(v) } catch { throw RuntimeError.invalidArgument(op: op, message: "\(name): \(error.message(option: name))") }
  }
}

/// One declared option of a value type (`TrainConfig`): its spec and the property it sets.
/// The default is the property's initial value, read from `defaults`.
public struct ConfigOption<Root> {
  public let spec: OptionSpec
  public let get: (Root) -> OptionValue
  let assign: (inout Root, OptionValue) -> Bool

  public init<T: OptionType>(_ keyPath: WritableKeyPath<Root, T>, _ name: String, _ range: OptionRange? = nil,
                             none: String? = nil, required: Bool = false, doc: String, defaults: Root) {
    spec = OptionSpec(name: name, doc: doc, typeName: T.optionTypeName, choices: T.optionChoices, range: range,
                      defaultValue: required ? nil : defaults[keyPath: keyPath].optionValue, noneMeans: none)
    get = { $0[keyPath: keyPath].optionValue }
    assign = { root, v in
      guard let t = T(optionValue: v) else { return false }
      root[keyPath: keyPath] = t
      return true
    }
  }

  /// Sets the property after checking kind and range.
  public func set(_ root: inout Root, _ v: OptionValue) throws(OptionProblem) {
    if let p = spec.check(v) { throw p }
    guard assign(&root, v) else { throw .wrongType(expected: spec.typeName) }
  }
}
