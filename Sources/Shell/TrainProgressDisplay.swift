#if canImport(Glibc)
import Glibc
#endif
import Interpreter
import Runtime

/// Shows `train` progress: on a terminal a one-line bar redrawn in place (step/total, loss,
/// mask rate, last test accuracy, it/s, ETA); otherwise a plain line every tenth of the run.
/// Attach with `TrainProgressDisplay.attach(to: session)`.
final class TrainProgressDisplay {
  let terminal: Bool
  let write: (String) -> Void
  private var lastDraw = -1.0
  private var lastPlainStep = 0

  init(terminal: Bool, write: @escaping (String) -> Void) {
    self.terminal = terminal
    self.write = write
  }

  /// Sends a session's training progress to standard error, as a bar when it is a terminal.
  static func attach(to session: Session) {
    let display = TrainProgressDisplay(terminal: isatty(STDERR_FILENO) == 1) { s in
      // Buffered program output first, so lines appear in order.
      Console.flush()
      let bytes = Array(s.utf8)
      var off = 0
      while off < bytes.count {
        let n = bytes.withUnsafeBytes { b -> Int in
          guard let base = b.baseAddress else { return 0 }
          return Glibc.write(STDERR_FILENO, base + off, b.count - off)
        }
        if n <= 0 { break }
        off += n
      }
    }
    session.progress = { display.report($0) }
  }

  func report(_ p: TrainProgress) {
    // A run stopped early (Ctrl-C) ends the bar's line too, so the next message starts a line.
    let done = p.step >= p.total || p.stopped
    if terminal {
      let now = MonotonicClock.now()
      // Redraw at most ten times a second; the last step always.
      guard done || now - lastDraw >= 0.1 || p.step < lastPlainStep else { return }
      lastDraw = now
      lastPlainStep = p.step
      write("\r\u{1B}[K" + TrainProgressDisplay.bar(p) + (done ? "\n" : ""))
    } else {
      let every = max(1, p.total / 10)
      if p.step < lastPlainStep { lastPlainStep = 0 }  // a new run
      guard done || p.step - lastPlainStep >= every else { return }
      lastPlainStep = p.step
      write(TrainProgressDisplay.line(p) + "\n")
    }
  }

  /// `[########------------] 120/500 loss 0.532 mask 71% acc 83.4% 12.3 it/s ETA 0:31`
  static func bar(_ p: TrainProgress, width: Int = 20) -> String {
    let filled = p.total > 0 ? min(width, p.step * width / p.total) : 0
    return "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "] "
      + fields(p).joined(separator: " ")
  }

  /// `step 120/500  loss 0.532  mask 71%  acc 83.4%  12.3 it/s  ETA 0:31`
  static func line(_ p: TrainProgress) -> String { "step " + fields(p).joined(separator: "  ") }

  static func fields(_ p: TrainProgress) -> [String] {
    var f = ["\(p.step)/\(p.total)"]
    if p.loss.isFinite { f.append("loss " + Format.fixed(p.loss, 3)) }
    if p.maskRate.isFinite { f.append("mask " + Format.fixed(p.maskRate * 100, 0) + "%") }
    if let a = p.testAccuracy, a.isFinite { f.append("acc " + Format.fixed(a * 100, 1) + "%") }
    f.append(Format.fixed(p.stepsPerSecond, p.stepsPerSecond < 10 ? 2 : 1) + " it/s")
    if p.step < p.total { f.append("ETA " + clock(p.secondsRemaining)) }
    return f
  }

  /// `m:ss` or `h:mm:ss`.
  static func clock(_ seconds: Double) -> String {
    guard seconds.isFinite, seconds >= 0, seconds < 1e7 else { return "?" }
    let s = Int(seconds.rounded())
    let two = { (n: Int) in n < 10 ? "0\(n)" : "\(n)" }
    return s >= 3600 ? "\(s / 3600):\(two(s / 60 % 60)):\(two(s % 60))" : "\(s / 60):\(two(s % 60))"
  }


}
