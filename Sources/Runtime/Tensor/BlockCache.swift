#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Large tensor blocks (1 MiB and up): mapped from the kernel and, when freed, kept by exact
/// size for the next request of that size.
///
/// Why: a training step allocates the same sizes in the same order every step (activations,
/// gradients, unfolded blocks). Through malloc with trimming off, the heap fragments and the
/// peak resident memory grew by ~100 MB per step (1.0 GB after 3 width-32 FixMatch steps,
/// 2.0 GB after 8, with at most 1 MB of tensors live between steps). Returning blocks to the
/// kernel instead costs a page fault and a page clear per 4 KiB on every step. Reusing
/// exact sizes keeps both the faults and the growth away; the cache is bounded
/// (`limitBytes`) and evicts by unmapping, so the memory does go back to the system.
enum BlockCache {
  /// Blocks at least this large are mapped and cached; smaller ones come from malloc.
  static let minimumBytes = 1 << 20
  /// The most bytes kept cached (not in use) at any time.
  static let limitBytes = 1 << 30

  private struct State {
    /// Addresses (as integers: raw pointers are not Sendable) of free blocks, by size.
    var free: [Int: [UInt]] = [:]
    var cachedBytes = 0
    /// Sizes in the order they were last freed, for eviction (oldest first).
    var order: [Int] = []
  }
  private static let state = Mutex(State())

  /// Rounds to whole pages, so nearby sizes share blocks and mapping is exact.
  static func roundedSize(_ bytes: Int) -> Int {
    let page = 4096
    return (bytes + page - 1) / page * page
  }

  /// A block of at least `bytes` (page-aligned), reused when one of that rounded size is free;
  /// nil when the kernel refuses the mapping.
  static func take(_ bytes: Int) -> (pointer: UnsafeMutableRawPointer, fresh: Bool)? {
    let size = roundedSize(bytes)
    let reused: UInt? = state.withLock { s in
      guard var list = s.free[size], let p = list.popLast() else { return nil }
      s.free[size] = list.isEmpty ? nil : list
      s.cachedBytes -= size
      if let i = s.order.lastIndex(of: size) { s.order.remove(at: i) }
      return p
    }
    if let reused, let p = UnsafeMutableRawPointer(bitPattern: reused) { return (p, false) }
    guard let p = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), p != MAP_FAILED else {
      return nil
    }
    return (p, true)
  }

  /// Takes back a block from `take(bytes)`; unmaps the oldest cached blocks beyond the bound.
  static func give(_ p: UnsafeMutableRawPointer, bytes: Int) {
    let size = roundedSize(bytes)
    let address = UInt(bitPattern: p)
    let evict: [(UInt, Int)] = state.withLock { s in
      var out: [(UInt, Int)] = []
      s.free[size, default: []].append(address)
      s.cachedBytes += size
      s.order.append(size)
      while s.cachedBytes > limitBytes, !s.order.isEmpty {
        let victim = s.order.removeFirst()
        guard var list = s.free[victim], !list.isEmpty else { continue }
        out.append((list.removeFirst(), victim))
        s.free[victim] = list.isEmpty ? nil : list
        s.cachedBytes -= victim
      }
      return out
    }
    for (q, n) in evict { munmap(UnsafeMutableRawPointer(bitPattern: q), n) }
  }

  /// Bytes held in the cache (not in use by any tensor).
  static var cachedBytes: Int { state.withLock { $0.cachedBytes } }
}
