/// One notebook cell read from a script in the jupytext "percent" format.
struct Cell: Equatable {
  enum Kind: Equatable { case code, markdown }

  var kind: Kind
  /// The cell's text: code as written, or markdown with the `# ` comment prefixes removed.
  var source: String
  /// The 1-based line in the script where `source` starts (diagnostics point there).
  var line: Int
}

/// Splits a script into cells (jupytext percent format).
///
/// `# %%` starts a code cell; `# %% [markdown]` (or `[md]`) starts a markdown cell whose
/// lines are `# ` comments. A title may sit between: `# %% Setup [markdown]`. Text before
/// the first marker is a code cell when it is not blank. Leading and trailing blank lines
/// of each cell are dropped, as jupytext does.
enum Cells {
  static func parse(_ text: String) -> [Cell] {
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
      line.hasSuffix("\r") ? String(line.dropLast()) : String(line)
    }
    if lines.last == "" { lines.removeLast() }
    var cells: [Cell] = []
    var kind = Cell.Kind.code
    var body: [String] = []
    var bodyStart = 1  // file line of body[0]
    var sawMarker = false

    func flush() {
      var first = 0
      var last = body.count
      while first < last, isBlank(body[first]) { first += 1 }
      while last > first, isBlank(body[last - 1]) { last -= 1 }
      let kept = Array(body[first..<last])
      let startLine = bodyStart + first
      switch kind {
      case .code:
        // Before the first marker, only a non-blank preamble is a cell.
        if sawMarker || !kept.isEmpty {
          cells.append(Cell(kind: .code, source: kept.joined(separator: "\n"), line: startLine))
        }
      case .markdown:
        cells.append(Cell(kind: .markdown, source: kept.map(uncomment).joined(separator: "\n"), line: startLine))
      }
    }

    for (index, line) in lines.enumerated() {
      guard let markerKind = marker(line) else {
        body.append(line)
        continue
      }
      flush()
      sawMarker = true
      kind = markerKind
      body = []
      bodyStart = index + 2
    }
    flush()
    return cells
  }

  /// The kind of cell a marker line starts, or nil for an ordinary line.
  static func marker(_ line: String) -> Cell.Kind? {
    let rest: Substring
    if line.hasPrefix("# %%") { rest = line.dropFirst(4) }
    else if line.hasPrefix("#%%") { rest = line.dropFirst(3) }
    else { return nil }
    // `# %%%` or `# %%x` are comments, not markers.
    if let c = rest.first, c != " ", c != "\t" { return nil }
    return rest.contains("[markdown]") || rest.contains("[md]") ? .markdown : .code
  }

  /// A markdown line without its comment prefix: `# text` -> `text`, `#` -> ``.
  static func uncomment(_ line: String) -> String {
    if line.hasPrefix("# ") { return String(line.dropFirst(2)) }
    if line == "#" { return "" }
    return line
  }

  private static func isBlank(_ line: String) -> Bool {
    line.allSatisfy { $0 == " " || $0 == "\t" }
  }
}
