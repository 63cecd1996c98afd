/// Winograd F(2x2, 3x3) convolution for 3x3 kernels with stride 1 and padding 1 (Lavin and
/// Gray, "Fast Algorithms for Convolutional Neural Networks", 2016).
///
/// Each 2x2 output tile comes from the 4x4 input tile around it as y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A:
/// 16 multiplies per (input channel, output channel) pair instead of the direct method's 36,
/// 2.25x fewer. Summed over the input channels, the elementwise products of a batch of T tiles
/// become 16 independent gemms, one per position ξ of the transformed 4x4 tile:
///
///     M[ξ] (Cout x T) = U[ξ] (Cout x Cin) · V[ξ] (Cin x T)
///
/// with U = G g Gᵀ (the transformed weight, [16][Cout][Cin]), V = Bᵀ d B (the transformed
/// input tiles, [16][Cin][T]) and the output Aᵀ M A written back tile by tile. The weight
/// gradient is the same product taken the other way: dU[ξ] = dM[ξ] · V[ξ]ᵀ with
/// dM = A dY Aᵀ (the output gradient's tiles), then dg = Gᵀ dU G. The input gradient of a
/// same-padded stride-1 convolution is a convolution of dy with the flipped, channel-swapped
/// kernel (see `ConvKernels.backward`), so it is `forward` again.
///
/// Like the direct kernels, the batch is processed in groups of images whose transformed
/// tiles (about `targetTiles` columns) stay near the core's cache, one worker per BLAS
/// thread with single-threaded BLAS inside; weight-gradient partials are summed in worker
/// order, so results do not depend on scheduling. Outputs past the last full tile (odd
/// sizes: 7x7 maps) come from tiles that read zero padding; only the valid outputs are
/// written.
///
/// Numerics: the transforms only add, subtract and halve, so the error is a few float
/// roundings more than the direct sum's (measured: within 1e-4 relative of the direct path
/// on every convnet and WRN-28-2 layer shape, `WinogradTests`).
enum WinogradKernels {
  /// Whether a geometry is one Winograd F(2x2, 3x3) computes: 3x3, stride 1, padding 1.
  static func applies(_ g: ConvGeometry) -> Bool {
    g.kh == 3 && g.kw == 3 && g.stride == 1 && g.pad == 1
  }

  /// Transformed tiles (gemm columns) per group: V and M together hold 16·(Cin + Cout)·T
  /// floats, 1.6 MB for 32 channels.
  static let targetTiles = 512

  /// How a geometry's output is cut into 2x2 tiles, and how many images share one gemm.
  struct Tiling {
    /// Tile rows and columns per image.
    let th: Int, tw: Int
    /// The zero-padded input plane one image channel is copied into: the tiles' 4x4
    /// windows start at (2·ty, 2·tx) in it, row 0 and column 0 being the padding.
    let ph: Int, pw: Int
    /// Images per group.
    let group: Int
    var perImage: Int { th * tw }

    init(_ g: ConvGeometry) {
      th = (g.oh + 1) / 2
      tw = (g.ow + 1) / 2
      ph = 2 * th + 2
      pw = 2 * tw + 2
      group = max(1, min(g.n, WinogradKernels.targetTiles / max(1, th * tw)))
    }
  }

  // MARK: transforms

  /// U[ξ][o][c] = (G g Gᵀ)[ξ] for weight [Cout, Cin, 3, 3], G = [1 0 0; ½ ½ ½; ½ -½ ½; 0 0 1].
  static func transformWeight(_ weight: UnsafePointer<Float>, cout: Int, cin: Int, into u: UnsafeMutablePointer<Float>) {
    let s = cout * cin
    for o in 0..<cout { for c in 0..<cin {
      let g = weight + (o * cin + c) * 9
      // G g: four rows of three (the fourth lane unused).
      let g0 = SIMD4<Float>(g[0], g[1], g[2], 0), g1 = SIMD4<Float>(g[3], g[4], g[5], 0)
      let g2 = SIMD4<Float>(g[6], g[7], g[8], 0)
      let rows = (g0, 0.5 * (g0 + g1 + g2), 0.5 * (g0 - g1 + g2), g2)
      let dst = u + o * cin + c
      for i in 0..<4 {
        let r = i == 0 ? rows.0 : i == 1 ? rows.1 : i == 2 ? rows.2 : rows.3
        let a = r.x, b = r.y, d = r.z
        dst[(4 * i) * s] = a
        dst[(4 * i + 1) * s] = 0.5 * (a + b + d)
        dst[(4 * i + 2) * s] = 0.5 * (a - b + d)
        dst[(4 * i + 3) * s] = d
      }
    } }
  }

