/// Batch normalisation kernels on [N, C, HW] (HW = 1 for [N, C] inputs), parallel over
/// channels; reductions are SIMD within a row and Float64 across rows.
struct NormGeometry {
  let n: Int, c: Int, hw: Int
  var perChannel: Int { n * hw }
}

enum BatchNormKernels {
  /// Batch statistics: mean and biased variance per channel, in one pass over x.
  ///
  /// Sums are taken of x - K with K the channel's first value, so the E[(x-K)²] - E[x-K]²
  /// form does not cancel catastrophically when |mean| ≫ std; rows accumulate in Float
  /// (SIMD) and the channel total in Float64.
  static func statistics(_ x: UnsafePointer<Float>, _ g: NormGeometry, mean: UnsafeMutablePointer<Float>, variance: UnsafeMutablePointer<Float>) {
    let plane = g.c * g.hw
    Parallel.forEach(count: g.c, minPerWorker: 4) { _, range in
      for ch in range {
        let shift = x[ch * g.hw]
        var s = 0.0, q = 0.0
        for i in 0..<g.n {
          let r = SIMDReduce.shiftedSums(x + i * plane + ch * g.hw, g.hw, shift: shift)
          s += Double(r.sum); q += Double(r.sumSquares)
        }
        let m = s / Double(g.perChannel)
        mean[ch] = Float(Double(shift) + m)
        variance[ch] = Float(Swift.max(0, q / Double(g.perChannel) - m * m))
      }
    }
  }

  /// y = (x - mean) * invStd * gamma + beta, per channel, then (when `slope` is given) the
  /// leaky ReLU y = max(y, 0) + slope·min(y, 0) fused in (slope 0 is ReLU).
  static func normalize(
    _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ g: NormGeometry,
    mean: UnsafePointer<Float>, invStd: UnsafePointer<Float>, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
    slope: Float? = nil
  ) {
    let plane = g.c * g.hw
    Parallel.forEach(count: g.c, minPerWorker: 4) { _, range in
      for ch in range {
        let a = invStd[ch] * gamma[ch], b = beta[ch] - mean[ch] * a
        for i in 0..<g.n {
          let src = x + i * plane + ch * g.hw, dst = y + i * plane + ch * g.hw
          SIMDMap.affine(src, dst, g.hw, a: a, b: b, slope: slope)
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
  /// can be freed as soon as its consumer is differentiated).
  static func backward(
    _ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>?, _ g: NormGeometry,
    mean: UnsafePointer<Float>, invStd: UnsafePointer<Float>, gamma: UnsafePointer<Float>,
    dgamma: UnsafeMutablePointer<Float>, dbeta: UnsafeMutablePointer<Float>, training: Bool,
    activation: (beta: UnsafePointer<Float>, slope: Float)? = nil
  ) {
    let plane = g.c * g.hw, m = Float(g.perChannel)
    Parallel.forEach(count: g.c, minPerWorker: 4) { _, range in
      for ch in range {
        let mu = mean[ch], istd = invStd[ch]
        // The forward pass's affine map, computed the same way (see `normalize`).
        let a = invStd[ch] * gamma[ch]
        let act = activation.map { (a: a, b: $0.beta[ch] - mean[ch] * a, slope: $0.slope) }
        var sdy = 0.0, sdyx = 0.0
        for i in 0..<g.n {
          let off = i * plane + ch * g.hw
          let r = act.map { SIMDReduce.activatedSumAndCenteredDot(dy + off, x + off, g.hw, a: $0.a, b: $0.b, slope: $0.slope, shift: mu) }
            ?? SIMDReduce.sumAndCenteredDot(dy + off, x + off, g.hw, shift: mu)
          sdy += Double(r.sum); sdyx += Double(r.dot)
        }
        let sumDy = Float(sdy), sumDyXhat = Float(sdyx) * istd
        dgamma[ch] = sumDyXhat
        dbeta[ch] = sumDy
        guard let dx else { continue }
        let scale = gamma[ch] * istd
        let meanDy = training ? sumDy / m : 0, k = training ? sumDyXhat / m * istd : 0
        for i in 0..<g.n {
          let off = i * plane + ch * g.hw
          SIMDMap.normBackward(dy + off, x + off, dx + off, g.hw, act,
                               scale: scale, meanDy: meanDy, mu: mu, k: k)
        }
      }
    }
  }
}
