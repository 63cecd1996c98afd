#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Interpreter
import Runtime
import Yams

/// A sweep file (YAML, docs/sweeps.md): the cell script, the grid, seeds, fixed parameters,
/// resources, the output folder and an optional baseline. Every error names the file, the
/// line and column, and the key.
struct SweepFile {
  /// The path as given on the command line.
  let path: String
  let name: String
  /// The cell script, resolved against the sweep file's folder.
  let script: String
  /// The output folder, resolved against the sweep file's folder (or `--out`).
  let out: String
  let seeds: [Int]
  /// Axis names in file order (the same in every grid block).
  let axisNames: [String]
  /// Grid blocks: each is a product of its axes' values; the grid is their union.
  let blocks: [[(String, [JSONValue])]]
  let fixed: [(String, JSONValue)]
  /// Axis values that identify the baseline group (e.g. method: fixmatch); empty for none.
  let baseline: [(String, JSONValue)]
  let resources: Resources
  let slurm: SlurmOptions
  /// Metrics to summarise (nil: every numeric metric) and the history column to plot.
  let reportMetrics: [String]?
  let curve: String?
  /// Every cell, in index order: seeds outermost, then blocks, then the product.
  let cells: [SweepCellSpec]
  /// The `--set key=value` overrides this sweep was loaded with (passed on to every cell).
  var sets: [String] = []

  struct Resources {
    /// BLAS threads per process (per rank when `ranks` > 1).
    var threads: Int?
    /// MPI ranks one cell trains on, data-parallel (`mpirun -np K` locally, `srun -n K` under Slurm).
    var ranks = 1
    var memory: String?
    var time: String?
  }

  struct SlurmOptions {
    var partition: String?
    var account: String?
    var qos: String?
    var maxParallel: Int?
    /// srun's MPI plugin for cells with several ranks (`srun --mpi=X`), e.g. pmix; nil: the cluster's default.
    var mpi: String?
    var extra: [String] = []
  }

  static let topKeys = ["name", "script", "out", "seeds", "axes", "fixed", "baseline", "resources", "slurm", "report"]
  static let reserved: Set<String> = ["seed", "out"]

  /// Reads and checks `path`; `outOverride` replaces the file's `out`; `sets` (`key=value`,
  /// the value read as YAML) replace or add fixed parameters (`rslab sweep run --set`).
  static func load(_ path: String, outOverride: String? = nil, sets: [String] = []) throws -> SweepFile {
    let text: String
    do { text = try FileBytes.readText(path) } catch {
      throw SweepFileError(file: path, line: nil, key: nil, message: "cannot read the sweep file: \(error)")
    }
    var p = SweepFileParser(file: path, folder: PathName.directory(of: path))
    var sweep = try p.parse(text, outOverride: outOverride, sets: sets)
    sweep.sets = sets
    return sweep
  }

  /// `cells[index]`, or an error naming the valid range.
  func cell(_ index: Int) throws -> SweepCellSpec {
    guard cells.indices.contains(index) else {
      throw SweepFileError(file: path, line: nil, key: nil, message: "cell index \(index) is out of range: the sweep has \(cells.count) cells (0..\(cells.count - 1))")
    }
    return cells[index]
  }
}

/// One cell: its axis values (with `seed`) and what `sweep_params` receives.
struct SweepCellSpec {
  let index: Int
  /// File-name-safe identity from the axis values and seed, e.g. `method=fixmatch_ratio=0.5_seed=1`.
  let name: String
  /// Axis values then `seed`.
  let axes: [(String, JSONValue)]
  let seed: Int
  /// Fixed parameters, axis values, seed, out: what `sweep_params` overrides the defaults with.
  let parameters: [(String, JSONValue)]

  /// The group this cell belongs to (every axis but the seed), as text.
  var group: String { SweepCellSpec.describe(axes.filter { $0.0 != "seed" }) }

  static func describe(_ pairs: [(String, JSONValue)]) -> String {
    pairs.map { "\($0.0)=\(valueText($0.1))" }.joined(separator: " ")
  }

  /// A value as a user writes it: strings bare, numbers in their shortest form.
  static func valueText(_ v: JSONValue) -> String {
    if case .string(let s) = v { return s }
    return v.text
  }
}

/// A located problem in a sweep file: `file:line:col: key 'k': message`.
struct SweepFileError: Error, CustomStringConvertible {
  let file: String
  let line: Int?
  var column: Int? = nil
  let key: String?
  let message: String

