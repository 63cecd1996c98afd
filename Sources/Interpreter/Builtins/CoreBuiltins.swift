#if canImport(Glibc)
import Glibc
#endif
import Runtime

extension BuiltinRegistry {
  /// Printing, conversion, lists and records, math on numbers, the global seed, timing, errors.
  static func registerCore(_ r: BuiltinRegistry) {
    let c = "core"
    r.add("print(...values)", category: c, doc: "Writes the values separated by spaces, then a newline.",
          help: "Strings print without quotes; other values as the REPL shows them.",
          example: "print(\"loss\", 0.25, [1, 2])") { a in
      a.context.write(a.rest.map(\.text).joined(separator: " ") + "\n")
      return .null
    }
    r.add("len(x)", category: c, doc: "The length of a list, string, record, range, tensor (first dimension) or dataset.",
          example: "len([1, 2, 3])") { a in
      guard let n = Indexing.length(a[0]) else { throw a.typeError(0, "list, string, record, range, tensor or dataset") }
      return .number(Double(n))
    }
    r.add("type(x)", category: c, doc: "The kind of a value as a string: number, string, list, tensor, dataset, ...",
          example: "type(zeros([2]))") { a in .string(a[0].typeName) }
    r.add("str(x)", category: c, doc: "The value as text (what print shows).", example: "str(3) + \"!\"") { a in .string(a[0].text) }
    r.add("num(x)", category: c, doc: "A number from a string, bool or one-element tensor.",
          help: "A string that is not a number is an error.", example: "num(\"2.5\") * 2") { a in
      switch a[0] {
      case .number: return a[0]
      case .bool(let b): return .number(b ? 1 : 0)
      case .string(let s):
        guard let v = Double(s.trimmingSpaces) else { throw a.error(0, "cannot convert \(Value.quote(s)) to a number") }
        return .number(v)
      case .tensor(let t) where t.count == 1: return .number(Double(t.storage.base[0]))
      default: throw a.typeError(0, "string, bool or one-element tensor")
      }
    }
    r.add("split(s, sep: nil)", category: c, doc: "The pieces of a string between separators (e.g. the fields of a CSV line).",
          help: "sep nil splits on runs of whitespace and drops empty pieces; otherwise on every occurrence of sep (empty pieces kept), so split(\"a,,b\", sep: \",\") is [\"a\", \"\", \"b\"].",
          example: "split(\"1,2.5,x\", sep: \",\") |> map(fn(f) f end)") { a in
      let s = try a.string(0)
      let sep = try a.optionalString(1)
      if let sep {
        guard !sep.isEmpty else { throw a.error(1, "separator must not be empty") }
        return .list(s.split(separator: sep, omittingEmptySubsequences: false).map { .string(String($0)) })
      }
      return .list(s.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }).map { .string(String($0)) })
    }
    r.add("range(a, b?, step?)", category: c, doc: "The list [a, a+step, ...) up to b; range(n) is [0, ..., n-1].",
          help: "All arguments are integers; step may be negative but not zero. For loops, `a..b` avoids building the list.",
          example: "range(0, 10, 3)") { a in
      var lo = 0, hi = try a.int(0), step = 1
      if a.has(1) { lo = hi; hi = try a.int(1) }
      if a.has(2) { step = try a.int(2) }
      guard step != 0 else { throw a.error(2, "step must not be zero") }
      let count = step > 0 ? max(0, (hi - lo + step - 1) / step) : max(0, (lo - hi - step - 1) / -step)
      // Blame the bound that makes it too long: b, or the only argument in range(n).
      let limit = a.context.limits.maxCollection
      guard count <= limit else { throw a.error(a.has(1) ? 1 : 0, "the list would have \(count) items, more than the limit of \(limit)") }
      return .list(stride(from: lo, to: hi, by: step).map { .number(Double($0)) })
    }
    r.add("map(xs, f)", category: c, doc: "A new list with f applied to each element.", example: "map([1, 2, 3], fn(x) x * x end)") { a in
      let f = try a.function(1)
      return .list(try a.list(0).map { try a.context.call(f, [$0]) })
    }
    r.add("filter(xs, f)", category: c, doc: "The elements for which f returns true.", example: "filter(range(10), fn(x) x % 2 == 0 end)") { a in
      let f = try a.function(1)
      return .list(try a.list(0).filter { x in
        guard case .bool(let keep) = try a.context.call(f, [x]) else { throw a.error(1, "function returning a bool expected") }
        return keep
      })
    }
    r.add("sum(x, axis: nil, keep_dims: false)", category: c, doc: "The sum of a list of numbers (or tensors), or of a tensor (over an axis).",
          example: "sum([1, 2, 3])") { a in
      if case .tensor(let t) = a[0] { return try TensorBuiltins.reduce(.sum, t, &a) }
      // Numbers add in Double; a list holding tensors (losses) sums with broadcasting.
      var total = Value.number(0)
      for (k, v) in try a.list(0).enumerated() {
        switch (total, v) {
        case (.number(let x), .number(let y)): total = .number(x + y)
        case (_, .number), (_, .tensor): total = try Operators.binary(.add, total, v)
        default: throw a.error(0, "list of numbers or tensors expected, element \(k) is a \(v.typeName)")
        }
      }
      return total
    }
    r.add("min(...xs, axis: nil, keep_dims: false)", category: c, doc: "The smallest of the arguments, of a list, or of a tensor (over an axis).",
          example: "min(3, 1, 2)") { a in try BuiltinRegistry.extremum(&a, "min", smaller: true) }
    r.add("max(...xs, axis: nil, keep_dims: false)", category: c, doc: "The largest of the arguments, of a list, or of a tensor (over an axis).",
          example: "max([3, 1, 2])") { a in try BuiltinRegistry.extremum(&a, "max", smaller: false) }
    r.add("abs(x)", category: c, doc: "Absolute value of a number or, elementwise, a tensor.", example: "abs(-2)") { a in
      try TensorBuiltins.unary(&a, number: { Swift.abs($0) }, tensor: Tensor.abs)
    }
    r.add("round(x, n?)", category: c, doc: "x rounded to n decimals (0 by default); halves round away from zero.",
          example: "round(3.14159, 2)") { a in
      let x = try a.number(0), n = try a.optionalInt(1) ?? 0
      guard Swift.abs(n) <= 15 else { throw a.error(1, "between -15 and 15 expected, got \(n)") }
      let p = Operators.power(10, Double(n))
      return .number((x * p).rounded() / p)
    }
    r.add("sqrt(x)", category: c, doc: "Square root of a number or, elementwise, a tensor.", example: "sqrt(16)") { a in
      try TensorBuiltins.unary(&a, number: { $0.squareRoot() }, tensor: Tensor.sqrt)
    }
    r.add("exp(x)", category: c, doc: "e to the x, for a number or elementwise for a tensor.", example: "exp(0)") { a in
      try TensorBuiltins.unary(&a, number: { Glibc.exp($0) }, tensor: Tensor.exp)
    }
    r.add("log(x)", category: c, doc: "Natural logarithm of a number or, elementwise, a tensor.", example: "log(exp(2))") { a in
      try TensorBuiltins.unary(&a, number: { Glibc.log($0) }, tensor: Tensor.log)
    }
    r.add("keys(r)", category: c, doc: "The field names of a record, in order.", example: "keys({lr: 0.1, tau: 0.9})") { a in
      .list(try a.record(0).keys.map { .string($0) })
    }
    r.add("values(r)", category: c, doc: "The field values of a record, in order.", example: "values({lr: 0.1, tau: 0.9})") { a in
      .list(try a.record(0).values)
    }
    r.add("append(xs, v)", category: c, doc: "Appends v to the list xs (in place) and returns xs.",
          example: "xs = [1]\nappend(xs, 2)") { a in
      let l = try a.listRef(0)
      guard l.items.count < a.context.limits.maxCollection else {
        throw a.error(0, "the list already has \(l.items.count) elements, the most a list may grow to")
      }
      l.items.append(a[1])
      return .list(l)
    }
    r.add("sorted(xs, key: nil)", category: c, doc: "A sorted copy of a list of numbers or strings; key(x) gives the sort key.",
          example: "sorted([3, 1, 2])\nsorted([\"bb\", \"a\"], key: fn(s) len(s) end)") { a in
      let xs = try a.list(0)
      let keys: [Value] = a.has(1) ? try xs.map { try a.context.call(try a.function(1), [$0]) } : xs
      func less(_ x: Value, _ y: Value) throws -> Bool {
        switch (x, y) {
        case (.number(let p), .number(let q)): return p < q
        case (.string(let p), .string(let q)): return p < q
        default: throw a.error(0, "numbers or strings expected as sort keys, got \(x.typeName) and \(y.typeName)")
        }
      }
      let order = try xs.indices.sorted { try less(keys[$0], keys[$1]) }
      return .list(order.map { xs[$0] })
    }
    r.add("seed(n)", category: c, doc: "Sets the global seed used by rand/randn/shuffles without an explicit seed.",
          example: "seed(42)\nrandn([2])") { a in
      a.context.rng = RNG(seed: try a.seed(0))
      return .null
    }
    r.add("time(f)", category: c, doc: "Calls f() and returns the elapsed wall-clock seconds.",
          example: "time(fn() sum(range(1000)) end)") { a in
      let f = try a.function(0)
      let t0 = MonotonicClock.now()
      _ = try a.context.call(f, [])
      return .number(MonotonicClock.now() - t0)
    }
    r.add("help(name?)", category: c, doc: "Prints the documentation of a builtin (by name or value), or an overview.",
          example: "help(\"reshape\")") { a in
      let name: String?
      switch a[0] {
      case .string(let s): name = s
      case .builtin(let b): name = b.name
      case .closure(let cl): name = cl.name
      case .null: name = nil
      default: throw a.typeError(0, "string or function")
      }
      a.context.write(HelpText.help(name, registry: a.context.registry, globals: a.context.globals) + "\n")
      return .null
    }
    r.add("error(msg)", category: c, doc: "Raises an error with the message (catchable with try/catch).",
          example: "try\n  error(\"bad input\")\ncatch e\n  print(e.message)\nend") { a in
      throw ScriptError(.user(a[0].text))
    }
    r.add("env(name)", category: c, doc: "The value of an environment variable, or nil.", example: "env(\"HOME\")") { a in
      guard let p = getenv(try a.string(0)) else { return .null }
      return .string(String(cString: p))
    }
    r.add("args()", category: c, doc: "The extra command-line arguments of the script, as strings.",
          example: "args()") { a in .list(a.context.scriptArguments.map { .string($0) }) }
    r.add("world()", category: c, doc: "This process's place in a data-parallel run: {rank, size} ({rank: 0, size: 1} without mpirun).",
          help: "Under `mpirun -np K rslab script.rsl` (or `srun -n K`) every rank runs the whole script; train(...) splits each global batch over the ranks. Use rank to let one process print or write files.",
          example: "world().size") { _ in
      .record([("rank", .number(Double(World.rank))), ("size", .number(Double(World.size)))])
    }
  }


  /// `min`/`max` over arguments, a list, or a tensor.
  static func extremum(_ a: inout Arguments, _ name: String, smaller: Bool) throws -> Value {
    if a.rest.count == 1, case .tensor(let t) = a.rest[0] {
      return try TensorBuiltins.reduce(smaller ? .min : .max, t, &a)
    }
    var items = a.rest
    if items.count == 1 { items = try Indexing.elements(items[0]) }
    guard var best = items.first else {
      throw ScriptError(.badArgument(function: name, position: 1, message: "at least one value expected"))
    }
    for (k, v) in items.enumerated() {
      switch (v, best) {
      case (.number(let x), .number(let y)): if smaller ? x < y : x > y { best = v }
      case (.string(let x), .string(let y)): if smaller ? x < y : x > y { best = v }
      default:
        throw ScriptError(.badArgument(function: name, position: a.rest.count == 1 ? 1 : k + 1,
                                       message: "numbers or strings expected, got \(v.typeName)"))
      }
    }
    return best
  }
}
