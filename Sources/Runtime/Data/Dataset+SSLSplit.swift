/// The two set-ups every RS-SSL experiment starts from: a class-balanced labeled/unlabeled
/// split of real data, and an unlabeled set mixing real and synthetic images at an exact ratio.
extension Dataset {
  /// Splits into a labeled set with exactly `perClass` images of every class and a disjoint
  /// unlabeled set.
  ///
  /// The unlabeled set is all remaining images, or, when `unlabeled` is given, that many of
  /// them sampled class-balanced (`unlabeled / classes` per class, the remainder spread over
  /// randomly chosen classes). Both sets are shuffled; the same seed gives the same split.
  ///
  ///     let (lab, unl) = try train.sslSplit(perClass: 40, seed: 1)   // 400 and 59600 images
  public func sslSplit(perClass: Int, seed: UInt64 = 0, unlabeled: Int? = nil) throws -> (labeled: Dataset, unlabeled: Dataset) {
    let op = "ssl_split"
    guard perClass >= 1 else {
      throw RuntimeError.invalidArgument(op: op, message: "per_class must be >= 1, got \(perClass)")
    }
    var rng = RNG(seed: seed)
    var byClass = [[Int]](repeating: [], count: classCount)
    for (i, l) in labels.enumerated() { byClass[l].append(i) }
    for c in 0..<classCount where byClass[c].count < perClass {
      throw RuntimeError.invalidArgument(
        op: op, message: "per_class \(perClass) is larger than class \(c) '\(classNames[c])', which has \(byClass[c].count) images")
    }
    var labeled: [Int] = [], rest = [[Int]](repeating: [], count: classCount)
    for c in 0..<classCount {
      rng.shuffle(&byClass[c])
      labeled.append(contentsOf: byClass[c][..<perClass])
      rest[c] = Array(byClass[c][perClass...])
    }
    var pool: [Int] = []
    if let u = unlabeled {
      guard u >= 0 else {
        throw RuntimeError.invalidArgument(op: op, message: "unlabeled must be >= 0, got \(u)")
      }
      var quota = [Int](repeating: u / classCount, count: classCount)
      for c in rng.permutation(classCount).prefix(u % classCount) { quota[c] += 1 }
      for c in 0..<classCount {
        guard quota[c] <= rest[c].count else {
          throw RuntimeError.invalidArgument(
            op: op, message: "unlabeled \(u) needs \(quota[c]) images of class \(c) '\(classNames[c])', but only \(rest[c].count) remain after taking \(perClass) labeled")
        }
        pool.append(contentsOf: rest[c][..<quota[c]])  // rest[c] is already shuffled
      }
    } else {
      pool = rest.flatMap { $0 }
    }
    rng.shuffle(&labeled)
    rng.shuffle(&pool)
    return (gather(labeled, name: "\(name)/labeled"), gather(pool, name: "\(name)/unlabeled"))
  }

  /// An unlabeled set of `size` images of which exactly `round(ratio * size)` come from
  /// `synthetic` (marked synthetic) and the rest from `real`, sampled without replacement
  /// and shuffled.
  ///
  /// Without `size`, the largest set both sources can supply at that ratio. Throws when the
  /// ratio is outside [0, 1], a source is too small, or the real set holds synthetic samples.
  public static func mix(real: Dataset, synthetic: Dataset, ratio: Double, size: Int? = nil, seed: UInt64 = 0) throws -> Dataset {
    let op = "mix"
    guard ratio.isFinite, ratio >= 0, ratio <= 1 else {
      throw RuntimeError.invalidArgument(op: op, message: "ratio must be in [0, 1], got \(ratio)")
    }
    guard real.syntheticCount == 0 else {
      throw RuntimeError.invalidArgument(op: op, message: "the real set \(real.name) contains \(real.syntheticCount) synthetic samples")
    }
    func parts(_ n: Int) -> (syn: Int, real: Int) {
      let s = Int((ratio * Double(n)).rounded())
      return (s, n - s)
    }
    var n: Int
    if let size {
      guard size >= 0 else { throw RuntimeError.invalidArgument(op: op, message: "size must be >= 0, got \(size)") }
      n = size
    } else {
      let bySyn = ratio > 0 ? Double(synthetic.count) / ratio : Double.infinity
      let byReal = ratio < 1 ? Double(real.count) / (1 - ratio) : Double.infinity
      n = Int(min(bySyn, byReal, Double(real.count + synthetic.count)).rounded(.down))
      while n > 0, parts(n).syn > synthetic.count || parts(n).real > real.count { n -= 1 }
    }
    let (nSyn, nReal) = parts(n)
    guard nSyn <= synthetic.count else {
      throw RuntimeError.invalidArgument(
        op: op, message: "ratio \(ratio) of size \(n) needs \(nSyn) synthetic images, but \(synthetic.name) has \(synthetic.count)")
    }
    guard nReal <= real.count else {
      throw RuntimeError.invalidArgument(
        op: op, message: "ratio \(ratio) of size \(n) needs \(nReal) real images, but \(real.name) has \(real.count)")
    }
    var rng = RNG(seed: seed)
    let realPart = real.gather(Array(rng.permutation(real.count).prefix(nReal)), name: real.name)
    let synOrigin = synthetic.originNames.count == 1 ? synthetic.originNames[0] : synthetic.name
    let synSource = synthetic.syntheticCount == synthetic.count ? synthetic : synthetic.markSynthetic(origin: synOrigin)
    let synPart = synSource.gather(Array(rng.permutation(synthetic.count).prefix(nSyn)), name: synthetic.name)
    let both = try concat([realPart, synPart])
    return both.gather(rng.permutation(both.count), name: "mix(\(real.name), \(synthetic.name), \(ratio))")
  }

