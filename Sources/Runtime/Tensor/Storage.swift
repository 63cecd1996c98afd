#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Aligned Float32 memory owned by one or more tensors (reshape shares it).
public final class Storage: @unchecked Sendable {
  /// The first element; 64-byte aligned for SIMD and BLAS.
  public let base: UnsafeMutablePointer<Float>
  /// Number of Float32 elements.
  public let count: Int

  /// Whether `base` came from `BlockCache` (large) rather than malloc.
  private let cached: Bool

  /// Allocates `count` elements, zero-filled when `zeroed`.
  init(count: Int, zeroed: Bool = true) {
    self.count = count
    _ = Storage.allocatorTuned
    var raw: UnsafeMutableRawPointer?
    let bytes = max(count, 1) * MemoryLayout<Float>.stride
    var fresh = false
    if bytes >= BlockCache.minimumBytes, let block = BlockCache.take(bytes) {
      raw = block.pointer
      fresh = block.fresh
      cached = true
    } else {
      cached = false
      if posix_memalign(&raw, 64, bytes) != 0 || raw == nil {
        // Out of memory after the MemoryLimit check passed: nothing sensible to return.
        raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
      }
    }
    base = raw!.bindMemory(to: Float.self, capacity: max(count, 1))
    // A freshly mapped block is already zero.
    if zeroed && !fresh { base.initialize(repeating: 0, count: count) }
    MemoryLimit.allocated(bytes)
  }

  /// Keeps medium blocks (below `BlockCache.minimumBytes`) in glibc's heap instead of fresh
  /// mmaps, so they are reused rather than page-faulted again every step; large blocks go
  /// through `BlockCache`, which reuses them by size without fragmenting the heap.
  static let allocatorTuned: Bool = {
    _ = glibcMallopt(-3, 1 << 30)      // M_MMAP_THRESHOLD (malloc.h)
    _ = glibcMallopt(-1, Int32.max)    // M_TRIM_THRESHOLD
    return true
  }()

  deinit {
    let bytes = max(count, 1) * MemoryLayout<Float>.stride
    MemoryLimit.freed(bytes)
    if cached { BlockCache.give(UnsafeMutableRawPointer(base), bytes: bytes) } else { free(base) }
  }

  /// The elements as a buffer pointer, for hot loops.
  @inline(__always) public var buffer: UnsafeMutableBufferPointer<Float> {
    UnsafeMutableBufferPointer(start: base, count: count)
  }
}

/// The tensor memory budget: a request beyond it is an error, not an OOM kill.
///
/// Default: 75% of physical memory, overridable with `RSLAB_MEMORY_LIMIT` (bytes, or with a
/// `K`/`M`/`G` suffix).
public enum MemoryLimit {
  private static let live = Atomic<Int>(0)
  private static let limitBytes = Atomic<Int>(defaultLimit())

  /// Bytes currently held by tensor storage.
  public static var liveBytes: Int { live.load(ordering: .relaxed) }
  /// The budget in bytes.
  public static var limit: Int {
    get { limitBytes.load(ordering: .relaxed) }
    set { limitBytes.store(newValue, ordering: .relaxed) }
  }

  static func allocated(_ bytes: Int) { live.add(bytes, ordering: .relaxed) }
  static func freed(_ bytes: Int) { live.subtract(bytes, ordering: .relaxed) }

  /// Throws when `elements` more Float32 values would exceed the budget.
  public static func check(elements: Int, op: String) throws {
    let (bytes, o) = elements.multipliedReportingOverflow(by: MemoryLayout<Float>.stride)
    if o || bytes > limit - liveBytes {
      throw RuntimeError.resourceLimit(
        message: "\(op): allocating \(formatBytes(o ? Int.max : bytes)) would exceed the memory limit of \(formatBytes(limit)) (\(formatBytes(liveBytes)) in use; set RSLAB_MEMORY_LIMIT to change it)")
    }
  }

  /// Throws when `bytes` more bytes of tensor or dataset memory (pixels, file contents)
  /// would exceed the budget. Dataset pixels are not counted in `liveBytes`, so this checks
  /// the request against what tensors leave free.
  public static func check(bytes: Int, op: String) throws {
    try check(elements: bytes <= 0 ? 0 : (bytes - 1) / MemoryLayout<Float>.stride + 1, op: op)
  }

  /// `1.5 GiB` style.
  public static func formatBytes(_ b: Int) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var v = Double(b), i = 0
    while v >= 1024, i < units.count - 1 { v /= 1024; i += 1 }
    return i == 0 ? "\(b) B" : String(Int((v * 10).rounded()) / 10) + "." + String(Int((v * 10).rounded()) % 10) + " " + units[i]
  }

  static func defaultLimit() -> Int {
    if let s = getenv("RSLAB_MEMORY_LIMIT").map({ String(cString: $0) }), let v = parseBytes(s) { return v }
    let pages = sysconf(Int32(_SC_PHYS_PAGES)), size = sysconf(Int32(_SC_PAGESIZE))
    if pages > 0, size > 0 { return Int(Double(pages) * Double(size) * 0.75) }
    return 8 << 30
  }

  static func parseBytes(_ s: String) -> Int? {
    let t = String(s.uppercased().filter { $0 != " " && $0 != "\t" })
    let mult: Int
    var digits = Substring(t)
    switch t.last {
    case "K": mult = 1 << 10; digits = t.dropLast()
    case "M": mult = 1 << 20; digits = t.dropLast()
    case "G": mult = 1 << 30; digits = t.dropLast()
    default: mult = 1
    }
    guard let v = Double(digits), v > 0 else { return nil }
    return Int(v * Double(mult))
  }
}


/// glibc's `mallopt` (malloc.h is not part of the Glibc module).
@_silgen_name("mallopt") private func glibcMallopt(_ param: Int32, _ value: Int32) -> Int32
