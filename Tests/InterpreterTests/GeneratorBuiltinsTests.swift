import Foundation
import XCTest
@testable import Interpreter

/// train_generator / generate / save_generator / load_generator through the language.
final class GeneratorBuiltinsTests: XCTestCase {
  func testTrainGenerateAndProvenance() throws {
    let s = Session(output: { _ in })
    let r = try s.run("""
      real = take(fashion_mnist(split: "test"), 64)
      g = train_generator(real, kind: "cvae", steps: 3, seed: 0, batch: 16)
      syn = generate(g, per_class: 2, seed: 1)
      [len(syn), syn.num_synthetic, syn.origins, class_counts(syn)[9], g.steps, len(g.history), syn.shape]
      """, file: "t")
    XCTAssertEqual(r.echo, "[20, 20, [\"cvae\"], 2, 3, 3, [1, 28, 28]]")
    let same = try s.run("to_list(images(generate(g, per_class: 2, seed: 1))) == to_list(images(syn))", file: "t")
    XCTAssertEqual(same.echo, "true")
  }

  func testPosteriorReconstructionsFromARealDataset() throws {
    let s = Session(output: { _ in })
    let r = try s.run("""
      g = train_generator(take(fashion_mnist(split: "test"), 64), steps: 2, seed: 0, batch: 16)
      src = subset(fashion_mnist(split: "test"), 100..112)
      rec = generate(g, from: src, seed: 0)
      [len(rec), rec.num_synthetic, rec.origins, to_list(labels(rec)) == to_list(labels(src)), rec.shape]
      """, file: "t")
    XCTAssertEqual(r.echo, "[12, 12, [\"cvae-posterior\"], true, [1, 28, 28]]")
    XCTAssertEqual(try s.run("to_list(images(generate(g, from: src, seed: 5))) == to_list(images(rec))", file: "t").echo, "true")
    for (code, message) in [("generate(g, seed: 0)", "per_class: (prior samples) or from: (reconstructions) expected"),
                            ("generate(g, per_class: 2, seed: 0, from: src)", "exclude each other"),
                            ("generate(g, seed: 0, temperature: 0.5, from: src)", "temperature applies to prior samples"),
                            ("generate(train_generator(src, kind: \"gan\", steps: 1, seed: 0, batch: 4), seed: 0, from: src)", "gan has no encoder")] {
      XCTAssertThrowsError(try s.run(code, file: "t"), code) { e in XCTAssertTrue("\(e)".contains(message), "\(code): \(e)") }
    }
  }

  func testErrorsNameTheProblem() throws {
    let s = Session(output: { _ in })
    _ = try s.run("real = take(fashion_mnist(split: \"test\"), 8)", file: "t")
    XCTAssertThrowsError(try s.run("train_generator(real, kind: \"diffusion9\", steps: 1, seed: 0)", file: "t")) { e in
      XCTAssertTrue("\(e)".contains("unknown generator kind 'diffusion9'; kinds are cvae, gan"), "\(e)")
    }
    XCTAssertThrowsError(try s.run("generate(real, per_class: 1, seed: 0)", file: "t")) { e in
      XCTAssertTrue("\(e)".contains("generator expected, got dataset"), "\(e)")
    }
  }

  func testSaveAndLoad() throws {
    let path = NSTemporaryDirectory() + "rslab-gen-\(getpid()).safetensors"
    defer { try? FileManager.default.removeItem(atPath: path) }
    let s = Session(output: { _ in })
    let r = try s.run("""
      g = train_generator(take(fashion_mnist(split: "test"), 32), steps: 2, seed: 3, batch: 8)
      save_generator(g, "\(path)")
      h = load_generator("\(path)")
      [h.kind, h.steps, to_list(images(generate(h, per_class: 1, seed: 5))) == to_list(images(generate(g, per_class: 1, seed: 5)))]
      """, file: "t")
    XCTAssertEqual(r.echo, "[\"cvae\", 2, true]")
  }
}
