// HOW TO ADD BUILTINS (for every domain: data, models, SSL, plots, ...)
//
// 1. Create `Sources/Interpreter/Builtins/<Domain>Builtins.swift` with
//
//        extension BuiltinRegistry {
//          static func registerData(_ r: BuiltinRegistry) {
//            r.add("take(ds, n)", category: "data",
//                  doc: "The first n samples of a dataset.",
//                  help: "Returns a new dataset sharing storage with ds.",
//                  example: "take(fashion_mnist(), 100)") { a in
//              let ds = try a.object(0, as: DatasetObject.self, expected: "dataset")
//              return .object(DatasetObject(try ds.dataset.prefix(try a.int(1))))
//            }
//          }
//        }
//
//    The signature string is parsed once: `name` (required), `name?` (optional, nil),
//    `name: literal` (optional with a default), `name:` (required, usually given by keyword),
//    `...name` (the rest of the positional arguments). Every parameter may also be given
//    positionally in the listed order, and by keyword. Read arguments through `Arguments`
//    (`a.tensor(0)`, `a.int(1)`, `a.optionalNumber(2)`, `a.string(3)`, `a.function(4)`...):
//    they produce the Lua-style "bad argument #2 to 'take' (integer expected, got string)".
//    Throw `RuntimeError` for failures of the operation itself; the call site adds the
//    file:line:col. Use `a.context` to call back into the language, print, emit images
//    or draw from the global seed.
// 2. Add `registerData` to `BuiltinRegistry.domains` below.
// 3. A new runtime object kind: a final class conforming to `NativeObject` (Eval/Value.swift),
//    returned as `.object(x)`.
// The registry test (Tests/InterpreterTests/BuiltinRegistryTests.swift) then checks the
// docs, parses and runs the example, and docs/builtins.md is regenerated from `reference()`.

import Runtime
import Synchronization

/// One builtin function: its signature, documentation and implementation, declared once.
public final class Builtin: @unchecked Sendable {
  /// How a parameter is passed.
  public enum ParameterKind: Equatable {
    /// Must be given (positionally or by keyword).
    case required
    /// May be omitted; then it holds the default.
    case optional(defaultText: String)
    /// Collects the remaining positional arguments.
    case rest
  }

  public struct Parameter {
    public let name: String
    public let kind: ParameterKind
    let defaultValue: Value?
  }

  /// What a declaration resolves to: the signature, its parameters and declared options.
  struct Resolved {
    let signature: String
    let parameters: [Parameter]
    let options: [OptionSpec]
  }

  /// Resolved when declared, or on first use: an SSL algorithm's options are found by
  /// reflecting over an instance, which was a sixth of a tiny script's start-up, so its
  /// builtin resolves them the first time the builtin is called or documented.
  enum Declaration {
    case ready(Resolved)
    case deferred(Deferred)
  }

  /// A declaration computed once, on first use, from whichever thread asks first.
  final class Deferred: @unchecked Sendable {
    private let make: () -> Resolved
    private let state = Mutex<Resolved?>(nil)
    init(_ make: @escaping () -> Resolved) { self.make = make }
    var value: Resolved {
      state.withLock { s in
        if let s { return s }
        let r = make()
        s = r
        return r
      }
    }
  }

  public let name: String
  private let declaration: Declaration
  var resolved: Resolved {
    switch declaration {
    case .ready(let r): return r
    case .deferred(let d): return d.value
    }
  }
  /// The signature as written in the docs, e.g. `mean(t, axis: nil)`.
  public var signature: String { resolved.signature }
  public var parameters: [Parameter] { resolved.parameters }
  public let category: String
  /// One line.
  public let doc: String
  /// A longer explanation.
  public let help: String
  /// A runnable example (run by the registry test unless `exampleNeedsFiles`).
  public let example: String
  public let exampleNeedsFiles: Bool
  /// The declared options among the parameters (type, range, one-line doc), listed by
  /// `:help` and the reference; empty for builtins declared by a signature string alone.
  public var options: [OptionSpec] { resolved.options }
  let body: (inout Arguments) throws -> Value

  init(name: String, declaration: Declaration, category: String, doc: String,
       help: String, example: String, exampleNeedsFiles: Bool,
       body: @escaping (inout Arguments) throws -> Value) {
    self.name = name; self.declaration = declaration; self.category = category
    self.doc = doc; self.help = help; self.example = example; self.exampleNeedsFiles = exampleNeedsFiles
    self.body = body
  }

