import Foundation
import XCTest

@testable import Interpreter

/// Walks the builtin registry: every builtin is documented, named once, and its example
/// parses (and runs, unless it needs files).
final class BuiltinRegistryTests: XCTestCase {
  let registry = BuiltinRegistry.standard

  func testNamesAreUniqueAndMatchSignatures() {
    XCTAssertEqual(registry.duplicates, [], "builtins declared twice")
    for b in registry.all {
      XCTAssertTrue(b.signature.hasPrefix(b.name + "("), "signature of \(b.name): \(b.signature)")
      XCTAssertFalse(b.name.isEmpty)
      XCTAssertFalse(rslKeywords.contains(b.name), "\(b.name) is a keyword")
    }
  }

  func testEveryBuiltinIsDocumented() {
    for b in registry.all {
      XCTAssertFalse(b.doc.isEmpty, "\(b.name) has no doc")
      XCTAssertFalse(b.doc.contains("\n"), "\(b.name): the doc is one line")
      XCTAssertTrue(b.doc.hasSuffix("."), "\(b.name): the doc is a sentence")
      XCTAssertFalse(b.example.isEmpty, "\(b.name) has no example")
      XCTAssertFalse(b.category.isEmpty, "\(b.name) has no category")
      for p in b.parameters {
        if case .optional(let text) = p.kind {
          XCTAssertNotNil(p.defaultValue, "\(b.name): default '\(text)' of \(p.name) does not parse")
        }
      }
    }
  }

  /// The contract's builtins (LANGUAGE.md core, tensor, autodiff, files) are all bound.
  func testContractBuiltinsAreBound() {
    let contract = """
      print len type str num range map filter sum min max abs round sqrt exp log keys values append sorted seed time help error env
      tensor zeros ones full arange eye randn rand shape reshape transpose concat stack flatten item to_list mean argmax std where clip
      relu sigmoid tanh softmax log_softmax one_hot cross_entropy matmul conv2d max_pool2d avg_pool2d
      param backward grad detach no_grad load_npy save_npy load_png save_png read_text write_text
      """.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
    for name in contract { XCTAssertNotNil(registry[name], "\(name) is not bound") }
  }

  func testExamplesParseAndRun() {
    for b in registry.all {
      let out = ConformanceScript.Box()
      let session = Session(output: { out.text += $0 })
      XCTAssertFalse(session.isIncomplete(b.example), "\(b.name): example is incomplete")
      if b.exampleNeedsFiles {
        XCTAssertNoThrow(try Parser.parse(b.example, source: 0), "\(b.name): example does not parse")
        continue
      }
      do {
        _ = try session.run(b.example, file: "example")
      } catch {
        XCTFail("\(b.name): example fails: \(error.rendered)")
      }
    }
  }

  /// docs/builtins.md is generated from the registry; regenerate with
  /// `RSL_WRITE_DOCS=1 swift test --filter BuiltinRegistryTests`.
  func testBuiltinReferenceIsUpToDate() throws {
    let reference = Session().builtinReference()
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("docs/builtins.md")
    if ProcessInfo.processInfo.environment["RSL_WRITE_DOCS"] != nil {
      try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
      try reference.write(to: url, atomically: true, encoding: .utf8)
    }
    let committed = try String(contentsOf: url, encoding: .utf8)
    XCTAssertEqual(committed, reference, "docs/builtins.md is stale; regenerate it (see this test's comment)")
    for b in registry.all { XCTAssertTrue(reference.contains("### `\(b.signature)`")) }
  }
}
