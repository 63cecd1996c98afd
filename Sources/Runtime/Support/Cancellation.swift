import Synchronization

/// A request to stop, passed to long computations (the interpreter's loops, `train`,
/// evaluation, generators, folder readers), which poll it at safe points (loop back-edges,
/// between training steps, between batches) and stop cleanly.
///
/// Whoever owns the computation owns the token: a `Session` has one, and the Shell's
/// SIGINT handler, or a Jupyter interrupt message, calls `request()`. The state is a single
/// lock-free atomic, so `request()` is async-signal-safe: a handler may call it on a token
/// it can reach without locks (e.g. one stored in a `let` initialised before the handler
/// was installed).
public final class CancellationToken: Sendable {
  /// (Visible to inlined code only, so the interpreter's poll at every loop iteration and
  /// call is a plain load rather than a call into this module.)
  @usableFromInline let flag = Atomic<Bool>(false)

  public init() {}

  /// Asks the computation to stop at its next safe point. Async-signal-safe.
  public func request() { flag.store(true, ordering: .relaxed) }

  /// Clears a pending request (before running new input).
  public func reset() { flag.store(false, ordering: .relaxed) }

  /// Whether a stop is pending.
  @inlinable public var isRequested: Bool { flag.load(ordering: .relaxed) }

  /// Returns whether a stop was pending, and clears it: a computation that honours the
  /// request consumes it.
  public func take() -> Bool { flag.exchange(false, ordering: .relaxed) }

  /// Throws `RuntimeError.interrupted` (and clears the request) when a stop is pending.
  public func check() throws {
    if take() { throw RuntimeError.interrupted }
  }
}

extension Optional where Wrapped == CancellationToken {
  /// `token?.check()` for APIs whose token is optional (nil: not cancellable).
  public func check() throws { try self?.check() }
}
