/// 2-D convolution kernels (NCHW, cross-correlation as in PyTorch) over `gemm`.
///
/// Shapes: x [N, Cin, H, W], weight [Cout, Cin, KH, KW], y [N, Cout, OH, OW] with
/// OH = (H + 2P - KH) / S + 1. The unfolded input of one image is col [K, OH*OW] with
/// K = Cin*KH*KW (row = (c*KH + ky)*KW + kx), so y_n = weight[Cout, K] · col.
///
/// Why this layout: measured on the target machine (2 cores, OpenBLAS 0.3.21), a gemm whose
/// col block stays in the core's L2 runs 1.3-1.8x faster than one batched gemm over the
/// whole minibatch (which streams a 50 MB col matrix through memory). So images are
/// processed in small groups of about `targetColumns` columns, each worker (one per core)
/// owning a group at a time with single-threaded BLAS; unfolding and folding back run on
/// the same worker, so they are parallel too. Small feature maps (8x8 in WRN) batch several
/// images per gemm to keep the product wide enough.
struct ConvGeometry: Hashable {
  let n: Int, cin: Int, h: Int, w: Int
  let cout: Int, kh: Int, kw: Int
  let stride: Int, pad: Int
  var oh: Int { (h + 2 * pad - kh) / stride + 1 }
  var ow: Int { (w + 2 * pad - kw) / stride + 1 }
  /// Rows of the unfolded input.
  var k: Int { cin * kh * kw }
  var inPlane: Int { cin * h * w }
  var outPlane: Int { cout * oh * ow }
  /// Multiply-adds x 2 of the forward pass (the backward pass has twice as many).
  var forwardFlops: Double { 2.0 * Double(n) * Double(cout) * Double(k) * Double(oh * ow) }
  /// A 1x1 convolution with stride 1 and no padding needs no unfolding: col is the input.
  var isPointwise: Bool { kh == 1 && kw == 1 && stride == 1 && pad == 0 }
  /// Stride 1 and an output the size of the input (a 3x3 kernel with padding 1, 5x5 with 2).
  var isSamePadded: Bool { stride == 1 && kh == 2 * pad + 1 && kw == 2 * pad + 1 }
}

enum ConvKernels {
  /// Columns per gemm that keep col (K x cols floats) and OpenBLAS's packed copy of it near
  /// L2 size for typical K. With the contiguous same-padded unfolding, 512 (two 14x14 images
  /// per gemm) measured 5-10% faster than 1024 (five) for the 14x14 layers; 28x28 images
  /// are one gemm each either way (splitting them into row chunks measured slower).
  static let targetColumns = 512

  /// Images per gemm for a geometry.
  static func groupSize(_ g: ConvGeometry) -> Int {
    max(1, min(g.n, targetColumns / max(1, g.oh * g.ow)))
  }

  /// The output columns `lo..<hi` whose input column `ox*stride - pad + kx` lies inside the
  /// image row `[0, w)`; shared by `im2col` and its adjoint `col2im`, which must agree on it.
  @inline(__always)
  static func insideColumns(_ g: ConvGeometry, kx: Int) -> (lo: Int, hi: Int) {
    let ow = g.ow, s = g.stride, p = g.pad
    let lo = min(ow, max(0, (p - kx + s - 1) / s))
    let last = g.w - 1 + p - kx
    return (lo, last < 0 ? lo : max(lo, min(ow, last / s + 1)))
  }

