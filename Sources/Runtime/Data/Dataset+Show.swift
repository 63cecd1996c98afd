/// Picture of a dataset's first samples: an image grid with the class name under each tile;
/// synthetic samples get an orange frame and a "(syn)" mark so real/synthetic mixes read at a glance.
extension Dataset {
  /// The frame colour of synthetic samples in `grid`.
  public static let syntheticFrame = RGB(hex: 0xE0701A)

  /// Renders the first `n` samples (all when fewer) as a captioned grid.
  ///
  ///     try train.grid(n: 16).write(path: "train.png")
  public func grid(n: Int = 16, columns: Int? = nil, scale: Int = 2) throws -> Canvas {
    guard n >= 1 else {
      throw RuntimeError.invalidArgument(op: "show", message: "n must be >= 1, got \(n)")
    }
    if let c = columns, c < 1 {
      throw RuntimeError.invalidArgument(op: "show", message: "columns must be >= 1, got \(c)")
    }
    guard count > 0 else {
      throw RuntimeError.invalidArgument(op: "show", message: "\(name) is empty")
    }
    let k = min(n, count)
    let tiles = (0..<k).map { i in
      (pixels: Array(pixels[i * imageSize ..< (i + 1) * imageSize]), channels: channels, height: height, width: width)
    }
    let captions = (0..<k).map { synthetic[$0] ? "\(classNames[labels[$0]]) (syn)" : classNames[labels[$0]] }
    let borders: [RGB?]? = syntheticCount > 0 ? (0..<k).map { synthetic[$0] ? Dataset.syntheticFrame : nil } : nil
    return try ImageGrid.render(images: tiles, captions: captions, columns: columns, scale: scale, borders: borders)
  }

  /// Writes `grid(n:columns:scale:)` as a PNG file at `path`.
  public func show(n: Int = 16, path: String, columns: Int? = nil, scale: Int = 2) throws {
    try grid(n: n, columns: columns, scale: scale).write(path: path)
  }
}
