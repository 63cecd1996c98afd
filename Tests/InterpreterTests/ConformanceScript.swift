import Foundation
import Interpreter

/// A conformance script: `.rsl` source split into chunks by `# ---` lines, each chunk run
/// as one `Session.run` (like a REPL entry) with its expectations written inline:
///
///     print(1 + 2)      # expect: 3
///     1 + 2             # the echo of a final expression is checked the same way
///     # expect: 3
///     x = nope          # error: basics.rsl:4:5: error: undefined variable 'nope'
///     # trace:   in f at basics.rsl:2:3
///
/// `# expect:` lines give the chunk's output lines in order (printed lines, then the echo);
/// `# error:` gives the exact diagnostic header; `# trace:` lines the traceback.
struct ConformanceScript {
  struct Chunk {
    var source: String
    var firstLine: Int
    var expected: [String]
    var error: String?
    var trace: [String]
  }

  let name: String
  let chunks: [Chunk]

  init(name: String, text: String) {
    self.name = name
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    var chunks: [Chunk] = []
    var current = Chunk(source: "", firstLine: 1, expected: [], error: nil, trace: [])
    var body: [String] = []
    func close(_ next: Int) {
      // Earlier lines are blanked so line numbers stay those of the file.
      current.source = String(repeating: "\n", count: current.firstLine - 1) + body.joined(separator: "\n")
      chunks.append(current)
      current = Chunk(source: "", firstLine: next, expected: [], error: nil, trace: [])
      body = []
    }
    for (i, line) in lines.enumerated() {
      if line.trimmingCharacters(in: .whitespaces) == "# ---" {
        close(i + 2)
        body = []
        continue
      }
      body.append(line)
      for (marker, kind) in [("# expect:", 0), ("# error:", 1), ("# trace:", 2)] {
        guard let r = line.range(of: marker) else { continue }
        var value = String(line[r.upperBound...])
        if value.hasPrefix(" ") { value.removeFirst() }
        switch kind {
        case 0: current.expected.append(value)
        case 1: current.error = value
        default: current.trace.append(value)
        }
      }
    }
    close(lines.count + 1)
    self.chunks = chunks
  }

  /// The output lines of a chunk (printed text, then the echo), and its diagnostic if any.
  static func run(_ chunk: Chunk, in session: Session, file: String, output: Box) -> ([String], Diagnostic?) {
    output.text = ""
    var diagnostic: Diagnostic? = nil
    var echo: String? = nil
    do {
      echo = try session.run(chunk.source, file: file).echo
    } catch {
      diagnostic = error
    }
    var lines = output.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    if lines.last == "" { lines.removeLast() }
    if let e = echo { lines += e.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }
    return (lines, diagnostic)
  }

  /// Captured output.
  final class Box { var text = "" }

  static var directory: URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Conformance")
  }

  static func all() throws -> [ConformanceScript] {
    let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".rsl") }.sorted()
    return try files.map { f in
      ConformanceScript(name: f, text: try String(contentsOf: directory.appendingPathComponent(f), encoding: .utf8))
    }
  }
}
