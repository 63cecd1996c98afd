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
/// `# match:` stands for one output line that must match a regular expression (for text
/// that differs per run or machine: elapsed seconds, generated file paths);
/// `# error:` gives the exact diagnostic header; `# trace:` lines the traceback.
struct ConformanceScript {
  struct Chunk {
    var source: String
    var firstLine: Int
    var expected: [String]
    /// For each expected line, whether it is a `# match:` regular expression.
    var isPattern: [Bool] = []
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
      for (marker, kind) in [("# expect:", 0), ("# error:", 1), ("# trace:", 2), ("# match:", 3)] {
        guard let r = line.range(of: marker) else { continue }
        var value = String(line[r.upperBound...])
        if value.hasPrefix(" ") { value.removeFirst() }
        switch kind {
        case 0, 3:
          current.expected.append(value)
          current.isPattern.append(kind == 3)
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

  /// Whether output `lines` are those the chunk expects (patterns match whole lines).
  static func matches(_ lines: [String], _ chunk: Chunk) -> Bool {
    guard lines.count == chunk.expected.count else { return false }
    for (i, line) in lines.enumerated() {
      if !chunk.isPattern[i] {
        if line != chunk.expected[i] { return false }
        continue
      }
      guard let re = try? NSRegularExpression(pattern: "^(?:" + chunk.expected[i] + ")$") else { return false }
      if re.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)) == nil { return false }
    }
    return true
  }

  /// Captured output.
  final class Box { var text = "" }

  static var directory: URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Conformance")
  }

  /// Every `.rsl` file under `Tests/Conformance`, topic folders included, named by its path
  /// relative to that folder (`scope/closures_in_loops.rsl`): that is the file name its
  /// diagnostics carry. `RSL_CONFORMANCE_ONLY=scope/` keeps the paths starting with it.
  static func all() throws -> [ConformanceScript] {
    let root = directory.standardizedFileURL.path
    guard let walk = FileManager.default.enumerator(atPath: root) else {
      throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: root])
    }
    let only = ProcessInfo.processInfo.environment["RSL_CONFORMANCE_ONLY"] ?? ""
    let files = walk.compactMap { $0 as? String }.filter { $0.hasSuffix(".rsl") && $0.hasPrefix(only) }.sorted()
    return try files.map { f in
      ConformanceScript(name: f, text: try String(contentsOf: directory.appendingPathComponent(f), encoding: .utf8))
    }
  }
}
