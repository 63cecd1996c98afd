#if canImport(Glibc)
import Glibc
#endif

// Reductions along one axis. A tensor reduced along `axis` is viewed as
// [outer, n, inner] (outer = product of the dims before the axis, inner = after), so every
// kernel works on flat contiguous buffers. inner == 1 (the last axis) is the hot case for
// rows of logits; inner > 1 walks whole inner rows at a time so loads stay contiguous.

/// Sum of n contiguous floats, accumulated in Float64 (a 47M-element sum stays exact to
/// ~1e-9 relative instead of drifting by 1e-3 in Float32).
@inline(__always)
func sumContiguous(_ x: UnsafePointer<Float>, _ n: Int) -> Double {
  var s0: Double = 0, s1: Double = 0, s2: Double = 0, s3: Double = 0
  var i = 0
  while i + 4 <= n {
    s0 += Double(x[i]); s1 += Double(x[i + 1]); s2 += Double(x[i + 2]); s3 += Double(x[i + 3])
    i += 4
  }
  while i < n { s0 += Double(x[i]); i += 1 }
  return (s0 + s1) + (s2 + s3)
}

/// out[o, j] = Σ_k x[o, k, j] for x viewed as [outer, n, inner]; out has outer·inner elements.
func sumAxis(_ x: UnsafePointer<Float>, outer: Int, n: Int, inner: Int, _ out: UnsafeMutablePointer<Float>) {
  if inner == 1 {
    for o in 0..<outer { out[o] = Float(sumContiguous(x + o * n, n)) }
    return
  }
  for o in 0..<outer {
    let po = out + o * inner
    po.update(repeating: 0, count: inner)
    for k in 0..<n {
      let px = x + (o * n + k) * inner
      for j in 0..<inner { po[j] += px[j] }
    }
  }
}

/// Maximum (or minimum when `!isMax`) along the axis of x viewed as [outer, n, inner] (n ≥ 1),
/// with the index of the first extreme element in `arg` (NaN counts as the extreme, as NumPy).
func extremeAxis(
  _ x: UnsafePointer<Float>, outer: Int, n: Int, inner: Int, isMax: Bool,
  _ out: UnsafeMutablePointer<Float>, _ arg: UnsafeMutablePointer<Int>
) {
  for o in 0..<outer {
    let base = x + o * n * inner, po = out + o * inner, pa = arg + o * inner
    po.update(from: base, count: inner)
    pa.update(repeating: 0, count: inner)
    // Separate loops for max and min keep the comparison out of the inner loop's branches.
    // `b == b` is false only for NaN: once a NaN is the extreme it stays.
    for k in 1..<Swift.max(n, 1) {
      let px = base + k * inner, kk = k
      if isMax {
        for j in 0..<inner {
          let v = px[j], b = po[j]
          if v > b || (v != v && b == b) { po[j] = v; pa[j] = kk }
        }
      } else {
        for j in 0..<inner {
          let v = px[j], b = po[j]
          if v < b || (v != v && b == b) { po[j] = v; pa[j] = kk }
        }
      }
    }
  }
}