  /// An unlabeled set of `size` images where round(ratio · size) are synthetic, drawn from
  /// several synthetic sources (e.g. two generators) in proportion to `shares`.
  ///
  /// `shares` (default: equal) are normalised; each source's count is its share of the
  /// synthetic part, rounded by largest remainder so the counts add up exactly. Every source
  /// keeps its own origin name (a generated set's origin is its generator kind), so metrics can
  /// be split per generator. With one source this is `mix(real:synthetic:ratio:size:seed:)`.
  /// Without `size`, the largest set every source can supply at that ratio and those shares.
  public static func mix(real: Dataset, synthetic sources: [Dataset], shares: [Double]? = nil,
                         ratio: Double, size: Int? = nil, seed: UInt64 = 0) throws -> Dataset {
    let op = "mix"
    guard !sources.isEmpty else { throw RuntimeError.invalidArgument(op: op, message: "no synthetic source given") }
    let w = shares ?? [Double](repeating: 1, count: sources.count)
    guard w.count == sources.count else {
      throw RuntimeError.invalidArgument(op: op, message: "\(w.count) shares for \(sources.count) synthetic sources")
    }
    guard w.allSatisfy({ $0.isFinite && $0 >= 0 }), w.reduce(0, +) > 0 else {
      throw RuntimeError.invalidArgument(op: op, message: "shares must be non-negative with a positive sum, got \(w)")
    }
    if sources.count == 1 { return try mix(real: real, synthetic: sources[0], ratio: ratio, size: size, seed: seed) }
    guard ratio.isFinite, ratio >= 0, ratio <= 1 else {
      throw RuntimeError.invalidArgument(op: op, message: "ratio must be in [0, 1], got \(ratio)")
    }
    guard real.syntheticCount == 0 else {
      throw RuntimeError.invalidArgument(op: op, message: "the real set \(real.name) contains \(real.syntheticCount) synthetic samples")
    }
    let total = w.reduce(0, +)
    let frac = w.map { $0 / total }
    /// Per-source counts for `nSyn` synthetic images (largest remainder).
    func split(_ nSyn: Int) -> [Int] {
      let exact = frac.map { $0 * Double(nSyn) }
      var k = exact.map { Int($0.rounded(.down)) }
      let order = exact.indices.sorted { (exact[$0] - Double(k[$0]), -$0) > (exact[$1] - Double(k[$1]), -$1) }
      for j in order.prefix(nSyn - k.reduce(0, +)) { k[j] += 1 }
      return k
    }
    func fits(_ n: Int) -> Bool {
      let s = Int((ratio * Double(n)).rounded())
      return n - s <= real.count && zip(split(s), sources).allSatisfy { $0 <= $1.count }
    }
    var n: Int
    if let size {
      guard size >= 0 else { throw RuntimeError.invalidArgument(op: op, message: "size must be >= 0, got \(size)") }
      n = size
    } else {
      n = real.count + sources.reduce(0) { $0 + $1.count }
      // Shrink geometrically, then step: counts are monotone in n.
      while n > 0, !fits(n) { n = fits(n * 9 / 10) ? n - 1 : n * 9 / 10 }
    }
    let nSyn = Int((ratio * Double(n)).rounded()), nReal = n - nSyn
    guard nReal <= real.count else {
      throw RuntimeError.invalidArgument(
        op: op, message: "ratio \(ratio) of size \(n) needs \(nReal) real images, but \(real.name) has \(real.count)")
    }
    let counts = split(nSyn)
    for (k, src) in zip(counts, sources) where k > src.count {
      throw RuntimeError.invalidArgument(
        op: op, message: "ratio \(ratio) of size \(n) with shares \(w) needs \(k) synthetic images from \(src.name), but it has \(src.count)")
    }
    var rng = RNG(seed: seed)
    var parts = [real.gather(Array(rng.permutation(real.count).prefix(nReal)), name: real.name)]
    for (k, src) in zip(counts, sources) {
      let origin = src.originNames.count == 1 ? src.originNames[0] : src.name
      let marked = src.syntheticCount == src.count ? src : src.markSynthetic(origin: origin)
      parts.append(marked.gather(Array(rng.permutation(src.count).prefix(k)), name: src.name))
    }
    let all = try concat(parts)
    let names = sources.map(\.name).joined(separator: " + ")
    return all.gather(rng.permutation(all.count), name: "mix(\(real.name), \(names), \(ratio))")
  }
}
