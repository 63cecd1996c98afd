import Runtime

/// What running one chunk of source produced.
public struct RunResult: Sendable {
  /// The display text of the final expression statement's value (nil when there is
  /// none, or when the statement ended with `;`).
  public var echo: String?
  public init(echo: String?) { self.echo = echo }
}

/// A language session: globals, builtins, output sinks. The Shell owns one per REPL /
/// script / notebook; the notebook runner swaps the sinks per cell.
///
///     let s = Session(output: { text += $0 })
///     let r = try s.run("x = 2\nx * 3", file: "<repl>")   // r.echo == "6"
public final class Session {
  /// Receives everything `print` writes (text, including newlines).
  public var output: (String) -> Void
  /// Receives the path of every PNG a builtin produces (plots, grids); notebooks embed them.
  public var imageSink: (String) -> Void
  /// Receives progress reports while `train` runs (after every step); the Shell renders a
  /// progress bar on a terminal and periodic plain lines otherwise. Nil: no progress shown.
  public var progress: ((TrainProgress) -> Void)? {
    get { context.progress }
    set { context.progress = newValue }
  }
  /// Extra command-line arguments, returned by `args()`.
  public var scriptArguments: [String] {
    get { context.scriptArguments }
    set { context.scriptArguments = newValue }
  }
  /// The sweep cell this session runs (`rslab sweep cell`): `sweep_params` reads its
  /// parameters and `sweep_record` fills its metrics. Nil outside a sweep.
  public var sweepCell: SweepCell? {
    get { context.sweepCell }
    set { context.sweepCell = newValue }
  }
  /// Bounds on recursion and (for fuzzing) on the steps of one `run`.
  public var limits: Limits {
    get { context.limits }
    set { context.limits = newValue }
  }

  /// The session's stop request: `cancellation.request()` (from a SIGINT handler, a
  /// kernel's interrupt message, another thread) stops the running code at its next safe
  /// point with an "interrupted" error; `train` returns its partial run instead.
  public var cancellation: CancellationToken { context.cancellation }

  let context: CallContext

  public init(output: @escaping (String) -> Void = { print($0, terminator: "") },
              imageSink: @escaping (String) -> Void = { _ in }) {
    self.output = output
    self.imageSink = imageSink
    context = CallContext(registry: .standard, output: { _ in }, imageSink: { _ in })
    context.output = { [unowned self] in self.output($0) }
    context.imageSink = { [unowned self] in self.imageSink($0) }
  }

  deinit {
    // Function values in globals hold compiled code that refers back to the context.
    context.globals.values.removeAll()
  }

  /// Runs `source` (a script, a cell or a REPL entry) named `file` for diagnostics.
  public func run(_ source: String, file: String) throws(Diagnostic) -> RunResult {
    let id = context.sources.count
    context.sources.append(SourceFile(name: file, text: source))
    context.measureStack()
    context.steps = 0
    context.stepBudget = context.limits.maxSteps ?? Int.max
    context.depth = 0
    context.emittedImages = []
    do {
      let stmts = try Parser.parse(source, source: id)
      var compiler = Compiler(context: context, scope: nil)
      let program = try compiler.block(stmts, tail: true)
      let frame = Frame(count: 0, parent: nil)
      do {
        _ = try program(frame)
      } catch {
        throw ScriptError.wrap(error, at: SourceSpan(source: id, line: 1, column: 1))
      }
      guard let last = stmts.last, case .expression(_, echo: true) = last.kind else { return RunResult(echo: nil) }
      switch frame.result {
      case .null: return RunResult(echo: nil)
      case .object(let o):
        if let path = o.imagePath, !context.emittedImages.contains(path) { imageSink(path) }
        return RunResult(echo: o.summary)
      default: return RunResult(echo: frame.result.display)
      }
    } catch let e as ScriptError {
      throw context.diagnostic(e, fallbackSource: id)
    } catch {
      throw context.diagnostic(ScriptError.wrap(error, at: SourceSpan(source: id, line: 1, column: 1)), fallbackSource: id)
    }
  }

  /// True when `source` ends inside an open block or bracket (the REPL shows a continuation prompt).
  public func isIncomplete(_ source: String) -> Bool {
    do {
      _ = try Parser.parse(source, source: 0)
      return false
    } catch {
      if case .unexpectedEnd = error.kind { return true }
      return false
    }
  }

  /// Completion candidates for the word ending at `cursor` in `line`: whole replacement
  /// words (`x.sh` gives `x.shape`; inside `reshape(` a keyword gives `shape:`).
  public func completions(line: String, cursor: Int) -> [String] {
    Completion(context: context).candidates(line: line, cursor: cursor)
  }

  /// `(name, type, summary)` of every user variable, for `:vars`.
  public func variables() -> [(name: String, type: String, summary: String)] {
    let g = context.globals
    return g.names.indices.filter { g.isUserDefined($0) }.sorted { g.names[$0] < g.names[$1] }.compactMap { i in
      guard let v = g.values[i] else { return nil }
      var s = v.display
      if s.count > 60 { s = String(s.prefix(57)) + "..." }
      return (g.names[i], v.typeName, s)
    }
  }

  /// Help text for a builtin or `nil` for an overview.
  public func help(_ name: String?) -> String { HelpText.help(name, registry: context.registry, globals: context.globals) }

  /// Binds a global variable (hosts and tests inject values, e.g. a preloaded dataset).
  public func define(_ name: String, _ value: Value) {
    let g = context.globals.slot(name)
    context.globals.values[g] = value
  }

  /// The value of a global variable or builtin, if any.
  public func value(of name: String) -> Value? { context.globals.lookup(name) ?? context.registry[name].map { .builtin($0) } }

  /// The keys of the defaults record a script passes to `sweep_params`, when the script
  /// spells it out at top level (`p = sweep_params({a: 1, ...})`, or a name bound to a record
  /// literal at top level); nil when the script does not say it statically or does not parse.
  /// `rslab sweep run` checks the sweep file's parameters against them before running anything.
  public static func sweepParameterNames(in source: String) -> [String]? {
    guard let stmts = try? Parser.parse(source, source: 0) else { return nil }
    return SweepParameterProbe.names(in: stmts)
  }

  /// Forgets every user variable.
  public func reset() { context.globals.reset() }

  /// The builtin reference as Markdown (`rslab --builtins`, committed as docs/builtins.md).
  public func builtinReference() -> String { HelpText.reference(context.registry) }

  /// The rslab version string.
  public static let version = "0.1.0"
}
