#if canImport(Glibc)
import Glibc
#endif
import Runtime

/// The default executor: runs the cells that need it as separate `rslab sweep cell`
/// processes, `jobs` at a time, each with cores / jobs BLAS and kernel threads unless the
/// sweep file sets `resources.threads`; a cell with `resources.ranks` K > 1 runs under
/// `mpirun -np K` and counts as K cells when the cores are shared. On a terminal it keeps one live line per running
/// cell plus the overall progress and ETA; otherwise it prints a line per start and finish.
/// Ctrl-C (or SIGTERM) stops the workers; finished cells stay, the rest rerun next time.
struct SweepLocalExecutor {
  let sweep: SweepFile
  let jobs: Int
  let threads: Int
  let layout: SweepLayout
  let terminal = isatty(STDOUT_FILENO) == 1

  struct Worker {
    let cell: SweepCellSpec
    let pid: pid_t
    let started: Double
    var termSent: Double? = nil
  }

  init(sweep: SweepFile, jobs: Int?) {
    let cores = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    self.sweep = sweep
    // A cell with K ranks is K processes: it takes K cells' share of the cores.
    let ranks = sweep.resources.ranks
    let n = jobs ?? sweep.resources.threads.map { max(1, cores / ($0 * ranks)) } ?? max(1, cores / ranks)
    self.jobs = max(1, n)
    self.threads = sweep.resources.threads ?? max(1, cores / (self.jobs * ranks))
    layout = SweepLayout(out: sweep.out)
  }

  /// Runs every cell not done; returns the exit status (0 all done, 1 some failed, 130 interrupted).
  func run() -> Int32 {
    do { try layout.create() } catch {
      Console.err("rslab: \(error)")
      return 1
    }
    let states = SweepState.scan(sweep)
    var queue = sweep.cells.filter { states[$0.index].needsRun }
    let elsewhere = sweep.cells.filter { if case .running = states[$0.index] { return true } else { return false } }
    let total = sweep.cells.count
    var done = states.filter { if case .done = $0 { return true } else { return false } }.count
    let ranks = sweep.resources.ranks
    let each = ranks > 1 ? "\(ranks) ranks of \(threads) thread\(threads == 1 ? "" : "s")" : "\(threads) thread\(threads == 1 ? "" : "s")"
    Console.line("sweep \(sweep.name): \(total) cells, \(done) done, \(queue.count) to run, \(jobs) at a time with \(each) each; output \(sweep.out)")
    for c in elsewhere { Console.line("cell \(c.index) (\(c.name)) is running in another process; left to it") }
    if queue.isEmpty {
      Console.line("nothing to run. Report: rslab sweep report \(sweep.path)")
      return 0
    }
    Interrupt.install(cancelling: CancellationToken())
    let exe = Subprocess.executablePath
    let env = Subprocess.environment([
      ("OPENBLAS_NUM_THREADS", "\(threads)"), ("OMP_NUM_THREADS", "\(threads)"),
      (SweepCellRunner.executorVariable, "\(getpid())"),
    ])
    let launcher = SweepLocalExecutor.launcher(ranks: ranks)
    let timeLimit = sweep.resources.time.flatMap(SweepLocalExecutor.seconds)
    var running: [Worker] = []
    var failures: [(SweepCellSpec, String, String)] = []
    var finishedDurations: [Double] = []
    var stopping = false
    let start = MonotonicClock.now()
    var drawnLines = 0, lastDraw = 0.0

    while !queue.isEmpty || !running.isEmpty {
      if !stopping, Interrupt.takeInterrupt() || Interrupt.terminationRequested {
        stopping = true
        queue.removeAll()
        clear(&drawnLines)
        Console.line("stopping \(running.count) running cell\(running.count == 1 ? "" : "s") (finished cells are kept)...")
        for i in running.indices { kill(-running[i].pid, SIGINT); running[i].termSent = MonotonicClock.now() }
      }
      while !stopping, running.count < jobs, !queue.isEmpty {
        let cell = queue.removeFirst()
        let argv = launcher + [exe, "sweep", "cell", sweep.path, "--index", "\(cell.index)", "--log", "--out", sweep.out]
          + sweep.sets.flatMap { ["--set", $0] }
        do {
          let pid = try Subprocess.spawn(argv, environment: env, logPath: layout.log(cell), ownGroup: true)
          running.append(Worker(cell: cell, pid: pid, started: MonotonicClock.now()))
          if !terminal { Console.line("started cell \(cell.index): \(SweepCellSpec.describe(cell.axes))") }
        } catch {
          failures.append((cell, "\(error)", layout.log(cell)))
        }
      }
      // Reap finished workers.
      var i = 0
      while i < running.count {
        var status: Int32 = 0
        let w = running[i]
        let r = waitpid(w.pid, &status, WNOHANG)
        if r == 0 {
          let now = MonotonicClock.now()
          if let limit = timeLimit, w.termSent == nil, now - w.started > limit {
            kill(-w.pid, SIGTERM)
            running[i].termSent = now
            layout.recordFailure(w.cell, message: "time limit \(sweep.resources.time ?? "") exceeded; stopped", log: layout.log(w.cell))
          } else if let sent = w.termSent, now - sent > 10 {
            kill(-w.pid, SIGKILL)
          }
          i += 1
          continue
        }
        running.remove(at: i)
        let code = r < 0 ? -1 : Subprocess.decode(status)
        let seconds = MonotonicClock.now() - w.started
        let cell = w.cell
        clear(&drawnLines)
        if code == 0, let res = SweepState.result(of: cell, in: layout), res.matches {
          done += 1
          finishedDurations.append(seconds)
          Console.line("[\(done)/\(total)] done cell \(cell.index): \(SweepCellSpec.describe(cell.axes)) (\(TrainProgressDisplay.clock(seconds)))\(summary(res.doc))")
        } else if code == SweepCellRunner.busyStatus {
          Console.line("cell \(cell.index) (\(cell.name)) is running in another process; left to it")
        } else if stopping && (code == ScriptRunner.interruptedStatus || code == ScriptRunner.terminatedStatus || code == 128 + SIGKILL
                               || sweep.resources.ranks > 1) {
          // (mpirun reports a stopped job with its own status.)
          Console.line("stopped cell \(cell.index) (\(cell.name)); it will rerun")
        } else {
          let message: String
          if let f = SweepState.failure(of: cell, in: layout) {
            message = f.error
          } else {
            message = code > 128 ? "killed by signal \(code - 128)" : "exited with status \(code) without a result"
            layout.recordFailure(cell, message: message, log: layout.log(cell))
          }
          failures.append((cell, message, layout.log(cell)))
          Console.line("FAILED cell \(cell.index): \(SweepCellSpec.describe(cell.axes)): \(firstLine(message)) (log: \(layout.log(cell)))")
        }
      }
      if terminal {
        let now = MonotonicClock.now()
        if now - lastDraw >= 0.5 {
          lastDraw = now
          clear(&drawnLines)
          var lines = running.map { w in
            "  cell \(w.cell.index) \(SweepCellSpec.describe(w.cell.axes))  \(TrainProgressDisplay.clock(now - w.started))  \(lastLogLine(w.cell))"
          }
          let remaining = total - done - failures.count
          let eta: String
          if finishedDurations.isEmpty { eta = "?" } else {
            let mean = finishedDurations.reduce(0, +) / Double(finishedDurations.count)
            eta = TrainProgressDisplay.clock(mean * Double(remaining) / Double(jobs))
          }
          lines.append("done \(done)/\(total)  failed \(failures.count)  running \(running.count)  elapsed \(TrainProgressDisplay.clock(now - start))  ETA \(eta)")
          // Auto-wrap off while drawing, so a long line cannot push the block down.
          Console.out("\u{1B}[?7l" + lines.joined(separator: "\n") + "\n\u{1B}[?7h")
          Console.flush()
          drawnLines = lines.count
        }
      }
      usleep(100_000)
    }
    clear(&drawnLines)
    if stopping {
      Console.line("interrupted: \(done) of \(total) cells done (kept); run the same command again to continue")
      return ScriptRunner.interruptedStatus
    }
    Console.line("sweep \(sweep.name): \(done) of \(total) cells done, \(failures.count) failed (\(TrainProgressDisplay.clock(MonotonicClock.now() - start)))")
    for (cell, message, log) in failures {
      Console.line("  failed cell \(cell.index) (\(SweepCellSpec.describe(cell.axes))): \(firstLine(message))\n    log: \(log)")
    }
    if failures.isEmpty { Console.line("report: rslab sweep report \(sweep.path)") }
    return failures.isEmpty ? 0 : 1
  }