  /// Unfolds one image x [Cin, H, W] into col rows of stride `ldc` (columns `0..<OH*OW`).
  static func im2col(_ x: UnsafePointer<Float>, _ g: ConvGeometry, _ col: UnsafeMutablePointer<Float>, ldc: Int) {
    if g.isSamePadded { return im2colSame(x, g, col, ldc: ldc) }
    let oh = g.oh, ow = g.ow, s = g.stride, p = g.pad, h = g.h, w = g.w
    for c in 0..<g.cin {
      let plane = x + c * h * w
      for ky in 0..<g.kh {
        for kx in 0..<g.kw {
          let dst = col + ((c * g.kh + ky) * g.kw + kx) * ldc
          let (lo, hi) = insideColumns(g, kx: kx)
          for oy in 0..<oh {
            let d = dst + oy * ow
            let iy = oy * s - p + ky
            if iy < 0 || iy >= h {
              d.update(repeating: 0, count: ow)
              continue
            }
            let src = plane + iy * w
            // Rows are short (OW = 28 or 14): inline stores, not a memset/memmove call each.
            zeroShort(d, count: lo)
            if s == 1 {
              copyShort(from: src + (lo - p + kx), to: d + lo, count: hi - lo)
            } else {
              var ix = lo * s - p + kx
              for ox in lo..<hi { d[ox] = src[ix]; ix += s }
            }
            zeroShort(d + hi, count: ow - hi)
          }
        }
      }
    }
  }

  /// The part of a same-padded unfolded row that maps contiguously onto the input plane.
  ///
  /// With stride 1 and OH = H, OW = W, the row for kernel offset (ky, kx) is the input plane
  /// shifted by `offset` = (ky - p)·W + (kx - p) in flat indices: one contiguous run
  /// `run` of output positions reads `plane[o + offset]`. Inside that run, the first
  /// `wrapLeft` and last `wrapRight` columns of each output row read the neighbouring input
  /// row (they are padding) and must be zero; outside it everything is padding.
  struct SameShift {
    let offset: Int
    let run: Range<Int>
    let rows: Range<Int>
    let wrapLeft: Int, wrapRight: Int

    init(_ g: ConvGeometry, ky: Int, kx: Int) {
      let h = g.h, w = g.w, dy = ky - g.pad, dx = kx - g.pad
      let rowLo = min(h, max(0, -dy)), rowHi = max(rowLo, min(h, h - dy))
      offset = dy * w + dx
      let a = min(h * w, max(rowLo * w, -offset)), b = min(rowHi * w, h * w - offset)
      run = a..<max(a, b)
      rows = rowLo..<rowHi
      wrapLeft = min(w, max(0, -dx))
      wrapRight = min(w, max(0, dx))
    }
  }

  /// im2col for stride 1 with "same" padding (every 3x3/pad-1 layer of the convnets): one
  /// long copy per kernel offset instead of one short copy per output row, then the few
  /// wrapped padding columns are zeroed. The unfolded rows are written once, in order.
  static func im2colSame(_ x: UnsafePointer<Float>, _ g: ConvGeometry, _ col: UnsafeMutablePointer<Float>, ldc: Int) {
    let hw = g.h * g.w, w = g.w
    for c in 0..<g.cin {
      let plane = x + c * hw
      for ky in 0..<g.kh {
        for kx in 0..<g.kw {
          let d = col + ((c * g.kh + ky) * g.kw + kx) * ldc
          let sh = SameShift(g, ky: ky, kx: kx)
          d.update(repeating: 0, count: sh.run.lowerBound)
          if !sh.run.isEmpty { (d + sh.run.lowerBound).update(from: plane + (sh.run.lowerBound + sh.offset), count: sh.run.count) }
          (d + sh.run.upperBound).update(repeating: 0, count: hw - sh.run.upperBound)
          if sh.wrapLeft > 0 { for oy in sh.rows { zeroShort(d + oy * w, count: sh.wrapLeft) } }
          if sh.wrapRight > 0 { for oy in sh.rows { zeroShort(d + oy * w + (w - sh.wrapRight), count: sh.wrapRight) } }
        }
      }
    }
  }

