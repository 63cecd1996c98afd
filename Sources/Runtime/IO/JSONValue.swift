/// A minimal JSON value with a strict parser, a compact writer (safetensors headers,
/// checkpoint metadata) and an indented one (Jupyter notebooks). Objects keep their key
/// order, so written files are deterministic and diffable.
public enum JSONValue: Equatable, Sendable {
  case null
  case bool(Bool)
  case number(Double)
  case string(String)
  case array([JSONValue])
  case object([(String, JSONValue)])

  public static func == (a: JSONValue, b: JSONValue) -> Bool {
    switch (a, b) {
    case (.null, .null): return true
    case let (.bool(x), .bool(y)): return x == y
    case let (.number(x), .number(y)): return x == y
    case let (.string(x), .string(y)): return x == y
    case let (.array(x), .array(y)): return x == y
    case let (.object(x), .object(y)): return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
    default: return false
    }
  }

  /// The member `key` of an object.
  public subscript(key: String) -> JSONValue? {
    if case let .object(members) = self { return members.first { $0.0 == key }?.1 }
    return nil
  }

  /// Compact JSON text.
  public var text: String {
    switch self {
    case .null: return "null"
    case let .bool(b): return b ? "true" : "false"
    case let .number(d): return JSONValue.numberText(d)
    case let .string(s): return JSONValue.quote(s)
    case let .array(a): return "[" + a.map(\.text).joined(separator: ",") + "]"
    case let .object(o): return "{" + o.map { JSONValue.quote($0.0) + ":" + $0.1.text }.joined(separator: ",") + "}"
    }
  }

  /// The document as text, indented by one space per level as Jupyter writes notebooks,
  /// with a final newline.
  public func rendered() -> String {
    var out = ""
    write(into: &out, depth: 0)
    out += "\n"
    return out
  }

  private func write(into out: inout String, depth: Int) {
    switch self {
    case .null, .bool, .number: out += text
    case .string(let s): JSONValue.quote(s, into: &out)
    case .array(let items):
      if items.isEmpty { out += "[]"; return }
      out += "[\n"
      for (i, item) in items.enumerated() {
        out += String(repeating: " ", count: depth + 1)
        item.write(into: &out, depth: depth + 1)
        out += i + 1 < items.count ? ",\n" : "\n"
      }
      out += String(repeating: " ", count: depth) + "]"
    case .object(let fields):
      if fields.isEmpty { out += "{}"; return }
      out += "{\n"
      for (i, (key, value)) in fields.enumerated() {
        out += String(repeating: " ", count: depth + 1)
        JSONValue.quote(key, into: &out)
        out += ": "
        value.write(into: &out, depth: depth + 1)
        out += i + 1 < fields.count ? ",\n" : "\n"
      }
      out += String(repeating: " ", count: depth) + "}"
    }
  }

  /// Integral values without a fraction (so counts read as integers), others in Swift's
  /// shortest round-trip form.
  static func numberText(_ d: Double) -> String {
    d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : "\(d)"
  }

  /// `s` as a JSON string literal (RFC 8259 escapes; other text stays UTF-8).
  public static func quote(_ s: String) -> String {
    var out = ""
    quote(s, into: &out)
    return out
  }

  static func quote(_ s: String, into out: inout String) {
    out += "\""
    for scalar in s.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case "\u{08}": out += "\\b"
      case "\u{0C}": out += "\\f"
      default:
        if scalar.value < 0x20 || scalar.value == 0x7F {
          let hex = String(scalar.value, radix: 16)
          out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        } else {
          out.unicodeScalars.append(scalar)
        }
      }
    }
    out += "\""
  }

  /// Parses JSON text; a malformed document throws `RuntimeError.io` naming `path` and
  /// what was expected where.
  public static func parse(_ text: String, path: String) throws -> JSONValue {
    do {
      return try parse(Array(text.utf8)[...])
    } catch {
      throw RuntimeError.io(path: path, message: "not valid JSON: \(error.message)")
    }
  }

  /// Parses UTF-8 JSON text; the error message says what was expected where.
  public static func parse(_ bytes: ArraySlice<UInt8>) throws(JSONError) -> JSONValue {
    var p = JSONParser(bytes: Array(bytes))
    let v = try p.value(depth: 0)
    p.skipSpace()
    guard p.i == p.bytes.count else { throw JSONError(message: "unexpected text after the JSON value at byte \(p.i)") }
    return v
  }
}