  /// The position of parameter `name` (0-based). Asking for an undeclared name is a
  /// programming error in the builtin's body.
  func position(_ name: String) -> Int {
    guard let i = parameters.firstIndex(where: { $0.name == name }) else {
      preconditionFailure("builtin \(self.name) has no parameter '\(name)'")
    }
    return i
  }

  /// Binds positional and keyword arguments to parameters and runs the body.
  func invoke(_ args: [Value], _ keywords: [(String, Value)], context: CallContext) throws -> Value {
    let declared = resolved
    let parameters = declared.parameters, signature = declared.signature
    var bound = [Value?](repeating: nil, count: parameters.count)
    var rest: [Value] = []
    let restIndex = parameters.firstIndex { $0.kind == .rest }
    for (i, v) in args.enumerated() {
      if let r = restIndex, i >= r {
        rest.append(v)
      } else if i < parameters.count {
        bound[i] = v
      } else {
        throw ScriptError(.arguments(function: name, message: "takes at most \(parameters.count) argument\(parameters.count == 1 ? "" : "s"), got \(args.count) (signature \(signature))"))
      }
    }
    for (k, v) in keywords {
      guard let i = parameters.firstIndex(where: { $0.name == k && $0.kind != .rest }) else {
        let hint = Suggest.closest(to: k, in: parameters.map(\.name)).map { " (did you mean '\($0)'?)" } ?? ""
        throw ScriptError(.arguments(function: name, message: "unknown keyword argument '\(k)'\(hint); signature \(signature)"))
      }
      guard bound[i] == nil else {
        throw ScriptError(.arguments(function: name, message: "argument '\(k)' given twice"))
      }
      bound[i] = v
    }
    for (i, p) in parameters.enumerated() where bound[i] == nil {
      switch p.kind {
      case .required:
        throw ScriptError(.badArgument(function: name, position: i + 1, message: "'\(p.name)' expected, got no value"))
      case .optional: bound[i] = p.defaultValue
      case .rest: break
      }
    }
    var a = Arguments(builtin: self, context: context, values: bound, rest: rest)
    return try body(&a)
  }
}

/// Every builtin, by name. Built once from the domain registrars; read by `help`,
/// completion and the Markdown reference.
public final class BuiltinRegistry: @unchecked Sendable {
  public private(set) var all: [Builtin] = []
  private var byName: [String: Builtin] = [:]

  /// The domain registrars, in reference order. Add yours here.
  static let domains: [@Sendable (BuiltinRegistry) -> Void] = [
    registerCore, registerTensor, registerAutodiff, registerFiles, registerData,
    registerModels, registerOptim, registerSSL, registerPlots, registerGenerators, registerSweeps, registerStats,
  ]

  /// The registry with every domain registered.
  public static let standard: BuiltinRegistry = {
    let r = BuiltinRegistry()
    for d in domains { d(r) }
    return r
  }()

  public subscript(name: String) -> Builtin? { byName[name] }

  /// Declares a builtin. `signature` is `name(param, opt?, kw: default, req:, ...rest)`.
  /// Declaring the same name twice is a programming error caught by the registry test.
  public func add(
    _ signature: String, category: String, doc: String, help: String = "", example: String,
    needsFiles: Bool = false, _ body: @escaping (inout Arguments) throws -> Value
  ) {
    let (name, params) = BuiltinRegistry.parseSignature(signature)
    insert(Builtin(name: name, declaration: .ready(.init(signature: signature, parameters: params, options: [])),
                   category: category, doc: doc, help: help, example: example, exampleNeedsFiles: needsFiles, body: body))
  }

  private func insert(_ b: Builtin) {
    if byName[b.name] != nil { duplicates.append(b.name) }
    byName[b.name] = b
    all.append(b)
  }

  /// The signature and parameters of a builtin taking `leading`, the declared `options`
  /// (each with its default, or `name:` when required), then `trailing`.
  static func resolve(_ name: String, leading: [String], options: [OptionSpec], trailing: [String]) -> Builtin.Resolved {
    let declared = options.map { o in o.defaultText.map { "\(o.name): \($0)" } ?? "\(o.name):" }
    let signature = name + "(" + (leading + declared + trailing).joined(separator: ", ") + ")"
    return .init(signature: signature, parameters: parseSignature(signature).1, options: options)
  }

  /// Declares a builtin whose parameters are `leading`, then the declared `options` (each
  /// with its default, or `name:` when required), then `trailing`: the signature, `:help`,
  /// the reference and the argument checks all come from the declarations.
  public func add(
    _ name: String, leading: [String] = [], options: [OptionSpec], trailing: [String] = [], category: String,
    doc: String, help: String = "", example: String, needsFiles: Bool = false,
    _ body: @escaping (inout Arguments) throws -> Value
  ) {
    let declaration = Builtin.Declaration.ready(BuiltinRegistry.resolve(name, leading: leading, options: options, trailing: trailing))
    insert(Builtin(name: name, declaration: declaration, category: category, doc: doc, help: help, example: example,
                   exampleNeedsFiles: needsFiles, body: body))
  }

