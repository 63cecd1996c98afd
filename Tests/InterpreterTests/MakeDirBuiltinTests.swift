import Foundation
import XCTest
@testable import Interpreter

/// `make_dir` creates nested folders, accepts existing ones and refuses a file in the way.
final class MakeDirBuiltinTests: XCTestCase {
  func testCreatesParentsAndIsIdempotent() throws {
    let root = NSTemporaryDirectory() + "rslab-make-dir-\(getpid())"
    defer { try? FileManager.default.removeItem(atPath: root) }
    let s = Session(output: { _ in })
    _ = try s.run("make_dir(\"\(root)/a/b/c\")\nmake_dir(\"\(root)/a/b/c\")\nwrite_text(\"\(root)/a/b/c/x.txt\", \"hi\")",
                  file: "t.rsl")
    var isDir: ObjCBool = false
    XCTAssertTrue(FileManager.default.fileExists(atPath: root + "/a/b/c", isDirectory: &isDir) && isDir.boolValue)
    XCTAssertEqual(try String(contentsOfFile: root + "/a/b/c/x.txt", encoding: .utf8), "hi")
    XCTAssertThrowsError(try s.run("make_dir(\"\(root)/a/b/c/x.txt/d\")", file: "t.rsl")) { error in
      XCTAssertTrue("\(error)".contains("not a folder"), "\(error)")
    }
  }
}
