#if canImport(Glibc)
import Glibc
#endif
import Runtime

/// The Slurm executor: one job array per submission (`sbatch --array=LIST%K`), each task
/// running `rslab sweep cell FILE --index $SLURM_ARRAY_TASK_ID` (through `srun -n K` when the
/// sweep's `resources.ranks` K > 1, so the cell trains data-parallel over K tasks). Submitting again sends only
/// the cells that are neither done nor queued/running. Job ids are kept in
/// `OUT/slurm/jobs.json` so `sweep status` can ask squeue (and sacct, when the cluster keeps
/// accounting) about them. Assumes the rslab binary, the sweep file, the script and the output
/// folder are on a filesystem every node sees at the same path (docs/sweeps.md).
struct SweepSlurmExecutor {
  /// Command-line settings that replace the sweep file's.
  struct Overrides {
    var partition: String?
    var account: String?
    var qos: String?
    var cpusPerTask: Int?
    var memory: String?
    var time: String?
    var maxParallel: Int?
    var extra: [String] = []
  }

  let sweep: SweepFile
  let overrides: Overrides
  var layout: SweepLayout { SweepLayout(out: sweep.out) }

  /// Submits the cells that need running; with `wait`, follows the queue until they leave it.
  func run(wait: Bool) -> Int32 {
    do {
      try layout.create()
      try FileSystem.makeDirectory(layout.slurm)
    } catch {
      Console.err("rslab: \(error)")
      return 1
    }
    let states = SweepState.scan(sweep, queue: SweepSlurmExecutor.queue(layout))
    let todo = sweep.cells.filter { states[$0.index].needsRun }
    let busy = states.filter { if case .queued = $0 { return true }; if case .running = $0 { return true }; return false }.count
    Console.line("sweep \(sweep.name): \(sweep.cells.count) cells, \(todo.count) to submit, \(busy) queued or running")
    if !todo.isEmpty {
      for cell in todo { unlink(layout.failure(cell)) }
      let script = jobScript(indexes: todo.map(\.index))
      let scriptPath = "\(layout.slurm)/\(sweep.name)-\(Clock.iso8601Now().filter { $0 != ":" }).sbatch"
      do { try AtomicWrite.write(script, to: scriptPath) } catch {
        Console.err("rslab: \(error)")
        return 1
      }
      guard let r = Subprocess.capture(["sbatch", "--parsable", scriptPath]) else {
        Console.err("rslab: cannot run sbatch (is the Slurm client installed and on PATH?)")
        return 1
      }
      guard r.status == 0, let job = r.stdout.split(separator: "\n").last?.split(separator: ";").first.map(String.init),
            !job.isEmpty, job.allSatisfy(\.isNumber) else {
        Console.err("rslab: sbatch failed (status \(r.status)): \(r.stderr)\(r.stdout)\njob script: \(scriptPath)")
        return 1
      }
      var jobs = SweepSlurmExecutor.jobs(layout)
      jobs.append(.object([("job", .string(job)), ("indexes", .array(todo.map { .number(Double($0.index)) })),
                           ("script", .string(scriptPath)), ("submitted", .string(Clock.iso8601Now()))]))
      do { try AtomicWrite.write(JSONValue.array(jobs).rendered(), to: "\(layout.slurm)/jobs.json") } catch {
        Console.err("rslab: submitted job \(job) but cannot record it: \(error)")
        return 1
      }
      Console.line("submitted job array \(job): \(todo.count) cell\(todo.count == 1 ? "" : "s") (job script \(scriptPath))")
    }
    guard wait else {
      Console.line("follow it with: rslab sweep status \(sweep.path)")
      return 0
    }
    Interrupt.install(cancelling: CancellationToken())
    while !SweepSlurmExecutor.queue(layout).isEmpty {
      if Interrupt.takeInterrupt() || Interrupt.terminationRequested {
        Console.line("stopped waiting; the jobs keep running (rslab sweep status \(sweep.path))")
        return ScriptRunner.interruptedStatus
      }
      usleep(500_000)
    }
    let final = SweepState.scan(sweep, queue: [:], accounting: SweepSlurmExecutor.accounting(layout))
    let done = final.filter { if case .done = $0 { return true } else { return false } }.count
    Console.line("sweep \(sweep.name): \(done) of \(sweep.cells.count) cells done")
    return done == sweep.cells.count ? 0 : 1
  }