  /// dweight[o][c] = Gᵀ dU[·][o][c] G (3x3), the gradient of `transformWeight`.
  static func transformWeightGradient(_ du: UnsafePointer<Float>, cout: Int, cin: Int, into dw: UnsafeMutablePointer<Float>) {
    let s = cout * cin
    for o in 0..<cout { for c in 0..<cin {
      let src = du + o * cin + c
      // Gᵀ dU: three rows of four. Gᵀ = [1 ½ ½ 0; 0 ½ -½ 0; 0 ½ ½ 1].
      let u0 = SIMD4(src[0], src[s], src[2 * s], src[3 * s])
      let u1 = SIMD4(src[4 * s], src[5 * s], src[6 * s], src[7 * s])
      let u2 = SIMD4(src[8 * s], src[9 * s], src[10 * s], src[11 * s])
      let u3 = SIMD4(src[12 * s], src[13 * s], src[14 * s], src[15 * s])
      let rows = (u0 + 0.5 * (u1 + u2), 0.5 * (u1 - u2), 0.5 * (u1 + u2) + u3)
      let d = dw + (o * cin + c) * 9
      for i in 0..<3 {
        let r = i == 0 ? rows.0 : i == 1 ? rows.1 : rows.2
        let a = r.x, b = r.y, e = r.z, f = r.w
        d[3 * i] = a + 0.5 * (b + e)
        d[3 * i + 1] = 0.5 * (b - e)
        d[3 * i + 2] = 0.5 * (b + e) + f
      }
    } }
  }

