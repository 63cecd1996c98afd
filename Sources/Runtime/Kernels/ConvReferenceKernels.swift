/// Naive twins of the convolution, pooling and batch-norm kernels: direct loops in Float64,
/// written for clarity so tests can check the fast kernels against them.
enum ConvReference {
  /// Direct convolution: y[n, o, oy, ox] = b[o] + Σ x[n, c, oy*s-p+ky, ox*s-p+kx] w[o, c, ky, kx].
  static func conv2d(x: [Float], weight: [Float], bias: [Float]?, _ g: ConvGeometry) -> [Float] {
    var y = [Float](repeating: 0, count: g.n * g.outPlane)
    for n in 0..<g.n { for o in 0..<g.cout { for oy in 0..<g.oh { for ox in 0..<g.ow {
      var s = Double(bias?[o] ?? 0)
      for c in 0..<g.cin { for ky in 0..<g.kh { for kx in 0..<g.kw {
        let iy = oy * g.stride - g.pad + ky, ix = ox * g.stride - g.pad + kx
        if iy < 0 || iy >= g.h || ix < 0 || ix >= g.w { continue }
        s += Double(x[((n * g.cin + c) * g.h + iy) * g.w + ix]) * Double(weight[((o * g.cin + c) * g.kh + ky) * g.kw + kx])
      } } }
      y[((n * g.cout + o) * g.oh + oy) * g.ow + ox] = Float(s)
    } } } }
    return y
  }

  /// Direct gradients of `conv2d` for an output gradient dy: (dx, dweight, dbias).
  static func conv2dBackward(x: [Float], weight: [Float], dy: [Float], _ g: ConvGeometry) -> ([Float], [Float], [Float]) {
    var dx = [Double](repeating: 0, count: x.count), dw = [Double](repeating: 0, count: weight.count)
    var db = [Double](repeating: 0, count: g.cout)
    for n in 0..<g.n { for o in 0..<g.cout { for oy in 0..<g.oh { for ox in 0..<g.ow {
      let d = Double(dy[((n * g.cout + o) * g.oh + oy) * g.ow + ox])
      db[o] += d
      for c in 0..<g.cin { for ky in 0..<g.kh { for kx in 0..<g.kw {
        let iy = oy * g.stride - g.pad + ky, ix = ox * g.stride - g.pad + kx
        if iy < 0 || iy >= g.h || ix < 0 || ix >= g.w { continue }
        let xi = ((n * g.cin + c) * g.h + iy) * g.w + ix, wi = ((o * g.cin + c) * g.kh + ky) * g.kw + kx
        dx[xi] += d * Double(weight[wi])
        dw[wi] += d * Double(x[xi])
      } } }
    } } } }
    return (dx.map(Float.init), dw.map(Float.init), db.map(Float.init))
  }

  /// Max (or average) pooling without padding, window k, stride s, on [N, C, H, W].
  static func pool2d(x: [Float], shape: [Int], kernel k: Int, stride s: Int, max isMax: Bool) -> [Float] {
    let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
    let oh = (h - k) / s + 1, ow = (w - k) / s + 1
    var y = [Float](repeating: 0, count: n * c * oh * ow)
    for p in 0..<n * c { for oy in 0..<oh { for ox in 0..<ow {
      var best = -Float.infinity, sum = 0.0
      for ky in 0..<k { for kx in 0..<k {
        let v = x[(p * h + oy * s + ky) * w + ox * s + kx]
        best = max(best, v); sum += Double(v)
      } }
      y[(p * oh + oy) * ow + ox] = isMax ? best : Float(sum / Double(k * k))
    } } }
    return y
  }

  /// Training-mode batch norm on [N, C, H, W]: (y, batch mean, biased batch variance).
  static func batchNorm(x: [Float], shape: [Int], gamma: [Float], beta: [Float], eps: Float) -> ([Float], [Float], [Float]) {
    let (n, c) = (shape[0], shape[1]), hw = shape[2...].reduce(1, *)
    var y = [Float](repeating: 0, count: x.count), means = [Float](), vars = [Float]()
    for ch in 0..<c {
      var s = 0.0, s2 = 0.0
      for i in 0..<n { for j in 0..<hw { s += Double(x[(i * c + ch) * hw + j]) } }
      let m = s / Double(n * hw)
      for i in 0..<n { for j in 0..<hw { let d = Double(x[(i * c + ch) * hw + j]) - m; s2 += d * d } }
      let v = s2 / Double(n * hw)
      means.append(Float(m)); vars.append(Float(v))
      for i in 0..<n { for j in 0..<hw {
        let idx = (i * c + ch) * hw + j
        y[idx] = Float((Double(x[idx]) - m) / (v + Double(eps)).squareRoot() * Double(gamma[ch]) + Double(beta[ch]))
      } }
    }
    return (y, means, vars)
  }
  // MARK: Winograd F(2x2, 3x3), tile by tile with the textbook matrices

