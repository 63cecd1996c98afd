#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Interpreter
import Runtime

/// `rslab sweep cell FILE --index I`: runs one cell's script in a fresh session and, only
/// when it finished without error and called `sweep_record`, writes the cell's result file
/// atomically. A failure writes `NAME.failed.json` (message, log path) instead; an interrupt
/// or a kill writes nothing, so the cell simply reruns.
enum SweepCellRunner {
  /// Exit status when another process holds the cell's lock (it is running elsewhere).
  static let busyStatus: Int32 = 3
  /// Set by the local executor: cells exit when it dies (as a node failure would kill them).
  static let executorVariable = "RSLAB_SWEEP_EXECUTOR_PID"

  static func run(_ sweep: SweepFile, index: Int, writeLog: Bool) -> Int32 {
    let cell: SweepCellSpec
    do { cell = try sweep.cell(index) } catch {
      Console.err("rslab: \(error)")
      return 2
    }
    watchExecutor()
    let layout = SweepLayout(out: sweep.out)
    do { try layout.create() } catch {
      Console.err("rslab: \(error)")
      return 1
    }
    let log = layout.log(cell)
    if writeLog {
      let fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
      if fd >= 0 { Console.flush(); dup2(fd, 1); dup2(fd, 2); close(fd) }
    }
    // One process per cell: the lock dies with the process (kill -9, node failure).
    let lockFD = open(layout.lock(cell), O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
    guard lockFD >= 0, flock(lockFD, LOCK_EX | LOCK_NB) == 0 else {
      Console.err("rslab: cell \(index) (\(cell.name)) is running in another process")
      return busyStatus
    }
    defer { close(lockFD) }
    if let state = SweepState.result(of: cell, in: layout), state.matches {
      Console.line("cell \(index) (\(cell.name)) is already done: \(layout.result(cell))")
      return 0
    }
    let threads = sweep.resources.threads
      ?? FileSystem.environment("OPENBLAS_NUM_THREADS").flatMap { Int($0) }
      ?? Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    BLASThreads.count = max(1, threads)
    let command = (["rslab"] + CommandLine.arguments.dropFirst()).joined(separator: " ")
    Console.line("=== cell \(index) of \(sweep.name): \(SweepCellSpec.describe(cell.axes)) (BLAS threads: \(BLASThreads.count)) ===")
    Console.line("command: \(command)")
    Console.flush()

    let started = Clock.iso8601Now(), wallStart = MonotonicClock.now(), cpuStart = Clock.cpuSeconds()
    let source: String
    do { source = try FileBytes.readText(sweep.script) } catch {
      return fail(cell, layout, message: "cannot read the cell script: \(error)", log: writeLog ? log : nil)
    }
    let session = Session(output: { Console.out($0) }, imageSink: { Console.line("[image: \($0)]") })
    Interrupt.install(cancelling: session.cancellation)
    let sweepCell = SweepCell(parameters: cell.parameters)
    session.sweepCell = sweepCell
    TrainProgressDisplay.attach(to: session)
    do {
      _ = try session.run(source, file: sweep.script)
    } catch {
      Console.flush()
      if Interrupt.terminationRequested || Interrupt.takeInterrupt() {
        Console.err("rslab: cell \(index) stopped by a signal; no result written, it will rerun")
        return Interrupt.terminationRequested ? ScriptRunner.terminatedStatus : ScriptRunner.interruptedStatus
      }
      Console.err(error.rendered)
      return fail(cell, layout, message: error.rendered, log: writeLog ? log : nil)
    }
    guard let metrics = sweepCell.metrics else {
      return fail(cell, layout, message: "the script finished without calling sweep_record(metrics)", log: writeLog ? log : nil)
    }
    let document = JSONValue.object([
      ("format", .string(SweepResultFile.format)),
      ("sweep", .string(sweep.name)),
      ("index", .number(Double(index))),
      ("cell", .string(cell.name)),
      ("axes", .object(cell.axes)),
      ("seed", .number(Double(cell.seed))),
      ("parameters", sweepCell.resolvedParameters ?? .object(cell.parameters)),
      ("metrics", metrics),
      ("history", sweepCell.history ?? .null),
      ("command", .string(command)),
      ("script", .string(sweep.script)),
      ("rslab_version", .string(Session.version)),
      ("git_revision", Provenance.gitRevision(near: sweep.script).map { .string($0) } ?? .null),
      ("machine", Provenance.machine()),
      ("blas_threads", .number(Double(BLASThreads.count))),
      ("wall_seconds", .number(MonotonicClock.now() - wallStart)),
      ("cpu_seconds", .number(Clock.cpuSeconds() - cpuStart)),
      ("started", .string(started)),
      ("finished", .string(Clock.iso8601Now())),
    ])
    do {
      try AtomicWrite.write(document.rendered(), to: layout.result(cell))
      unlink(layout.failure(cell))
    } catch {
      Console.err("rslab: cannot write the result: \(error)")
      return 1
    }
    Console.line("=== cell \(index) done: \(layout.result(cell)) ===")
    return 0
  }

  /// Records a failed cell (message and log) and returns the failure status.
  private static func fail(_ cell: SweepCellSpec, _ layout: SweepLayout, message: String, log: String?) -> Int32 {
    layout.recordFailure(cell, message: message, log: log)
    Console.err("rslab: cell \(cell.index) (\(cell.name)) failed: \(message)")
    return 1
  }

  /// Under the local executor, exits as soon as the executor is gone (so killing it, even
  /// with kill -9, stops its cells the way a lost node would).
  private static func watchExecutor() {
    guard let text = FileSystem.environment(executorVariable), let executor = Int32(text) else { return }
    if getppid() != executor { _exit(137) }
    DispatchQueue.global().async {
      while getppid() == executor { usleep(200_000) }
      _exit(137)
    }
  }
}
