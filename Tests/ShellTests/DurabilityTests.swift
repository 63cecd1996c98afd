import Foundation
import XCTest

/// Files survive the worst exits: `kill -9` in the middle of saving a model leaves the
/// previous file byte-for-byte intact (the write goes to a temporary file that is renamed
/// only when complete), the orphaned temporary file is removed by the next successful save,
/// and SIGTERM lets the current write finish before the script exits with a message.
final class DurabilityTests: XCTestCase {
  /// A model of ~11 MB (WRN-16-4): each save takes long enough to be killed in the middle.
  static let saveLoop = """
    m = wrn(depth: 16, widen: 4, classes: 10, in_channels: 3)
    save(m, "ref.safetensors")
    while true
      save(m, "ckpt.safetensors")
    end
    """

  func inode(_ path: String) -> UInt64? {
    var st = stat()
    return stat(path, &st) == 0 ? UInt64(st.st_ino) : nil
  }

  func contents(_ folder: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
  }

  func testKill9DuringSaveLeavesThePreviousFileIntact() throws {
    let folder = try makeTemporaryFolder(self)
    let script = try writeFile(folder, "loop.rsl", DurabilityTests.saveLoop)
    let ckpt = folder + "/ckpt.safetensors"
    var killedMidWrite = 0
    var rng = SystemRandomNumberGenerator()
    for attempt in 0..<8 {
      let p = Process()
      p.executableURL = URL(fileURLWithPath: try RSLabBinary.path())
      p.arguments = [script]
      p.currentDirectoryURL = URL(fileURLWithPath: folder)
      p.standardOutput = FileHandle.nullDevice
      p.standardError = FileHandle.nullDevice
      try p.run()
      // Wait until this process has completed a save (each rename brings a new inode), then
      // kill at a random moment of the loop, which spends nearly all its time writing.
      let previous = inode(ckpt)
      let start = Date()
      while inode(ckpt) == previous, Date().timeIntervalSince(start) < 30 { usleep(2_000) }
      usleep(UInt32.random(in: 20_000...200_000, using: &rng))
      kill(p.processIdentifier, SIGKILL)
      p.waitUntilExit()
      XCTAssertEqual(p.terminationReason, .uncaughtSignal, "attempt \(attempt)")
      // Every file that exists under the real name is a complete save.
      let ref = try Data(contentsOf: URL(fileURLWithPath: folder + "/ref.safetensors"))
      XCTAssertGreaterThan(ref.count, 10_000_000)
      XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: ckpt)), ref, "attempt \(attempt): the checkpoint was torn")
      if contents(folder).contains(where: { $0.hasPrefix(".ckpt.safetensors.tmp-") }) { killedMidWrite += 1 }
      if killedMidWrite >= 2 { break }
    }
    // The kills really landed inside writes (otherwise the test proves nothing).
    XCTAssertGreaterThan(killedMidWrite, 0, "no kill landed during a write")
    // The next successful save of the same name removes the dead writer's temporary file.
    let once = try RSLabBinary.run(["-e", "save(mlp([2, 2]), \"ckpt.safetensors\")"], directory: folder)
    XCTAssertEqual(once.status, 0, once.stderr)
    XCTAssertEqual(contents(folder), ["ckpt.safetensors", "loop.rsl", "ref.safetensors"])
  }

  func testSigtermFinishesTheCurrentSaveAndExits() throws {
    let folder = try makeTemporaryFolder(self)
    let script = try writeFile(folder, "loop.rsl", DurabilityTests.saveLoop)
    let ckpt = folder + "/ckpt.safetensors"
    let p = Process()
    p.executableURL = URL(fileURLWithPath: try RSLabBinary.path())
    p.arguments = [script]
    p.currentDirectoryURL = URL(fileURLWithPath: folder)
    let errors = Pipe()
    p.standardOutput = FileHandle.nullDevice
    p.standardError = errors
    try p.run()
    // Once saves are under way, SIGTERM lands (almost surely) inside one of them.
    let start = Date()
    while inode(ckpt) == nil, Date().timeIntervalSince(start) < 30 { usleep(2_000) }
    usleep(30_000)
    kill(p.processIdentifier, SIGTERM)
    let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    XCTAssertEqual(p.terminationStatus, 143, stderr)
    XCTAssertTrue(stderr.contains("terminated"), stderr)
    let ref = try Data(contentsOf: URL(fileURLWithPath: folder + "/ref.safetensors"))
    XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: ckpt)), ref)
    // The save interrupted by SIGTERM completed: no temporary file remains.
    XCTAssertEqual(contents(folder), ["ckpt.safetensors", "loop.rsl", "ref.safetensors"])
  }

  /// Training with a checkpoint after every step, killed at a random moment: the checkpoint
  /// under the real name is always complete, and `resume` continues from it to the end.
  static func trainScript(resume: Bool) -> String {
    """
    x = rand([64, 1, 8, 8], seed: 1)
    ds = from_tensors(x, map(range(0, 64), fn(i) i % 4 end))
    run = train(convnet(width: 16, classes: 4, seed: 0), supervised(), labeled: ds, steps: 1500, batch: 16,
                eval_every: 1000, checkpoint_every: 1, checkpoint_path: "ck.safetensors"\(resume ? ", resume: \"ck.safetensors\"" : ""))
    print("steps", run.steps)
    """
  }

  func testKill9DuringTrainingCheckpointResumesFromACompleteFile() throws {
    let folder = try makeTemporaryFolder(self)
    let train = try writeFile(folder, "train.rsl", DurabilityTests.trainScript(resume: false))
    let again = try writeFile(folder, "resume.rsl", DurabilityTests.trainScript(resume: true))
    let ckpt = folder + "/ck.safetensors"
    var rng = SystemRandomNumberGenerator()
    for attempt in 0..<3 {
      unlink(ckpt)
      let p = Process()
      p.executableURL = URL(fileURLWithPath: try RSLabBinary.path())
      p.arguments = [train]
      p.currentDirectoryURL = URL(fileURLWithPath: folder)
      p.standardOutput = FileHandle.nullDevice
      p.standardError = FileHandle.nullDevice
      try p.run()
      let start = Date()
      while inode(ckpt) == nil, Date().timeIntervalSince(start) < 60 { usleep(2_000) }
      usleep(UInt32.random(in: 50_000...400_000, using: &rng))
      kill(p.processIdentifier, SIGKILL)
      p.waitUntilExit()
      XCTAssertEqual(p.terminationReason, .uncaughtSignal, "attempt \(attempt): the run ended before the kill")
      // The file under the real name loads as a checkpoint and the run continues to its end.
      let r = try RSLabBinary.run([again], directory: folder, timeout: 180)
      XCTAssertEqual(r.status, 0, "attempt \(attempt): \(r.stderr)")
      XCTAssertTrue(r.stdout.contains("steps 1500"), "attempt \(attempt): \(r.stdout)")
    }
  }
}
