import Foundation
import XCTest

/// Validates notebooks with the official `nbformat` package, installed from PyPI into a
/// virtual environment cached under /tmp (keyed by the package name, so later runs reuse it).
enum NBFormatValidator {
  static let venv = "/tmp/rslab-venv-nbformat"

  /// The venv's python, creating the venv on first use; throws XCTSkip (with the reason
  /// printed) when python3, venv or PyPI is unavailable.
  static func python() throws -> String {
    let python = venv + "/bin/python"
    if shell([python, "-c", "import nbformat"]).status == 0 { return python }
    // Build beside the final path and rename, so a concurrent or interrupted run never
    // leaves a half-made venv at the cached location.
    let staging = venv + "-staging-\(getpid())"
    defer { try? FileManager.default.removeItem(atPath: staging) }
    let made = shell(["/usr/bin/env", "python3", "-m", "venv", staging])
    guard made.status == 0 else { return try skip("python3 -m venv failed: \(made.output)") }
    let pip = shell([staging + "/bin/pip", "install", "--quiet", "--disable-pip-version-check", "nbformat"])
    guard pip.status == 0 else { return try skip("pip install nbformat failed: \(pip.output)") }
    try? FileManager.default.removeItem(atPath: venv)
    do {
      try FileManager.default.moveItem(atPath: staging, toPath: venv)
    } catch {
      return try skip("cannot move the venv into place: \(error)")
    }
    guard shell([python, "-c", "import nbformat"]).status == 0 else {
      return try skip("nbformat does not import from \(venv)")
    }
    return python
  }

  /// Runs `nbformat.validate` on the notebook at `path`; returns nil when valid, else the
  /// validation message.
  static func validate(_ path: String) throws -> String? {
    let python = try python()
    let check = shell([python, "-c", """
      import sys, nbformat
      nb = nbformat.read(sys.argv[1], as_version=nbformat.NO_CONVERT)
      nbformat.validate(nb)
      assert nb.nbformat == 4 and nb.nbformat_minor == 5, (nb.nbformat, nb.nbformat_minor)
      print("valid")
      """, path])
    return check.status == 0 && check.output.contains("valid") ? nil : check.output
  }

  private static func skip(_ reason: String) throws -> String {
    print("NBFormatValidator: skipping nbformat validation: \(reason)")
    throw XCTSkip("nbformat unavailable: \(reason)")
  }

  private static func shell(_ command: [String]) -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: command[0])
    process.arguments = Array(command.dropFirst())
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    do { try process.run() } catch { return (-1, "\(error)") }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
  }
}