  /// The sbatch script for one array over `indexes`.
  func jobScript(indexes: [Int]) -> String {
    let cpus = overrides.cpusPerTask ?? sweep.resources.threads ?? 1
    var array = SweepSlurmExecutor.compress(indexes)
    if let k = overrides.maxParallel ?? sweep.slurm.maxParallel { array += "%\(k)" }
    var lines = ["#!/bin/bash",
                 "#SBATCH --job-name=rslab-\(sweep.name)",
                 "#SBATCH --array=\(array)",
                 "#SBATCH --cpus-per-task=\(cpus)",
                 "#SBATCH --output=\(absolute(layout.logs))/slurm-%A_%a.out"]
    // K ranks: K tasks of `cpus` CPUs each, started by srun (docs/sweeps.md: the cluster's MPI plugin).
    let ranks = sweep.resources.ranks
    if ranks > 1 { lines.append("#SBATCH --ntasks=\(ranks)") }
    if let m = overrides.memory ?? sweep.resources.memory { lines.append("#SBATCH --mem=\(m)") }
    if let t = overrides.time ?? sweep.resources.time { lines.append("#SBATCH --time=\(t)") }
    if let p = overrides.partition ?? sweep.slurm.partition { lines.append("#SBATCH --partition=\(p)") }
    if let a = overrides.account ?? sweep.slurm.account { lines.append("#SBATCH --account=\(a)") }
    if let q = overrides.qos ?? sweep.slurm.qos { lines.append("#SBATCH --qos=\(q)") }
    for e in sweep.slurm.extra + overrides.extra { lines.append(e.hasPrefix("#SBATCH") ? e : "#SBATCH \(e)") }
    lines += [
      "# Written by rslab sweep run --executor slurm: one array task per sweep cell.",
      "export OPENBLAS_NUM_THREADS=\(cpus)",
      "export OMP_NUM_THREADS=\(cpus)",
      "exec " + (ranks > 1 ? "srun " + (sweep.slurm.mpi.map { "--mpi=\(quote($0)) " } ?? "") + "-n \(ranks) " : "") + "\(quote(Subprocess.executablePath)) sweep cell \(quote(absolute(sweep.path))) --index \"$SLURM_ARRAY_TASK_ID\" --log --out \(quote(absolute(sweep.out)))" + sweep.sets.map { " --set " + quote($0) }.joined(),
    ]
    return lines.joined(separator: "\n") + "\n"
  }

  private func quote(_ s: String) -> String { "'" + s.replacingAll("'", with: "'\\''") + "'" }

  private func absolute(_ path: String) -> String {
    guard let r = realpath(path, nil) else { return path }
    defer { free(r) }
    return String(cString: r)
  }

  /// `0-3,5,7-9` from sorted indexes.
  static func compress(_ indexes: [Int]) -> String {
    var parts: [String] = []
    var i = 0
    let xs = indexes.sorted()
    while i < xs.count {
      var j = i
      while j + 1 < xs.count, xs[j + 1] == xs[j] + 1 { j += 1 }
      parts.append(i == j ? "\(xs[i])" : "\(xs[i])-\(xs[j])")
      i = j + 1
    }
    return parts.joined(separator: ",")
  }

  /// The job records of earlier submissions.
  static func jobs(_ layout: SweepLayout) -> [JSONValue] {
    let path = "\(layout.slurm)/jobs.json"
    guard let text = try? FileBytes.readText(path), case let .array(items)? = try? JSONValue.parse(text, path: path) else { return [] }
    return items
  }

  static func jobIDs(_ layout: SweepLayout) -> Set<String> {
    Set(jobs(layout).compactMap { $0["job"]?.string })
  }

  /// Cell index -> Slurm state (PENDING, RUNNING, ...) for this sweep's tasks still in the queue.
  static func queue(_ layout: SweepLayout) -> [Int: String] {
    let ids = jobIDs(layout)
    guard !ids.isEmpty, let r = Subprocess.capture(["squeue", "-h", "-r", "-o", "%F %K %T"]), r.status == 0 else { return [:] }
    var states: [Int: String] = [:]
    for line in r.stdout.split(separator: "\n") {
      let f = line.split(separator: " ")
      guard f.count == 3, ids.contains(String(f[0])), let task = Int(f[1]) else { continue }
      states[task] = String(f[2])
    }
    return states
  }

  /// Cell index -> final Slurm state other than COMPLETED (TIMEOUT, OUT_OF_MEMORY, NODE_FAIL,
  /// CANCELLED, FAILED), from sacct; empty when the cluster keeps no accounting.
  static func accounting(_ layout: SweepLayout) -> [Int: String] {
    let ids = jobIDs(layout)
    guard !ids.isEmpty, let r = Subprocess.capture(["sacct", "-n", "-P", "-X", "-j", ids.sorted().joined(separator: ","), "-o", "JobID,State"]),
          r.status == 0 else { return [:] }
    var states: [Int: String] = [:]
    for line in r.stdout.split(separator: "\n") {
      let f = line.split(separator: "|")
      guard f.count == 2, let us = f[0].firstIndex(of: "_"), let task = Int(f[0][f[0].index(after: us)...]) else { continue }
      let state = String(f[1].split(separator: " ").first ?? "")
      if state != "COMPLETED", state != "RUNNING", state != "PENDING" { states[task] = state }
    }
    return states
  }
}

extension String {
  /// Every occurrence of `target` replaced (without Foundation).
  func replacingAll(_ target: String, with replacement: String) -> String {
    split(separator: Character(target), omittingEmptySubsequences: false).joined(separator: replacement)
  }
}
