import Dispatch

/// A value computed ahead of need on a background thread: the samplers prepare the next
/// training batch (sampling, augmentation) while the current step computes.
///
/// `value()` waits for the work to finish and returns its result or rethrows its error. The
/// work must touch nothing the caller mutates meanwhile (the samplers hand it only immutable
/// data and the indices already drawn).
final class Ahead<T: Sendable>: @unchecked Sendable {
  private let done = DispatchSemaphore(value: 0)
  // Written once by the worker before `done` is signalled, read only after waiting on it.
  private var result: Result<T, any Error>? = nil

  init(_ work: @escaping @Sendable () throws -> T) {
    DispatchQueue.global(qos: .userInitiated).async { [self] in
      result = Result { try work() }
      done.signal()
    }
  }

  /// The result, waiting for it if needed (callable once per wait; later calls return at once).
  func value() throws -> T {
    done.wait()
    done.signal()
    return try result!.get()
  }
}
