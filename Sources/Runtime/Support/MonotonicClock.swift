#if canImport(Glibc)
import Glibc
#endif

/// The one monotonic clock (timing training, generators, `time(f)`, progress redraws).
public enum MonotonicClock {
  /// Seconds since an arbitrary fixed point; only differences mean anything.
  public static func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
  }
}
