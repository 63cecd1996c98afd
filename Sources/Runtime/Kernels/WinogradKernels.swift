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

  /// Transformed tiles (gemm columns) per group, at least one image: V and M together hold
  /// 16·(Cin + Cout)·T floats, which should stay in the core's L2 cache between the input
  /// transform, the 16 gemms and the output transform. One 28x28 image (196 tiles) at 32
  /// channels is 800 KB, two 14x14 images (98 tiles) at 64 channels as much. Measured on
  /// the convnet layers (CPU time, 2 workers): 128 runs them 12-30% faster than 512 (1.6 MB
  /// at 32 channels, more than a 1 MB L2), and 64 no faster than 128.
  static let targetTiles = 128

  /// How a geometry's output is cut into 2x2 tiles, and how many images share one gemm.
  struct Tiling {
    /// Tile rows and columns per image.
    let th: Int, tw: Int
    /// The zero-padded input plane one image channel is copied into: the tiles' 4x4
    /// windows start at (2·ty, 2·tx) in it, row 0 and column 0 being the padding. Its rows
    /// are wide enough for a whole last block of `lanes` tiles.
    let ph: Int, pw: Int
    /// Images per group.
    let group: Int
    var perImage: Int { th * tw }

    init(_ g: ConvGeometry) {
      th = (g.oh + 1) / 2
      tw = (g.ow + 1) / 2
      ph = 2 * th + 2
      pw = 2 * ((tw + WinogradKernels.lanes - 1) / WinogradKernels.lanes * WinogradKernels.lanes) + 2
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

  /// Tiles transformed at once: one SIMD lane per tile of a tile row.
  static let lanes = 8

  /// Columns past the last tile of a group in V, M and dM: a tile row's last block of
  /// `lanes` tiles is computed and stored whole, and its lanes past the row's end land on
  /// the next row's tiles (written afterwards) or, after the group's last tile, here.
  static let slack = lanes

  typealias Lanes = SIMD8<Float>

  /// The even and odd elements of the 16 floats at `p`: for the block of tiles starting at
  /// column 2·tx of a plane row, the first and second column of each tile's window.
  @inline(__always)
  static func deinterleave(_ p: UnsafePointer<Float>) -> (even: Lanes, odd: Lanes) {
    let v = UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
    return (v.evenHalf, v.oddHalf)
  }

  @inline(__always)
  static func load(_ p: UnsafePointer<Float>) -> Lanes {
    UnsafeRawPointer(p).loadUnaligned(as: Lanes.self)
  }

  @inline(__always)
  static func store(_ v: Lanes, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: Lanes.self)
  }

  /// Copies one image row (a few dozen floats) inline: `update(from:count:)` calls memmove,
  /// whose call and size dispatch cost more than the copy at this length (9% of a width-16
  /// training step went to memmove from the two callers below).
  @inline(__always)
  static func copyRow(_ src: UnsafePointer<Float>, to dst: UnsafeMutablePointer<Float>, count: Int) {
    var i = 0
    while i + lanes <= count {
      store(load(src + i), dst + i)
      i += lanes
    }
    while i < count {
      dst[i] = src[i]
      i += 1
    }
  }

  /// Tiles' two output columns (y0 for the first, y1 for the second) in row order: the even
  /// elements of the result are y0, the odd ones y1.
  @inline(__always)
  static func interleave(_ y0: Lanes, _ y1: Lanes) -> SIMD16<Float> {
    var v = SIMD16<Float>()
    v.evenHalf = y0
    v.oddHalf = y1
    return v
  }

  /// One row (q0, q1, q2, q3) of Bᵀ d, times B: (q0 - q2, q1 + q2, q2 - q1, q1 - q3), stored
  /// at stride `s`, one lane per tile.
  @inline(__always)
  static func storeRow(_ q0: Lanes, _ q1: Lanes, _ q2: Lanes, _ q3: Lanes, at b: UnsafeMutablePointer<Float>, _ s: Int) {
    store(q0 - q2, b)
    store(q1 + q2, b + s)
    store(q2 - q1, b + 2 * s)
    store(q1 - q3, b + 3 * s)
  }

  /// V[ξ][c][column + t] = (Bᵀ d B)[ξ] for every tile t of one image x [C, H, W], with
  /// Bᵀ = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]. `padded` is the worker's zeroed
  /// ph x pw plane; only its interior is overwritten, so its border stays zero. The tiles of
  /// a tile row are transformed `lanes` at a time (SIMD across tiles, contiguous stores into
  /// V's rows); V's rows need `slack` columns past the group's last tile.
  static func transformInput(
    _ x: UnsafePointer<Float>, channels: Int, h: Int, w: Int, _ t: Tiling,
    padded: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>, ld: Int, column: Int
  ) {
    let pw = t.pw, s = channels * ld
    for c in 0..<channels {
      let plane = x + c * h * w
      for y in 0..<h { copyRow(plane + y * w, to: padded + (y + 1) * pw + 1, count: w) }
      var dst = v + c * ld + column
      for ty in 0..<t.th {
        let r0 = UnsafePointer(padded + 2 * ty * pw), r1 = r0 + pw, r2 = r1 + pw, r3 = r2 + pw
        var tx = 0
        while tx < t.tw {
          let o = 2 * tx
          // Columns 0-3 of each tile's window in rows 0-3 (a, b, c, e), each row read as late
          // and dropped as early as the four output rows allow: with all sixteen vectors
          // live at once the registers spill.
          let (c0, c1) = deinterleave(r2 + o), (c2, c3) = deinterleave(r2 + o + 2)
          do {
            let (a0, a1) = deinterleave(r0 + o), (a2, a3) = deinterleave(r0 + o + 2)
            storeRow(a0 - c0, a1 - c1, a2 - c2, a3 - c3, at: dst, s)
          }
          let (b0, b1) = deinterleave(r1 + o), (b2, b3) = deinterleave(r1 + o + 2)
          storeRow(b0 + c0, b1 + c1, b2 + c2, b3 + c3, at: dst + 4 * s, s)
          storeRow(c0 - b0, c1 - b1, c2 - b2, c3 - b3, at: dst + 8 * s, s)
          do {
            let (e0, e1) = deinterleave(r3 + o), (e2, e3) = deinterleave(r3 + o + 2)
            storeRow(b0 - e0, b1 - e1, b2 - e2, b3 - e3, at: dst + 12 * s, s)
          }
          let n = min(lanes, t.tw - tx)
          dst += n
          tx += n
        }
      }
    }
  }

  /// One image y [K, OH, OW] = Aᵀ M A (+ bias) from M[ξ][k][column + t], with
  /// Aᵀ = [1 1 1 0; 0 1 -1 -1], `lanes` tiles at a time. Outputs of partial tiles beyond OH
  /// or OW are dropped; lanes past a tile row's end read columns that are never written out.
  static func transformOutput(
    _ m: UnsafePointer<Float>, channels: Int, ld: Int, column: Int, _ t: Tiling,
    y: UnsafeMutablePointer<Float>, oh: Int, ow: Int, bias: UnsafePointer<Float>?
  ) {
    let s = channels * ld
    for k in 0..<channels {
      let plane = y + k * oh * ow, b = Lanes(repeating: bias?[k] ?? 0)
      var src = m + k * ld + column
      for ty in 0..<t.th {
        let oy = 2 * ty
        let row0 = plane + oy * ow, row1: UnsafeMutablePointer<Float>? = oy + 1 < oh ? row0 + ow : nil
        var tx = 0
        while tx < t.tw {
          let m0 = load(src), m1 = load(src + s), m2 = load(src + 2 * s), m3 = load(src + 3 * s)
          let m4 = load(src + 4 * s), m5 = load(src + 5 * s), m6 = load(src + 6 * s), m7 = load(src + 7 * s)
          let m8 = load(src + 8 * s), m9 = load(src + 9 * s), m10 = load(src + 10 * s), m11 = load(src + 11 * s)
          let m12 = load(src + 12 * s), m13 = load(src + 13 * s), m14 = load(src + 14 * s), m15 = load(src + 15 * s)
          // Aᵀ M: two rows of four (row i of M is m[4i ..< 4i + 4]), then each row times A.
          let t00 = m0 + m4 + m8, t01 = m1 + m5 + m9, t02 = m2 + m6 + m10, t03 = m3 + m7 + m11
          let t10 = m4 - m8 - m12, t11 = m5 - m9 - m13, t12 = m6 - m10 - m14, t13 = m7 - m11 - m15
          let y00 = t00 + t01 + t02 + b, y01 = t01 - t02 - t03 + b
          let y10 = t10 + t11 + t12 + b, y11 = t11 - t12 - t13 + b
          let n = min(lanes, t.tw - tx)
          let ox0 = 2 * tx
          if n == lanes && ox0 + 2 * lanes <= ow {
            // A whole block inside the row: one 16-float store per output row.
            UnsafeMutableRawPointer(row0 + ox0).storeBytes(of: interleave(y00, y01), as: SIMD16<Float>.self)
            if let row1 {
              UnsafeMutableRawPointer(row1 + ox0).storeBytes(of: interleave(y10, y11), as: SIMD16<Float>.self)
            }
          } else if ox0 + 2 * n <= ow {
            // The row's last, partial block: interleave in registers, copy the 2n floats.
            var v0 = interleave(y00, y01), v1 = interleave(y10, y11)
            withUnsafeBytes(of: &v0) { copyRow($0.baseAddress!.assumingMemoryBound(to: Float.self), to: row0 + ox0, count: 2 * n) }
            if let row1 {
              withUnsafeBytes(of: &v1) { copyRow($0.baseAddress!.assumingMemoryBound(to: Float.self), to: row1 + ox0, count: 2 * n) }
            }
          } else {
            for i in 0..<n {
              let ox = ox0 + 2 * i
              row0[ox] = y00[i]
              if ox + 1 < ow { row0[ox + 1] = y01[i] }
              if let row1 {
                row1[ox] = y10[i]
                if ox + 1 < ow { row1[ox + 1] = y11[i] }
              }
            }
          }
          src += n
          tx += n
        }
      }
    }
  }

  /// dM[ξ][k][column + t] = (A dY Aᵀ)[ξ] for every 2x2 tile of one image's output gradient
  /// dy [K, OH, OW] (zero past the edge), the gradient of `transformOutput`, `lanes` tiles at
  /// a time. `padded` is the worker's zeroed (2·th) x (pw - 2) plane (only the OH x OW
  /// corner is overwritten); dM's rows need `slack` columns past the group's last tile.
  static func transformOutputGradient(
    _ dy: UnsafePointer<Float>, channels: Int, oh: Int, ow: Int, _ t: Tiling,
    padded: UnsafeMutablePointer<Float>, dm: UnsafeMutablePointer<Float>, ld: Int, column: Int
  ) {
    let s = channels * ld, pw = t.pw - 2
    for k in 0..<channels {
      let plane = dy + k * oh * ow
      for y in 0..<oh { copyRow(plane + y * ow, to: padded + y * pw, count: ow) }
      var dst = dm + k * ld + column
      for ty in 0..<t.th {
        let r0 = UnsafePointer(padded + 2 * ty * pw), r1 = r0 + pw
        var tx = 0
        while tx < t.tw {
          let (a, b) = deinterleave(r0 + 2 * tx), (c, d) = deinterleave(r1 + 2 * tx)
          // A dY: rows (a, b), (a+c, b+d), (a-c, b-d), (-c, -d); then each row (p, q) Aᵀ = (p, p+q, p-q, -q).
          let p0 = a, p1 = a + c, p2 = a - c, p3 = -c
          let q0 = b, q1 = b + d, q2 = b - d, q3 = -d
          store(p0, dst); store(p0 + q0, dst + s); store(p0 - q0, dst + 2 * s); store(-q0, dst + 3 * s)
          store(p1, dst + 4 * s); store(p1 + q1, dst + 5 * s); store(p1 - q1, dst + 6 * s); store(-q1, dst + 7 * s)
          store(p2, dst + 8 * s); store(p2 + q2, dst + 9 * s); store(p2 - q2, dst + 10 * s); store(-q2, dst + 11 * s)
          store(p3, dst + 12 * s); store(p3 + q3, dst + 13 * s); store(p3 - q3, dst + 14 * s); store(-q3, dst + 15 * s)
          let n = min(lanes, t.tw - tx)
          dst += n
          tx += n
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
      let cols = t.group * t.perImage + slack
      let v = Scratch(count: 16 * cIn * cols), m = Scratch(count: 16 * kOut * cols)
      let padded = Scratch(count: t.ph * t.pw)
      defer { v.free(); m.free(); padded.free() }
      padded.base.update(repeating: 0, count: t.ph * t.pw)
      // The slack columns are read by the output transform's spare lanes, never written out.
      m.base.update(repeating: 0, count: m.count)
      for gi in range {
        // n tiles (gemm columns) per group, stored ld apart.
        let n0 = gi * t.group, nb = min(t.group, g.n - n0), n = nb * t.perImage, ld = n + slack
        for j in 0..<nb {
          transformInput(x + (n0 + j) * g.inPlane, channels: cIn, h: g.h, w: g.w, t,
                         padded: padded.base, v: v.base, ld: ld, column: j * t.perImage)
        }
        for xi in 0..<16 {
          gemm(transA: false, transB: false, m: kOut, n: n, k: cIn, a: u.base + xi * kOut * cIn, lda: cIn,
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
      let cols = t.group * t.perImage + slack
      let v = Scratch(count: 16 * cIn * cols), dm = Scratch(count: 16 * kOut * cols)
      let padded = Scratch(count: t.ph * t.pw), paddedDy = Scratch(count: 2 * t.th * (t.pw - 2))
      defer { v.free(); dm.free(); padded.free(); paddedDy.free() }
      padded.base.update(repeating: 0, count: t.ph * t.pw)
      paddedDy.base.update(repeating: 0, count: paddedDy.count)
      let du = partials.base + worker * uCount
      for gi in range {
        let n0 = gi * t.group, nb = min(t.group, g.n - n0), n = nb * t.perImage, ld = n + slack
        for j in 0..<nb {
          transformInput(x + (n0 + j) * g.inPlane, channels: cIn, h: g.h, w: g.w, t,
                         padded: padded.base, v: v.base, ld: ld, column: j * t.perImage)
          transformOutputGradient(dy + (n0 + j) * g.outPlane, channels: kOut, oh: g.oh, ow: g.ow, t,
                                  padded: paddedDy.base, dm: dm.base, ld: ld, column: j * t.perImage)
        }
        for xi in 0..<16 {
          gemm(transA: false, transB: true, m: kOut, n: cIn, k: n, a: dm.base + xi * kOut * ld, lda: ld,
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
