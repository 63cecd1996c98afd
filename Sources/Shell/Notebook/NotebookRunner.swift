import Interpreter
import Runtime

/// One output of a code cell, in the order it was produced.
enum CellOutput: Equatable {
  /// Text the cell printed (consecutive prints are merged); `name` is stdout or stderr.
  case stream(name: String, text: String)
  /// The echoed value of the cell's final expression.
  case result(text: String, executionCount: Int)
  /// A PNG the cell produced, read when it was reported (a later cell may overwrite the file).
  case image(path: String, png: [UInt8])
  /// The cell's uncaught error.
  case error(name: String, message: String, traceback: [String])
}

/// A cell after the run: its execution count (nil when not run) and outputs.
struct ExecutedCell: Equatable {
  var cell: Cell
  var executionCount: Int?
  var outputs: [CellOutput]
}

/// Runs the code cells of a notebook in order in one session, capturing each cell's
/// printed text, echoed value, images and error.
final class NotebookRunner {
  /// The `ename` of error outputs.
  static let errorName = "RSLError"

  let session: Session
  private let file: String
  private let keepGoing: Bool
  private let capture = Capture()
  /// The first cell error, reported on stderr after the notebook is written.
  private(set) var firstFailure: Diagnostic?
  /// Whether Ctrl-C stopped the run.
  private(set) var interrupted = false

  /// Collects outputs from the session's sinks while a cell runs.
  private final class Capture {
    var outputs: [CellOutput] = []

    func text(_ s: String, stream: String = "stdout") {
      if case .stream(let name, let previous)? = outputs.last, name == stream {
        outputs[outputs.count - 1] = .stream(name: name, text: previous + s)
      } else {
        outputs.append(.stream(name: stream, text: s))
      }
    }

    func image(_ path: String) {
      do {
        outputs.append(.image(path: path, png: try FileBytes.read(path)))
      } catch {
        text("cannot embed the image \(error)\n", stream: "stderr")
      }
    }
  }

  init(file: String, arguments: [String], keepGoing: Bool) {
    self.file = file
    self.keepGoing = keepGoing
    let capture = self.capture
    session = Session(output: { capture.text($0) }, imageSink: { capture.image($0) })
    session.scriptArguments = arguments
    TrainProgressDisplay.attach(to: session)
  }

  /// Runs `cells`; after a failure the remaining code cells are left unexecuted unless
  /// `keepGoing` (Ctrl-C and SIGTERM always stop the run).
  func run(_ cells: [Cell]) -> [ExecutedCell] {
    var count = 0
    var stopped = false
    return cells.map { cell in
      guard cell.kind == .code, !stopped else {
        return ExecutedCell(cell: cell, executionCount: nil, outputs: [])
      }
      count += 1
      capture.outputs = []
      Interrupt.resetForNewEntry()
      // Blank lines before the cell keep diagnostics' line numbers those of the file.
      let padded = String(repeating: "\n", count: max(0, cell.line - 1)) + cell.source
      do throws(Diagnostic) {
        let result = try session.run(padded, file: file)
        if let echo = result.echo { capture.outputs.append(.result(text: echo, executionCount: count)) }
      } catch {
        capture.outputs.append(.error(
          name: NotebookRunner.errorName, message: error.message,
          traceback: error.rendered.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)))
        if firstFailure == nil { firstFailure = error }
        if Interrupt.takeInterrupt() { interrupted = true }
        if !keepGoing || interrupted || Interrupt.terminationRequested { stopped = true }
      }
      return ExecutedCell(cell: cell, executionCount: count, outputs: capture.outputs)
    }
  }
}
