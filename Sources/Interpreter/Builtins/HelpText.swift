import Runtime

/// `help(name)`, `:help` and the Markdown reference, all read from the registry.
enum HelpText {
  static func help(_ name: String?, registry: BuiltinRegistry, globals: Globals) -> String {
    guard let name, !name.isEmpty else { return overview(registry) }
    if let b = registry[name] { return entry(b) }
    if case .closure(let c)? = globals.lookup(name) {
      return "\(c.name)(\(c.parameterNames.joined(separator: ", ")))  user function"
    }
    let all = registry.all.map(\.name)
    let hint = Suggest.closest(to: name, in: all).map { " (did you mean '\($0)'?)" } ?? ""
    return "no builtin named '\(name)'\(hint)"
  }

  static func entry(_ b: Builtin) -> String {
    var s = b.signature + "\n  " + b.doc
    if !b.help.isEmpty { s += "\n\n" + b.help }
    if !b.options.isEmpty { s += "\n\nOptions:\n" + b.options.map { "  " + option($0) }.joined(separator: "\n") }
    s += "\n\nExample:\n  " + b.example.split(separator: "\n").joined(separator: "\n  ")
    return s
  }

  /// `tau: number in [0, 1], default 0.95: confidence threshold`, from an option declaration.
  static func option(_ o: OptionSpec, markdown: Bool = false) -> String {
    let kind = o.choices.map { $0.map { "\"\($0)\"" }.joined(separator: " | ") }
      ?? o.range.map { $0.describe(integer: o.typeName == "integer") } ?? o.typeName
    let def = o.defaultValue.map { v -> String in
      if case .none = v, let m = o.noneMeans { return "default nil (\(m))" }
      return "default " + OptionSpec.literal(v)
    } ?? "required"
    return (markdown ? "" : o.name + ": ") + kind + "; " + def + ". " + o.doc
  }

  static func overview(_ registry: BuiltinRegistry) -> String {
    var s = "Builtins by category (help(\"name\") or :help name for details):\n"
    for (cat, items) in categories(registry) {
      s += "\n\(cat):\n"
      for b in items { s += "  \(b.signature.padding(to: 34)) \(b.doc)\n" }
    }
    return s
  }

  static func categories(_ registry: BuiltinRegistry) -> [(String, [Builtin])] {
    var order: [String] = []
    var groups: [String: [Builtin]] = [:]
    for b in registry.all {
      if groups[b.category] == nil { order.append(b.category) }
      groups[b.category, default: []].append(b)
    }
    return order.map { ($0, groups[$0] ?? []) }
  }

  /// The whole registry as Markdown (docs/builtins.md).
  static func reference(_ registry: BuiltinRegistry) -> String {
    var s = "# RSL builtin reference\n\nGenerated from the builtin registry (`rslab --builtins`); "
    s += "do not edit by hand. Keyword arguments may also be given positionally in the order listed.\n"
    for (cat, items) in categories(registry) {
      s += "\n## \(cat)\n"
      for b in items {
        s += "\n### `\(b.signature)`\n\n\(b.doc)\n"
        if !b.help.isEmpty { s += "\n\(b.help)\n" }
        if !b.options.isEmpty { s += "\n" + b.options.map { "- `\($0.name)`: " + option($0, markdown: true) + "\n" }.joined() }
        s += "\n```\n\(b.example)\n```\n"
      }
    }
    return s
  }
}

extension String {
  func padding(to n: Int) -> String { count >= n ? self : self + String(repeating: " ", count: n - count) }
}
