import XCTest
@testable import Runtime

/// Ctrl-C (a cancellation token's request) stops each long builtin at its next safe point with
/// RuntimeError.interrupted, consuming the request and leaving its inputs unchanged, so the
/// session that called it stays consistent. (Training and generation keep their progress:
/// TrainerTests.testInterruptReturnsPartialRun, GeneratorTests.testInterruptKeepsTrainedSteps;
/// through the REPL: REPLTests.testCtrlCStopsALongLoopAndKeepsVariables.)
final class InterruptTests: XCTestCase {
  let token = CancellationToken()

  func assertInterrupted<T>(_ body: @autoclosure () throws -> T, line: UInt = #line) {
    token.request()
    XCTAssertThrowsError(try body(), line: line) { e in
      XCTAssertEqual(e as? RuntimeError, .interrupted, line: line)
    }
    XCTAssertFalse(token.isRequested, "the request is consumed", line: line)
  }

  func testEvaluationAndPredictionStop() throws {
    let model = try Model.convnet(width: 4, classes: 10, inChannels: 1, seed: 1)
    let data = try randomDataset(perClass: 3)
    let before = model.parameters.map(\.values)
    model.train()
    assertInterrupted(try Evaluation.evaluate(model, data, cancellation: token))
    XCTAssertTrue(model.isTraining, "the train/eval mode is restored")
    XCTAssertEqual(model.parameters.map(\.values), before)
    // Without a pending request the same call completes.
    XCTAssertEqual(try Evaluation.evaluate(model, data).accuracy, try Evaluation.evaluate(model, data).accuracy)
  }

  func testImageFolderExportAndLoadStop() throws {
    let dir = try makeTempDir(self)
    let data = try randomDataset(perClass: 2, classes: 3)
    assertInterrupted(try data.exportFolder(path: "\(dir)/out", cancellation: token))
    // No half-written image: the export stopped between files.
    let written = try FileBytes.list("\(dir)/out").filter { FileBytes.isDirectory("\(dir)/out/\($0)") }
    for folder in written {
      for f in try FileBytes.list("\(dir)/out/\(folder)") { XCTAssertFalse(f.hasPrefix("."), "temporary file \(f) left") }
    }
    try data.exportFolder(path: "\(dir)/out")
    assertInterrupted(try Dataset.imageFolder(path: "\(dir)/out", cancellation: token))
    XCTAssertEqual(try Dataset.imageFolder(path: "\(dir)/out").count, data.count)
  }
}