  static let winogradBT: [[Double]] = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]]
  static let winogradG: [[Double]] = [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]]
  static let winogradAT: [[Double]] = [[1, 1, 1, 0], [0, 1, -1, -1]]

  static func matmul(_ a: [[Double]], _ b: [[Double]]) -> [[Double]] {
    a.map { row in (0..<b[0].count).map { j in zip(row, b).reduce(0) { $0 + $1.0 * $1.1[j] } } }
  }
  static func transpose(_ a: [[Double]]) -> [[Double]] { (0..<a[0].count).map { j in a.map { $0[j] } } }

  /// The 4x4 input tile whose transform gives output tile (ty, tx) of image n, channel c
  /// (zero outside the plane: padding 1, and past the edge for partial tiles).
  static func winogradTile(_ x: [Float], _ g: ConvGeometry, n: Int, c: Int, ty: Int, tx: Int) -> [[Double]] {
    (0..<4).map { i in (0..<4).map { j in
      let iy = 2 * ty - 1 + i, ix = 2 * tx - 1 + j
      return iy < 0 || iy >= g.h || ix < 0 || ix >= g.w ? 0 : Double(x[((n * g.cin + c) * g.h + iy) * g.w + ix])
    } }
  }

  static func winogradWeight(_ weight: [Float], _ g: ConvGeometry, o: Int, c: Int) -> [[Double]] {
    let k = (0..<3).map { i in (0..<3).map { j in Double(weight[((o * g.cin + c) * 3 + i) * 3 + j]) } }
    return matmul(matmul(winogradG, k), transpose(winogradG))
  }

  /// Winograd forward, one tile at a time: y_tile = Aᵀ [Σ_c (G g Gᵀ) ⊙ (Bᵀ d B)] A.
  static func winogradConv2d(x: [Float], weight: [Float], bias: [Float]?, _ g: ConvGeometry) -> [Float] {
    var y = [Float](repeating: 0, count: g.n * g.outPlane)
    let th = (g.oh + 1) / 2, tw = (g.ow + 1) / 2
    let u = (0..<g.cout).map { o in (0..<g.cin).map { c in winogradWeight(weight, g, o: o, c: c) } }
    for n in 0..<g.n { for ty in 0..<th { for tx in 0..<tw {
      let v = (0..<g.cin).map { c in matmul(matmul(winogradBT, winogradTile(x, g, n: n, c: c, ty: ty, tx: tx)), transpose(winogradBT)) }
      for o in 0..<g.cout {
        var m = [[Double]](repeating: [0, 0, 0, 0], count: 4)
        for c in 0..<g.cin { for i in 0..<4 { for j in 0..<4 { m[i][j] += u[o][c][i][j] * v[c][i][j] } } }
        let out = matmul(matmul(winogradAT, m), transpose(winogradAT))
        for i in 0..<2 { for j in 0..<2 where 2 * ty + i < g.oh && 2 * tx + j < g.ow {
          y[((n * g.cout + o) * g.oh + 2 * ty + i) * g.ow + 2 * tx + j] = Float(out[i][j] + Double(bias?[o] ?? 0))
        } }
      }
    } } }
    return y
  }

  /// Winograd weight gradient, one tile at a time: dW = Gᵀ [Σ_tiles (A dY Aᵀ) ⊙ (Bᵀ d B)] G.
  static func winogradWeightGradient(x: [Float], dy: [Float], _ g: ConvGeometry) -> [Float] {
    let th = (g.oh + 1) / 2, tw = (g.ow + 1) / 2
    var du = [[[[Double]]]](repeating: [[[Double]]](repeating: [[Double]](repeating: [0, 0, 0, 0], count: 4), count: g.cin), count: g.cout)
    for n in 0..<g.n { for ty in 0..<th { for tx in 0..<tw {
      let v = (0..<g.cin).map { c in matmul(matmul(winogradBT, winogradTile(x, g, n: n, c: c, ty: ty, tx: tx)), transpose(winogradBT)) }
      for o in 0..<g.cout {
        let d = (0..<2).map { i in (0..<2).map { j in
          2 * ty + i < g.oh && 2 * tx + j < g.ow ? Double(dy[((n * g.cout + o) * g.oh + 2 * ty + i) * g.ow + 2 * tx + j]) : 0
        } }
        let dm = matmul(matmul(transpose(winogradAT), d), winogradAT)
        for c in 0..<g.cin { for i in 0..<4 { for j in 0..<4 { du[o][c][i][j] += dm[i][j] * v[c][i][j] } } }
      }
    } } }
    var dw = [Float](repeating: 0, count: g.cout * g.cin * 9)
    for o in 0..<g.cout { for c in 0..<g.cin {
      let k = matmul(matmul(transpose(winogradG), du[o][c]), winogradG)
      for i in 0..<3 { for j in 0..<3 { dw[((o * g.cin + c) * 3 + i) * 3 + j] = Float(k[i][j]) } }
    } }
    return dw
  }
}