  init(file: String, line: Int?, column: Int? = nil, key: String?, message: String) {
    self.file = file; self.line = line; self.column = column; self.key = key; self.message = message
  }

  var description: String {
    var s = file
    if let line { s += ":\(line)" + (column.map { ":\($0)" } ?? "") }
    s += ": "
    if let key { s += "'\(key)': " }
    return s + message
  }
}

/// Walks the YAML node tree of a sweep file.
private struct SweepFileParser {
  let file: String
  let folder: String

  func fail(_ node: Node?, _ key: String?, _ message: String) -> SweepFileError {
    SweepFileError(file: file, line: node?.mark?.line, column: node?.mark?.column, key: key, message: message)
  }

  /// The members of a mapping node, rejecting duplicate and unknown keys.
  func members(_ node: Node, _ key: String?, allowed: [String]?) throws -> [(String, Node, Node)] {
    guard let mapping = node.mapping else { throw fail(node, key, "a mapping (key: value lines) expected, got \(kind(node))") }
    var seen: Set<String> = []
    var out: [(String, Node, Node)] = []
    for (k, v) in mapping {
      guard let name = k.scalar?.string else { throw fail(k, key, "keys must be plain names") }
      guard seen.insert(name).inserted else { throw fail(k, name, "given twice") }
      if let allowed, !allowed.contains(name) {
        let hint = Suggest.closest(to: name, in: allowed).map { " (did you mean '\($0)'?)" } ?? ""
        throw fail(k, name, "unknown key\(hint); expected one of: \(allowed.joined(separator: ", "))")
      }
      out.append((name, k, v))
    }
    return out
  }

  func kind(_ node: Node) -> String {
    switch node {
    case .mapping: return "a mapping"
    case .sequence: return "a list"
    case .scalar: return "'\(node.scalar?.string ?? "")'"
    }
  }

  /// A YAML value as JSON, keeping YAML's types (int/float/bool/null/string, lists, mappings).
  func value(_ node: Node, _ key: String) throws -> JSONValue {
    switch node {
    case .scalar(let s):
      switch Tag.Name(rawValue: node.tag.description) {
      case .int: if let i = node.int { return .number(Double(i)) }
      case .float: if let d = node.float, d.isFinite { return .number(d) }
        throw fail(node, key, "\(s.string) is not a finite number")
      case .bool: if let b = node.bool { return .bool(b) }
      case .null: return .null
      default: break
      }
      return .string(s.string)
    case .sequence(let seq): return .array(try seq.map { try value($0, key) })
    case .mapping: return .object(try members(node, key, allowed: nil).map { ($0.0, try value($0.2, "\(key).\($0.0)")) })
    }
  }

  func string(_ node: Node, _ key: String) throws -> String {
    guard case .scalar(let s) = node, Tag.Name(rawValue: node.tag.description) != .null else { throw fail(node, key, "a string expected, got \(kind(node))") }
    return s.string
  }

  func positiveInt(_ node: Node, _ key: String) throws -> Int {
    guard case .scalar = node, let i = node.int, i >= 1 else { throw fail(node, key, "a whole number >= 1 expected, got \(kind(node))") }
    return i
  }

  func resolve(_ p: String) -> String { p.hasPrefix("/") || folder == "." ? p : "\(folder)/\(p)" }

