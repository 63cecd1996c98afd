import Synchronization

/// A process-wide interrupt flag: the Shell sets it on Ctrl-C (from a signal handler,
/// which may only store to an atomic); long computations poll it at safe points
/// (loop back-edges, between training steps) and stop with `RuntimeError.interrupted`.
public enum Cancellation {
  private static let flag = Atomic<Bool>(false)

  /// Asks running computations to stop at their next safe point. Async-signal-safe.
  public static func request() { flag.store(true, ordering: .relaxed) }

  /// Clears a pending request (the Shell does this before running new input).
  public static func reset() { flag.store(false, ordering: .relaxed) }

  /// Whether an interrupt is pending.
  public static var isRequested: Bool { flag.load(ordering: .relaxed) }

  /// Throws `RuntimeError.interrupted` (and clears the flag) when an interrupt is pending.
  public static func check() throws {
    if flag.load(ordering: .relaxed) {
      flag.store(false, ordering: .relaxed)
      throw RuntimeError.interrupted
    }
  }
}
