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
