#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Interpreter
import Runtime

/// `rslab sweep cell FILE --index I`: runs one cell's script in a fresh session and, only
/// when it finished without error and called `sweep_record`, writes the cell's result file
/// atomically. A failure writes `NAME.failed.json` (message, log path) instead; an interrupt
/// or a kill writes nothing, so the cell simply reruns. Under `mpirun -np K` / `srun -n K`
/// (`resources.ranks`) every rank runs the script and rank 0 alone writes these files.
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
    // Under mpirun/srun every rank runs this; MPI starts here. Rank 0 alone takes the lock and
    // writes the log, the result and the failure marker; the others follow its decisions.
    let ranks = World.size, leader = World.isLeader
    defer { World.finish() }
    watchExecutor(ranks: ranks)
    let layout = SweepLayout(out: sweep.out)
    // srun without an MPI plugin Open MPI understands starts K separate worlds of one, which
    // would each train the whole cell: refuse, naming the fix.
    if ranks == 1, let tasks = FileSystem.environment("SLURM_STEP_NUM_TASKS").flatMap({ Int($0) }), tasks > 1 {
      let message = "srun started \(tasks) tasks for this cell but they do not form one MPI run (each sees a world of one): "
        + "the cluster's default MPI plugin does not start Open MPI; set 'slurm: {mpi: pmix}' in the sweep file "
        + "(srun --mpi=list shows the cluster's plugins; docs/sweeps.md)"
      Console.err("rslab: \(message)")
      if FileSystem.environment("SLURM_PROCID") == "0" { layout.recordFailure(cell, message: message, log: nil) }
      return 1
    }
    if leader {
      do { try layout.create() } catch {
        Console.err("rslab: \(error)")
        return agree(1, ranks: ranks)
      }
    }
    let log = layout.log(cell)
    if writeLog || !leader {
      // The other ranks' output would repeat rank 0's; their errors (stderr) still reach the launcher's output.
      let fd = leader ? open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644) : open("/dev/null", O_WRONLY | O_CLOEXEC)
      if fd >= 0 { Console.flush(); dup2(fd, 1); if leader { dup2(fd, 2) }; close(fd) }
    }
    // One process per cell: the lock dies with the process (kill -9, node failure).
    var lockFD: Int32 = -1
    var start: Int32 = -1
    if leader {
      lockFD = open(layout.lock(cell), O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
      if lockFD < 0 || flock(lockFD, LOCK_EX | LOCK_NB) != 0 {
        Console.err("rslab: cell \(index) (\(cell.name)) is running in another process")
        start = busyStatus
      } else if let state = SweepState.result(of: cell, in: layout), state.matches {
        Console.line("cell \(index) (\(cell.name)) is already done: \(layout.result(cell))")
        start = 0
      }
    }
    defer { if lockFD >= 0 { close(lockFD) } }
    start = agree(start, ranks: ranks)
    if start >= 0 { return start }
    let threads = sweep.resources.threads
      ?? FileSystem.environment("OPENBLAS_NUM_THREADS").flatMap { Int($0) }
      ?? max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) / ranks)
    BLASThreads.count = max(1, threads)
    let command = (["rslab"] + CommandLine.arguments.dropFirst()).joined(separator: " ")
    let perRank = ranks > 1 ? "\(ranks) ranks, BLAS threads per rank" : "BLAS threads"
    Console.line("=== cell \(index) of \(sweep.name): \(SweepCellSpec.describe(cell.axes)) (\(perRank): \(BLASThreads.count)) ===")
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
    if leader { TrainProgressDisplay.attach(to: session) }
    do {
      _ = try session.run(source, file: sweep.script)
    } catch {
      Console.flush()
      if Interrupt.terminationRequested || Interrupt.takeInterrupt() {
        Console.err("rslab: cell \(index) stopped by a signal; no result written, it will rerun")
        if ranks > 1 { World.abort(message: "stopped by a signal", code: Interrupt.terminationRequested ? ScriptRunner.terminatedStatus : ScriptRunner.interruptedStatus) }
        return Interrupt.terminationRequested ? ScriptRunner.terminatedStatus : ScriptRunner.interruptedStatus
      }
      if ranks > 1 {
        // The other ranks may wait in a collective for this one: end them all, with the message.
        if leader { layout.recordFailure(cell, message: error.rendered, log: writeLog ? log : nil) }
        World.abort(message: error.rendered)
      }
      Console.err(error.rendered)
      return fail(cell, layout, message: error.rendered, log: writeLog ? log : nil)
    }
    // A signal during `train` makes it return the partial run: that is not the cell's result.
    let stopped = Interrupt.terminationRequested ? ScriptRunner.terminatedStatus
      : Interrupt.takeInterrupt() ? ScriptRunner.interruptedStatus : -1
    let stop = agree(stopped, ranks: ranks)
    if stop >= 0 {
      Console.flush()
      Console.err("rslab: cell \(index) stopped by a signal; no result written, it will rerun")
      return stop
    }
    guard let metrics = sweepCell.metrics else {
      guard leader else { return 1 }
      return fail(cell, layout, message: "the script finished without calling sweep_record(metrics)", log: writeLog ? log : nil)
    }
    guard leader else { return 0 }
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
      ("ranks", .number(Double(ranks))),
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

  /// Rank 0's `status` on every rank (one allreduce; just `status` in a world of one).
  private static func agree(_ status: Int32, ranks: Int) -> Int32 {
    guard ranks > 1, let c = World.communicator else { return status }
    var v = [World.isLeader ? Double(status) : 0]
    c.sum(&v)
    return Int32(v[0])
  }

  /// Under the local executor, exits as soon as the executor is gone (so killing it, even
  /// with kill -9, stops its cells the way a lost node would). With several ranks the parent
  /// is mpirun, whose parent is the executor until the executor dies (then it is reparented
  /// at once; a pid test would see the dead executor as a zombie until it is reaped).
  private static func watchExecutor(ranks: Int) {
    guard let text = FileSystem.environment(executorVariable), let executor = Int32(text) else { return }
    let viaLauncher = ranks > 1
    let alive: @Sendable () -> Bool = { (viaLauncher ? parent(of: getppid()) : getppid()) == executor }
    if !alive() { _exit(137) }
    DispatchQueue.global().async {
      while alive() { usleep(200_000) }
      _exit(137)
    }
  }

  /// The parent of process `pid` (the field after the state in /proc/PID/stat), or nil.
  private static func parent(of pid: pid_t) -> pid_t? {
    let fd = open("/proc/\(pid)/stat", O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var buf = [UInt8](repeating: 0, count: 1024)
    let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
    guard n > 0 else { return nil }
    // "PID (COMMAND) STATE PPID ...": the command may hold spaces and parentheses.
    let text = String(decoding: buf[0..<n], as: UTF8.self)
    guard let end = text.lastIndex(of: ")") else { return nil }
    let fields = text[text.index(after: end)...].split(separator: " ")
    return fields.count > 1 ? pid_t(fields[1]) : nil
  }
}
