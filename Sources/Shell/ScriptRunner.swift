import Interpreter
import Runtime

/// Runs a whole program without a terminal: `rslab FILE`, `rslab -e EXPR`, a script on stdin.
enum ScriptRunner {
  /// Exit status for a run stopped by Ctrl-C (128 + SIGINT, as shells report it).
  static let interruptedStatus: Int32 = 130
  /// Exit status for a run stopped by SIGTERM (128 + SIGTERM).
  static let terminatedStatus: Int32 = 143

  /// Runs `source` named `file`; prints the echo of a final expression when `echo` (for `-e`).
  /// Returns the exit status: 0 success, 1 error in the program (diagnostic on stderr),
  /// 130 / 143 when stopped by SIGINT / SIGTERM.
  static func run(_ source: String, file: String, arguments: [String], echo: Bool) -> Int32 {
    let session = Session(
      output: { Console.out($0) },
      imageSink: { Console.line("[image: \($0)]") })
    Interrupt.install(cancelling: session.cancellation)
    session.scriptArguments = arguments
    // Under mpirun every rank runs the script; MPI starts here, before any output.
    let ranks = World.size
    if World.isLeader { TrainProgressDisplay.attach(to: session) }
    defer { Console.flush() }
    do {
      let result = try session.run(source, file: file)
      if echo, let text = result.echo { Console.line(text) }
    } catch {
      if Interrupt.terminationRequested {
        Console.err("rslab: terminated by SIGTERM; files already written are complete")
        return terminatedStatus
      }
      if ranks > 1 {
        // The other ranks may wait in a collective for this one: end them all, with the message.
        Console.flush()
        World.abort(message: error.rendered)
      }
      Console.err(error.rendered)
      return Interrupt.takeInterrupt() ? interruptedStatus : 1
    }
    World.finish()
    if Interrupt.terminationRequested {
      Console.err("rslab: terminated by SIGTERM")
      return terminatedStatus
    }
    return 0
  }
}
