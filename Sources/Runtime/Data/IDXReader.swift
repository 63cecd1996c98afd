/// Reads the IDX format of MNIST and Fashion-MNIST (gzip-compressed or plain).
///
/// Layout (big-endian): two zero bytes, a type byte (0x08 = unsigned byte), the number of
/// dimensions, one 32-bit size per dimension, then the data. Images are 0x00000803
/// (N x rows x cols), labels 0x00000801 (N).
public enum IDXReader {
  /// Fashion-MNIST class names, in label order.
  public static let fashionMNISTClasses = [
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
  ]

  /// The folder searched when no path is given: `$RSLAB_DATA` (or its `fashion-mnist`
  /// subfolder), else `/usr/share/datasets/fashion-mnist` (Debian `dataset-fashion-mnist`).
  public static func defaultFashionMNISTFolder() -> String {
    if let env = FileBytes.environment("RSLAB_DATA") {
      let sub = env + "/fashion-mnist"
      return FileBytes.isDirectory(sub) ? sub : env
    }
    return "/usr/share/datasets/fashion-mnist"
  }

  /// Decodes an IDX image file: returns (count, rows, cols, pixels).
  public static func parseImages(_ bytes: [UInt8], path: String) throws -> (count: Int, rows: Int, cols: Int, pixels: [UInt8]) {
    let dims = try header(bytes, path: path, expectedDims: 3, kind: "image")
    let (n, r, c) = (dims[0], dims[1], dims[2])
    guard r >= 1, c >= 1 else { throw RuntimeError.io(path: path, message: "image size \(r)x\(c) is empty") }
    let (rc, o1) = r.multipliedReportingOverflow(by: c)
    let (need, o2) = n.multipliedReportingOverflow(by: rc)
    let start = 16
    guard !o1, !o2, bytes.count - start >= need else {
      throw RuntimeError.io(
        path: path, message: "truncated file: the header promises \(n) images of \(r)x\(c) (\(need) bytes) but only \(bytes.count - start) bytes follow")
    }
    return (n, r, c, Array(bytes[start ..< start + need]))
  }

  /// Decodes an IDX label file.
  public static func parseLabels(_ bytes: [UInt8], path: String) throws -> [Int] {
    let dims = try header(bytes, path: path, expectedDims: 1, kind: "label")
    let n = dims[0], start = 8
    guard bytes.count - start >= n else {
      throw RuntimeError.io(
        path: path, message: "truncated file: the header promises \(n) labels but only \(bytes.count - start) bytes follow")
    }
    return bytes[start ..< start + n].map { Int($0) }
  }

  /// Checks the magic number and returns the dimension sizes.
  static func header(_ bytes: [UInt8], path: String, expectedDims: Int, kind: String) throws -> [Int] {
    let expected = 0x0800 | expectedDims
    guard bytes.count >= 4 else {
      throw RuntimeError.io(path: path, message: "truncated file: \(bytes.count) bytes, too short for an IDX header")
    }
    let magic = Int(bytes[0]) << 24 | Int(bytes[1]) << 16 | Int(bytes[2]) << 8 | Int(bytes[3])
    guard magic == expected else {
      throw RuntimeError.io(
        path: path, message: "wrong magic number \(hex(magic)), expected \(hex(expected)) for an IDX \(kind) file")
    }
    let headerSize = 4 + 4 * expectedDims
    guard bytes.count >= headerSize else {
      throw RuntimeError.io(path: path, message: "truncated file: \(bytes.count) bytes, too short for an IDX header")
    }
    return (0..<expectedDims).map { d in
      let o = 4 + 4 * d
      return Int(bytes[o]) << 24 | Int(bytes[o + 1]) << 16 | Int(bytes[o + 2]) << 8 | Int(bytes[o + 3])
    }
  }

  static func hex(_ v: Int) -> String {
    let s = String(v, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, 8 - s.count)) + s
  }

  /// Finds `stem.gz` or `stem` in `folder`.
  static func locate(_ stem: String, in folder: String, op: String) throws -> String {
    for candidate in ["\(folder)/\(stem).gz", "\(folder)/\(stem)"] where FileBytes.isFile(candidate) {
      return candidate
    }
    throw RuntimeError.io(
      path: "\(folder)/\(stem).gz", message: "file not found (\(op) looks for \(stem).gz or \(stem); pass path: or set RSLAB_DATA)")
  }
}

extension Dataset {
  /// Loads Fashion-MNIST (`split` "train": 60,000 images, "test": 10,000; 1x28x28, 10 classes).
  ///
  /// - Parameter path: the folder with the four `*-idx?-ubyte[.gz]` files; default
  ///   `IDXReader.defaultFashionMNISTFolder()`.
  public static func fashionMNIST(split: String = "train", path: String? = nil) throws -> Dataset {
    let op = "fashion_mnist"
    let prefix: String
    switch split {
    case "train": prefix = "train"
    case "test": prefix = "t10k"
    default: throw RuntimeError.invalidArgument(op: op, message: "split must be \"train\" or \"test\", got \"\(split)\"")
    }
    let folder = path ?? IDXReader.defaultFashionMNISTFolder()
    guard FileBytes.isDirectory(folder) else {
      throw RuntimeError.io(path: folder, message: "folder not found (\(op) needs the Fashion-MNIST IDX files; pass path: or set RSLAB_DATA)")
    }
    return try idx(
      images: IDXReader.locate("\(prefix)-images-idx3-ubyte", in: folder, op: op),
      labels: IDXReader.locate("\(prefix)-labels-idx1-ubyte", in: folder, op: op),
      classNames: IDXReader.fashionMNISTClasses, name: "fashion-mnist/\(split)", origin: "fashion-mnist")
  }

  /// Loads a pair of IDX files (images and labels) as a real dataset.
  public static func idx(images: String, labels: String, classNames: [String], name: String, origin: String) throws -> Dataset {
    let img = try IDXReader.parseImages(FileBytes.readMaybeGzip(images), path: images)
    let lab = try IDXReader.parseLabels(FileBytes.readMaybeGzip(labels), path: labels)
    guard img.count == lab.count else {
      throw RuntimeError.io(path: labels, message: "label/image count mismatch: \(lab.count) labels for \(img.count) images in \(images)")
    }
    if let bad = lab.firstIndex(where: { $0 >= classNames.count }) {
      throw RuntimeError.io(path: labels, message: "label \(lab[bad]) of sample \(bad) is not a class index in 0..<\(classNames.count)")
    }
    return Dataset(
      unchecked: name, pixels: img.pixels, labels: lab, classNames: classNames,
      channels: 1, height: img.rows, width: img.cols,
      synthetic: [Bool](repeating: false, count: lab.count),
      originIDs: [Int32](repeating: 0, count: lab.count), originNames: [origin])
  }
}
