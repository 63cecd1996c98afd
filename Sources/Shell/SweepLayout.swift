#if canImport(Glibc)
import Glibc
#endif
import Runtime

/// The files of a sweep's output folder (docs/sweeps.md, "Output folder").
struct SweepLayout {
  let out: String
  var cells: String { "\(out)/\(SweepResultFile.cellsFolder)" }
  var logs: String { "\(out)/logs" }
  var slurm: String { "\(out)/slurm" }

  func result(_ c: SweepCellSpec) -> String { SweepResultFile.path(out: out, cell: c.name) }
  func failure(_ c: SweepCellSpec) -> String { "\(cells)/\(c.name).failed.json" }
  func lock(_ c: SweepCellSpec) -> String { "\(cells)/.\(c.name).lock" }
  func log(_ c: SweepCellSpec) -> String { "\(logs)/\(c.name).log" }

  func create() throws {
    for dir in [out, cells, logs] { try FileSystem.makeDirectory(dir) }
  }

  /// Writes the cell's failure marker atomically: the message, the log, the host and time.
  func recordFailure(_ cell: SweepCellSpec, message: String, log: String?) {
    let marker = JSONValue.object([
      ("index", .number(Double(cell.index))), ("cell", .string(cell.name)),
      ("error", .string(message)), ("log", log.map { .string($0) } ?? .null),
      ("host", .string(Provenance.hostName())), ("finished", .string(Clock.iso8601Now())),
    ])
    try? AtomicWrite.write(marker.rendered(), to: failure(cell))
  }
}
