/// Batch normalisation kernels on [N, C, HW] (HW = 1 for [N, C] inputs), parallel over
/// channels; reductions are SIMD within a row and Float64 across rows.
struct NormGeometry {
  let n: Int, c: Int, hw: Int
  var perChannel: Int { n * hw }
}

enum BatchNormKernels {
  /// Per-channel sums over all images, computed image by image: each worker sweeps its
  /// contiguous range of images in memory order (a channel-by-channel sweep jumps C·HW floats
  /// between rows, which defeated the prefetcher and the TLB and made batch norm the largest
  /// non-gemm cost of the training step). `row(i, ch)` returns the two sums of one row; the
  /// workers' partials are added in worker order, so results are deterministic for a given
  /// worker count. Returns the two totals per channel.
  static func channelSums(
    _ g: NormGeometry, _ row: (_ image: Int, _ channel: Int) -> (Float, Float)
  ) -> (first: [Double], second: [Double]) {
    let workers = Parallel.workerCount(count: g.n, minPerWorker: 4)
    let partial = UnsafeMutablePointer<Double>.allocate(capacity: max(1, workers * 2 * g.c))
    defer { partial.deallocate() }
    partial.update(repeating: 0, count: workers * 2 * g.c)
    Parallel.forEach(count: g.n, minPerWorker: 4) { worker, range in
      let p = partial + worker * 2 * g.c
      for i in range {
        for ch in 0..<g.c {
          let (a, b) = row(i, ch)
          p[2 * ch] += Double(a); p[2 * ch + 1] += Double(b)
        }
      }
    }
    var first = [Double](repeating: 0, count: g.c), second = [Double](repeating: 0, count: g.c)
    for w in 0..<workers {
      let p = partial + w * 2 * g.c
      for ch in 0..<g.c { first[ch] += p[2 * ch]; second[ch] += p[2 * ch + 1] }
    }
    return (first, second)
  }

  /// Batch statistics: mean and biased variance per channel, in one pass over x.
  ///
  /// Sums are taken of x - K with K the channel's first value, so the E[(x-K)²] - E[x-K]²
  /// form does not cancel catastrophically when |mean| ≫ std; rows accumulate in Float
  /// (SIMD) and the channel totals in Float64.
  static func statistics(_ x: UnsafePointer<Float>, _ g: NormGeometry, mean: UnsafeMutablePointer<Float>, variance: UnsafeMutablePointer<Float>) {
    let plane = g.c * g.hw
    let shifts = (0..<g.c).map { x[$0 * g.hw] }
    let (s, q) = channelSums(g) { i, ch in
      let r = SIMDReduce.shiftedSums(x + i * plane + ch * g.hw, g.hw, shift: shifts[ch])
      return (r.sum, r.sumSquares)
    }
    for ch in 0..<g.c {
      let m = s[ch] / Double(g.perChannel)
      mean[ch] = Float(Double(shifts[ch]) + m)
      variance[ch] = Float(Swift.max(0, q[ch] / Double(g.perChannel) - m * m))
    }
  }

  /// y = (x - mean) * invStd * gamma + beta, per channel, then (when `slope` is given) the
  /// leaky ReLU y = max(y, 0) + slope·min(y, 0) fused in (slope 0 is ReLU). Images are split
  /// over the workers and swept in memory order.
  static func normalize(
    _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ g: NormGeometry,
    mean: UnsafePointer<Float>, invStd: UnsafePointer<Float>, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
    slope: Float? = nil
  ) {
    let plane = g.c * g.hw
    let a = (0..<g.c).map { invStd[$0] * gamma[$0] }
    let b = (0..<g.c).map { beta[$0] - mean[$0] * a[$0] }
    Parallel.forEach(count: g.n, minPerWorker: 4) { _, range in
      for i in range {
        for ch in 0..<g.c {
          let off = i * plane + ch * g.hw
          SIMDMap.affine(x + off, y + off, g.hw, a: a[ch], b: b[ch], slope: slope)
        }
      }
    }
  }

  /// Backward of `normalize`. With batch statistics (`training`), the mean and variance
  /// depend on x: dx = γ·invStd·(dy - mean(dy) - x̂·mean(dy·x̂)); with running statistics
  /// they are constants: dx = γ·invStd·dy. dgamma = Σ dy·x̂, dbeta = Σ dy (overwritten).
  /// With a fused activation, `dy` is the gradient of the activated output and is first
  /// mapped through the activation's derivative (1 where the pre-activation is > 0, slope
  /// elsewhere); the pre-activation is recomputed from x and `beta` as `normalize` computed
  /// it, so the activated output need not be kept (one less stream to read, and the output
  /// can be freed as soon as its consumer is differentiated). Both passes sweep images in
  /// memory order (`channelSums`).
  ///
  /// Synchronised batch norm (statistics over several processes' batches) passes `combine`,
  /// which turns this batch's per-channel [Σdy, Σdy·(x - mean)] into the sums over all
  /// batches, and `count`, the values per channel over all batches: dx uses those, while
  /// dgamma and dbeta stay this batch's share (the gradient all-reduce adds the shares).
  static func backward(
    _ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>?, _ g: NormGeometry,
    mean: UnsafePointer<Float>, invStd: UnsafePointer<Float>, gamma: UnsafePointer<Float>,
    dgamma: UnsafeMutablePointer<Float>, dbeta: UnsafeMutablePointer<Float>, training: Bool,
    activation: (beta: UnsafePointer<Float>, slope: Float)? = nil,
    combine: ((_ sums: [Double]) -> [Double])? = nil, count: Int? = nil
  ) {
    let plane = g.c * g.hw, m = Float(count ?? g.perChannel)
    // The forward pass's affine map, computed the same way (see `normalize`).
    let a = (0..<g.c).map { invStd[$0] * gamma[$0] }
    let act: [(a: Float, b: Float, slope: Float)]? = activation.map { act in
      (0..<g.c).map { (a: a[$0], b: act.beta[$0] - mean[$0] * a[$0], slope: act.slope) }
    }
    let (sdy, sdyx) = channelSums(g) { i, ch in
      let off = i * plane + ch * g.hw
      let r = act.map { SIMDReduce.activatedSumAndCenteredDot(dy + off, x + off, g.hw, a: $0[ch].a, b: $0[ch].b, slope: $0[ch].slope, shift: mean[ch]) }
        ?? SIMDReduce.sumAndCenteredDot(dy + off, x + off, g.hw, shift: mean[ch])
      return (r.sum, r.dot)
    }
    var scale = [Float](repeating: 0, count: g.c), meanDy = scale, k = scale
    for ch in 0..<g.c {
      dgamma[ch] = Float(sdyx[ch]) * invStd[ch]
      dbeta[ch] = Float(sdy[ch])
    }
    let all = combine.map { $0(sdy + sdyx) }
    for ch in 0..<g.c {
      let istd = invStd[ch]
      let sumDy = Float(all?[ch] ?? sdy[ch]), sumDyXhat = Float(all?[g.c + ch] ?? sdyx[ch]) * istd
      scale[ch] = gamma[ch] * istd
      meanDy[ch] = training ? sumDy / m : 0
      k[ch] = training ? sumDyXhat / m * istd : 0
    }
    guard let dx else { return }
    Parallel.forEach(count: g.n, minPerWorker: 4) { _, range in
      for i in range {
        for ch in 0..<g.c {
          let off = i * plane + ch * g.hw
          SIMDMap.normBackward(dy + off, x + off, dx + off, g.hw, act?[ch],
                               scale: scale[ch], meanDy: meanDy[ch], mu: mean[ch], k: k[ch])
        }
      }
    }
  }
}