  /// Copies a short run of floats with SIMD loads and stores. A plain loop would be turned
  /// back into a `memmove` call by the optimiser, whose call overhead dominates for runs of
  /// 14-28 floats (im2col issues one per output row and kernel offset).
  @inline(__always)
  static func copyShort(from src: UnsafePointer<Float>, to dst: UnsafeMutablePointer<Float>, count n: Int) {
    let rs = UnsafeRawPointer(src), rd = UnsafeMutableRawPointer(dst)
    var i = 0
    while i + 16 <= n {
      rd.storeBytes(of: rs.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self), toByteOffset: i * 4, as: SIMD16<Float>.self)
      i += 16
    }
    if i + 8 <= n {
      rd.storeBytes(of: rs.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self), toByteOffset: i * 4, as: SIMD8<Float>.self)
      i += 8
    }
    if i + 4 <= n {
      rd.storeBytes(of: rs.loadUnaligned(fromByteOffset: i * 4, as: SIMD4<Float>.self), toByteOffset: i * 4, as: SIMD4<Float>.self)
      i += 4
    }
    while i < n { dst[i] = src[i]; i += 1 }
  }

  /// Zeroes a short run (the padding columns of an unfolded row, usually 0-2 floats) with
  /// inline stores; longer runs use memset.
  @inline(__always)
  static func zeroShort(_ d: UnsafeMutablePointer<Float>, count n: Int) {
    switch n {
    case 0: return
    case 1: d[0] = 0
    case 2: d[0] = 0; d[1] = 0
    case 3: d[0] = 0; d[1] = 0; d[2] = 0
    default: d.update(repeating: 0, count: n)
    }
  }

  /// Folds col (row stride `ldc`) back into one image dx [Cin, H, W], accumulating. Not used
  /// for same-padded stride-1 geometries, whose dx is a convolution of dy (see `backward`).
  static func col2im(_ col: UnsafePointer<Float>, ldc: Int, _ g: ConvGeometry, _ dx: UnsafeMutablePointer<Float>) {
    let oh = g.oh, ow = g.ow, s = g.stride, p = g.pad, h = g.h, w = g.w
    for c in 0..<g.cin {
      let plane = dx + c * h * w
      for ky in 0..<g.kh {
        for kx in 0..<g.kw {
          let src = col + ((c * g.kh + ky) * g.kw + kx) * ldc
          let (lo, hi) = insideColumns(g, kx: kx)
          for oy in 0..<oh {
            let iy = oy * s - p + ky
            if iy < 0 || iy >= h { continue }
            let d = plane + iy * w
            let r = src + oy * ow
            if s == 1 {
              // Contiguous: a plain indexed loop the compiler vectorises.
              let dd = d + (kx - p)
              for ox in lo..<hi { dd[ox] += r[ox] }
            } else {
              var ix = lo * s - p + kx
              for ox in lo..<hi { d[ix] += r[ox]; ix += s }
            }
          }
        }
      }
    }
  }

  /// [images, channels, plane] (NCHW images) -> [channels, images, plane] (one gemm's columns).
  static func imagesToColumns(_ src: UnsafePointer<Float>, channels: Int, images: Int, plane: Int, into dst: UnsafeMutablePointer<Float>) {
    for j in 0..<images { for c in 0..<channels {
      (dst + (c * images + j) * plane).update(from: src + (j * channels + c) * plane, count: plane)
    } }
  }

  /// [channels, images, plane] (one gemm's output) -> [images, channels, plane] (NCHW images).
  static func columnsToImages(_ src: UnsafePointer<Float>, channels: Int, images: Int, plane: Int, into dst: UnsafeMutablePointer<Float>) {
    for j in 0..<images { for c in 0..<channels {
      (dst + (j * channels + c) * plane).update(from: src + (c * images + j) * plane, count: plane)
    } }
  }

  /// y = conv(x, weight) + bias. `y` has N*Cout*OH*OW elements. 3x3 stride-1 padding-1
  /// geometries take the direct or the Winograd path as `ConvPathChoice` decides.
  static func forward(
    x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
    y: UnsafeMutablePointer<Float>, _ g: ConvGeometry
  ) {
    let path = ConvPathChoice.path(g, .forward) { p in forward(path: p, x: x, weight: weight, bias: bias, y: y, g) }
    forward(path: path, x: x, weight: weight, bias: bias, y: y, g)
  }

  /// `forward` through a given path.
  static func forward(
    path: ConvPath, x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
    y: UnsafeMutablePointer<Float>, _ g: ConvGeometry
  ) {
    switch path {
    case .winograd: WinogradKernels.forward(x: x, weight: weight, bias: bias, y: y, g)
    case .direct: forwardDirect(x: x, weight: weight, bias: bias, y: y, g)
    }
  }

  /// `forward` by im2col + gemm, for every geometry.
  static func forwardDirect(
    x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
    y: UnsafeMutablePointer<Float>, _ g: ConvGeometry
  ) {
    let ohw = g.oh * g.ow, k = g.k, group = groupSize(g)
    let groups = (g.n + group - 1) / group
    Parallel.forEach(count: groups) { _, range in
      let cols = group * ohw
      let col = g.isPointwise && group == 1 ? nil : Scratch(count: k * cols)
      let tmp = group > 1 ? Scratch(count: g.cout * cols) : nil
      defer { col?.free(); tmp?.free() }
      for gi in range {
        let n0 = gi * group, nb = min(group, g.n - n0)
        let b: UnsafePointer<Float>
        if let col {
          for j in 0..<nb { im2col(x + (n0 + j) * g.inPlane, g, col.base + j * ohw, ldc: nb * ohw) }
          b = UnsafePointer(col.base)
        } else {
          b = x + n0 * g.inPlane
        }
        if let tmp {
          gemm(transA: false, transB: false, m: g.cout, n: nb * ohw, k: k, a: weight, lda: k,
               b: b, ldb: nb * ohw, c: tmp.base, ldc: nb * ohw)
          columnsToImages(tmp.base, channels: g.cout, images: nb, plane: ohw, into: y + n0 * g.outPlane)
        } else {
          gemm(transA: false, transB: false, m: g.cout, n: ohw, k: k, a: weight, lda: k,
               b: b, ldb: ohw, c: y + n0 * g.outPlane, ldc: ohw)
        }
        if let bias {
          for j in 0..<nb { for o in 0..<g.cout {
            let row = y + (n0 + j) * g.outPlane + o * ohw, bo = bias[o]
            for i in 0..<ohw { row[i] += bo }
          } }
        }
      }
    }
  }

  /// Gradients of `forward`: dweight (overwritten), dx (overwritten, when non-nil), dbias =
  /// Σ dy over N, OH, OW (overwritten). For 3x3 stride-1 padding-1 geometries the weight
  /// gradient and the input gradient (a forward convolution of dy, see `transposedGeometry`)
  /// each take the path `ConvPathChoice` decides; when both are direct, one combined pass.
  static func backward(
    x: UnsafePointer<Float>, weight: UnsafePointer<Float>, dy: UnsafePointer<Float>,
    dx: UnsafeMutablePointer<Float>?, dweight: UnsafeMutablePointer<Float>,
    dbias: UnsafeMutablePointer<Float>?, _ g: ConvGeometry
  ) {
    guard WinogradKernels.applies(g) else {
      return backwardDirect(x: x, weight: weight, dy: dy, dx: dx, dweight: dweight, dbias: dbias, g)
    }
    let wPath = ConvPathChoice.path(g, .weightGradient) { p in
      weightGradient(path: p, x: x, weight: weight, dy: dy, dweight: dweight, g)
    }
    var xPath = ConvPath.direct
    let gt = transposedGeometry(g)
    let flipped = dx != nil ? Scratch(count: g.cin * gt.k) : nil
    defer { flipped?.free() }
    if let dx, let flipped {
      flipKernel(weight, g, into: flipped.base)
      xPath = ConvPathChoice.path(gt, .forward) { p in forward(path: p, x: dy, weight: flipped.base, bias: nil, y: dx, gt) }
    }
    if wPath == .direct && xPath == .direct {
      return backwardDirect(x: x, weight: weight, dy: dy, dx: dx, dweight: dweight, dbias: dbias, g)
    }
    weightGradient(path: wPath, x: x, weight: weight, dy: dy, dweight: dweight, g)
    if let dx, let flipped { forward(path: xPath, x: dy, weight: flipped.base, bias: nil, y: dx, gt) }
    if let dbias { biasGradient(dy, g, into: dbias) }
  }

  /// dweight (overwritten) through a given path.
  static func weightGradient(
    path: ConvPath, x: UnsafePointer<Float>, weight: UnsafePointer<Float>, dy: UnsafePointer<Float>,
    dweight: UnsafeMutablePointer<Float>, _ g: ConvGeometry
  ) {
    switch path {
    case .winograd: WinogradKernels.weightGradient(x: x, dy: dy, dweight: dweight, g)
    case .direct: backwardDirect(x: x, weight: weight, dy: dy, dx: nil, dweight: dweight, dbias: nil, g)
    }
  }

  /// The geometry of the input gradient of a same-padded stride-1 convolution: a same-padded
  /// convolution of dy [N, Cout, OH, OW] with the kernel flipped and its channel axes swapped.
  static func transposedGeometry(_ g: ConvGeometry) -> ConvGeometry {
    ConvGeometry(n: g.n, cin: g.cout, h: g.oh, w: g.ow, cout: g.cin, kh: g.kh, kw: g.kw, stride: 1, pad: g.pad)
  }

  /// The kernel of `transposedGeometry`: flipped[c][o][ky][kx] = weight[o][c][KH-1-ky][KW-1-kx].
  static func flipKernel(_ weight: UnsafePointer<Float>, _ g: ConvGeometry, into flipped: UnsafeMutablePointer<Float>) {
    let k = g.k, tk = g.cout * g.kh * g.kw
    for c in 0..<g.cin { for o in 0..<g.cout { for ky in 0..<g.kh { for kx in 0..<g.kw {
      flipped[c * tk + (o * g.kh + ky) * g.kw + kx] = weight[o * k + (c * g.kh + (g.kh - 1 - ky)) * g.kw + (g.kw - 1 - kx)]
    } } } }
  }

  /// dbias[o] = Σ dy[n, o, ·, ·] (overwritten).
  static func biasGradient(_ dy: UnsafePointer<Float>, _ g: ConvGeometry, into dbias: UnsafeMutablePointer<Float>) {
    let ohw = g.oh * g.ow
    for o in 0..<g.cout {
      var s: Float = 0
      for n in 0..<g.n { s += SIMDReduce.sum(dy + n * g.outPlane + o * ohw, ohw) }
      dbias[o] = s
    }
  }

  /// `backward` by im2col + gemm (dx, when same-padded, as a convolution of dy), every geometry.
  static func backwardDirect(
    x: UnsafePointer<Float>, weight: UnsafePointer<Float>, dy: UnsafePointer<Float>,
    dx: UnsafeMutablePointer<Float>?, dweight: UnsafeMutablePointer<Float>,
    dbias: UnsafeMutablePointer<Float>?, _ g: ConvGeometry
  ) {
    let ohw = g.oh * g.ow, k = g.k, group = groupSize(g)
    let groups = (g.n + group - 1) / group
    let workers = Parallel.workerCount(count: groups)
    let wCount = g.cout * k
    // Per-worker partial weight gradients, summed in worker order afterwards (deterministic).
    let partials = Scratch(count: workers * wCount)
    defer { partials.free() }
    partials.base.update(repeating: 0, count: workers * wCount)
    let direct = g.isPointwise && group == 1
    // With stride 1 and same padding, dx is itself a same-padded convolution: of dy, with the
    // kernel flipped and its channel axes swapped. That is one gemm with inner size
    // Cout·KH·KW straight into dx, instead of a gemm with inner size Cout (a narrow product
    // for 16-64 channels) into a column buffer followed by the fold (col2im).
    let transposed = dx != nil && !direct && g.isSamePadded
    let gt = transposedGeometry(g)
    let flipped = transposed ? Scratch(count: g.cin * gt.k) : nil
    defer { flipped?.free() }
    if let flipped { flipKernel(weight, g, into: flipped.base) }
    Parallel.forEach(count: groups) { worker, range in
      let cols = group * ohw
      let col = direct ? nil : Scratch(count: k * cols)
      let dcol = dx != nil && !direct && !transposed ? Scratch(count: k * cols) : nil
      let dyCol = transposed ? Scratch(count: gt.k * cols) : nil
      let dxg = transposed && group > 1 ? Scratch(count: g.cin * cols) : nil
      let dyg = group > 1 ? Scratch(count: g.cout * cols) : nil
      defer { col?.free(); dcol?.free(); dyCol?.free(); dxg?.free(); dyg?.free() }
      let dw = partials.base + worker * wCount
      for gi in range {
        let n0 = gi * group, nb = min(group, g.n - n0), ld = nb * ohw
        let b: UnsafePointer<Float>
        if let col {
          for j in 0..<nb { im2col(x + (n0 + j) * g.inPlane, g, col.base + j * ohw, ldc: ld) }
          b = UnsafePointer(col.base)
        } else {
          b = x + n0 * g.inPlane
        }
        let d: UnsafePointer<Float>
        if let dyg {
          imagesToColumns(dy + n0 * g.outPlane, channels: g.cout, images: nb, plane: ohw, into: dyg.base)
          d = UnsafePointer(dyg.base)
        } else {
          d = dy + n0 * g.outPlane
        }
        gemm(transA: false, transB: true, m: g.cout, n: k, k: ld, a: d, lda: ld, b: b, ldb: ld,
             beta: 1, c: dw, ldc: k)
        guard let dx else { continue }
        if let flipped, let dyCol {
          for j in 0..<nb { im2col(dy + (n0 + j) * g.outPlane, gt, dyCol.base + j * ohw, ldc: ld) }
          if let dxg {
            gemm(transA: false, transB: false, m: g.cin, n: ld, k: gt.k, a: flipped.base, lda: gt.k,
                 b: dyCol.base, ldb: ld, c: dxg.base, ldc: ld)
            columnsToImages(dxg.base, channels: g.cin, images: nb, plane: ohw, into: dx + n0 * g.inPlane)
          } else {
            gemm(transA: false, transB: false, m: g.cin, n: ohw, k: gt.k, a: flipped.base, lda: gt.k,
                 b: dyCol.base, ldb: ohw, c: dx + n0 * g.inPlane, ldc: ohw)
          }
        } else if direct {
          gemm(transA: true, transB: false, m: k, n: ohw, k: g.cout, a: weight, lda: k, b: d, ldb: ohw,
               c: dx + n0 * g.inPlane, ldc: ohw)
        } else if let dcol {
          gemm(transA: true, transB: false, m: k, n: ld, k: g.cout, a: weight, lda: k, b: d, ldb: ld,
               c: dcol.base, ldc: ld)
          for j in 0..<nb {
            let img = dx + (n0 + j) * g.inPlane
            img.update(repeating: 0, count: g.inPlane)
            col2im(dcol.base + j * ohw, ldc: ld, g, img)
          }
        }
      }
    }
    dweight.update(from: partials.base, count: wCount)
    for w in 1..<max(1, workers) {
      let p = partials.base + w * wCount
      for i in 0..<wCount { dweight[i] += p[i] }
    }
    if let dbias { biasGradient(dy, g, into: dbias) }
  }
}
