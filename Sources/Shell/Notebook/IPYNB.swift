import Interpreter
import Runtime

/// Writes executed cells as a Jupyter notebook, nbformat 4.5.
///
/// 4.5 requires a unique `id` on every cell; ids here are derived from the cell's position
/// so re-running a notebook gives a stable file. Multi-line strings are stored as lists of
/// lines, each keeping its newline, as Jupyter itself writes them.
enum IPYNB {
  static func write(_ cells: [ExecutedCell], to path: String) throws {
    try AtomicWrite.write(document(cells).rendered(), to: path)
  }

  /// The notebook as JSON.
  static func document(_ cells: [ExecutedCell]) -> JSONValue {
    .object([
      ("cells", .array(cells.enumerated().map { cell($1, index: $0) })),
      ("metadata", .object([
        // The rslab kernel's own description, so Jupyter reopens the notebook with it.
        ("kernelspec", KernelSpec.notebookKernelspec),
        ("language_info", KernelSpec.languageInfo),
      ])),
      ("nbformat", .number(4)),
      ("nbformat_minor", .number(5)),
    ])
  }

  private static func cell(_ executed: ExecutedCell, index: Int) -> JSONValue {
    let id: (String, JSONValue) = ("id", .string("cell-\(index + 1)"))
    switch executed.cell.kind {
    case .markdown:
      return .object([
        ("cell_type", .string("markdown")), id,
        ("metadata", .object([])),
        ("source", lines(executed.cell.source)),
      ])
    case .code:
      return .object([
        ("cell_type", .string("code")),
        ("execution_count", executed.executionCount.map { .number(Double($0)) } ?? .null), id,
        ("metadata", .object([])),
        ("outputs", .array(executed.outputs.map(output))),
        ("source", lines(executed.cell.source)),
      ])
    }
  }

  private static func output(_ output: CellOutput) -> JSONValue {
    switch output {
    case let .stream(name, text):
      return .object([("name", .string(name)), ("output_type", .string("stream")), ("text", lines(text))])
    case let .result(text, count):
      return .object([
        ("data", .object([("text/plain", lines(text))])),
        ("execution_count", .number(Double(count))),
        ("metadata", .object([])),
        ("output_type", .string("execute_result")),
      ])
    case let .image(path, png):
      return .object([
        ("data", .object([
          ("image/png", .string(Base64.encode(png))),
          ("text/plain", .array([.string("[image: \(path)]")])),
        ])),
        ("metadata", .object([])),
        ("output_type", .string("display_data")),
      ])
    case let .error(name, message, traceback):
      return .object([
        ("ename", .string(name)),
        ("evalue", .string(message)),
        ("output_type", .string("error")),
        ("traceback", .array(traceback.map { .string($0) })),
      ])
    }
  }

  /// `"a\nb"` -> `["a\n", "b"]`; the empty string -> `[]`.
  static func lines(_ text: String) -> JSONValue {
    var result: [JSONValue] = []
    var current = ""
    for ch in text {
      current.append(ch)
      if ch == "\n" {
        result.append(.string(current))
        current = ""
      }
    }
    if !current.isEmpty { result.append(.string(current)) }
    return .array(result)
  }
}
