import Runtime

/// What went wrong, as data. `message` is the only place these become text.
public enum ErrorKind: Sendable {
  case syntax(String)
  /// A syntax error at the end of input: the REPL treats the entry as incomplete.
  case unexpectedEnd(String)
  case undefinedName(String, suggestion: String?)
  case badOperands(op: String, left: String, right: String)
  case badOperand(op: String, type: String)
  /// Lua-style: "bad argument #2 to 'reshape' (list of integers expected, got string)".
  case badArgument(function: String, position: Int, message: String)
  case arguments(function: String, message: String)
  case notCallable(type: String)
  case noField(type: String, name: String, suggestion: String?)
  case notIndexable(type: String)
  case indexOutOfRange(index: Int, count: Int)
  case notInteger(what: String, value: Double)
  case divisionByZero
  case destructure(expected: Int, got: Int)
  case recursionLimit(Int)
  case stepLimit(Int)
  case interrupted
  /// An error raised by `error(msg)` in a script.
  case user(String)
  case runtime(RuntimeError)
  case other(String)

  public var message: String {
    switch self {
    case .syntax(let m), .unexpectedEnd(let m), .user(let m), .other(let m): return m
    case .undefinedName(let n, let s):
      return "undefined variable '\(n)'" + (s.map { " (did you mean '\($0)'?)" } ?? "")
    case .badOperands(let op, let l, let r): return "bad operand types for \(op): \(l) and \(r)"
    case .badOperand(let op, let t): return "bad operand type for \(op): \(t)"
    case .badArgument(let f, let pos, let m): return "bad argument #\(pos) to '\(f)' (\(m))"
    case .arguments(let f, let m): return "\(f): \(m)"
    case .notCallable(let t): return "a \(t) is not callable"
    case .noField(let t, let n, let s):
      return "\(t) has no field '\(n)'" + (s.map { " (did you mean '\($0)'?)" } ?? "")
    case .notIndexable(let t): return "a \(t) cannot be indexed"
    case .indexOutOfRange(let i, let n): return "index \(i) is out of range for length \(n)"
    case .notInteger(let what, let v): return "\(what) must be an integer, got \(Value.formatNumber(v))"
    case .divisionByZero: return "division by zero"
    case .destructure(let e, let g): return "cannot unpack \(g) values into \(e) names"
    case .recursionLimit(let n): return "recursion too deep (more than \(n) nested calls)"
    case .stepLimit(let n): return "step limit of \(n) exceeded"
    case .interrupted: return "interrupted"
    case .runtime(let e): return e.description
    }
  }

  /// Whether `try ... catch` may handle it; interrupts and step limits always stop the run.
  var isCatchable: Bool {
    switch self {
    case .interrupted, .stepLimit, .runtime(.interrupted): return false
    default: return true
    }
  }
}

/// A language error on its way up: the kind, where it happened, and the call frames it
/// has left (innermost first) for the traceback.
public struct ScriptError: Error {
  public var kind: ErrorKind
  /// Where the error happened; nil until the nearest operator or call gives it a place.
  public var span: SourceSpan?
  /// The current position in the frame being unwound (moves to each call site).
  var point: SourceSpan?
  var frames: [(name: String, at: SourceSpan)] = []

  public init(_ kind: ErrorKind, at span: SourceSpan? = nil) {
    self.kind = kind
    self.span = span
    self.point = span
  }

  /// Gives the error a place if it has none yet.
  func located(_ s: SourceSpan) -> ScriptError {
    if span != nil && point != nil { return self }
    var e = self
    if e.span == nil { e.span = s }
    if e.point == nil { e.point = s }
    return e
  }

  /// The same error without a place (the call site then gives it one).
  var unlocated: ScriptError {
    var e = self
    e.span = nil
    e.point = nil
    return e
  }

  /// Converts any error thrown below an operator or call into a located script error.
  static func wrap(_ error: any Error, at span: SourceSpan) -> ScriptError {
    if let e = error as? ScriptError { return e.located(span) }
    if let r = error as? RuntimeError {
      return ScriptError(r == .interrupted ? .interrupted : .runtime(r), at: span)
    }
    if let d = error as? Diagnostic { return ScriptError(.other(d.message), at: span) }
    return ScriptError(.other(String(describing: error)), at: span)
  }
}

/// "Did you mean" by edit distance (also used by the shell for sweep files).
public enum Suggest {
  /// The candidate closest to `word` within `maxDistance` edits (ties: first in order).
  public static func closest(to word: String, in candidates: [String], maxDistance: Int? = nil) -> String? {
    let limit = maxDistance ?? max(1, min(3, word.count / 3 + 1))
    var best: (String, Int)? = nil
    for c in candidates where c != word && abs(c.count - word.count) <= limit {
      let d = distance(word, c)
      if d <= limit, d < (best?.1 ?? Int.max) { best = (c, d) }
    }
    return best?.0
  }

  /// Optimal-string-alignment distance (Levenshtein plus adjacent transpositions).
  static func distance(_ a: String, _ b: String) -> Int {
    let x = Array(a.lowercased()), y = Array(b.lowercased())
    if x.isEmpty { return y.count }
    if y.isEmpty { return x.count }
    var prev2 = [Int](repeating: 0, count: y.count + 1)
    var prev = Array(0...y.count)
    var cur = [Int](repeating: 0, count: y.count + 1)
    for i in 1...x.count {
      cur[0] = i
      for j in 1...y.count {
        let cost = x[i - 1] == y[j - 1] ? 0 : 1
        cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
        if i > 1, j > 1, x[i - 1] == y[j - 2], x[i - 2] == y[j - 1] { cur[j] = min(cur[j], prev2[j - 2] + 1) }
      }
      prev2 = prev
      prev = cur
    }
    return prev[y.count]
  }
}
