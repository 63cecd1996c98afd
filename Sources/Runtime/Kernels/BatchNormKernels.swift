/// Batch normalisation kernels on [N, C, HW] (HW = 1 for [N, C] inputs), parallel over
/// channels. Statistics accumulate in Float64: a channel can hold 50k values and the
/// one-pass E[x²] - E[x]² form loses digits, so the variance is a second pass.
struct NormGeometry {
  let n: Int, c: Int, hw: Int
  var perChannel: Int { n * hw }
}

enum BatchNormKernels {
  /// Batch statistics: mean and biased variance per channel.
  static func statistics(_ x: UnsafePointer<Float>, _ g: NormGeometry, mean: UnsafeMutablePointer<Float>, variance: UnsafeMutablePointer<Float>) {
    let plane = g.c * g.hw
    Parallel.forEach(count: g.c, minPerWorker: 4) { _, range in
      for ch in range {
        var s = 0.0
        for i in 0..<g.n {
          let row = x + i * plane + ch * g.hw
          var f: Float = 0
          for j in 0..<g.hw { f += row[j] }
          s += Double(f)
        }
        let m = s / Double(g.perChannel), mf = Float(m)
        var v = 0.0
        for i in 0..<g.n {
          let row = x + i * plane + ch * g.hw
          var f: Float = 0
          for j in 0..<g.hw { let d = row[j] - mf; f += d * d }
          v += Double(f)
        }
        mean[ch] = mf
        variance[ch] = Float(v / Double(g.perChannel))
      }
    }
  }

  /// y = (x - mean) * invStd * gamma + beta, per channel.
  static func normalize(
    _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ g: NormGeometry,
    mean: UnsafePointer<Float>, invStd: UnsafePointer<Float>, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>
  ) {
    let plane = g.c * g.hw
    Parallel.forEach(count: g.c, minPerWorker: 4) { _, range in
      for ch in range {
        let a = invStd[ch] * gamma[ch], b = beta[ch] - mean[ch] * a
        for i in 0..<g.n {
          let src = x + i * plane + ch * g.hw, dst = y + i * plane + ch * g.hw
          for j in 0..<g.hw { dst[j] = src[j] * a + b }
        }
      }
    }
  }

  /// Backward of `normalize`. With batch statistics (`training`), the mean and variance
  /// depend on x: dx = γ·invStd·(dy - mean(dy) - x̂·mean(dy·x̂)); with running statistics
  /// they are constants: dx = γ·invStd·dy. dgamma = Σ dy·x̂, dbeta = Σ dy (overwritten).
  static func backward(
    _ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>?, _ g: NormGeometry,
    mean: UnsafePointer<Float>, invStd: UnsafePointer<Float>, gamma: UnsafePointer<Float>,
    dgamma: UnsafeMutablePointer<Float>, dbeta: UnsafeMutablePointer<Float>, training: Bool
  ) {
    let plane = g.c * g.hw, m = Float(g.perChannel)
    Parallel.forEach(count: g.c, minPerWorker: 4) { _, range in
      for ch in range {
        let mu = mean[ch], istd = invStd[ch]
        var sdy = 0.0, sdyx = 0.0
        for i in 0..<g.n {
          let xs = x + i * plane + ch * g.hw, ds = dy + i * plane + ch * g.hw
          var a: Float = 0, b: Float = 0
          for j in 0..<g.hw { a += ds[j]; b += ds[j] * (xs[j] - mu) }
          sdy += Double(a); sdyx += Double(b)
        }
        let sumDy = Float(sdy), sumDyXhat = Float(sdyx) * istd
        dgamma[ch] = sumDyXhat
        dbeta[ch] = sumDy
        guard let dx else { continue }
        let scale = gamma[ch] * istd
        let meanDy = training ? sumDy / m : 0, k = training ? sumDyXhat / m * istd : 0
        for i in 0..<g.n {
          let xs = x + i * plane + ch * g.hw, ds = dy + i * plane + ch * g.hw, out = dx + i * plane + ch * g.hw
          for j in 0..<g.hw { out[j] = scale * (ds[j] - meanDy - (xs[j] - mu) * k) }
        }
      }
    }
  }
}