  /// Declares the builtin of an SSL algorithm from its `@AlgorithmOption` declarations: one keyword
  /// parameter per option, read by name, checked against the declared type and range.
  func addAlgorithm<A: SSLAlgorithm>(
    _ make: @escaping () -> A, category: String, doc: String, help: String = "", example: String
  ) {
    let prototype = make()
    let name = prototype.name
    let declaration = Builtin.Deferred { BuiltinRegistry.resolve(name, leading: [], options: prototype.options.map(\.spec), trailing: []) }
    insert(Builtin(name: name, declaration: .deferred(declaration), category: category, doc: doc, help: help,
                   example: example, exampleNeedsFiles: false) { a in
      let values = try declaration.value.options.map { ($0.name, try a.option($0)) }
      return .object(try AlgorithmObject {
        let algorithm = make()
        try applyOptions(values, to: algorithm.options, op: algorithm.name)
        return algorithm
      })
    })
  }

  /// Names declared more than once (the registry test requires this to be empty).
  public private(set) var duplicates: [String] = []

  /// Parses `name(a, b?, c: 1, d:, ...e)`; an unparsable default becomes nil (and is
  /// reported by the registry test through `Builtin.parameters`).
  static func parseSignature(_ s: String) -> (String, [Builtin.Parameter]) {
    guard let open = s.firstIndex(of: "("), s.hasSuffix(")") else { return (s, []) }
    let name = String(s[..<open])
    let inner = s[s.index(after: open)..<s.index(before: s.endIndex)]
    var params: [Builtin.Parameter] = []
    // Split at the top-level commas, scanning bytes: every builtin's signature is parsed at
    // start-up, and a Character loop over them was a tenth of a tiny script's run.
    var depth = 0, start = inner.startIndex
    var pieces: [Substring] = []
    for i in inner.utf8.indices {
      switch inner.utf8[i] {
      case UInt8(ascii: "("), UInt8(ascii: "["), UInt8(ascii: "{"): depth += 1
      case UInt8(ascii: ")"), UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
      case UInt8(ascii: ",") where depth == 0:
        pieces.append(inner[start..<i])
        start = inner.utf8.index(after: i)
      default: break
      }
    }
    if !String(inner[start...]).trimmingSpaces.isEmpty { pieces.append(inner[start...]) }
    for raw in pieces {
      let p = String(raw).trimmingSpaces
      if p.hasPrefix("...") {
        params.append(.init(name: String(p.dropFirst(3)), kind: .rest, defaultValue: nil))
      } else if p.hasSuffix("?") {
        params.append(.init(name: String(p.dropLast()), kind: .optional(defaultText: "nil"), defaultValue: .null))
      } else if let colon = p.firstIndex(of: ":") {
        let pname = String(p[..<colon]).trimmingSpaces
        let text = String(p[p.index(after: colon)...]).trimmingSpaces
        if text.isEmpty {
          params.append(.init(name: pname, kind: .required, defaultValue: nil))
        } else {
          params.append(.init(name: pname, kind: .optional(defaultText: text), defaultValue: constant(text)))
        }
      } else {
        params.append(.init(name: p, kind: .required, defaultValue: nil))
      }
    }
    return (name, params)
  }

  /// Evaluates a literal default (`0.9`, `"mean"`, `nil`, `[1, 2]`, `-1`).
  static func constant(_ text: String) -> Value? {
    guard let stmts = try? Parser.parse(text, source: 0), stmts.count == 1,
      case .expression(let e, _) = stmts[0].kind
    else { return nil }
    return literal(e)
  }

  static func literal(_ e: Expr) -> Value? {
    switch e.kind {
    case .number(let v): return .number(v)
    case .string(let s): return .string(s)
    case .bool(let b): return .bool(b)
    case .nilLiteral: return .null
    case .list(let items):
      var vs: [Value] = []
      for i in items {
        guard let v = literal(i) else { return nil }
        vs.append(v)
      }
      return .list(vs)
    default: return nil
    }
  }
}

extension String {
  var trimmingSpaces: String {
    var s = Substring(self)
    while s.first == " " { s = s.dropFirst() }
    while s.last == " " { s = s.dropLast() }
    return String(s)
  }
}
