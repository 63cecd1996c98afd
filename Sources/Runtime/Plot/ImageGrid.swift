/// A grid of image tiles with a caption under each (dataset previews, generated samples).
///
///     let tiles = (0..<16).map { i in (pixels: ds.image(i), channels: 1, height: 28, width: 28) }
///     let canvas = try ImageGrid.render(images: tiles, captions: names, columns: nil, scale: 2)
public enum ImageGrid {
  /// Renders planar uint8 images (`[C, H, W]` bytes, C = 1 grey or 3 RGB) as tiles, each
  /// enlarged by `scale` with nearest-neighbour sampling, with its caption below.
  ///
  /// Captions wrap onto at most two lines at spaces and are cut with `..` beyond that.
  /// - Parameters:
  ///   - captions: one per image, or empty for none.
  ///   - columns: tiles per row; by default about the square root of the count.
  ///   - borders: an optional frame colour per tile (e.g. to mark synthetic samples).
  ///   - textScale: caption size (1...8); a title is drawn one size larger.
  /// - Throws: `invalidArgument` for an image whose bytes do not match its shape, a caption
  ///   count that does not match, or a grid beyond the `Canvas` size limits.
  public static func render(
    images: [(pixels: [UInt8], channels: Int, height: Int, width: Int)], captions: [String],
    columns: Int? = nil, scale: Int = 2, borders: [RGB?]? = nil, textScale: Int = 1, title: String = ""
  ) throws -> Canvas {
    let n = images.count
    guard captions.isEmpty || captions.count == n else {
      throw RuntimeError.invalidArgument(op: "image_grid", message: "\(captions.count) captions for \(n) images")
    }
    if let b = borders, b.count != n {
      throw RuntimeError.invalidArgument(op: "image_grid", message: "\(b.count) border colours for \(n) images")
    }
    for (i, im) in images.enumerated() {
      guard (1...4).contains(im.channels), im.height >= 1, im.width >= 1,
            Canvas.product([im.channels, im.height, im.width]) == im.pixels.count else {
        throw RuntimeError.invalidArgument(op: "image_grid", message: "image \(i): \(im.pixels.count) bytes do not make a [\(im.channels), \(im.height), \(im.width)] image with 1 to 4 channels")
      }
    }
    guard scale >= 1, scale <= 64 else {
      throw RuntimeError.invalidArgument(op: "image_grid", message: "scale must be in 1...64, got \(scale)")
    }
    guard textScale >= 1, textScale <= 8 else {
      throw RuntimeError.invalidArgument(op: "image_grid", message: "textScale must be in 1...8, got \(textScale)")
    }
    let font = BitmapFont.standard, ts = textScale
    let cols = max(1, min(columns ?? Int(Double(max(n, 1)).squareRoot().rounded(.up)), max(n, 1)))
    let rowsCount = (n + cols - 1) / cols
    let tileW = (images.map(\.width).max() ?? 1) * scale, tileH = (images.map(\.height).max() ?? 1) * scale
    let gap = 6 * ts, frame = 2
    // Cells are at least wide enough for ~12 characters so short class names stay whole.
    let cellW = max(tileW + 2 * frame, min(font.width(of: String(repeating: "m", count: 12), scale: ts), 3 * tileW))
    let lines = captions.map { wrap($0, width: cellW, scale: ts) }
    let captionLines = lines.map(\.count).max() ?? 0
    let cellH = tileH + 2 * frame + (captionLines > 0 ? gap / 2 + captionLines * font.lineHeight * ts : 0)
    let (w, o1) = cols.multipliedReportingOverflow(by: cellW + gap)
    let (h, o2) = rowsCount.multipliedReportingOverflow(by: cellH + gap)
    let titleH = title.isEmpty ? 0 : gap + font.height(scale: ts + 1)
    let width = max(w + gap, title.isEmpty ? 1 : font.width(of: title, scale: ts + 1) + 2 * gap)
    let height = h + gap + titleH
    guard !o1, !o2, width <= Canvas.maxSide, height <= Canvas.maxSide, width * height <= Canvas.maxPixels else {
      throw RuntimeError.invalidArgument(op: "image_grid", message: "a grid of \(n) tiles of \(tileW)x\(tileH) pixels in \(cols) columns is too large to draw; use a smaller scale or fewer images")
    }
    var c = Canvas(width: width, height: height)
    if !title.isEmpty { c.text(title, x: width / 2, y: gap, color: .ink, scale: ts + 1, align: .center) }
    // Centre the tiles under a title wider than the grid.
    let left = (width - (w + gap)) / 2
    for (i, im) in images.enumerated() {
      let col = i % cols, row = i / cols
      let cellX = left + gap + col * (cellW + gap), cellY = titleH + gap + row * (cellH + gap)
      let x = cellX + (cellW - im.width * scale) / 2, y = cellY + frame + (tileH - im.height * scale) / 2
      if let color = borders?[i] {
        c.strokeRect(x: x - frame, y: y - frame, width: im.width * scale + 2 * frame, height: im.height * scale + 2 * frame, color: color, thickness: frame)
      }
      try c.image(im.pixels, channels: im.channels, height: im.height, width: im.width, x: x, y: y, scale: scale)
      if i < lines.count {
        for (k, line) in lines[i].enumerated() {
          c.text(line, x: cellX + cellW / 2, y: cellY + tileH + 2 * frame + gap / 2 + k * font.lineHeight * ts, color: .ink, scale: ts, align: .center)
        }
      }
    }
    return c
  }

  /// Splits `text` at spaces into at most two lines that fit `width`, cutting the rest.
  static func wrap(_ text: String, width: Int, scale: Int) -> [String] {
    let font = BitmapFont.standard
    if text.isEmpty { return [] }
    if font.width(of: text, scale: scale) <= width { return [text] }
    let words = text.split(separator: " ").map(String.init)
    var first = ""
    var used = 0
    for wd in words {
      let candidate = first.isEmpty ? wd : first + " " + wd
      if font.width(of: candidate, scale: scale) > width { break }
      first = candidate
      used += 1
    }
    if used == 0 { return [font.truncated(text, toWidth: width, scale: scale)] }
    let rest = words[used...].joined(separator: " ")
    return rest.isEmpty ? [first] : [first, font.truncated(rest, toWidth: width, scale: scale)]
  }
}
