#if canImport(Glibc)
import Glibc
#endif

/// FixMatch's cosine learning-rate decay (USB `get_cosine_schedule_with_warmup`, 7/16 cycle):
/// lr_k = base · max(0, cos(7πk / (16K))) after an optional linear warm-up, so the rate
/// ends at about 0.2·base instead of 0.
///
///     let schedule = CosineSchedule(base: 0.03, totalSteps: 1000)
///     opt.lr = schedule.lr(step: k)
public struct CosineSchedule: Sendable, Equatable {
  public let base: Float
  public let totalSteps: Int
  public let warmupSteps: Int

  /// Creates a schedule; `totalSteps` counts optimizer updates.
  public init(base: Float, totalSteps: Int, warmupSteps: Int = 0) throws {
    guard totalSteps >= 1, warmupSteps >= 0, warmupSteps <= totalSteps, base >= 0 else {
      throw RuntimeError.invalidArgument(op: "cosine_lr", message: "needs total >= 1, 0 <= warmup <= total and base >= 0 (got total \(totalSteps), warmup \(warmupSteps), base \(base))")
    }
    self.base = base
    self.totalSteps = totalSteps
    self.warmupSteps = warmupSteps
  }

  /// The rate for update `step` (0-based).
  public func lr(step: Int) -> Float {
    if step < warmupSteps { return base * Float(step) / Float(max(1, warmupSteps)) }
    let progress = Double(step - warmupSteps) / Double(max(1, totalSteps - warmupSteps))
    return base * Float(max(0, cos(Double.pi * 7.0 / 16.0 * progress)))
  }
}
