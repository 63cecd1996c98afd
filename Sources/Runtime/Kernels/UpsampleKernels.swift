/// Nearest-neighbour ×2 upsampling of NCHW planes, parallel over planes.
///
/// Shapes: x [P, H, W] with P = N*C planes, y [P, 2H, 2W], y[p, i, j] = x[p, i/2, j/2].
/// The backward pass sums each 2x2 block of dy into the one input pixel it was copied from.
enum UpsampleKernels {
  /// y (overwritten) = x repeated twice along both spatial axes.
  static func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, planes: Int, h: Int, w: Int) {
    let ow = 2 * w
    Parallel.forEach(count: planes, minPerWorker: 8) { _, range in
      for p in range {
        let src = x + p * h * w, dst = y + p * 4 * h * w
        for i in 0..<h {
          let row = src + i * w, out0 = dst + (2 * i) * ow
          for j in 0..<w {
            let v = row[j]
            out0[2 * j] = v
            out0[2 * j + 1] = v
          }
          (out0 + ow).update(from: out0, count: ow)
        }
      }
    }
  }

  /// dx (overwritten) = sum of each 2x2 block of dy.
  static func backward(_ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, planes: Int, h: Int, w: Int) {
    let ow = 2 * w
    Parallel.forEach(count: planes, minPerWorker: 8) { _, range in
      for p in range {
        let src = dy + p * 4 * h * w, dst = dx + p * h * w
        for i in 0..<h {
          let r0 = src + (2 * i) * ow, r1 = r0 + ow, out = dst + i * w
          for j in 0..<w { out[j] = (r0[2 * j] + r0[2 * j + 1]) + (r1[2 * j] + r1[2 * j + 1]) }
        }
      }
    }
  }
}

/// Naive twins of the upsampling kernels, written from the definition (index arithmetic over
/// the output, Float64 accumulation) so tests can check the fast kernels against them.
enum UpsampleReference {
  /// y[p, i, j] = x[p, i / 2, j / 2].
  static func forward(_ x: [Float], planes: Int, h: Int, w: Int) -> [Float] {
    var y = [Float](repeating: 0, count: planes * 4 * h * w)
    for p in 0..<planes { for i in 0..<(2 * h) { for j in 0..<(2 * w) {
      y[(p * 2 * h + i) * 2 * w + j] = x[(p * h + i / 2) * w + j / 2]
    } } }
    return y
  }

  /// dx[p, a, b] = Σ dy[p, i, j] over the (i, j) with i / 2 = a and j / 2 = b.
  static func backward(_ dy: [Float], planes: Int, h: Int, w: Int) -> [Float] {
    var dx = [Double](repeating: 0, count: planes * h * w)
    for p in 0..<planes { for i in 0..<(2 * h) { for j in 0..<(2 * w) {
      dx[(p * h + i / 2) * w + j / 2] += Double(dy[(p * 2 * h + i) * 2 * w + j])
    } } }
    return dx.map { Float($0) }
  }
}
