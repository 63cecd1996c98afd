import Foundation
import Runtime

/// Timing helpers: every figure is the best of `repeats` runs after one warm-up, because the
/// machine is shared and the minimum is the least disturbed estimate of what the code costs.
enum Timing {
  /// Whether `best` counts the process's CPU time (all threads) instead of wall-clock time:
  /// set `RSLAB_BENCH_CPUTIME=1` to compare two builds on a loaded machine, where the time a
  /// descheduled worker waits is noise. The figures are then per CPU-second, not rates.
  static let countsCPUTime = ProcessInfo.processInfo.environment["RSLAB_BENCH_CPUTIME"] != nil

  /// Nanoseconds on the clock `best` uses.
  static func now() -> UInt64 {
    guard countsCPUTime else { return DispatchTime.now().uptimeNanoseconds }
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
  }

  /// Seconds of the fastest of `repeats` calls of `body` (after one untimed warm-up call).
  static func best(repeats: Int, _ body: () throws -> Void) rethrows -> Double {
    try body()
    var best = Double.infinity
    for _ in 0..<max(1, repeats) {
      let t0 = now()
      try body()
      let dt = Double(now() - t0) * 1e-9
      best = min(best, dt)
    }
    return best
  }
}

/// What the figures were measured on.
enum Machine {
  /// The CPU model named by /proc/cpuinfo (or "unknown").
  static var cpuModel: String {
    guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown" }
    for line in text.split(separator: "\n") where line.hasPrefix("model name") {
      if let colon = line.firstIndex(of: ":") {
        return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
      }
    }
    return "unknown"
  }

  /// The 1, 5 and 15 minute load averages from /proc/loadavg (the machine is shared).
  static var loadAverage: String {
    guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return "unknown" }
    return text.split(separator: " ").prefix(3).joined(separator: " ")
  }

  /// One line: CPU, cores, BLAS threads.
  static var summary: String {
    "cpu: \(cpuModel), cores: \(ProcessInfo.processInfo.activeProcessorCount), BLAS threads: \(BLASThreads.count)"
  }
}

/// A fixed-width table printer for benchmark rows.
struct Table {
  let columns: [(String, Int)]
  func header() {
    print(columns.map { pad($0.0, $0.1) }.joined(separator: " "))
  }
  /// Prints a row and flushes: rows appear as they are measured (the whole table takes many
  /// minutes), also into a pipe or a file.
  func row(_ cells: [String]) {
    print(zip(columns, cells).map { pad($1, $0.1) }.joined(separator: " "))
    fflush(nil)
  }
  private func pad(_ s: String, _ n: Int) -> String {
    s.count >= n ? s : String(repeating: " ", count: n - s.count) + s
  }
}

func fmt(_ v: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", v) }