  mutating func parse(_ text: String, outOverride: String?, sets: [String]) throws -> SweepFile {
    let root: Node
    do {
      guard let r = try Yams.compose(yaml: text) else { throw fail(nil, nil, "the file is empty") }
      root = r
    } catch let e as YamlError {
      throw yamlError(e)
    }
    var name = PathName.baseName(of: file)
    if let dot = name.lastIndex(of: ".") { name = String(name[..<dot]) }
    var script: String?, out: String?, seeds: [Int]?, blocks: [[(String, [JSONValue])]]?
    var axesNode: Node?, fixed: [(String, JSONValue)] = [], baselineNode: Node?
    var resources = SweepFile.Resources(), slurm = SweepFile.SlurmOptions()
    var reportMetrics: [String]?, curve: String?
    var scriptNode: Node?, outNode: Node?, fixedKeys: [(String, Node?)] = []
    for (key, _, v) in try members(root, nil, allowed: SweepFile.topKeys) {
      switch key {
      case "name": name = try string(v, key)
      case "script": script = resolve(try string(v, key)); scriptNode = v
      case "out": out = resolve(try string(v, key)); outNode = v
      case "seeds": seeds = try parseSeeds(v)
      case "axes": blocks = try parseAxes(v); axesNode = v
      case "fixed":
        for (k, kn, fv) in try members(v, key, allowed: nil) {
          if SweepFile.reserved.contains(k) { throw fail(kn, k, "'\(k)' is set by the sweep itself (use 'seeds' and 'out')") }
          fixed.append((k, try value(fv, k))); fixedKeys.append((k, kn))
        }
      case "baseline": baselineNode = v
      case "resources":
        for (k, _, rv) in try members(v, key, allowed: ["threads", "ranks", "memory", "time"]) {
          switch k {
          case "threads": resources.threads = try positiveInt(rv, "resources.threads")
          case "ranks": resources.ranks = try positiveInt(rv, "resources.ranks")
          case "memory":
            let m = try string(rv, "resources.memory")
            guard m.range(of: #"^[0-9]+[KMGT]?$"#, options: .regularExpression) != nil else {
              throw fail(rv, "resources.memory", "a size such as 4G, 500M or 2000 (megabytes) expected, got '\(m)'")
            }
            resources.memory = m
          default:
            let t = try string(rv, "resources.time")
            guard t.range(of: #"^([0-9]+-)?[0-9]+(:[0-9]{1,2}){0,2}$"#, options: .regularExpression) != nil else {
              throw fail(rv, "resources.time", "a Slurm time such as 30, 1:30:00 or 1-00:00:00 expected, got '\(t)'")
            }
            resources.time = t
          }
        }
      case "slurm":
        for (k, _, sv) in try members(v, key, allowed: ["partition", "account", "qos", "max_parallel", "mpi", "extra"]) {
          switch k {
          case "mpi": slurm.mpi = try string(sv, "slurm.mpi")
          case "partition": slurm.partition = try string(sv, "slurm.partition")
          case "account": slurm.account = try string(sv, "slurm.account")
          case "qos": slurm.qos = try string(sv, "slurm.qos")
          case "max_parallel": slurm.maxParallel = try positiveInt(sv, "slurm.max_parallel")
          default:
            guard let seq = sv.sequence else { throw fail(sv, "slurm.extra", "a list of sbatch options expected, e.g. [\"--constraint=avx2\"]") }
            slurm.extra = try seq.map { try string($0, "slurm.extra") }
          }
        }
      default:
        for (k, _, rv) in try members(v, key, allowed: ["metrics", "curve"]) {
          if k == "curve" { curve = try string(rv, "report.curve"); continue }
          guard let seq = rv.sequence else { throw fail(rv, "report.metrics", "a list of metric names expected") }
          reportMetrics = try seq.map { try string($0, "report.metrics") }
        }
      }
    }
    for set in sets {
      guard let eq = set.firstIndex(of: "="), eq != set.startIndex else {
        throw SweepFileError(file: "--set", line: nil, key: set, message: "key=value expected, e.g. --set steps=20")
      }
      let k = String(set[..<eq]), text = String(set[set.index(after: eq)...])
      let node: Node
      do { node = try Yams.compose(yaml: text) ?? Node("", Tag(.null)) } catch {
        throw SweepFileError(file: "--set", line: nil, key: k, message: "not a YAML value: \(text)")
      }
      if SweepFile.reserved.contains(k) { throw SweepFileError(file: "--set", line: nil, key: k, message: "'\(k)' is set by the sweep itself") }
      let v = try value(node, k)
      if let i = fixed.firstIndex(where: { $0.0 == k }) { fixed[i].1 = v } else {
        fixed.append((k, v)); fixedKeys.append((k, nil))
      }
    }
    guard let script, let scriptNode else { throw fail(root, "script", "missing: the RSL script that runs one cell") }
    guard let blocks, let axesNode else { throw fail(root, "axes", "missing: the grid (axis: [values, ...])") }
    let axisNames = blocks[0].map(\.0)
    let outFolder = outOverride ?? out
    guard let outFolder else { throw fail(root, "out", "missing: the output folder") }
    for (k, kn) in fixedKeys where axisNames.contains(k) {
      throw fail(kn, k, "is both a fixed parameter and an axis")
    }
    // The script must exist, and every parameter the sweep sets must be one it declares.
    guard let source = try? FileBytes.readText(script) else {
      throw fail(scriptNode, "script", "cannot read the cell script \(script)")
    }
    if let declared = Session.sweepParameterNames(in: source) {
      let hintFor = { (k: String) in Suggest.closest(to: k, in: declared).map { " (did you mean '\($0)'?)" } ?? "" }
      for k in axisNames where !declared.contains(k) {
        throw fail(axisNode(axesNode, k), k, "unknown axis: the cell script \(script) has no parameter '\(k)'\(hintFor(k)); its sweep_params defaults are: \(declared.joined(separator: ", "))")
      }
      for (k, kn) in fixedKeys where !declared.contains(k) {
        throw fail(kn, k, "unknown fixed parameter: the cell script \(script) has no parameter '\(k)'\(hintFor(k)); its sweep_params defaults are: \(declared.joined(separator: ", "))")
      }
    }
    try checkOutFolder(outFolder, node: outOverride == nil ? outNode : nil)
    var baseline: [(String, JSONValue)] = []
    if let b = baselineNode {
      for (k, kn, bv) in try members(b, "baseline", allowed: nil) {
        guard axisNames.contains(k) else {
          let hint = Suggest.closest(to: k, in: axisNames).map { " (did you mean '\($0)'?)" } ?? ""
          throw fail(kn, k, "unknown axis in baseline\(hint); axes: \(axisNames.joined(separator: ", "))")
        }
        let v = try value(bv, k)
        guard blocks.contains(where: { $0.contains { $0.0 == k && $0.1.contains(v) } }) else {
          throw fail(bv, k, "baseline value \(SweepCellSpec.valueText(v)) is not among the axis's values")
        }
        baseline.append((k, v))
      }
    }
    let seedList = seeds ?? [0]
    var cells: [SweepCellSpec] = []
    var names: Set<String> = []
    for seed in seedList {
      for block in blocks {
        for combo in product(block) {
          let axes = combo + [("seed", .number(Double(seed)))]
          let cellName = SweepFileParser.cellName(axes)
          guard names.insert(cellName).inserted else {
            throw fail(axesNode, "axes", "the grid holds the cell \(SweepCellSpec.describe(axes)) twice (blocks overlap)")
          }
          cells.append(SweepCellSpec(index: cells.count, name: cellName, axes: axes, seed: seed,
                                     parameters: fixed + axes + [("out", .string(outFolder))]))
        }
      }
    }
    return SweepFile(path: file, name: name, script: script, out: outFolder, seeds: seedList, axisNames: axisNames,
                     blocks: blocks, fixed: fixed, baseline: baseline, resources: resources, slurm: slurm,
                     reportMetrics: reportMetrics, curve: curve, cells: cells)
  }

