#if canImport(Glibc)
import Glibc
#endif
import Runtime

extension Value {
  /// `3` for integral values, the shortest round-trip form otherwise (`3.5`, `1e-05`).
  public static func formatNumber(_ v: Double) -> String {
    if v.isNaN { return "nan" }
    if v.isInfinite { return v < 0 ? "-inf" : "inf" }
    if v == v.rounded(), abs(v) < 1e16 {
      return v == 0 ? "0" : String(Int64(v))
    }
    return v.description
  }

  /// `printf`-style fixed/percent formatting without Foundation.
  static func cFormat(_ format: String, _ v: Double) -> String {
    var buffer = [CChar](repeating: 0, count: 512)
    let n = withVaList([v]) { vsnprintf(&buffer, buffer.count, format, $0) }
    guard n >= 0 else { return formatNumber(v) }
    let bytes = buffer.prefix(min(Int(n), buffer.count - 1)).map { UInt8(bitPattern: $0) }
    return String(decoding: bytes, as: UTF8.self)
  }

  /// What `print` and `str` show: strings without quotes.
  public var text: String {
    if case .string(let s) = self { return s }
    return display
  }

  /// What the REPL echoes: strings quoted, containers recursively.
  public var display: String {
    var out = ""
    write(to: &out, depth: 0)
    return out
  }

  /// The most characters an echo shows: a list that holds itself twice would otherwise
  /// print 2^32 items, and a 100 MB string would take seconds to quote.
  static let displayBudget = 100_000

  private func write(to out: inout String, depth: Int) {
    // Cyclic or very deep containers are cut off instead of recursing forever.
    if depth > 32 || out.utf8.count > Value.displayBudget { out += "..."; return }
    switch self {
    case .number(let v): out += Value.formatNumber(v)
    case .bool(let b): out += b ? "true" : "false"
    case .string(let s) where s.utf8.count > Value.displayBudget:
      out += Value.quote(String(s.prefix(Value.displayBudget))) + "... (\(s.utf8.count) bytes)"
    case .string(let s): out += Value.quote(s)
    case .null: out += "nil"
    case .list(let l):
      out += "["
      for (i, v) in l.items.enumerated() {
        if i > 0 { out += ", " }
        if i >= 1000 { out += "... (\(l.items.count) items)"; break }
        v.write(to: &out, depth: depth + 1)
      }
      out += "]"
    case .record(let r):
      out += "{"
      for (i, k) in r.keys.enumerated() {
        if i > 0 { out += ", " }
        out += k + ": "
        r.values[i].write(to: &out, depth: depth + 1)
      }
      out += "}"
    case .range(let a, let b): out += "\(a)..\(b)"
    // An anonymous function is named "<fn>" (tracebacks say "in <fn>"); it shows as that.
    case .closure(let c): out += c.code.name == "<fn>" ? "<fn>" : "<fn \(c.code.name)>"
    case .builtin(let b): out += "<builtin \(b.name)>"
    case .tensor(let t): out += String(describing: t)
    case .object(let o): out += o.summary
    }
  }

  static func quote(_ s: String) -> String {
    var out = "\""
    for c in s {
      switch c {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\t": out += "\\t"
      default: out.append(c)
      }
    }
    return out + "\""
  }
}

/// An f-string format spec: `[<|>][width][.precision][f|%|d]`, e.g. `.3f`, `.1%`, `d`, `>8`.
struct FormatSpec: Equatable {
  var align: Character?
  var width: Int?
  var precision: Int?
  var type: Character?

  init?(_ text: String) {
    var cs = Substring(text)
    if let c = cs.first, c == "<" || c == ">" { align = c; cs = cs.dropFirst() }
    let w = cs.prefix(while: { $0.isASCII && $0.isNumber })
    if !w.isEmpty { width = Int(w); cs = cs.dropFirst(w.count) }
    if cs.first == "." {
      cs = cs.dropFirst()
      let p = cs.prefix(while: { $0.isASCII && $0.isNumber })
      guard !p.isEmpty, let pv = Int(p), pv <= 50 else { return nil }
      precision = pv
      cs = cs.dropFirst(p.count)
    }
    if let c = cs.first, c == "f" || c == "%" || c == "d" { type = c; cs = cs.dropFirst() }
    guard cs.isEmpty, (width ?? 0) <= 1000 else { return nil }
    if type == "d" && precision != nil { return nil }
  }

  /// Formats a value; number-only specs on other kinds are an error.
  func format(_ value: Value) throws(ScriptError) -> String {
    // With a spec, a one-element tensor (a loss, an accuracy) formats as its number.
    var v = value
    if case .tensor(let t) = value, t.count == 1 { v = .number(Double(t.storage.base[0])) }
    var s: String
    if let t = type {
      var x: Double
      switch v {
      case .number(let n): x = n
      default: throw ScriptError(.other("format ':\(t)' needs a number, got \(v.typeName)"))
      }
      switch t {
      case "d":
        guard x == x.rounded() || !x.isFinite else { throw ScriptError(.notInteger(what: "a value formatted with ':d'", value: x)) }
        s = Value.formatNumber(x)
      case "%":
        x *= 100
        s = Value.cFormat("%.\(precision ?? 6)f", x) + "%"
      default:
        s = Value.cFormat("%.\(precision ?? 6)f", x)
      }
    } else if let p = precision, case .number(let x) = v {
      s = Value.cFormat("%.\(p)f", x)
    } else {
      s = v.text
    }
    if let w = width, s.count < w {
      let pad = String(repeating: " ", count: w - s.count)
      // Numbers align right by default, text left (as in Python).
      let right = align == ">" || (align == nil && (type != nil || v.asNumber != nil))
      s = right ? pad + s : s + pad
    }
    return s
  }
}
