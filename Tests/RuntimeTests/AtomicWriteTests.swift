import XCTest
import Foundation
@testable import Runtime

/// AtomicWrite: a failed write leaves the previous file, temporary files of writers that
/// died are removed by the next successful write, and a live writer's file never is.
/// (The kill -9 test through the real binary is in ShellTests/KillDuringWriteTests.)
final class AtomicWriteTests: XCTestCase {
  func entries(_ dir: String) -> [String] { (try? FileBytes.list(dir)) ?? [] }

  func testFailedWriteKeepsPreviousFileAndLeavesNoTemporary() throws {
    let dir = try makeTempDir(self), path = "\(dir)/weights.bin"
    try AtomicWrite.write([1, 2, 3], to: path)
    struct Boom: Error {}
    XCTAssertThrowsError(try AtomicWrite.writeStreaming(to: path) { fd in
      _ = [UInt8](repeating: 9, count: 1000).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
      throw Boom()
    })
    XCTAssertEqual(try FileBytes.read(path), [1, 2, 3])
    XCTAssertEqual(entries(dir), ["weights.bin"])
    assertThrowsMessage(try AtomicWrite.write([1], to: "\(dir)/missing/x.bin"), contains: ["missing/x.bin", "does not exist"])
  }

  func testOrphanedTemporaryIsRemovedByNextWrite() throws {
    let dir = try makeTempDir(self), path = "\(dir)/run.safetensors"
    try AtomicWrite.write([1], to: path)
    // What a writer killed mid-write leaves: an unlocked temporary file.
    let orphan = "\(dir)/.run.safetensors.tmp-AbC123"
    try Data(repeating: 7, count: 4096).write(to: URL(fileURLWithPath: orphan))
    // Files of other names and non-mkstemp lookalikes are not touched.
    let other = "\(dir)/.other.bin.tmp-XyZ789", lookalike = "\(dir)/.run.safetensors.tmp-notmine"
    try Data([1]).write(to: URL(fileURLWithPath: other))
    try Data([1]).write(to: URL(fileURLWithPath: lookalike))
    try AtomicWrite.write([2, 2], to: path)
    XCTAssertEqual(try FileBytes.read(path), [2, 2])
    XCTAssertEqual(Set(entries(dir)), ["run.safetensors", ".other.bin.tmp-XyZ789", ".run.safetensors.tmp-notmine"])
  }

  func testLiveWritersTemporaryIsKept() throws {
    let dir = try makeTempDir(self), path = "\(dir)/h.csv"
    // A concurrent writer holds its lock while writing; the cleanup must leave it alone.
    let live = "\(dir)/.h.csv.tmp-Live01"
    let fd = open(live, O_CREAT | O_RDWR, 0o600)
    XCTAssertGreaterThanOrEqual(fd, 0)
    XCTAssertEqual(flock(fd, LOCK_EX), 0)
    // flock locks belong to the open file description, so a second description (what the
    // cleaner opens) sees the conflict just as another process would.
    try AtomicWrite.write("a,b\n", to: path)
    XCTAssertTrue(entries(dir).contains(".h.csv.tmp-Live01"))
    close(fd)
    try AtomicWrite.write("a,b\n", to: path)
    XCTAssertEqual(entries(dir), ["h.csv"])
  }
}
