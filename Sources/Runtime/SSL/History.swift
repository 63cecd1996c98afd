/// A run's history: named numeric columns of equal length, one row per logged step,
/// in insertion order (NaN where a value was not measured at that row).
public struct History: Sendable {
  /// Column names in the order they first appeared.
  public private(set) var columns: [String] = []
  private var data: [String: [Double]] = [:]
  /// Number of rows.
  public private(set) var rows = 0

  public init() {}

  /// The values of one column, or nil if it does not exist.
  public subscript(column: String) -> [Double]? { data[column] }

  /// Appends a row; columns not named are NaN, new columns are back-filled with NaN.
  public mutating func append(_ values: [(String, Double)]) {
    for (k, _) in values where data[k] == nil {
      columns.append(k)
      data[k] = [Double](repeating: .nan, count: rows)
    }
    for k in columns { data[k]!.append(.nan) }
    for (k, v) in values { data[k]![rows] = v }
    rows += 1
  }

  /// The last non-NaN value of a column.
  public func last(_ column: String) -> Double? { data[column]?.last(where: { !$0.isNaN }) }

  /// Comma-separated values with a header line (NaN as an empty field).
  public func csv() -> String {
    var s = columns.joined(separator: ",") + "\n"
    for r in 0..<rows {
      s += columns.map { c in
        let v = data[c]![r]
        return v.isNaN ? "" : History.format(v)
      }.joined(separator: ",") + "\n"
    }
    return s
  }

  /// One JSON object per line (NaN as null).
  public func jsonLines() -> String {
    var s = ""
    for r in 0..<rows {
      s += "{" + columns.map { c in
        let v = data[c]![r]
        return "\"\(c)\": " + (v.isNaN || v.isInfinite ? "null" : History.format(v))
      }.joined(separator: ", ") + "}\n"
    }
    return s
  }

  static func format(_ v: Double) -> String {
    if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
    return "\(v)"
  }

  /// Encodes the whole history as `[column: values]` for checkpoints.
  public var dictionary: [String: [Double]] { data }

  /// Rebuilds a history from `columns` and `dictionary`.
  /// Columns of unequal length (a damaged checkpoint) are cut to the shortest, so every row
  /// index below `rows` is valid in every column.
  public init(columns: [String], data: [String: [Double]]) {
    var seen = Set<String>()
    self.columns = columns.filter { data[$0] != nil && seen.insert($0).inserted }
    let n = self.columns.compactMap { data[$0]?.count }.min() ?? 0
    var kept: [String: [Double]] = [:]
    for c in self.columns { kept[c] = Array((data[c] ?? []).prefix(n)) }
    self.data = kept
    rows = n
  }
}