  func yamlError(_ e: YamlError) -> SweepFileError {
    switch e {
    case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _), let .composer(context, problem, mark, _):
      let ctx = context.map { " (\($0.text))" } ?? ""
      return SweepFileError(file: file, line: mark.line, column: mark.column, key: nil, message: "not valid YAML: \(problem)\(ctx)")
    default:
      return SweepFileError(file: file, line: nil, key: nil, message: "not valid YAML: \(e)")
    }
  }

  func axisNode(_ axes: Node, _ key: String) -> Node? {
    let maps = axes.sequence.map { Array($0) } ?? [axes]
    for m in maps { for (k, _) in m.mapping ?? [:] where k.scalar?.string == key { return k } }
    return axes
  }

  func parseSeeds(_ node: Node) throws -> [Int] {
    var seeds: [Int]
    if case .scalar = node, let n = node.int {
      guard n >= 1 else { throw fail(node, "seeds", "a count >= 1 or a list of seeds expected") }
      seeds = Array(0..<n)
    } else if let seq = node.sequence {
      seeds = try seq.map {
        guard case .scalar = $0, let s = $0.int, s >= 0 else { throw fail($0, "seeds", "a seed must be a whole number >= 0, got \(kind($0))") }
        return s
      }
      guard !seeds.isEmpty else { throw fail(node, "seeds", "the list is empty") }
      guard Set(seeds).count == seeds.count else { throw fail(node, "seeds", "a seed is listed twice") }
    } else {
      throw fail(node, "seeds", "a count (3 means 0, 1, 2) or a list of seeds expected, got \(kind(node))")
    }
    return seeds
  }

  /// `axes:` is one mapping (a product) or a list of mappings (a union of products), each
  /// axis a non-empty list of distinct values; every block names the same axes.
  func parseAxes(_ node: Node) throws -> [[(String, [JSONValue])]] {
    let blockNodes: [Node]
    if let seq = node.sequence {
      blockNodes = Array(seq)
      guard !blockNodes.isEmpty else { throw fail(node, "axes", "the list of grid blocks is empty") }
    } else {
      blockNodes = [node]
    }
    var blocks: [[(String, [JSONValue])]] = []
    for b in blockNodes {
      var block: [(String, [JSONValue])] = []
      for (k, kn, v) in try members(b, "axes", allowed: nil) {
        if SweepFile.reserved.contains(k) { throw fail(kn, k, "'\(k)' cannot be an axis (use 'seeds' / 'out')") }
        guard let seq = v.sequence else { throw fail(v, k, "an axis is a list of values, e.g. [fixmatch, rsmatch]; got \(kind(v))") }
        let values = try seq.map { try value($0, k) }
        guard !values.isEmpty else { throw fail(v, k, "the axis has no values") }
        for (i, x) in values.enumerated() where values[..<i].contains(x) {
          throw fail(v, k, "the value \(SweepCellSpec.valueText(x)) is listed twice")
        }
        block.append((k, values))
      }
      guard !block.isEmpty else { throw fail(b, "axes", "a grid block needs at least one axis") }
      if let first = blocks.first, Set(first.map(\.0)) != Set(block.map(\.0)) {
        throw fail(b, "axes", "every grid block must name the same axes (\(first.map(\.0).joined(separator: ", "))); this one names \(block.map(\.0).joined(separator: ", "))")
      }
      // Keep the first block's axis order in every block.
      if let first = blocks.first { block = first.map { name in block.first { $0.0 == name.0 }! } }
      blocks.append(block)
    }
    return blocks
  }

  func product(_ block: [(String, [JSONValue])]) -> [[(String, JSONValue)]] {
    var combos: [[(String, JSONValue)]] = [[]]
    for (name, values) in block {
      combos = combos.flatMap { c in values.map { c + [(name, $0)] } }
    }
    return combos
  }

  /// The output folder must be creatable and, when it exists, readable and writable.
  func checkOutFolder(_ out: String, node: Node?) throws {
    let key = node == nil ? "--out" : "out"
    if FileSystem.isDirectory(out) {
      guard access(out, R_OK | W_OK | X_OK) == 0 else {
        throw fail(node, key, "the output folder \(out) is not readable and writable: \(String(cString: strerror(errno)))")
      }
      return
    }
    var st = stat()
    if stat(out, &st) == 0 { throw fail(node, key, "\(out) exists and is not a folder") }
    // The nearest existing ancestor must be a folder that lets us create the rest.
    var parent = PathName.directory(of: out)
    while stat(parent, &st) != 0, parent != "/", parent != "." { parent = PathName.directory(of: parent) }
    guard FileSystem.isDirectory(parent) else {
      throw fail(node, key, "cannot create the output folder \(out): \(parent) is not a folder")
    }
    guard access(parent, W_OK | X_OK) == 0 else {
      throw fail(node, key, "cannot create the output folder \(out): \(parent) is not writable")
    }
  }

  /// The cell's file name: `axis=value_..._seed=S` (see `SweepFileName.safe`).
  static func cellName(_ axes: [(String, JSONValue)]) -> String {
    SweepFileName.safe(axes.map { "\($0.0)=\(SweepCellSpec.valueText($0.1))" }.joined(separator: "_"))
  }
}

/// File names made from cell and group descriptions.
enum SweepFileName {
  /// `raw` restricted to `A-Za-z0-9._=+-` (others become `-`); a name that had to change or
  /// is long keeps a prefix and gains a hash of the original, so distinct cells stay distinct.
  static func safe(_ raw: String) -> String {
    var safe = String(raw.unicodeScalars.map { s -> Character in
      let ok = (s >= "a" && s <= "z") || (s >= "A" && s <= "Z") || (s >= "0" && s <= "9") || "._=+-".unicodeScalars.contains(s)
      return ok ? Character(s) : "-"
    })
    if safe.utf8.count > 150 || safe != raw {
      var h: UInt64 = 0xcbf29ce484222325
      for b in raw.utf8 { h = (h ^ UInt64(b)) &* 0x100000001b3 }
      let hex = String(h, radix: 16)
      safe = String(safe.prefix(120)) + "~" + String(repeating: "0", count: 16 - hex.count) + hex
    }
    return safe
  }
}
