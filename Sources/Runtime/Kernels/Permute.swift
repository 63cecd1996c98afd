// Data movement kernels: axis permutation (transpose) into contiguous output.

/// out[j, i] = x[i, j] for x of shape [rows, cols]; 32×32 tiles keep both sides in cache
/// (a naive loop strides through memory on one side and is ~5× slower on 784×784).
func transpose2D(_ x: UnsafePointer<Float>, rows: Int, cols: Int, _ out: UnsafeMutablePointer<Float>) {
  let tile = 32
  var i0 = 0
  while i0 < rows {
    let i1 = Swift.min(i0 + tile, rows)
    var j0 = 0
    while j0 < cols {
      let j1 = Swift.min(j0 + tile, cols)
      for i in i0..<i1 {
        let px = x + i * cols
        for j in j0..<j1 { out[j * rows + i] = px[j] }
      }
      j0 = j1
    }
    i0 = i1
  }
}

/// Copies x (shape `shape`) permuted by `perm` (out dim d = in dim perm[d]) into `out`.
/// Runs of leading or trailing dimensions that stay in place are copied as blocks.
func permuteCopy(_ x: UnsafePointer<Float>, _ shape: [Int], _ perm: [Int], _ out: UnsafeMutablePointer<Float>) {
  let r = shape.count, n = Shape.count(shape)
  if n == 0 { return }
  // Trailing dims untouched by the permutation form a contiguous block.
  var tail = r
  while tail > 0, perm[tail - 1] == tail - 1 { tail -= 1 }
  if tail == 0 { out.update(from: x, count: n); return }
  let block = Shape.count(Array(shape[tail...]))
  let inStrides = Shape.strides(shape)
  let outShape = perm.prefix(tail).map { shape[$0] }
  let srcStrides = perm.prefix(tail).map { inStrides[$0] }
  // Special case: a batch of 2-D transposes ([B, m, n] -> [B, n, m]) with block 1.
  if block == 1, tail >= 2, perm[tail - 1] == tail - 2, perm[tail - 2] == tail - 1,
    (0..<(tail - 2)).allSatisfy({ perm[$0] == $0 })
  {
    let m = shape[tail - 2], c = shape[tail - 1], batch = n / Swift.max(m * c, 1)
    for b in 0..<batch { transpose2D(x + b * m * c, rows: m, cols: c, out + b * m * c) }
    return
  }
  var idx = [Int](repeating: 0, count: tail)
  var src = 0, dst = 0
  let last = tail - 1, lastCount = outShape[last], lastStride = srcStrides[last]
  let rows = n / (lastCount * block)
  for _ in 0..<rows {
    if block == 1 {
      var s = src
      for j in 0..<lastCount { out[dst + j] = x[s]; s += lastStride }
    } else {
      var s = src
      for j in 0..<lastCount { (out + dst + j * block).update(from: x + s, count: block); s += lastStride }
    }
    dst += lastCount * block
    var d = last - 1
    while d >= 0 {
      idx[d] += 1
      src += srcStrides[d]
      if idx[d] < outShape[d] { break }
      src -= srcStrides[d] * outShape[d]
      idx[d] = 0
      d -= 1
    }
  }
}

/// Naive twin of `permuteCopy`: per-element index arithmetic.
func permuteReference(_ x: [Float], _ shape: [Int], _ perm: [Int]) -> [Float] {
  let outShape = perm.map { shape[$0] }, inStrides = Shape.strides(shape)
  return (0..<x.count).map { i in
    var rem = i, off = 0
    for d in stride(from: outShape.count - 1, through: 0, by: -1) {
      off += (rem % outShape[d]) * inStrides[perm[d]]
      rem /= outShape[d]
    }
    return x[off]
  }
}
