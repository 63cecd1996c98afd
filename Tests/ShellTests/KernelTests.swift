import Foundation
import XCTest

/// The Jupyter kernel, tested with Jupyter's own client libraries (jupyter_client, nbclient,
/// nbformat, pinned in scripts/jupyter/requirements.txt) from a Python environment that
/// scripts/jupyter/venv.sh creates once under .build/. When the environment cannot be made
/// (no python3-venv, PyPI unreachable) the tests fail with pip's reason; they never skip.
final class KernelTests: XCTestCase {
  private static let root = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

  /// Runs a program to completion; returns its status and combined output.
  private func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                   timeout: TimeInterval) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: KernelTests.root)
    var env = ProcessInfo.processInfo.environment
    for (k, v) in environment { env[k] = v }
    process.environment = env
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    let box = OutputBox()
    let reader = DispatchGroup()
    reader.enter()
    DispatchQueue.global().async {
      box.data = pipe.fileHandleForReading.readDataToEndOfFile()
      reader.leave()
    }
    try process.run()
    let start = Date()
    while process.isRunning, Date().timeIntervalSince(start) < timeout { usleep(20_000) }
    if process.isRunning {
      process.terminate()
      XCTFail("\(arguments) did not finish within \(timeout) s")
    }
    process.waitUntilExit()
    reader.wait()
    return (process.terminationStatus, String(decoding: box.data, as: UTF8.self))
  }

  private final class OutputBox: @unchecked Sendable { var data = Data() }

  /// Thrown (a test error, not a skip) when the Python environment cannot be made.
  private struct EnvironmentFailure: Error, CustomStringConvertible { let description: String }

  /// The environment's python, creating it on first use.
  private func python() throws -> String {
    let made = try run("/bin/bash", [KernelTests.root + "/scripts/jupyter/venv.sh"], timeout: 600)
    guard made.status == 0, let python = made.output.split(separator: "\n").last.map(String.init) else {
      throw EnvironmentFailure(description: "could not create the Jupyter test environment:\n\(made.output)")
    }
    return python
  }

  private func runScript(_ script: String, _ arguments: [String] = [], timeout: TimeInterval) throws -> String {
    let python = try python()
    let rslab = try RSLabBinary.path()
    let result = try run(python, [KernelTests.root + "/scripts/jupyter/" + script] + arguments,
                         environment: ["RSLAB_BINARY": rslab, "RSLAB_HISTORY": ""], timeout: timeout)
    XCTAssertEqual(result.status, 0, "\(script) failed:\n\(result.output)")
    return result.output
  }

  /// kernel_info, echo, print, error then a working cell, aborting cells queued behind an
  /// error, a picture, training progress updated in place, completion, inspect, is_complete,
  /// meta commands, interrupt by signal and by control message (with the heartbeat and the
  /// control channel answering while a cell runs), forged and malformed messages, restart
  /// and shutdown.
  func testProtocolThroughJupyterClient() throws {
    let output = try runScript("kernel_protocol_test.py", timeout: 180)
    XCTAssertTrue(output.contains("checks passed"), output)
  }

  /// Every tutorial through nbclient equals `rslab notebook`'s outputs; pictures are image/png.
  func testTutorialsThroughNbclient() throws {
    let output = try runScript("kernel_tutorials_test.py", timeout: 900)
    XCTAssertTrue(output.contains("05-rsmatch.rsl:"), output)
    print(output)
  }
}
