import Synchronization

/// Whether ops record themselves on the tape. `noGrad` regions nest.
public enum GradMode {
  private static let disabledDepth = Atomic<Int>(0)

  /// True outside every `noGrad` region.
  public static var isEnabled: Bool { disabledDepth.load(ordering: .relaxed) == 0 }

  /// Runs `body` without recording ops (evaluation, EMA updates, pseudo-labels).
  public static func noGrad<T>(_ body: () throws -> T) rethrows -> T {
    disabledDepth.add(1, ordering: .relaxed)
    defer { disabledDepth.subtract(1, ordering: .relaxed) }
    return try body()
  }
}