  private func summary(_ doc: JSONValue) -> String {
    guard case let .object(m)? = doc["metrics"] else { return "" }
    let shown = m.prefix(4).map { "\($0.0) \(SweepCellSpec.valueText($0.1))" }
    return shown.isEmpty ? "" : "  " + shown.joined(separator: "  ")
  }

  private func firstLine(_ s: String) -> String {
    let lines = s.split(separator: "\n")
    return lines.first.map(String.init) ?? s
  }

  private func clear(_ drawn: inout Int) {
    guard terminal, drawn > 0 else { return }
    Console.out(String(repeating: "\u{1B}[1A\u{1B}[2K", count: drawn))
    Console.flush()
    drawn = 0
  }

  /// The last non-empty line of a running cell's log (its training progress).
  private func lastLogLine(_ cell: SweepCellSpec) -> String {
    let fd = open(layout.log(cell), O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return "" }
    defer { close(fd) }
    let size = lseek(fd, 0, SEEK_END)
    let n = Int(min(size, 2048))
    lseek(fd, off_t(Int(size) - n), SEEK_SET)
    var buf = [UInt8](repeating: 0, count: n)
    let got = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, n) }
    guard got > 0 else { return "" }
    let text = String(decoding: buf[0..<got], as: UTF8.self)
    let last = text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).last.map(String.init) ?? ""
    return String(last.filter { $0 != "\u{1B}" }.prefix(100))
  }

  /// What starts one cell's processes: nothing for one rank; `mpirun` for K, allowed to
  /// place more ranks than cores and not binding them (so each rank's BLAS threads can use
  /// the cores it was given, and two cells' ranks do not pile onto the same core).
  static func launcher(ranks: Int) -> [String] {
    guard ranks > 1 else { return [] }
    return ["mpirun"] + (getuid() == 0 ? ["--allow-run-as-root"] : []) + ["--oversubscribe", "--bind-to", "none", "-np", "\(ranks)"]
  }

  /// Seconds in a Slurm time string: MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS.
  static func seconds(_ text: String) -> Double? {
    var days = 0.0, rest = Substring(text)
    if let dash = text.firstIndex(of: "-") {
      guard let d = Double(text[..<dash]) else { return nil }
      days = d; rest = text[text.index(after: dash)...]
      let p = rest.split(separator: ":").compactMap { Double($0) }
      let h = p.first ?? 0, m = p.count > 1 ? p[1] : 0, s = p.count > 2 ? p[2] : 0
      return days * 86400 + h * 3600 + m * 60 + s
    }
    let p = rest.split(separator: ":").compactMap { Double($0) }
    switch p.count {
    case 1: return p[0] * 60
    case 2: return p[0] * 60 + p[1]
    case 3: return p[0] * 3600 + p[1] * 60 + p[2]
    default: return nil
    }
  }
}
