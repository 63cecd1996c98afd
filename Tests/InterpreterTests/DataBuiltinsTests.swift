import Foundation
import XCTest
@testable import Interpreter

/// The data and augment builtins through the language: pictures, iteration, argument errors.
final class DataBuiltinsTests: XCTestCase {
  func testShowWritesAPictureThatEchoesAsAnImage() throws {
    let dir = NSTemporaryDirectory() + "rslab-show-\(getpid())"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    var images: [String] = []
    let s = Session(output: { _ in }, imageSink: { images.append($0) })
    let r = try s.run("ds = take(fashion_mnist(split: \"test\"), 6)\nshow(ds, n: 4, path: \"\(dir)/grid.png\")", file: "t")
    XCTAssertEqual(images, ["\(dir)/grid.png"])
    XCTAssertTrue(r.echo?.hasPrefix("image(\(dir)/grid.png, ") ?? false, r.echo ?? "no echo")
    XCTAssertTrue(FileManager.default.fileExists(atPath: "\(dir)/grid.png"))
    // Without a path the picture goes to RSLAB_FIGURES.
    setenv("RSLAB_FIGURES", dir, 1)
    defer { unsetenv("RSLAB_FIGURES") }
    let r2 = try s.run("g = show(ds)\ng.path", file: "t")
    XCTAssertTrue(r2.echo?.contains("\(dir)/show-") ?? false, r2.echo ?? "no echo")
  }

  func testIterationIndexingAndArgumentErrors() throws {
    let s = Session(output: { _ in })
    let r = try s.run("""
      ds = take(fashion_mnist(split: "test"), 5)
      n = 0
      for smp in ds
        n += smp.label
      end
      [n, ds[-1].label, len(ds)]
      """, file: "t")
    XCTAssertEqual(r.echo, "[19, 6, 5]")  // labels 9, 2, 1, 1, 6 (Fashion-MNIST test order)
    XCTAssertThrowsError(try s.run("shuffle(ds, seed: -1)", file: "t")) { e in
      XCTAssertTrue("\(e)".contains("non-negative integer expected"), "\(e)")
    }
    XCTAssertThrowsError(try s.run("take(3, 2)", file: "t")) { e in
      XCTAssertTrue("\(e)".contains("dataset expected, got number"), "\(e)")
    }
    XCTAssertThrowsError(try s.run("augment(zeros([1, 4, 4]), 3, seed: 1)", file: "t")) { e in
      XCTAssertTrue("\(e)".contains("augmentation expected"), "\(e)")
    }
  }
}