/// Softmax (or log-softmax) along the axis of x viewed as [outer, n, inner], subtracting the
/// maximum first so exp never overflows.
func softmaxAxis(
  _ x: UnsafePointer<Float>, outer: Int, n: Int, inner: Int, log: Bool, _ out: UnsafeMutablePointer<Float>
) {
  if n == 0 { return }
  if inner == 1 {
    for o in 0..<outer {
      let px = x + o * n, po = out + o * n
      var m = px[0]
      for k in 1..<n where px[k] > m || px[k].isNaN { m = px[k] }
      var s: Float = 0
      if log {
        for k in 0..<n { s += expf(px[k] - m) }
        let lse = m + logf(s)
        for k in 0..<n { po[k] = px[k] - lse }
      } else {
        for k in 0..<n { let e = expf(px[k] - m); po[k] = e; s += e }
        let r = 1 / s
        for k in 0..<n { po[k] *= r }
      }
    }
    return
  }
  // Strided: one scratch row of maxima and sums per outer block.
  let m = UnsafeMutablePointer<Float>.allocate(capacity: inner)
  let s = UnsafeMutablePointer<Float>.allocate(capacity: inner)
  defer { m.deallocate(); s.deallocate() }
  for o in 0..<outer {
    let bx = x + o * n * inner, bo = out + o * n * inner
    m.update(from: bx, count: inner)
    for k in 1..<n {
      let px = bx + k * inner
      for j in 0..<inner where px[j] > m[j] || px[j].isNaN { m[j] = px[j] }
    }
    s.update(repeating: 0, count: inner)
    for k in 0..<n {
      let px = bx + k * inner, po = bo + k * inner
      for j in 0..<inner { let e = expf(px[j] - m[j]); po[j] = e; s[j] += e }
    }
    if log {
      for j in 0..<inner { s[j] = m[j] + logf(s[j]) }
      for k in 0..<n {
        let px = bx + k * inner, po = bo + k * inner
        for j in 0..<inner { po[j] = px[j] - s[j] }
      }
    } else {
      for j in 0..<inner { s[j] = 1 / s[j] }
      for k in 0..<n {
        let po = bo + k * inner
        for j in 0..<inner { po[j] *= s[j] }
      }
    }
  }
}

// MARK: - Naive twins (tests only)

/// Naive twin of `sumAxis` (Float64 accumulation).
func sumAxisReference(_ x: [Float], outer: Int, n: Int, inner: Int) -> [Float] {
  var out = [Float](repeating: 0, count: outer * inner)
  for o in 0..<outer { for j in 0..<inner {
    var s: Double = 0
    for k in 0..<n { s += Double(x[(o * n + k) * inner + j]) }
    out[o * inner + j] = Float(s)
  } }
  return out
}

/// Naive twin of `softmaxAxis` (Float64, no max subtraction needed for moderate inputs).
func softmaxAxisReference(_ x: [Float], outer: Int, n: Int, inner: Int, log: Bool) -> [Float] {
  var out = [Float](repeating: 0, count: x.count)
  for o in 0..<outer { for j in 0..<inner {
    let idx = (0..<n).map { (o * n + $0) * inner + j }
    let m = idx.map { Double(x[$0]) }.max() ?? 0
    let s = idx.reduce(0.0) { $0 + exp(Double(x[$1]) - m) }
    for i in idx { out[i] = Float(log ? Double(x[i]) - m - _log(s) : exp(Double(x[i]) - m) / s) }
  } }
  return out
}

/// Backward of `softmaxAxis`: given the output y and its gradient g (both [outer, n, inner]),
/// dx = y ⊙ (g − Σ g⊙y) for softmax, dx = g − eʸ · Σ g for log-softmax.
func softmaxBackwardAxis(
  _ g: UnsafePointer<Float>, _ y: UnsafePointer<Float>, outer: Int, n: Int, inner: Int, log: Bool,
  _ dx: UnsafeMutablePointer<Float>
) {
  if inner == 1 {
    for o in 0..<outer {
      let pg = g + o * n, py = y + o * n, pd = dx + o * n
      var s: Float = 0
      if log {
        for k in 0..<n { s += pg[k] }
        for k in 0..<n { pd[k] = pg[k] - expf(py[k]) * s }
      } else {
        for k in 0..<n { s += pg[k] * py[k] }
        for k in 0..<n { pd[k] = py[k] * (pg[k] - s) }
      }
    }
    return
  }
  let s = UnsafeMutablePointer<Float>.allocate(capacity: inner)
  defer { s.deallocate() }
  for o in 0..<outer {
    let b = o * n * inner
    s.update(repeating: 0, count: inner)
    for k in 0..<n {
      let pg = g + b + k * inner, py = y + b + k * inner
      if log { for j in 0..<inner { s[j] += pg[j] } } else { for j in 0..<inner { s[j] += pg[j] * py[j] } }
    }
    for k in 0..<n {
      let pg = g + b + k * inner, py = y + b + k * inner, pd = dx + b + k * inner
      if log {
        for j in 0..<inner { pd[j] = pg[j] - expf(py[j]) * s[j] }
      } else {
        for j in 0..<inner { pd[j] = py[j] * (pg[j] - s[j]) }
      }
    }
  }
}
