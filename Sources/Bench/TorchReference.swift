import Foundation

/// The peers of the comparison, run as child processes right after the rslab figure they are
/// compared with, so both see the same machine load: scripts/bench/torch_peers.py (PyTorch
/// eager and `torch.compile`, the whole torchvision run, or the plain-CPython loop) with
/// the given Python, 2 threads unless a row says otherwise.
enum TorchReference {
  /// scripts/bench/torch_peers.py in the repository (or `$RSLAB_TORCH_PEERS`).
  static var scriptPath: String {
    if let p = ProcessInfo.processInfo.environment["RSLAB_TORCH_PEERS"] { return p }
    return FileManager.default.currentDirectoryPath + "/scripts/bench/torch_peers.py"
  }

  /// Runs `python torch_peers.py args...` and returns the number after `key=` in its output,
  /// nil on failure (the failure's last line is kept in `lastError` for the table).
  static func figure(python: String, _ args: [String], key: String, threads: Int = 2) -> Double? {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: python)
    p.arguments = [scriptPath] + args
    var env = ProcessInfo.processInfo.environment
    env["OMP_NUM_THREADS"] = "\(threads)"
    env["MKL_NUM_THREADS"] = "\(threads)"
    p.environment = env
    let out = Pipe()
    p.standardOutput = out
    // stderr goes to a file (a chatty child cannot block on a full pipe); its last line
    // explains a failure.
    let errPath = NSTemporaryDirectory() + "rslab-bench-peer-\(getpid()).err"
    _ = FileManager.default.createFile(atPath: errPath, contents: nil)
    defer { try? FileManager.default.removeItem(atPath: errPath) }
    p.standardError = FileHandle(forWritingAtPath: errPath)
    do { try p.run() } catch { lastError.set("cannot start \(python): \(error)"); return nil }
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    let text = String(decoding: data, as: UTF8.self)
    guard p.terminationStatus == 0, let r = text.range(of: key + "=") else {
      let errText = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
      let e = errText.split(separator: "\n").last.map(String.init) ?? ""
      lastError.set("\(args.first ?? "") exited \(p.terminationStatus): \(e)")
      return nil
    }
    return Double(text[r.upperBound...].prefix { $0.isNumber || $0 == "." })
  }

  /// Images per second of the PyTorch FixMatch step of ConvNet-S (eager or compiled).
  static func stepRate(python: String, width: Int, steps: Int, compiled: Bool, batch: Int = 64, threads: Int = 2) -> Double? {
    figure(python: python, ["step", "\(width)", "\(steps)", compiled ? "compile" : "eager", "\(batch)", "\(threads)"],
           key: "images/s", threads: threads)
  }

  static let lastError = LastError()
}

/// The last peer failure, for the table's target column.
final class LastError: @unchecked Sendable {
  private var text = ""
  private let lock = NSLock()
  func set(_ s: String) { lock.lock(); text = s; lock.unlock() }
  var value: String { lock.lock(); defer { lock.unlock() }; return text }
}
