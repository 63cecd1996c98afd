import Interpreter
import Runtime

/// Runs cells for the kernel in one RSL session and turns what they produce into iopub
/// messages: printed text as `stream`, the echoed value as `execute_result`, every picture
/// as `display_data` image/png, training progress as one display updated in place, and
/// the cell's error. Lives on the thread that runs cells.
final class KernelExecutor {
  /// What running one cell ended with.
  enum Outcome {
    case ok
    /// The cell's error (a diagnostic, or a misused `:command`).
    case error(name: String, message: String, traceback: [String])
  }

  let session: Session
  private let publisher: KernelPublisher
  /// The request whose outputs are being produced.
  private var parent: KernelMessage?
  private var executionCount = 0
  private var failure: Outcome?
  private var progress = ProgressDisplay()

  /// The training progress bar of the running cell: one display, updated in place.
  private struct ProgressDisplay {
    var id: String?
    var lastStep = 0
    var lastDraw = -1.0
  }

  /// The session's stop request, set by SIGINT and by the control channel's interrupt.
  var cancellation: CancellationToken { session.cancellation }

  init(publisher: KernelPublisher) {
    self.publisher = publisher
    session = Session(output: { _ in }, imageSink: { _ in })
    session.output = { [unowned self] text in
      self.publisher.stream("stdout", text, parent: self.parent)
    }
    session.imageSink = { [unowned self] path in self.picture(path) }
    session.progress = { [unowned self] p in self.report(p) }
  }

  /// Runs `code` as cell number `count` on behalf of `request`: RSL source, or a
  /// `:command` when the cell starts with a colon. `echo` false (a silent request) keeps
  /// the value to itself.
  func execute(_ code: String, count: Int, request: KernelMessage, echo: Bool) -> Outcome {
    parent = request
    executionCount = count
    failure = nil
    progress = ProgressDisplay()
    defer {
      publisher.flush()
      parent = nil
    }
    if code.trimmingBlanks().hasPrefix(":") {
      runMeta(code.trimmingBlanks())
    } else if !code.trimmingBlanks().isEmpty {
      _ = evaluate(code, file: KernelExecutor.cellName(count), echo: echo)
    }
    return failure ?? .ok
  }

  /// `In[3]`: the name diagnostics give a cell, as Jupyter numbers them.
  static func cellName(_ count: Int) -> String { "In[\(count)]" }

  /// Evaluates one of `user_expressions`, answering with its display text or its error.
  func userExpression(_ source: String) -> JSONValue {
    do throws(Diagnostic) {
      let result = try session.run(source, file: "<user_expression>")
      return .object([
        ("status", .string("ok")),
        ("data", .object([("text/plain", .string(result.echo ?? ""))])),
        ("metadata", .object([])),
      ])
    } catch {
      return .object([
        ("status", .string("error")), ("ename", .string(NotebookRunner.errorName)),
        ("evalue", .string(error.message)), ("traceback", .array(KernelExecutor.lines(error.rendered).map { .string($0) })),
      ])
    }
  }

  // MARK: - Running

  private func evaluate(_ source: String, file: String, echo: Bool) -> Bool {
    // The one place a kernel cell starts: clear a stale interrupt, exactly as the REPL does.
    Interrupt.resetForNewEntry()
    do throws(Diagnostic) {
      let result = try session.run(source, file: file)
      if echo, let text = result.echo {
        publisher.publish("execute_result", .object([
          ("execution_count", .number(Double(executionCount))),
          ("data", .object([("text/plain", .string(text))])),
          ("metadata", .object([])),
        ]), parent: parent)
      }
      return true
    } catch {
      fail(NotebookRunner.errorName, error.message, KernelExecutor.lines(error.rendered))
      return false
    }
  }

  private func runMeta(_ line: String) {
    let host = MetaCommandHost(
      session: session,
      line: { [unowned self] in self.publisher.stream("stdout", $0 + "\n", parent: self.parent) },
      error: { [unowned self] in self.fail("UsageError", $0, [$0]) },
      evaluate: { [unowned self] in self.evaluate($0, file: $1, echo: $2) })
    guard let (command, argument) = MetaCommand.parse(line, host: host) else { return }
    if command == .quit {
      host.error(":quit does not apply to a kernel; shut it down or restart it from the front end")
      return
    }
    _ = command.run(argument, host: host)
  }

  /// Records the cell's error (the first one) and publishes it.
  private func fail(_ name: String, _ message: String, _ traceback: [String]) {
    publisher.publish("error", .object([
      ("ename", .string(name)), ("evalue", .string(message)),
      ("traceback", .array(traceback.map { .string($0) })),
    ]), parent: parent)
    if failure == nil { failure = .error(name: name, message: message, traceback: traceback) }
  }

  // MARK: - Pictures and progress

  private func picture(_ path: String) {
    let png: [UInt8]
    do { png = try FileBytes.read(path) } catch {
      publisher.stream("stderr", "cannot show the image \(error)\n", parent: parent)
      return
    }
    publisher.publish("display_data", .object([
      ("data", .object([
        ("image/png", .string(Base64.encode(png))),
        ("text/plain", .string("[image: \(path)]")),
      ])),
      ("metadata", .object([])),
      ("transient", .object([])),
    ]), parent: parent)
  }

  /// Shows `train` progress as one display per run: `display_data` with a display id
  /// first, then `update_display_data` at most ten times a second and at the last step,
  /// so the notebook keeps one line, the final one.
  private func report(_ p: TrainProgress) {
    let now = MonotonicClock.now()
    let newRun = progress.id == nil || p.step < progress.lastStep
    let done = p.step >= p.total
    guard newRun || done || now - progress.lastDraw >= 0.1 else { return }
    progress.lastStep = p.step
    progress.lastDraw = now
    if newRun { progress.id = KernelMessage.newID() }
    let content = JSONValue.object([
      ("data", .object([("text/plain", .string(TrainProgressDisplay.bar(p)))])),
      ("metadata", .object([])),
      ("transient", .object([("display_id", .string(progress.id ?? ""))])),
    ])
    publisher.publish(newRun ? "display_data" : "update_display_data", content, parent: parent)
  }

  /// A rendered diagnostic as traceback lines.
  static func lines(_ text: String) -> [String] {
    text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
  }
}
