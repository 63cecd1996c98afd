import Interpreter
import Runtime

/// The interactive loop: read an entry (several lines while a block or bracket is open),
/// run it in one session, echo its value or print the diagnostic, repeat.
final class REPL {
  static let prompt = "rsl> "
  static let continuationPrompt = "...  "

  let session: Session
  private var editor: LineEditor?

  init() {
    session = Session(
      output: { Console.out($0); Console.flush() },
      imageSink: { Console.line("[image: \($0)]") })
    TrainProgressDisplay.attach(to: session)
  }

  /// Where history persists: `$RSLAB_HISTORY` (empty disables it) or `~/.rslab_history`.
  static var historyPath: String? {
    if let custom = FileSystem.environment("RSLAB_HISTORY") { return custom.isEmpty ? nil : custom }
    return FileSystem.home.map { $0 + "/.rslab_history" }
  }

  /// Runs until `:quit`, Ctrl-D or SIGTERM; returns the exit status.
  func run() -> Int32 {
    Interrupt.install(cancelling: session.cancellation)
    let completion = Completion(session: session)
    let editor = LineEditor(historyPath: REPL.historyPath) { line, cursor in
      completion.complete(line: line, cursor: cursor)
    }
    self.editor = editor
    Console.line("rslab \(Session.version) — RSL interactive. :help for help, Ctrl-D to exit.")
    var pending: [String] = []
    while true {
      Console.flush()
      switch editor.readLine(prompt: pending.isEmpty ? REPL.prompt : REPL.continuationPrompt) {
      case .endOfInput:
        Console.out("\n")
        Console.flush()
        return Interrupt.terminationRequested ? 143 : 0
      case .interrupted:
        pending = []
      case .line(let line):
        editor.addHistory(line)
        if pending.isEmpty, line.trimmingBlanks().hasPrefix(":") {
          if !runMeta(line) { return 0 }
          continue
        }
        pending.append(line)
        let source = pending.joined(separator: "\n")
        if session.isIncomplete(source) { continue }
        pending = []
        if source.trimmingBlanks().isEmpty { continue }
        evaluate(source, file: "<repl>")
      }
      if Interrupt.terminationRequested {
        Console.err("rslab: terminated")
        return 143
      }
    }
  }

  /// Runs `source`, echoing the value of a final expression when `echo`; prints the
  /// diagnostic on failure. Returns whether it succeeded.
  @discardableResult
  func evaluate(_ source: String, file: String, echo: Bool = true) -> Bool {
    Interrupt.resetForNewEntry()
    defer { Console.flush() }
    do {
      let result = try session.run(source, file: file)
      if echo, let text = result.echo { Console.line(text) }
      return true
    } catch {
      Console.err(error.rendered)
      return false
    }
  }
}
