/// Reads the binary versions of CIFAR-10 and CIFAR-100 (3x32x32 RGB, row-major planes).
///
/// CIFAR-10 records are 1 label byte + 3072 pixel bytes, in `data_batch_1.bin` ...
/// `data_batch_5.bin` and `test_batch.bin`; CIFAR-100 records are a coarse and a fine label
/// byte + 3072 pixel bytes, in `train.bin` and `test.bin` (rslab uses the fine labels).
public enum CIFARReader {
  /// Bytes of one image (3 x 32 x 32).
  static let imageBytes = 3 * 32 * 32

  /// CIFAR-10 class names, used when `batches.meta.txt` is absent.
  public static let cifar10Classes = [
    "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
  ]

  /// CIFAR-100 fine class names, used when `fine_label_names.txt` is absent.
  public static let cifar100Classes = [
    "apple", "aquarium_fish", "baby", "bear", "beaver", "bed", "bee", "beetle", "bicycle", "bottle",
    "bowl", "boy", "bridge", "bus", "butterfly", "camel", "can", "castle", "caterpillar", "cattle",
    "chair", "chimpanzee", "clock", "cloud", "cockroach", "couch", "crab", "crocodile", "cup", "dinosaur",
    "dolphin", "elephant", "flatfish", "forest", "fox", "girl", "hamster", "house", "kangaroo", "keyboard",
    "lamp", "lawn_mower", "leopard", "lion", "lizard", "lobster", "man", "maple_tree", "motorcycle", "mountain",
    "mouse", "mushroom", "oak_tree", "orange", "orchid", "otter", "palm_tree", "pear", "pickup_truck", "pine_tree",
    "plain", "plate", "poppy", "porcupine", "possum", "rabbit", "raccoon", "ray", "road", "rocket",
    "rose", "sea", "seal", "shark", "shrew", "skunk", "skyscraper", "snail", "snake", "spider",
    "squirrel", "streetcar", "sunflower", "sweet_pepper", "table", "tank", "telephone", "television", "tiger", "tractor",
    "train", "trout", "tulip", "turtle", "wardrobe", "whale", "willow_tree", "wolf", "woman", "worm",
  ]

  /// Decodes records of `labelBytes` label bytes + one image; the label used is the last
  /// label byte (CIFAR-100's fine label). Appends to `pixels` and `labels`.
  static func parse(
    _ bytes: [UInt8], path: String, labelBytes: Int, classes: Int,
    pixels: inout [UInt8], labels: inout [Int]
  ) throws {
    let record = labelBytes + imageBytes
    guard !bytes.isEmpty else { throw RuntimeError.io(path: path, message: "empty file, expected \(record)-byte CIFAR records") }
    guard bytes.count % record == 0 else {
      throw RuntimeError.io(
        path: path, message: "truncated file: \(bytes.count) bytes is not a whole number of \(record)-byte CIFAR records (\(bytes.count / record) complete, \(bytes.count % record) bytes left over)")
    }
    let n = bytes.count / record
    let base = pixels.count
    pixels.append(contentsOf: repeatElement(0, count: n * imageBytes))
    labels.reserveCapacity(labels.count + n)
    try bytes.withUnsafeBufferPointer { src in
      try pixels.withUnsafeMutableBufferPointer { dst in
        for i in 0..<n {
          let r = src.baseAddress! + i * record
          let label = Int(r[labelBytes - 1])
          guard label < classes else {
            throw RuntimeError.io(path: path, message: "record \(i) has label \(label), expected 0..<\(classes)")
          }
          labels.append(label)
          (dst.baseAddress! + base + i * imageBytes).update(from: r + labelBytes, count: imageBytes)
        }
      }
    }
  }

