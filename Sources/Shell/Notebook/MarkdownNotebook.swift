import Runtime

/// Writes executed cells as Markdown: markdown cells verbatim, code in ```rsl fences,
/// outputs in plain fences, images saved in a folder beside the file (`OUT_files/`) and
/// linked relatively, so the .md and its folder can be moved together.
enum MarkdownNotebook {
  static func write(_ cells: [ExecutedCell], to path: String) throws {
    let base = PathName.baseName(of: path)
    let stem = base.lowercased().hasSuffix(".md") ? String(base.dropLast(3)) : base
    let folderName = stem + "_files"
    let folder = PathName.directory(of: path) + "/" + folderName
    var blocks: [String] = []
    var madeFolder = false
    for (index, executed) in cells.enumerated() {
      switch executed.cell.kind {
      case .markdown:
        if !executed.cell.source.isEmpty { blocks.append(executed.cell.source) }
      case .code:
        blocks.append(fenced(executed.cell.source, info: "rsl"))
        var imageNumber = 0
        for output in executed.outputs {
          switch output {
          case .stream(_, let text), .result(let text, _):
            blocks.append(fenced(text, info: ""))
          case .error(_, _, let traceback):
            blocks.append(fenced(traceback.joined(separator: "\n"), info: ""))
          case .image(_, let png):
            if !madeFolder {
              try FileSystem.makeDirectory(folder)
              madeFolder = true
            }
            imageNumber += 1
            let name = "cell\(index + 1)-\(imageNumber).png"
            try AtomicWrite.write(png, to: folder + "/" + name)
            blocks.append("![cell \(index + 1) image \(imageNumber)](\(linkEscaped(folderName))/\(name))")
          }
        }
      }
    }
    try AtomicWrite.write(blocks.joined(separator: "\n\n") + "\n", to: path)
  }

  /// A fenced block whose fence is longer than any backtick run inside `text`.
  static func fenced(_ text: String, info: String) -> String {
    var longest = 0
    var run = 0
    for ch in text {
      run = ch == "`" ? run + 1 : 0
      longest = max(longest, run)
    }
    let fence = String(repeating: "`", count: max(3, longest + 1))
    let body = text.hasSuffix("\n") ? String(text.dropLast()) : text
    return fence + info + "\n" + body + "\n" + fence
  }

  /// Percent-escapes what would break a Markdown link target.
  private static func linkEscaped(_ s: String) -> String {
    var out = ""
    for ch in s {
      switch ch {
      case " ": out += "%20"
      case "(": out += "%28"
      case ")": out += "%29"
      default: out.append(ch)
      }
    }
    return out
  }
}
