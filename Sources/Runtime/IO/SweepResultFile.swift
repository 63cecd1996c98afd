/// The result files of a sweep's cells: one JSON document per finished cell in
/// `OUT/cells/NAME.json`, written atomically by `rslab sweep cell` after the cell's script
/// finished without error (docs/sweeps.md, "Result files"). Readers: `rslab sweep report`
/// and `sweep_results(path)`.
///
/// A document holds `format`, `index`, `cell` (its file name without `.json`), `axes` (the
/// cell's axis values and seed), `parameters` (everything `sweep_params` returned on top of
/// the script's defaults), `seed`, `metrics`, `history`, and provenance (`command`, `script`,
/// `rslab_version`, `git_revision`, `machine`, `blas_threads`, `wall_seconds`, `cpu_seconds`,
/// `started`, `finished`).
public enum SweepResultFile {
  /// The `format` member of every result document.
  public static let format = "rslab-sweep-cell/1"
  /// The subfolder of a sweep's output folder that holds the result files.
  public static let cellsFolder = "cells"

  /// The result file of cell `name` under output folder `out`.
  public static func path(out: String, cell name: String) -> String { "\(out)/\(cellsFolder)/\(name).json" }

  /// Every result document under `out`, sorted by file name; a folder without results gives
  /// an empty list. Throws naming the file when one is unreadable or not a result document
  /// (result files are written atomically, so a damaged one was edited by hand).
  public static func readAll(out: String) throws -> [JSONValue] {
    let dir = "\(out)/\(cellsFolder)"
    guard FileBytes.isDirectory(out) else {
      throw RuntimeError.io(path: out, message: "no such sweep output folder")
    }
    guard FileBytes.isDirectory(dir) else { return [] }
    var documents: [JSONValue] = []
    for name in try FileBytes.list(dir) where name.hasSuffix(".json") && !name.hasSuffix(".failed.json") && !name.hasPrefix(".") {
      documents.append(try read("\(dir)/\(name)"))
    }
    return documents.sorted { ($0["index"].flatMap(\.number) ?? 0) < ($1["index"].flatMap(\.number) ?? 0) }
  }

  /// One result document; throws unless it parses and carries this format.
  public static func read(_ path: String) throws -> JSONValue {
    let doc = try JSONValue.parse(String(decoding: try FileBytes.read(path), as: UTF8.self), path: path)
    guard doc["format"] == .string(format) else {
      throw RuntimeError.io(path: path, message: "not an rslab sweep result (no \"format\": \"\(format)\")")
    }
    return doc
  }

  /// A document as one flat row: `index`, the axes (with `seed`), the metrics, `wall_seconds`,
  /// and `history` when `withHistory`. A metric named like an axis is prefixed `metric_`.
  public static func row(_ doc: JSONValue, withHistory: Bool) -> [(String, JSONValue)] {
    var row: [(String, JSONValue)] = [("index", doc["index"] ?? .null)]
    if case let .object(axes)? = doc["axes"] { row += axes }
    let taken = Set(row.map(\.0))
    if case let .object(metrics)? = doc["metrics"] {
      row += metrics.map { (taken.contains($0.0) ? "metric_\($0.0)" : $0.0, $0.1) }
    }
    row.append(("wall_seconds", doc["wall_seconds"] ?? .null))
    if withHistory, let h = doc["history"], h != .null { row.append(("history", h)) }
    return row
  }
}

extension JSONValue {
  /// The number, if this is one.
  public var number: Double? { if case let .number(d) = self { return d } else { return nil } }
  /// The string, if this is one.
  public var string: String? { if case let .string(s) = self { return s } else { return nil } }
}