  /// Class names from a text file with one name per line, if it exists and has `count` names.
  static func classNames(file: String, count: Int, defaults: [String]) throws -> [String] {
    guard FileBytes.isFile(file) else { return defaults }
    let text = String(decoding: try FileBytes.read(file), as: UTF8.self)
    let names = text.split(whereSeparator: \.isNewline).map { $0.trimmedSpaces() }.filter { !$0.isEmpty }
    guard names.count == count else {
      throw RuntimeError.io(path: file, message: "expected \(count) class names, one per line, found \(names.count)")
    }
    return names
  }

  /// The folder holding the batches: `path` itself or its standard subfolder.
  static func folder(_ path: String, sub: String, marker: String, op: String) throws -> String {
    if FileBytes.isFile("\(path)/\(marker)") { return path }
    if FileBytes.isFile("\(path)/\(sub)/\(marker)") { return "\(path)/\(sub)" }
    guard FileBytes.isDirectory(path) else { throw RuntimeError.io(path: path, message: "folder not found (\(op))") }
    return path
  }
}

extension Substring {
  func trimmedSpaces() -> String {
    var s = self[...]
    while let f = s.first, f == " " || f == "\t" || f == "\r" { s = s.dropFirst() }
    while let l = s.last, l == " " || l == "\t" || l == "\r" { s = s.dropLast() }
    return String(s)
  }
}

extension Dataset {
  /// Loads CIFAR-10 from its binary batches in `path` (or `path/cifar-10-batches-bin`):
  /// "train" = `data_batch_1...5.bin` (50,000 images), "test" = `test_batch.bin`.
  public static func cifar10(path: String, split: String = "train") throws -> Dataset {
    let op = "cifar10"
    let dir = try CIFARReader.folder(path, sub: "cifar-10-batches-bin", marker: "test_batch.bin", op: op)
    let files: [String]
    switch split {
    case "train": files = (1...5).map { "\(dir)/data_batch_\($0).bin" }
    case "test": files = ["\(dir)/test_batch.bin"]
    default: throw RuntimeError.invalidArgument(op: op, message: "split must be \"train\" or \"test\", got \"\(split)\"")
    }
    let names = try CIFARReader.classNames(file: "\(dir)/batches.meta.txt", count: 10, defaults: CIFARReader.cifar10Classes)
    var pixels: [UInt8] = [], labels: [Int] = []
    for f in files {
      try CIFARReader.parse(FileBytes.read(f), path: f, labelBytes: 1, classes: 10, pixels: &pixels, labels: &labels)
    }
    return Dataset(
      unchecked: "cifar10/\(split)", pixels: pixels, labels: labels, classNames: names,
      channels: 3, height: 32, width: 32, synthetic: [Bool](repeating: false, count: labels.count),
      originIDs: [Int32](repeating: 0, count: labels.count), originNames: ["cifar10"])
  }

  /// Loads CIFAR-100 (fine labels) from `train.bin` / `test.bin` in `path` (or
  /// `path/cifar-100-binary`).
  public static func cifar100(path: String, split: String = "train") throws -> Dataset {
    let op = "cifar100"
    let dir = try CIFARReader.folder(path, sub: "cifar-100-binary", marker: "test.bin", op: op)
    guard split == "train" || split == "test" else {
      throw RuntimeError.invalidArgument(op: op, message: "split must be \"train\" or \"test\", got \"\(split)\"")
    }
    let names = try CIFARReader.classNames(file: "\(dir)/fine_label_names.txt", count: 100, defaults: CIFARReader.cifar100Classes)
    var pixels: [UInt8] = [], labels: [Int] = []
    let f = "\(dir)/\(split).bin"
    try CIFARReader.parse(FileBytes.read(f), path: f, labelBytes: 2, classes: 100, pixels: &pixels, labels: &labels)
    return Dataset(
      unchecked: "cifar100/\(split)", pixels: pixels, labels: labels, classNames: names,
      channels: 3, height: 32, width: 32, synthetic: [Bool](repeating: false, count: labels.count),
      originIDs: [Int32](repeating: 0, count: labels.count), originNames: ["cifar100"])
  }
}