  @inline(__always)
  static func load4(_ p: UnsafePointer<Float>) -> SIMD4<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Float>.self)
  }

  /// One row q of Bᵀ d, times B: (q0 - q2, q1 + q2, q2 - q1, q1 - q3) at stride `s`.
  @inline(__always)
  static func store(_ q: SIMD4<Float>, at b: UnsafeMutablePointer<Float>, _ s: Int) {
    b[0] = q.x - q.z
    b[s] = q.y + q.z
    b[2 * s] = q.z - q.y
    b[3 * s] = q.y - q.w
  }

  /// V[ξ][c][column + t] = (Bᵀ d B)[ξ] for every tile t of one image x [C, H, W], with
  /// Bᵀ = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]. `padded` is the worker's zeroed
  /// ph x pw plane; only its interior is overwritten, so its border stays zero.
  static func transformInput(
    _ x: UnsafePointer<Float>, channels: Int, h: Int, w: Int, _ t: Tiling,
    padded: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>, ld: Int, column: Int
  ) {
    let pw = t.pw, s = channels * ld
    for c in 0..<channels {
      let plane = x + c * h * w
      for y in 0..<h { (padded + (y + 1) * pw + 1).update(from: plane + y * w, count: w) }
      var dst = v + c * ld + column
      for ty in 0..<t.th {
        let r0 = UnsafePointer(padded + 2 * ty * pw), r1 = r0 + pw, r2 = r1 + pw, r3 = r2 + pw
        for tx in 0..<t.tw {
          let o = 2 * tx
          let d0 = load4(r0 + o), d1 = load4(r1 + o), d2 = load4(r2 + o), d3 = load4(r3 + o)
          store(d0 - d2, at: dst, s)
          store(d1 + d2, at: dst + 4 * s, s)
          store(d2 - d1, at: dst + 8 * s, s)
          store(d1 - d3, at: dst + 12 * s, s)
          dst += 1
        }
      }
    }
  }

  /// One image y [K, OH, OW] = Aᵀ M A (+ bias) from M[ξ][k][column + t], with
  /// Aᵀ = [1 1 1 0; 0 1 -1 -1]. Outputs of partial tiles beyond OH or OW are dropped.
  static func transformOutput(
    _ m: UnsafePointer<Float>, channels: Int, ld: Int, column: Int, _ t: Tiling,
    y: UnsafeMutablePointer<Float>, oh: Int, ow: Int, bias: UnsafePointer<Float>?
  ) {
    let s = channels * ld
    for k in 0..<channels {
      let plane = y + k * oh * ow, b = bias?[k] ?? 0
      var src = m + k * ld + column
      for ty in 0..<t.th {
        let oy = 2 * ty
        for tx in 0..<t.tw {
          let m0 = SIMD4(src[0], src[s], src[2 * s], src[3 * s])
          let m1 = SIMD4(src[4 * s], src[5 * s], src[6 * s], src[7 * s])
          let m2 = SIMD4(src[8 * s], src[9 * s], src[10 * s], src[11 * s])
          let m3 = SIMD4(src[12 * s], src[13 * s], src[14 * s], src[15 * s])
          src += 1
          let t0 = m0 + m1 + m2, t1 = m1 - m2 - m3
          let ox = 2 * tx
          let row0 = plane + oy * ow + ox
          row0[0] = t0.x + t0.y + t0.z + b
          if ox + 1 < ow { row0[1] = t0.y - t0.z - t0.w + b }
          if oy + 1 < oh {
            let row1 = row0 + ow
            row1[0] = t1.x + t1.y + t1.z + b
            if ox + 1 < ow { row1[1] = t1.y - t1.z - t1.w + b }
          }
        }
      }
    }
  }

  /// dM[ξ][k][column + t] = (A dY Aᵀ)[ξ] for every 2x2 tile of one image's output gradient
  /// dy [K, OH, OW] (zero past the edge), the gradient of `transformOutput`.
  static func transformOutputGradient(
    _ dy: UnsafePointer<Float>, channels: Int, oh: Int, ow: Int, _ t: Tiling,
    dm: UnsafeMutablePointer<Float>, ld: Int, column: Int
  ) {
    let s = channels * ld
    for k in 0..<channels {
      let plane = dy + k * oh * ow
      var dst = dm + k * ld + column
      for ty in 0..<t.th {
        let oy = 2 * ty
        for tx in 0..<t.tw {
          let ox = 2 * tx
          let r0 = plane + oy * ow + ox
          let a = r0[0], b: Float = ox + 1 < ow ? r0[1] : 0
          var c: Float = 0, d: Float = 0
          if oy + 1 < oh { c = r0[ow]; if ox + 1 < ow { d = r0[ow + 1] } }
          // A dY: rows (a, b), (a+c, b+d), (a-c, b-d), (-c, -d); then each row (p, q) Aᵀ = (p, p+q, p-q, -q).
          let p = SIMD4<Float>(a, a + c, a - c, -c), q = SIMD4<Float>(b, b + d, b - d, -d)
          let e0 = p, e1 = p + q, e2 = p - q, e3 = -q
          for i in 0..<4 {
            let row = dst + 4 * i * s
            row[0] = e0[i]
            row[s] = e1[i]
            row[2 * s] = e2[i]
            row[3 * s] = e3[i]
          }
          dst += 1
        }
      }
    }
  }

  // MARK: passes

  /// y = conv(x, weight) + bias for a geometry where `applies(g)`.
  static func forward(
    x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
    y: UnsafeMutablePointer<Float>, _ g: ConvGeometry
  ) {
    precondition(applies(g), "Winograd F(2x2, 3x3) needs a 3x3 kernel with stride 1 and padding 1")
    ConvPathChoice.countWinogradCall()
    let t = Tiling(g), kOut = g.cout, cIn = g.cin
    let u = Scratch(count: 16 * kOut * cIn)
    defer { u.free() }
    transformWeight(weight, cout: kOut, cin: cIn, into: u.base)
    let groups = (g.n + t.group - 1) / t.group
    Parallel.forEach(count: groups) { _, range in
      let cols = t.group * t.perImage
      let v = Scratch(count: 16 * cIn * cols), m = Scratch(count: 16 * kOut * cols)
      let padded = Scratch(count: t.ph * t.pw)
      defer { v.free(); m.free(); padded.free() }
      padded.base.update(repeating: 0, count: t.ph * t.pw)
      for gi in range {
        let n0 = gi * t.group, nb = min(t.group, g.n - n0), ld = nb * t.perImage
        for j in 0..<nb {
          transformInput(x + (n0 + j) * g.inPlane, channels: cIn, h: g.h, w: g.w, t,
                         padded: padded.base, v: v.base, ld: ld, column: j * t.perImage)
        }
        for xi in 0..<16 {
          gemm(transA: false, transB: false, m: kOut, n: ld, k: cIn, a: u.base + xi * kOut * cIn, lda: cIn,
               b: v.base + xi * cIn * ld, ldb: ld, c: m.base + xi * kOut * ld, ldc: ld)
        }
        for j in 0..<nb {
          transformOutput(m.base, channels: kOut, ld: ld, column: j * t.perImage, t,
                          y: y + (n0 + j) * g.outPlane, oh: g.oh, ow: g.ow, bias: bias)
        }
      }
    }
  }

  /// dweight (overwritten) = the gradient of `forward` with respect to the weight.
  static func weightGradient(
    x: UnsafePointer<Float>, dy: UnsafePointer<Float>, dweight: UnsafeMutablePointer<Float>, _ g: ConvGeometry
  ) {
    precondition(applies(g), "Winograd F(2x2, 3x3) needs a 3x3 kernel with stride 1 and padding 1")
    ConvPathChoice.countWinogradCall()
    let t = Tiling(g), kOut = g.cout, cIn = g.cin
    let groups = (g.n + t.group - 1) / t.group
    let workers = Parallel.workerCount(count: groups)
    let uCount = 16 * kOut * cIn
    // Per-worker partial dU, summed in worker order afterwards (deterministic).
    let partials = Scratch(count: workers * uCount)
    defer { partials.free() }
    partials.base.update(repeating: 0, count: workers * uCount)
    Parallel.forEach(count: groups) { worker, range in
      let cols = t.group * t.perImage
      let v = Scratch(count: 16 * cIn * cols), dm = Scratch(count: 16 * kOut * cols)
      let padded = Scratch(count: t.ph * t.pw)
      defer { v.free(); dm.free(); padded.free() }
      padded.base.update(repeating: 0, count: t.ph * t.pw)
      let du = partials.base + worker * uCount
      for gi in range {
        let n0 = gi * t.group, nb = min(t.group, g.n - n0), ld = nb * t.perImage
        for j in 0..<nb {
          transformInput(x + (n0 + j) * g.inPlane, channels: cIn, h: g.h, w: g.w, t,
                         padded: padded.base, v: v.base, ld: ld, column: j * t.perImage)
          transformOutputGradient(dy + (n0 + j) * g.outPlane, channels: kOut, oh: g.oh, ow: g.ow, t,
                                  dm: dm.base, ld: ld, column: j * t.perImage)
        }
        for xi in 0..<16 {
          gemm(transA: false, transB: true, m: kOut, n: cIn, k: ld, a: dm.base + xi * kOut * ld, lda: ld,
               b: v.base + xi * cIn * ld, ldb: ld, beta: 1, c: du + xi * kOut * cIn, ldc: cIn)
        }
      }
    }
    for w in 1..<max(1, workers) {
      let p = partials.base + w * uCount
      for i in 0..<uCount { partials.base[i] += p[i] }
    }
    transformWeightGradient(partials.base, cout: kOut, cin: cIn, into: dweight)
  }
}
