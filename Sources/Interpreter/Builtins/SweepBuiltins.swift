#if canImport(Glibc)
import Glibc
#endif
import Runtime

extension BuiltinRegistry {
  /// Sweeps (docs/sweeps.md): a cell script's parameters and result, shared artifacts built
  /// once under a lock, and the results of a sweep for analysis in the REPL.
  static func registerSweeps(_ r: BuiltinRegistry) {
    let c = "sweeps"
    r.add("sweep_params(defaults)", category: c,
          doc: "The parameters of this sweep cell: defaults overridden by the sweep (or by key=value script arguments).",
          help: """
            In `rslab sweep cell` (what `rslab sweep run` starts per cell): defaults overridden by \
            the sweep file's fixed parameters and the cell's axis values, plus `seed` and `out` (the \
            sweep's output folder). Run by hand (`rslab cell.rsl seed=3 method=fixmatch`): defaults \
            overridden by the key=value arguments, each read as the default's type (numbers, \
            true/false, strings, JSON lists). A key that is not in defaults is an error (seed and \
            out may always be given).
            """,
          example: "p = sweep_params({method: \"fixmatch\", steps: 100, seed: 0})") { a in
      let defaults = try a.record(0)
      if let cell = a.context.sweepCell {
        let p = try SweepParameters.override(defaults, with: cell.parameters.map { ($0.0, Value(json: $0.1)) }, source: "the sweep file")
        cell.resolvedParameters = Value.record(p).json
        return .record(p)
      }
      var given: [(String, Value)] = []
      for arg in a.context.scriptArguments {
        guard let eq = arg.firstIndex(of: "="), eq != arg.startIndex else {
          throw RuntimeError.invalidArgument(op: "sweep_params", message: "script argument '\(arg)' is not key=value (e.g. seed=3)")
        }
        let key = String(arg[..<eq]), text = String(arg[arg.index(after: eq)...])
        given.append((key, try SweepParameters.parse(text, like: defaults.get(key), key: key)))
      }
      return .record(try SweepParameters.override(defaults, with: given, source: "the command line"))
    }
    r.add("sweep_record(metrics, history: nil)", category: c,
          doc: "Reports this sweep cell's result: a record of numbers/strings, and optionally a run or list of records.",
          help: """
            In `rslab sweep cell`, the cell's result file (written atomically once the script has \
            finished without error) holds these metrics and the history: a run returned by `train` \
            (its history columns) or a list of records. Outside a sweep it prints the metrics. \
            NaN and infinite metrics are stored as nil.
            """,
          example: "sweep_record({acc: 0.93, method: \"fixmatch\"})") { a in
      let metrics = try a.record(0)
      guard let m = Value.record(metrics.fields).json else {
        throw a.error(0, "a record of numbers, strings, bools or lists expected (a tensor or object cannot be recorded; use .item() or a number)")
      }
      var history: JSONValue? = nil
      if a.has(1) {
        if case .object(let o) = a[1], let run = o as? RunObject {
          history = .object(run.run.history.columns.map { col in
            (col, .array((run.run.history[col] ?? []).map { $0.isFinite ? .number(Double($0)) : .null }))
          })
        } else if case .list = a[1], let j = a[1].json {
          history = j
        } else {
          throw a.typeError(1, "run or list of records")
        }
      }
      if let cell = a.context.sweepCell {
        cell.metrics = m
        cell.history = history
      } else {
        a.context.write("sweep_record: \(Value.record(metrics.fields).display)\n")
      }
      return .null
    }
    r.add("with_lock(path, f)", category: c,
          doc: "Calls f() holding an exclusive lock on the file path (created if missing) and returns its value.",
          help: """
            Cells of a sweep that share an artifact (a trained generator, a synthetic pool) build it \
            inside with_lock: the first cell to take the lock builds and saves it (atomically), the \
            others wait, then find the saved file and load it. The lock is an flock(2) advisory lock, \
            released when f returns or fails, or when the process dies; on a cluster the folder must \
            be on a filesystem whose locks all nodes see (docs/sweeps.md).
            """,
          example: "with_lock(\"/tmp/rslab-example.lock\", fn() 42 end)", needsFiles: true) { a in
      let path = try a.string(0)
      let f = try a.function(1)
      let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
      guard fd >= 0 else { throw RuntimeError.io(path: path, message: "cannot open the lock file: \(String(cString: strerror(errno)))") }
      defer { close(fd) }
      // Poll rather than block, so Ctrl-C still stops a cell waiting for another's artifact.
      while flock(fd, LOCK_EX | LOCK_NB) != 0 {
        guard errno == EWOULDBLOCK || errno == EINTR else {
          throw RuntimeError.io(path: path, message: "cannot lock: \(String(cString: strerror(errno)))")
        }
        try a.context.tick()
        usleep(50_000)
      }
      defer { flock(fd, LOCK_UN) }
      return try a.context.call(f, [])
    }
    r.add("sweep_results(path)", category: c,
          doc: "The finished cells of a sweep (its output folder) as a list of records, one per cell.",
          help: """
            Each row holds `index`, the axis values, `seed`, the recorded metrics, `wall_seconds` \
            and `history` (when the cell recorded one). Rows are in cell order; cells not finished \
            are absent (see `rslab sweep status`).
            """,
          example: "rows = sweep_results(\"rs-ssl-results\")\nfilter(rows, fn(r) r.method == \"rsmatch\" end)",
          needsFiles: true) { a in
      let out = try a.string(0)
      return .list(try SweepResultFile.readAll(out: out).map { doc in
        .record(SweepResultFile.row(doc, withHistory: true).map { ($0.0, Value(json: $0.1)) })
      })
    }
  }
}

/// How `sweep_params` combines a script's defaults with the sweep's or the command line's values.
enum SweepParameters {
  /// Keys every cell may receive without declaring them in the defaults.
  static let implicit: Set<String> = ["seed", "out"]

  /// `defaults` with `given` values replacing theirs; implicit keys are appended when absent.
  static func override(_ defaults: RecordRef, with given: [(String, Value)], source: String) throws -> [(String, Value)] {
    var fields = defaults.fields
    for (key, value) in given {
      if let i = fields.firstIndex(where: { $0.0 == key }) {
        fields[i].1 = value
      } else if implicit.contains(key) {
        fields.append((key, value))
      } else {
        let hint = Suggest.closest(to: key, in: defaults.keys).map { " (did you mean '\($0)'?)" } ?? ""
        throw RuntimeError.invalidArgument(
          op: "sweep_params",
          message: "\(source) sets '\(key)', which is not among the script's defaults\(hint); defaults: \(defaults.keys.joined(separator: ", "))")
      }
    }
    return fields
  }

  /// A command-line value read as the type of the default it replaces.
  static func parse(_ text: String, like def: Value?, key: String) throws -> Value {
    func fail(_ expected: String) -> RuntimeError {
      .invalidArgument(op: "sweep_params", message: "\(key)=\(text): \(expected) expected (the default is \(def?.display ?? "nil"))")
    }
    switch def {
    case .number?:
      guard let d = Double(text) else { throw fail("a number") }
      return .number(d)
    case .bool?:
      guard text == "true" || text == "false" else { throw fail("true or false") }
      return .bool(text == "true")
    case .string?: return .string(text)
    case .list?:
      guard let j = try? JSONValue.parse(text, path: key), case .array = j else { throw fail("a JSON list such as [0, 0.5]") }
      return Value(json: j)
    default:
      if let d = Double(text) { return .number(d) }
      if text == "true" || text == "false" { return .bool(text == "true") }
      return .string(text)
    }
  }
}
