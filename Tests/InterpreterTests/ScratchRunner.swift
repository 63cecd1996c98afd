import Foundation
import Interpreter
import XCTest

/// Developer aid: `RSL_EVAL=file.rsl swift test --filter ScratchRunner` runs a script
/// through a Session and prints its output (skipped otherwise).
final class ScratchRunner: XCTestCase {
  func testRunScriptFromEnvironment() throws {
    guard let path = ProcessInfo.processInfo.environment["RSL_EVAL"] else { throw XCTSkip("RSL_EVAL not set") }
    let session = Session(output: { print($0, terminator: "") })
    let text = try String(contentsOfFile: path, encoding: .utf8)
    do {
      let r = try session.run(text, file: path)
      if let e = r.echo { print(e) }
    } catch {
      print(error.rendered)
    }
  }
}
