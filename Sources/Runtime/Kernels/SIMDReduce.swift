/// Vectorised reductions. LLVM does not vectorise a plain Float sum loop (it may not
/// reassociate floating-point additions), so these keep 16 partial sums in SIMD registers;
/// the order is fixed, so results are still deterministic.
enum SIMDReduce {
  /// Σ x[i] and Σ (x[i] - shift)² over n elements.
  @inline(__always)
  static func shiftedSums(_ x: UnsafePointer<Float>, _ n: Int, shift: Float) -> (sum: Float, sumSquares: Float) {
    var s = SIMD16<Float>(repeating: 0), q = SIMD16<Float>(repeating: 0)
    let k = SIMD16<Float>(repeating: shift)
    let raw = UnsafeRawPointer(x)
    var i = 0
    while i + 16 <= n {
      let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self) - k
      s += v
      q += v * v
      i += 16
    }
    var ts = s.sum(), tq = q.sum()
    while i < n { let v = x[i] - shift; ts += v; tq += v * v; i += 1 }
    return (ts, tq)
  }

  /// Σ g[i] and Σ g[i]·(x[i] - shift) over n elements.
  @inline(__always)
  static func sumAndCenteredDot(_ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ n: Int, shift: Float) -> (sum: Float, dot: Float) {
    var s = SIMD16<Float>(repeating: 0), d = SIMD16<Float>(repeating: 0)
    let k = SIMD16<Float>(repeating: shift)
    let rg = UnsafeRawPointer(g), rx = UnsafeRawPointer(x)
    var i = 0
    while i + 16 <= n {
      let gv = rg.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
      let xv = rx.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self) - k
      s += gv
      d += gv * xv
      i += 16
    }
    var ts = s.sum(), td = d.sum()
    while i < n { ts += g[i]; td += g[i] * (x[i] - shift); i += 1 }
    return (ts, td)
  }

  /// Σ x[i] over n elements.
  @inline(__always)
  static func sum(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
    var s = SIMD16<Float>(repeating: 0)
    let raw = UnsafeRawPointer(x)
    var i = 0
    while i + 16 <= n {
      s += raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
      i += 16
    }
    var t = s.sum()
    while i < n { t += x[i]; i += 1 }
    return t
  }

  /// `sumAndCenteredDot` of dz = g where the pre-activation a·x + b > 0, slope·g elsewhere
  /// (the gradient through a fused leaky ReLU; slope 0 is ReLU). The pre-activation is
  /// recomputed with the forward pass's exact operations, so the mask is bit-identical and
  /// the activated output need not be kept for backward.
  @inline(__always)
  static func activatedSumAndCenteredDot(
    _ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ n: Int, a: Float, b: Float, slope: Float, shift: Float
  ) -> (sum: Float, dot: Float) {
    var s = SIMD16<Float>(repeating: 0), d = SIMD16<Float>(repeating: 0)
    let k = SIMD16<Float>(repeating: shift), zero = SIMD16<Float>(repeating: 0)
    let va = SIMD16<Float>(repeating: a), vb = SIMD16<Float>(repeating: b)
    let rg = UnsafeRawPointer(g), rx = UnsafeRawPointer(x)
    var i = 0
    while i + 16 <= n {
      var gv = rg.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
      let xr = rx.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
      gv.replace(with: gv * slope, where: xr * va + vb .<= zero)
      let xv = xr - k
      s += gv
      d += gv * xv
      i += 16
    }
    var ts = s.sum(), td = d.sum()
    while i < n {
      let gv = x[i] * a + b > 0 ? g[i] : slope * g[i]
      ts += gv; td += gv * (x[i] - shift); i += 1
    }
    return (ts, td)
  }
}

/// Explicitly vectorised elementwise maps of the batch-norm kernels (the compiler cannot
/// prove that output and input pointers do not alias, so it leaves the plain loops scalar).
enum SIMDMap {
  /// y = a·x + b, then a leaky ReLU of `slope` when given.
  @inline(__always)
  static func affine(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int, a: Float, b: Float, slope: Float?) {
    let rx = UnsafeRawPointer(x), ry = UnsafeMutableRawPointer(y)
    let va = SIMD16<Float>(repeating: a), vb = SIMD16<Float>(repeating: b), zero = SIMD16<Float>(repeating: 0)
    var i = 0
    if let slope {
      while i + 16 <= n {
        var v = rx.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self) * va + vb
        v.replace(with: v * slope, where: v .<= zero)
        ry.storeBytes(of: v, toByteOffset: i * 4, as: SIMD16<Float>.self)
        i += 16
      }
      while i < n { let v = x[i] * a + b; y[i] = v > 0 ? v : v * slope; i += 1 }
    } else {
      while i + 16 <= n {
        let v = rx.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self) * va + vb
        ry.storeBytes(of: v, toByteOffset: i * 4, as: SIMD16<Float>.self)
        i += 16
      }
      while i < n { y[i] = x[i] * a + b; i += 1 }
    }
  }

  /// dx = scale·(dz - meanDy - (x - mu)·k), dz = dy mapped through the fused activation
  /// (1 where the pre-activation a·x + b > 0, slope elsewhere) when given.
  @inline(__always)
  static func normBackward(
    _ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, _ n: Int,
    _ activation: (a: Float, b: Float, slope: Float)?, scale: Float, meanDy: Float, mu: Float, k: Float
  ) {
    let rg = UnsafeRawPointer(dy), rx = UnsafeRawPointer(x), rd = UnsafeMutableRawPointer(dx)
    let vs = SIMD16<Float>(repeating: scale), vm = SIMD16<Float>(repeating: meanDy)
    let vmu = SIMD16<Float>(repeating: mu), vk = SIMD16<Float>(repeating: k), zero = SIMD16<Float>(repeating: 0)
    var i = 0
    if let (a, b, slope) = activation {
      let va = SIMD16<Float>(repeating: a), vb = SIMD16<Float>(repeating: b)
      while i + 16 <= n {
        var g = rg.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
        let xv = rx.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
        g.replace(with: g * slope, where: xv * va + vb .<= zero)
        rd.storeBytes(of: vs * (g - vm - (xv - vmu) * vk), toByteOffset: i * 4, as: SIMD16<Float>.self)
        i += 16
      }
    } else {
      while i + 16 <= n {
        let g = rg.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
        let xv = rx.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
        rd.storeBytes(of: vs * (g - vm - (xv - vmu) * vk), toByteOffset: i * 4, as: SIMD16<Float>.self)
        i += 16
      }
    }
    while i < n {
      var g = dy[i]
      if let (a, b, slope) = activation, !(x[i] * a + b > 0) { g *= slope }
      dx[i] = scale * (g - meanDy - (x[i] - mu) * k)
      i += 1
    }
  }
}
