import Interpreter
import Runtime

/// The REPL's `:commands`, which act on the session rather than being RSL code.
enum MetaCommand: String, CaseIterable {
  case help, vars, time, load, reset, quit

  /// Command names without the colon, in the order `:help` lists them.
  static let names = allCases.map(\.rawValue)

  /// One line per command for `:help`.
  static let summary = """
    :help [name]     this overview, or the documentation of a builtin
    :vars            your variables with their type and a short summary
    :time expr       run expr and report the elapsed time
    :load file.rsl   run a script in this session (its variables stay)
    :reset           forget every variable
    :quit            leave (Ctrl-D does the same)
    """

  /// Keys that work at the prompt, for `:help`.
  static let keys = """
    Tab completes names, fields after `x.`, keyword arguments and file paths in strings;
    Up/Down recall history (kept in ~/.rslab_history, or $RSLAB_HISTORY); Ctrl-R searches it.
    Ctrl-C clears the input line, or stops a running computation (variables are kept).
    Ctrl-D on an empty line exits.
    """

  /// The command a typed name refers to: an exact name, an unambiguous prefix (`:q`), or
  /// `exit` for `quit`.
  static func resolve(_ typed: String) -> MetaCommand? {
    if let exact = MetaCommand(rawValue: typed) { return exact }
    if typed == "exit" { return .quit }
    let matches = allCases.filter { $0.rawValue.hasPrefix(typed) }
    return matches.count == 1 && !typed.isEmpty ? matches[0] : nil
  }
}

/// Where a `:command` writes and how it runs code: the REPL's console, or a kernel cell.
struct MetaCommandHost {
  let session: Session
  /// Writes a line of normal output.
  let line: (String) -> Void
  /// Reports a usage error (unknown command, missing argument, unreadable file).
  let error: (String) -> Void
  /// Runs RSL source named `file`, echoing a final value when `echo`; returns whether it succeeded.
  let evaluate: (_ source: String, _ file: String, _ echo: Bool) -> Bool
}

extension MetaCommand {
  /// Splits `:name argument` into the command and its argument; reports an unknown name.
  static func parse(_ line: String, host: MetaCommandHost) -> (MetaCommand, String)? {
    let body = line.drop { $0 == " " || $0 == "\t" || $0 == "\n" }.dropFirst()
    let name = String(body.prefix { $0 != " " && $0 != "\t" && $0 != "\n" })
    let argument = String(body.dropFirst(name.count)).trimmingBlanks()
    guard let command = MetaCommand.resolve(name) else {
      host.error("unknown command ':\(name)'; the commands are " + MetaCommand.names.map { ":" + $0 }.joined(separator: " "))
      return nil
    }
    return (command, argument)
  }

  /// Runs the command with `argument`. Returns false for `:quit`.
  func run(_ argument: String, host: MetaCommandHost) -> Bool {
    let session = host.session
    switch self {
    case .help:
      if argument.isEmpty {
        host.line("rslab \(Session.version): RSL at the prompt. Commands:\n" + MetaCommand.summary + "\n\nKeys:\n" + MetaCommand.keys)
        let overview = session.help(nil)
        if !overview.isEmpty { host.line("\n" + overview) }
      } else {
        let text = session.help(argument)
        host.line(text.isEmpty ? "no help for '\(argument)'" : text)
      }
    case .vars:
      MetaCommand.showVariables(host)
    case .time:
      guard !argument.isEmpty else {
        host.error(":time needs an expression, e.g. :time sum(randn([1000, 1000]))")
        return true
      }
      let clock = ContinuousClock()
      let start = clock.now
      let ok = host.evaluate(argument, "<repl>", true)
      let elapsed = clock.now - start
      if ok { host.line("time: " + REPL.format(elapsed)) }
    case .load:
      guard !argument.isEmpty else {
        host.error(":load needs a file, e.g. :load tutorials/01-tensors.rsl")
        return true
      }
      let path = argument.count >= 2 && argument.hasPrefix("\"") && argument.hasSuffix("\"")
        ? String(argument.dropFirst().dropLast()) : argument
      do {
        let source = try FileBytes.readText(path)
        if host.evaluate(source, path, false) { host.line("loaded \(path)") }
      } catch {
        host.error("cannot load \(error)")
      }
    case .reset:
      session.reset()
      host.line("session reset: every variable is forgotten")
    case .quit:
      return false
    }
    return true
  }

  private static func showVariables(_ host: MetaCommandHost) {
    let vars = host.session.variables()
    guard !vars.isEmpty else {
      host.line("no variables yet")
      return
    }
    let nameWidth = min(24, vars.map(\.name.count).max() ?? 0)
    let typeWidth = min(12, vars.map(\.type.count).max() ?? 0)
    for v in vars {
      host.line(v.name.padded(to: nameWidth) + "  " + v.type.padded(to: typeWidth) + "  " + v.summary)
    }
  }
}

extension REPL {
  /// Runs one `:command` line. Returns false when the REPL should exit.
  func runMeta(_ line: String) -> Bool {
    let host = MetaCommandHost(
      session: session, line: { Console.line($0) }, error: { Console.err($0) },
      evaluate: { [unowned self] in self.evaluate($0, file: $1, echo: $2) })
    defer { Console.flush() }
    guard let (command, argument) = MetaCommand.parse(line, host: host) else { return true }
    return command.run(argument, host: host)
  }

  /// "812 µs", "12.3 ms", "4.56 s".
  static func format(_ d: Duration) -> String {
    let (s, atto) = d.components
    let seconds = Double(s) + Double(atto) / 1e18
    if seconds < 1e-3 { return Format.fixed(seconds * 1e6, 0) + " µs" }
    if seconds < 1 { return Format.fixed(seconds * 1e3, 1) + " ms" }
    return Format.fixed(seconds, 2) + " s"
  }
}

extension String {
  func trimmingBlanks() -> String {
    let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
    return String(drop(while: isBlank).reversed().drop(while: isBlank).reversed())
  }

  func padded(to width: Int) -> String {
    count >= width ? self : self + String(repeating: " ", count: width - count)
  }
}
