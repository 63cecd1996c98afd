#if canImport(Glibc)
import Glibc
#endif
import Runtime
import Synchronization

/// The process's signal handling: SIGINT (Ctrl-C) and SIGTERM.
///
/// A handler may only do async-signal-safe work, so it stores to atomics and, at most,
/// writes a fixed message and calls `_exit`. Everything else (clearing the input line,
/// printing the interrupted diagnostic, exiting cleanly) happens in normal code that
/// polls `takeInterrupt()` / `terminationRequested`.
enum Interrupt {
  /// Ctrl-C presses not yet seen by the REPL or runner.
  private static let interrupts = Atomic<Int>(0)
  /// Set once SIGTERM has arrived.
  private static let terminated = Atomic<Bool>(false)
  /// The token the handlers request: the running session's. Written once by `install`
  /// before the handlers exist, only read afterwards; `request()` is one atomic store.
  nonisolated(unsafe) private static var token: CancellationToken? = nil
  /// Whether a third Ctrl-C exits (a terminal user's way out); a kernel keeps running.
  private static let exitsOnThirdPress = Atomic<Bool>(true)

  /// Installs the handlers for the session whose `cancellation` token is given. Ctrl-C asks
  /// the running computation to stop at its next safe point (`token.request()`); a third press while it still has not stopped (e.g.
  /// inside a long BLAS call) exits at once. SIGTERM stops the computation the same way, the
  /// runner then exits with a message; a second SIGTERM exits at once. Handlers do not use
  /// SA_RESTART, so a blocked `select` on the terminal returns EINTR and the line editor can
  /// react to Ctrl-C at the prompt. A Jupyter kernel passes `exitOnThirdPress: false`: its
  /// interrupts come from a front end, and the kernel must outlive them.
  static func install(cancelling cancellation: CancellationToken, exitOnThirdPress: Bool = true) {
    // Touch every lazily initialised static now: first access runs swift_once, which
    // takes a lock and must not happen inside a signal handler.
    _ = interrupts.load(ordering: .relaxed)
    _ = terminated.load(ordering: .relaxed)
    exitsOnThirdPress.store(exitOnThirdPress, ordering: .relaxed)
    token = cancellation
    setHandler(SIGINT) { _ in
      Interrupt.token?.request()
      if Interrupt.interrupts.add(1, ordering: .relaxed).newValue >= 3,
         Interrupt.exitsOnThirdPress.load(ordering: .relaxed) {
        Interrupt.emergencyExit("\nrslab: interrupted three times, exiting\n", status: 130)
      }
    }
    setHandler(SIGTERM) { _ in
      Interrupt.token?.request()
      if Interrupt.terminated.exchange(true, ordering: .relaxed) {
        Interrupt.emergencyExit("\nrslab: terminated\n", status: 143)
      }
    }
  }

  /// Returns whether Ctrl-C was pressed since the last call, and forgets the presses.
  static func takeInterrupt() -> Bool {
    interrupts.exchange(0, ordering: .relaxed) > 0
  }

  /// Whether SIGTERM has arrived.
  static var terminationRequested: Bool { terminated.load(ordering: .relaxed) }

  /// Forgets pending presses and the cancellation flag before running new input.
  static func resetForNewEntry() {
    interrupts.store(0, ordering: .relaxed)
    token?.reset()
  }

  private static func setHandler(_ signo: Int32, _ handler: @convention(c) (Int32) -> Void) {
    var action = sigaction()
    action.__sigaction_handler.sa_handler = handler
    sigemptyset(&action.sa_mask)
    action.sa_flags = 0
    sigaction(signo, &action, nil)
  }

  /// Async-signal-safe: `write` and `_exit` only, on a message that is a string literal.
  private static func emergencyExit(_ message: StaticString, status: Int32) {
    _ = Glibc.write(2, message.utf8Start, message.utf8CodeUnitCount)
    _exit(status)
  }
}
