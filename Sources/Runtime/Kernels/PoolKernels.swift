/// Pooling kernels on NCHW planes (no padding, floor output size), parallel over planes.
///
/// Shapes: x [P, H, W] with P = N*C planes, y [P, OH, OW], OH = (H - k) / s + 1.
struct PoolGeometry {
  let planes: Int, h: Int, w: Int, k: Int, stride: Int
  var oh: Int { (h - k) / stride + 1 }
  var ow: Int { (w - k) / stride + 1 }
}

enum PoolKernels {
  /// Max pooling; `argmax[i]` receives the in-plane offset of the maximum of output i
  /// (the first one on ties, as PyTorch).
  static func maxForward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, argmax: UnsafeMutablePointer<Int32>, _ g: PoolGeometry) {
    let oh = g.oh, ow = g.ow, s = g.stride, k = g.k
    Parallel.forEach(count: g.planes, minPerWorker: 16) { _, range in
      for p in range {
        let src = x + p * g.h * g.w, dst = y + p * oh * ow, am = argmax + p * oh * ow
        /// Any window: the first maximum, or the first NaN (which wins and stops the scan).
        func window(_ oy: Int, _ ox: Int) {
          var best = -Float.infinity, at = (oy * s) * g.w + ox * s
          for ky in 0..<k {
            let row = (oy * s + ky) * g.w + ox * s
            for kx in 0..<k where src[row + kx] > best || src[row + kx].isNaN {
              best = src[row + kx]; at = row + kx
              if best.isNaN { break }
            }
          }
          dst[oy * ow + ox] = best
          am[oy * ow + ox] = Int32(at)
        }
        guard k == 2 && s == 2 else {
          for oy in 0..<oh { for ox in 0..<ow { window(oy, ox) } }
          continue
        }
        // The common 2x2/2 window without the generic loop's branches; a window holding a NaN
        // (or +inf and -inf, whose sum is NaN) takes the generic scan.
        for oy in 0..<oh {
          let top = 2 * oy * g.w, r0 = src + top, r1 = r0 + g.w
          // Eight windows at a time (two rows of 16 floats, split into even and odd columns),
          // the last block overlapping the previous one (14 = 8 + 8 - 2) rather than leaving a
          // scalar tail; a block holding a NaN anywhere is left to the scalar loop below.
          var done = 0
          if ow >= 8 {
            var ox = 0
            while ox < ow {
              let x0 = min(ox, ow - 8)
              if !maxPool2x2Block8(r0 + 2 * x0, r1 + 2 * x0, rowStride: g.w, at: Int32(top + 2 * x0), dst + oy * ow + x0, am + oy * ow + x0) { break }
              ox = x0 + 8
            }
            done = ox
          }
          for ox in done..<ow {
            let a = r0[2 * ox], b = r0[2 * ox + 1], c = r1[2 * ox], d = r1[2 * ox + 1]
            if (a + b + c + d).isNaN { window(oy, ox); continue }
            var best = a, at = top + 2 * ox
            if b > best { best = b; at = top + 2 * ox + 1 }
            if c > best { best = c; at = top + g.w + 2 * ox }
            if d > best { best = d; at = top + g.w + 2 * ox + 1 }
            dst[oy * ow + ox] = best
            am[oy * ow + ox] = Int32(at)
          }
        }
      }
    }
  }

  /// Eight 2x2/2 windows starting at r0/r1 (the window's top and bottom rows): maxima and
  /// their in-plane offsets (`at` is the offset of r0[0]), the first maximum in the order
  /// top-left, top-right, bottom-left, bottom-right, as the scalar loop. Returns false,
  /// writing nothing, when a window holds a NaN (or both infinities).
  @inline(__always)
  static func maxPool2x2Block8(
    _ r0: UnsafePointer<Float>, _ r1: UnsafePointer<Float>, rowStride: Int, at: Int32,
    _ dst: UnsafeMutablePointer<Float>, _ am: UnsafeMutablePointer<Int32>
  ) -> Bool {
    let top = UnsafeRawPointer(r0).loadUnaligned(as: SIMD16<Float>.self)
    let bottom = UnsafeRawPointer(r1).loadUnaligned(as: SIMD16<Float>.self)
    let a = top.evenHalf, b = top.oddHalf, c = bottom.evenHalf, d = bottom.oddHalf
    let total = a + b + c + d
    if any(total .!= total) { return false }
    let base = SIMD8<Int32>(repeating: at) &+ SIMD8<Int32>(0, 2, 4, 6, 8, 10, 12, 14)
    var best = a, where_ = base
    var m = b .> best
    best.replace(with: b, where: m); where_.replace(with: base &+ 1, where: m)
    m = c .> best
    best.replace(with: c, where: m); where_.replace(with: base &+ Int32(rowStride), where: m)
    m = d .> best
    best.replace(with: d, where: m); where_.replace(with: base &+ Int32(rowStride + 1), where: m)
    UnsafeMutableRawPointer(dst).storeBytes(of: best, as: SIMD8<Float>.self)
    UnsafeMutableRawPointer(am).storeBytes(of: where_, as: SIMD8<Int32>.self)
    return true
  }

  /// dx (overwritten) from dy through the recorded maxima.
  static func maxBackward(_ dy: UnsafePointer<Float>, argmax: UnsafePointer<Int32>, _ dx: UnsafeMutablePointer<Float>, _ g: PoolGeometry) {
    let ohw = g.oh * g.ow, hw = g.h * g.w
    Parallel.forEach(count: g.planes, minPerWorker: 16) { _, range in
      for p in range {
        let d = dx + p * hw, src = dy + p * ohw, am = argmax + p * ohw
        d.update(repeating: 0, count: hw)
        for i in 0..<ohw { d[Int(am[i])] += src[i] }
      }
    }
  }

  /// Average pooling over k x k windows.
  static func avgForward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ g: PoolGeometry) {
    let oh = g.oh, ow = g.ow, s = g.stride, k = g.k, scale = 1 / Float(k * k)
    Parallel.forEach(count: g.planes, minPerWorker: 16) { _, range in
      for p in range {
        let src = x + p * g.h * g.w, dst = y + p * oh * ow
        for oy in 0..<oh { for ox in 0..<ow {
          var sum: Float = 0
          for ky in 0..<k {
            let row = src + (oy * s + ky) * g.w + ox * s
            for kx in 0..<k { sum += row[kx] }
          }
          dst[oy * ow + ox] = sum * scale
        } }
      }
    }
  }

  /// dx (overwritten) of average pooling: each window shares dy equally.
  static func avgBackward(_ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, _ g: PoolGeometry) {
    let oh = g.oh, ow = g.ow, s = g.stride, k = g.k, scale = 1 / Float(k * k)
    Parallel.forEach(count: g.planes, minPerWorker: 16) { _, range in
      for p in range {
        let d = dx + p * g.h * g.w, src = dy + p * oh * ow
        d.update(repeating: 0, count: g.h * g.w)
        for oy in 0..<oh { for ox in 0..<ow {
          let v = src[oy * ow + ox] * scale
          for ky in 0..<k {
            let row = d + (oy * s + ky) * g.w + ox * s
            for kx in 0..<k { row[kx] += v }
          }
        } }
      }
    }
  }

  /// Mean of each plane: x [P, HW] -> y [P].
  static func globalAvgForward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, planes: Int, hw: Int) {
    let scale = 1 / Float(hw)
    for p in 0..<planes {
      y[p] = SIMDReduce.sum(x + p * hw, hw) * scale
    }
  }

  /// dx [P, HW] = dy [P] / HW broadcast over each plane.
  static func globalAvgBackward(_ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, planes: Int, hw: Int) {
    let scale = 1 / Float(hw)
    for p in 0..<planes { (dx + p * hw).update(repeating: dy[p] * scale, count: hw) }
  }
}
