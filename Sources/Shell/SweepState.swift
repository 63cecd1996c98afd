#if canImport(Glibc)
import Glibc
#endif
import Runtime

/// Where each cell of a sweep stands, from the output folder (result files, failure
/// markers, cell locks) and, for Slurm, the queue.
enum CellState {
  /// Finished; the wall time its result file records, when it does.
  case done(wallSeconds: Double?)
  case failed(error: String, log: String?)
  /// Held by a live process on this machine (its lock is taken), or running under Slurm.
  case running(String)
  /// Waiting in the Slurm queue.
  case queued(String)
  case pending
  /// A result exists but for other parameters (the sweep file changed); it reruns.
  case stale

  var label: String {
    switch self {
    case .done: return "done"
    case .failed: return "failed"
    case .running: return "running"
    case .queued: return "queued"
    case .pending: return "pending"
    case .stale: return "stale"
    }
  }

  /// Whether `sweep run` should (re)start the cell.
  var needsRun: Bool {
    switch self {
    case .pending, .failed, .stale: return true
    case .done, .running, .queued: return false
    }
  }
}

enum SweepState {
  /// The cell's result document, and whether it was made with the cell's current parameters.
  static func result(of cell: SweepCellSpec, in layout: SweepLayout) -> (doc: JSONValue, matches: Bool)? {
    guard let doc = try? SweepResultFile.read(layout.result(cell)) else { return nil }
    var matches = doc["axes"] == .object(cell.axes)
    if case let .object(stored)? = doc["parameters"] {
      for (k, v) in cell.parameters where k != "out" {
        if stored.first(where: { $0.0 == k })?.1 != v { matches = false }
      }
    } else {
      matches = false
    }
    return (doc, matches)
  }

  /// Whether a live process holds the cell's lock.
  static func isLocked(_ cell: SweepCellSpec, in layout: SweepLayout) -> Bool {
    let fd = open(layout.lock(cell), O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    if flock(fd, LOCK_EX | LOCK_NB) == 0 { flock(fd, LOCK_UN); return false }
    return true
  }

  /// The failure marker's message and log path, if the cell's last run failed.
  static func failure(of cell: SweepCellSpec, in layout: SweepLayout) -> (error: String, log: String?)? {
    guard let text = try? FileBytes.readText(layout.failure(cell)),
          let doc = try? JSONValue.parse(text, path: layout.failure(cell)) else { return nil }
    return (doc["error"]?.string ?? "(no message)", doc["log"]?.string)
  }

  /// Every cell's state; `queue` maps cell index to a Slurm state still in the queue
  /// (`SweepSlurmExecutor.queue`), `accounting` to a final state other than COMPLETED (sacct).
  static func scan(_ sweep: SweepFile, queue: [Int: String] = [:], accounting: [Int: String] = [:]) -> [CellState] {
    let layout = SweepLayout(out: sweep.out)
    return sweep.cells.map { cell in
      if let r = result(of: cell, in: layout), r.matches { return .done(wallSeconds: r.doc["wall_seconds"]?.number) }
      if let q = queue[cell.index] {
        return q == "PENDING" || q == "CONFIGURING" || q == "REQUEUED" ? .queued("Slurm \(q.lowercased())") : .running("Slurm \(q.lowercased())")
      }
      if isLocked(cell, in: layout) { return .running("a process on this machine") }
      if let f = failure(of: cell, in: layout) { return .failed(error: f.error, log: f.log) }
      if let a = accounting[cell.index] { return .failed(error: "Slurm ended the task: \(a)", log: layout.log(cell)) }
      if result(of: cell, in: layout) != nil { return .stale }
      return .pending
    }
  }
}
