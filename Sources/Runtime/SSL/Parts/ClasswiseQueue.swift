/// The class-wise synthetic queue (CSQueue) of RSMatch: per (pseudo-)class, a FIFO of the
/// feature vectors of the unlabeled samples most recently judged most likely synthetic.
///
/// Each class holds at most `capacity` entries, so when the detector trains on the queue
/// every class contributes equally and the detector learns "synthetic vs real", not a class.
/// With `classwise == false` it is one global FIFO of `capacity * classes` entries (ablation).
public struct ClasswiseQueue: Sendable {
  public let classes: Int
  public let capacity: Int
  public let featureDim: Int
  public let classwise: Bool
  /// Per slot (one per class, or one global), the stored rows, oldest first.
  private(set) var slots: [[[Float]]]

  public init(classes: Int, capacity: Int, featureDim: Int, classwise: Bool = true) {
    self.classes = classes
    self.capacity = capacity
    self.featureDim = featureDim
    self.classwise = classwise
    slots = Array(repeating: [], count: classwise ? classes : 1)
  }

  /// Entries held for class `c` (or in the global queue).
  public func count(forClass c: Int) -> Int { slots[classwise ? c : 0].count }
  /// Total entries.
  public var count: Int { slots.reduce(0) { $0 + $1.count } }
  /// The bound on `count`.
  public var maxCount: Int { capacity * classes }

  /// Pushes a feature row for class `c`, dropping the oldest entry beyond the bound.
  public mutating func push(_ row: [Float], forClass c: Int) {
    let s = classwise ? c : 0
    let cap = classwise ? capacity : capacity * classes
    slots[s].append(row)
    if slots[s].count > cap { slots[s].removeFirst(slots[s].count - cap) }
  }

  /// All entries as a [N, F] tensor with a per-row weight that gives each class slot equal
  /// total weight (weights sum to 1), or nil when empty.
  public func batch() -> (features: Tensor, weights: [Float])? {
    let filled = slots.filter { !$0.isEmpty }
    guard !filled.isEmpty else { return nil }
    var values: [Float] = []
    var weights: [Float] = []
    for s in filled {
      for r in s { values += r }
      weights += [Float](repeating: 1 / Float(filled.count * s.count), count: s.count)
    }
    return (Tensor(shape: [weights.count, featureDim], values: values), weights)
  }

  /// Up to `perSlot` entries drawn at random from every filled slot, with weights that give
  /// each slot equal total weight (summing to 1, as `batch()`); empty when the queue is.
  public func sample(perSlot: Int, rng: inout RNG) -> (rows: [[Float]], weights: [Float]) {
    let filled = slots.filter { !$0.isEmpty }
    var rows: [[Float]] = [], weights: [Float] = []
    for s in filled {
      var order = Array(s.indices)
      rng.shuffle(&order)
      let k = min(perSlot, s.count)
      for i in order.prefix(k) { rows.append(s[i]) }
      weights += [Float](repeating: 1 / Float(filled.count * k), count: k)
    }
    return (rows, weights)
  }

  /// Flattened contents for checkpoints: per slot its row count, then the rows.
  public func export() -> [Double] {
    var out: [Double] = []
    for s in slots {
      out.append(Double(s.count))
      for r in s { out += r.map(Double.init) }
    }
    return out
  }

  /// Restores `export()`'s output.
  public mutating func restore(_ flat: [Double]) throws {
    var i = 0
    var newSlots: [[[Float]]] = []
    for _ in 0..<slots.count {
      guard i < flat.count else { throw RuntimeError.invalidArgument(op: "rsmatch", message: "damaged queue state") }
      let n = Int(flat[i]); i += 1
      guard n >= 0, i + n * featureDim <= flat.count else {
        throw RuntimeError.invalidArgument(op: "rsmatch", message: "damaged queue state")
      }
      var rows: [[Float]] = []
      for _ in 0..<n { rows.append(flat[i..<i + featureDim].map { Float($0) }); i += featureDim }
      newSlots.append(rows)
    }
    slots = newSlots
  }
}