/// Why a JSON text was rejected.
public struct JSONError: Error { public let message: String }

private struct JSONParser {
  let bytes: [UInt8]
  var i = 0

  mutating func skipSpace() {
    while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 }
  }

  func fail(_ what: String) -> JSONError { JSONError(message: "expected \(what) at byte \(i)") }

  mutating func value(depth: Int) throws(JSONError) -> JSONValue {
    guard depth < 64 else { throw JSONError(message: "nesting deeper than 64 levels") }
    skipSpace()
    guard i < bytes.count else { throw fail("a value") }
    switch bytes[i] {
    case UInt8(ascii: "{"):
      i += 1
      var members: [(String, JSONValue)] = []
      skipSpace()
      if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
      while true {
        skipSpace()
        let key = try string()
        skipSpace()
        guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw fail("':'") }
        i += 1
        members.append((key, try value(depth: depth + 1)))
        skipSpace()
        guard i < bytes.count else { throw fail("',' or '}'") }
        if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
        if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
        throw fail("',' or '}'")
      }
    case UInt8(ascii: "["):
      i += 1
      var items: [JSONValue] = []
      skipSpace()
      if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
      while true {
        items.append(try value(depth: depth + 1))
        skipSpace()
        guard i < bytes.count else { throw fail("',' or ']'") }
        if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
        if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
        throw fail("',' or ']'")
      }
    case UInt8(ascii: "\""): return .string(try string())
    case UInt8(ascii: "t"): try literal("true"); return .bool(true)
    case UInt8(ascii: "f"): try literal("false"); return .bool(false)
    case UInt8(ascii: "n"): try literal("null"); return .null
    default: return .number(try number())
    }
  }

  mutating func literal(_ word: String) throws(JSONError) {
    let w = Array(word.utf8)
    guard i + w.count <= bytes.count, Array(bytes[i..<i + w.count]) == w else { throw fail("'\(word)'") }
    i += w.count
  }

  mutating func number() throws(JSONError) -> Double {
    let start = i
    while i < bytes.count, "+-0123456789.eE".utf8.contains(bytes[i]) { i += 1 }
    guard i > start, let d = Double(String(decoding: bytes[start..<i], as: UTF8.self)) else { throw fail("a value") }
    return d
  }

  mutating func string() throws(JSONError) -> String {
    guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw fail("a string") }
    i += 1
    var out: [UInt8] = []
    while i < bytes.count {
      let c = bytes[i]
      i += 1
      if c == UInt8(ascii: "\"") { return String(decoding: out, as: UTF8.self) }
      if c != UInt8(ascii: "\\") { out.append(c); continue }
      guard i < bytes.count else { break }
      let e = bytes[i]
      i += 1
      switch e {
      case UInt8(ascii: "n"): out.append(0x0A)
      case UInt8(ascii: "t"): out.append(0x09)
      case UInt8(ascii: "r"): out.append(0x0D)
      case UInt8(ascii: "b"): out.append(0x08)
      case UInt8(ascii: "f"): out.append(0x0C)
      case UInt8(ascii: "u"):
        guard i + 4 <= bytes.count, let v = UInt32(String(decoding: bytes[i..<i + 4], as: UTF8.self), radix: 16) else { throw fail("4 hex digits") }
        i += 4
        var scalar = v
        if (0xD800..<0xDC00).contains(v), i + 6 <= bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u"),
           let lo = UInt32(String(decoding: bytes[i + 2..<i + 6], as: UTF8.self), radix: 16), (0xDC00..<0xE000).contains(lo) {
          scalar = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00)
          i += 6
        }
        out.append(contentsOf: Array(String(Unicode.Scalar(scalar).map(Character.init) ?? "\u{FFFD}").utf8))
      default: out.append(e)
      }
    }
    throw JSONError(message: "unterminated string")
  }
}
