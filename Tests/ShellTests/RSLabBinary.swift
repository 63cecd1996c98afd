import Foundation
import XCTest

/// The built `rslab` executable and a way to run it to completion.
///
/// Tests drive the real binary (as swift-argument-parser's own tests do): it sits next to
/// the test bundle in `.build/<triple>/<config>/`, since `swift build --build-tests`
/// builds every product. `RSLAB_BINARY` overrides the location.
enum RSLabBinary {
  /// What one run produced.
  struct Outcome {
    var status: Int32
    var stdout: String
    var stderr: String
  }

  static func path() throws -> String {
    let fm = FileManager.default
    if let custom = ProcessInfo.processInfo.environment["RSLAB_BINARY"], fm.isExecutableFile(atPath: custom) {
      return custom
    }
    var candidates: [String] = []
    if let exe = try? fm.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
      var dir = (exe as NSString).deletingLastPathComponent
      // On Linux the test runner is `<dir>/rslabPackageTests.xctest`; on macOS it is a bundle.
      if dir.hasSuffix(".xctest/Contents/MacOS") { dir = ((dir as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent }
      candidates.append(dir + "/rslab")
    }
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    candidates += [root + "/.build/release/rslab", root + "/.build/debug/rslab"]
    for c in candidates where fm.isExecutableFile(atPath: c) { return c }
    throw XCTSkip("the rslab binary was not found (looked at \(candidates)); run `swift build --build-tests` first")
  }

  /// Runs rslab with `arguments`, feeding `stdin`; kills it after `timeout` seconds.
  /// `signal` (with `signalAfter` seconds) is sent once while it runs, for SIGTERM tests.
  static func run(_ arguments: [String], stdin: String = "", directory: String? = nil,
                  environment: [String: String] = [:], timeout: TimeInterval = 20,
                  signal: Int32? = nil, signalAfter: TimeInterval = 0) throws -> Outcome {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try path())
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    var env = ProcessInfo.processInfo.environment
    env["RSLAB_HISTORY"] = ""
    for (k, v) in environment { env[k] = v }
    process.environment = env
    let input = Pipe(), output = Pipe(), errors = Pipe()
    process.standardInput = input
    process.standardOutput = output
    process.standardError = errors
    // Drain both pipes concurrently so a chatty child cannot block on a full pipe.
    let outBox = DataBox(), errBox = DataBox()
    let group = DispatchGroup()
    for (handle, box) in [(output.fileHandleForReading, outBox), (errors.fileHandleForReading, errBox)] {
      group.enter()
      DispatchQueue.global().async {
        box.data = handle.readDataToEndOfFile()
        group.leave()
      }
    }
    try process.run()
    input.fileHandleForWriting.write(stdin.data(using: .utf8) ?? Data())
    try? input.fileHandleForWriting.close()
    let start = Date()
    var signalled = false
    while process.isRunning {
      let elapsed = Date().timeIntervalSince(start)
      if let signal, !signalled, elapsed >= signalAfter {
        kill(process.processIdentifier, signal)
        signalled = true
      }
      if elapsed > timeout {
        process.terminate()
        XCTFail("rslab \(arguments) did not finish within \(timeout) s")
        break
      }
      usleep(10_000)
    }
    process.waitUntilExit()
    group.wait()
    return Outcome(status: process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus,
                   stdout: String(decoding: outBox.data, as: UTF8.self),
                   stderr: String(decoding: errBox.data, as: UTF8.self))
  }

  private final class DataBox: @unchecked Sendable {
    var data = Data()
  }
}

/// A fresh temporary folder, removed by the caller's `addTeardownBlock`.
func makeTemporaryFolder(_ test: XCTestCase) throws -> String {
  let url = FileManager.default.temporaryDirectory.appendingPathComponent("rslab-shell-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
  return url.path
}

/// Writes `text` to `folder/name` and returns the path.
@discardableResult
func writeFile(_ folder: String, _ name: String, _ text: String) throws -> String {
  let path = folder + "/" + name
  try text.write(toFile: path, atomically: true, encoding: .utf8)
  return path
}
