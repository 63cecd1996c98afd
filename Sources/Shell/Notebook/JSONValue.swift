/// A JSON document with ordered object keys, so written notebooks are stable and diffable.
indirect enum JSONValue: Equatable {
  case null
  case bool(Bool)
  case int(Int)
  case string(String)
  case array([JSONValue])
  case object([(String, JSONValue)])

  static func == (a: JSONValue, b: JSONValue) -> Bool {
    switch (a, b) {
    case (.null, .null): return true
    case let (.bool(x), .bool(y)): return x == y
    case let (.int(x), .int(y)): return x == y
    case let (.string(x), .string(y)): return x == y
    case let (.array(x), .array(y)): return x == y
    case let (.object(x), .object(y)):
      return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
    default: return false
    }
  }

  /// The document as text, indented by one space per level like Jupyter writes it.
  func rendered() -> String {
    var out = ""
    write(into: &out, depth: 0)
    out += "\n"
    return out
  }

  private func write(into out: inout String, depth: Int) {
    switch self {
    case .null: out += "null"
    case .bool(let b): out += b ? "true" : "false"
    case .int(let i): out += String(i)
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

  /// Writes `s` as a JSON string literal (RFC 8259 escapes; other text stays UTF-8).
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
}
