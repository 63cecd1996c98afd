import Dispatch

/// Splits batch work over the cores: `DispatchQueue.concurrentPerform` over contiguous
/// ranges, one per worker, so every range (and therefore every result) depends only on
/// the item count and the worker count — never on scheduling.
enum Parallel {
  /// The number of workers: the BLAS thread count (what the user asked the machine to use).
  static var workers: Int { max(1, BLASThreads.count) }

  /// The `w`-th of `workers` contiguous slices of `0..<count`.
  @inline(__always) static func slice(_ w: Int, of workers: Int, count: Int) -> Range<Int> {
    let lo = count * w / workers, hi = count * (w + 1) / workers
    return lo..<hi
  }

  /// Calls `body(worker, range)` for each non-empty slice of `0..<count`, in parallel when
  /// there is more than one worker. gemm calls inside `body` run single-threaded.
  static func forEach(count: Int, minPerWorker: Int = 1, _ body: (_ worker: Int, _ range: Range<Int>) -> Void) {
    let n = workerCount(count: count, minPerWorker: minPerWorker)
    if n <= 1 {
      if count > 0 { body(0, 0..<count) }
      return
    }
    // Workers touch disjoint output ranges by construction; the box only tells the
    // compiler so (raw pointers are not Sendable).
    withoutActuallyEscaping(body) { body in
      let box = UncheckedBox(body)
      BLASThreads.withSingleThread {
        DispatchQueue.concurrentPerform(iterations: n) { w in
          let r = slice(w, of: n, count: count)
          if !r.isEmpty { box.value(w, r) }
        }
      }
    }
  }

  /// The number of slices `forEach` will use for `count` items (to size per-worker scratch).
  static func workerCount(count: Int, minPerWorker: Int = 1) -> Int {
    min(workers, max(1, count / max(1, minPerWorker)))
  }
}

/// Uninitialised aligned Float32 scratch memory for a kernel's lifetime (not a tensor:
/// it is never seen by users and is freed when the kernel returns).
struct Scratch {
  let base: UnsafeMutablePointer<Float>
  let count: Int
  init(count: Int) {
    self.count = count
    base = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
  }
  func free() { base.deallocate() }
}

/// Carries a value into a concurrent region whose safety the caller has established.
struct UncheckedBox<T>: @unchecked Sendable {
  let value: T
  init(_ value: T) { self.value = value }
}
