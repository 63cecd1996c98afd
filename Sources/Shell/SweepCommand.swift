import ArgumentParser
import Runtime

/// `rslab sweep run|status|report|cell`: declarative experiment grids (docs/sweeps.md).
struct SweepCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sweep",
    abstract: "Run a grid of experiments from a sweep file, locally or as a Slurm job array.",
    usage: """
      rslab sweep run FILE.yaml [--executor local|slurm] [--jobs N] [--out DIR] [--set key=value ...]
      rslab sweep status FILE.yaml
      rslab sweep report FILE.yaml
      rslab sweep cell FILE.yaml --index I
      """,
    discussion: """
      A sweep file (YAML) names the cell script, the axes, seeds, fixed parameters, resources, \
      the output folder and an optional baseline. Each cell writes one result file atomically; \
      cells already done are skipped, so `sweep run` resumes after any interruption. See docs/sweeps.md.
      """,
    subcommands: [Run.self, Status.self, Report.self, Cell.self])

  struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Run (or submit) every cell not done yet.",
      usage: "rslab sweep run FILE.yaml [--executor local|slurm] [--jobs N] [--out DIR] [--set key=value ...] [Slurm options]")
    enum Executor: String, ExpressibleByArgument, CaseIterable { case local, slurm }

    @OptionGroup var target: SweepTarget
    @Option(help: "Where cells run: local (processes on this machine) or slurm (one job array).") var executor: Executor = .local
    @Option(help: "Local: cells at a time (default: cores / (resources.threads × resources.ranks), or cores / ranks).") var jobs: Int?
    @Flag(help: "Slurm: wait until the submitted tasks leave the queue, then report the counts.") var wait = false
    @Option(help: "Slurm: partition.") var partition: String?
    @Option(help: "Slurm: account.") var account: String?
    @Option(help: "Slurm: quality of service.") var qos: String?
    @Option(name: .customLong("cpus-per-task"), help: "Slurm: CPUs (and BLAS threads) per cell, or per rank when resources.ranks > 1.") var cpusPerTask: Int?
    @Option(help: "Slurm: memory per cell, e.g. 4G.") var mem: String?
    @Option(help: "Slurm: time limit per cell, e.g. 1:00:00.") var time: String?
    @Option(name: .customLong("max-parallel"), help: "Slurm: at most K tasks at once (--array=...%K).") var maxParallel: Int?
    @Option(name: .customLong("sbatch"), help: "Slurm: an extra sbatch option, e.g. --sbatch=--constraint=avx2 (repeatable).") var sbatch: [String] = []

    func validate() throws {
      if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
      if executor == .local, wait || cpusPerTask != nil || partition != nil || account != nil || qos != nil || mem != nil || time != nil || maxParallel != nil || !sbatch.isEmpty {
        throw ValidationError("Slurm options need --executor slurm")
      }
      if executor == .slurm, jobs != nil { throw ValidationError("--jobs is for the local executor; Slurm uses --max-parallel") }
    }

    func run() throws {
      let sweep = try target.load()
      let status: Int32
      switch executor {
      case .local:
        status = SweepLocalExecutor(sweep: sweep, jobs: jobs).run()
      case .slurm:
        if let t = time, SweepLocalExecutor.seconds(t) == nil { throw ValidationError("--time: a Slurm time such as 1:00:00 expected, got \(t)") }
        let o = SweepSlurmExecutor.Overrides(partition: partition, account: account, qos: qos, cpusPerTask: cpusPerTask,
                                             memory: mem, time: time, maxParallel: maxParallel, extra: sbatch)
        status = SweepSlurmExecutor(sweep: sweep, overrides: o).run(wait: wait)
      }
      if status != 0 { throw ExitCode(status) }
    }
  }

  struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Each cell's state: pending, queued, running, done, failed (with its error and log).",
      usage: "rslab sweep status FILE.yaml [--out DIR] [--set key=value ...]")
    @OptionGroup var target: SweepTarget

    func run() throws {
      let sweep = try target.load()
      let layout = SweepLayout(out: sweep.out)
      let states = SweepState.scan(sweep, queue: SweepSlurmExecutor.queue(layout), accounting: SweepSlurmExecutor.accounting(layout))
      var counts: [String: Int] = [:]
      for (cell, state) in zip(sweep.cells, states) {
        counts[state.label, default: 0] += 1
        var line = "\(cell.index)\t\(state.label)\t\(SweepCellSpec.describe(cell.axes))"
        switch state {
        case .running(let w), .queued(let w): line += "\t(\(w))"
        case .failed(let error, let log):
          line += "\n\terror: \(error.split(separator: "\n").joined(separator: "\n\t       "))"
          if let log { line += "\n\tlog: \(log)" }
        default: break
        }
        Console.line(line)
      }
      let order = ["done", "running", "queued", "pending", "stale", "failed"]
      Console.line("\(sweep.cells.count) cells: " + order.compactMap { k in counts[k].map { "\($0) \(k)" } }.joined(separator: ", "))
      let walls = states.compactMap { if case .done(let w?) = $0 { return w } else { return nil } }
      if let line = Status.estimate(finishedWalls: walls, left: sweep.cells.count - counts["done", default: 0]) { Console.line(line) }
    }

    /// How long the cells not finished will take, from the wall time of those that did:
    /// `nil` before the first finishes or after the last.
    static func estimate(finishedWalls walls: [Double], left: Int) -> String? {
      guard let fastest = walls.min(), let slowest = walls.max(), left > 0 else { return nil }
      let mean = walls.reduce(0, +) / Double(walls.count)
      func duration(_ s: Double) -> String {
        s < 90 ? "\(Int(s.rounded())) s" : s < 5400 ? "\(Int((s / 60).rounded())) min" : String(format: "%.1f h", s / 3600)
      }
      let total = mean * Double(left)
      return "finished cells took \(duration(mean)) each on average (wall, \(duration(fastest))-\(duration(slowest))); "
        + "the \(left) left need about \(duration(total)) of cell time, \(duration(total / 2)) with two at a time"
    }
  }

  struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Merged CSV, Markdown table with paired statistics, and curve plots.",
      usage: "rslab sweep report FILE.yaml [--out DIR] [--set key=value ...]")
    @OptionGroup var target: SweepTarget

    func run() throws {
      let status = SweepReport(sweep: try target.load()).run()
      if status != 0 { throw ExitCode(status) }
    }
  }

  struct Cell: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Run one cell (what each local worker and Slurm task runs).",
      usage: "rslab sweep cell FILE.yaml --index I [--out DIR] [--set key=value ...] [--log]")
    @OptionGroup var target: SweepTarget
    @Option(help: "The cell's index (rslab sweep status lists them).") var index: Int
    @Flag(help: "Write the cell's output to OUT/logs/CELL.log instead of the terminal.") var log = false

    func run() throws {
      let status = SweepCellRunner.run(try target.load(), index: index, writeLog: log)
      if status != 0 { throw ExitCode(status) }
    }
  }
}

/// The arguments every `rslab sweep` subcommand takes: the file, `--out`, `--set`.
struct SweepTarget: ParsableArguments {
  @Argument(help: "The sweep file (.yaml).") var file: String
  @Option(help: "Output folder (replaces the file's 'out').") var out: String?
  @Option(name: .customLong("set"), help: ArgumentHelp("Replace or add a fixed parameter, e.g. --set steps=20 (repeatable; give the same to status/report).", valueName: "key=value"))
  var sets: [String] = []

  /// Loads the sweep file, printing its located error and exiting 2 when it is bad.
  func load() throws -> SweepFile {
    do {
      return try SweepFile.load(file, outOverride: out, sets: sets)
    } catch {
      Console.err("rslab: \(error)")
      throw ExitCode(2)
    }
  }
}
