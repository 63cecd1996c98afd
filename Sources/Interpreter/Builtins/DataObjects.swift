import Runtime
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A dataset as a language value: `ds[i]` is `{image, label, synthetic, origin}`, `len(ds)`
/// its size, `for s in ds` its samples; members `name`, `size`, `classes`, `shape`,
/// `num_synthetic`.
final class DatasetObject: NativeObject {
  let dataset: Dataset
  init(_ dataset: Dataset) { self.dataset = dataset }

  var typeName: String { "dataset" }
  var summary: String { "dataset(\(dataset.summary))" }
  var memberNames: [String] { ["name", "size", "classes", "shape", "num_synthetic", "origins"] }
  var length: Int? { dataset.count }

  func member(_ name: String) throws -> Value? {
    switch name {
    case "name": return .string(dataset.name)
    case "size": return .number(Double(dataset.count))
    case "classes": return .list(dataset.classNames.map { .string($0) })
    case "shape": return .list(dataset.imageShape.map { .number(Double($0)) })
    case "num_synthetic": return .number(Double(dataset.syntheticCount))
    case "origins": return .list(dataset.originNames.map { .string($0) })
    default: return nil
    }
  }

  func index(_ key: Value) throws -> Value? {
    guard case .number(let v) = key, let i0 = Arguments.integer(v) else {
      throw RuntimeError.invalidArgument(op: "dataset index", message: "an integer index is expected, got \(key.typeName)")
    }
    let i = i0 < 0 ? i0 + dataset.count : i0
    return try sample(i)
  }

  func sample(_ i: Int) throws -> Value {
    .record([
      ("image", .tensor(try dataset.imageTensor(at: i))),
      ("label", .number(Double(dataset.labels[i]))),
      ("synthetic", .bool(dataset.synthetic[i])),
      ("origin", .string(try dataset.origin(at: i))),
    ])
  }

  // No `elements()`: `for s in ds` then visits samples lazily through `length` and
  // `index`, so a loop that breaks early never builds every sample of a 60,000-image set.
}

/// An augmentation policy (`weak_aug()`, `strong_aug(n, m)`), applied with `augment`.
final class AugmentationObject: NativeObject {
  let augmentation: Augmentation
  init(_ augmentation: Augmentation) { self.augmentation = augmentation }
  var typeName: String { "augmentation" }
  var summary: String { augmentation.name }
}


/// A PNG file made by a builtin (`show(ds)`): displays as its path, notebooks embed it.
final class ShownImageObject: NativeObject {
  let path: String
  let width: Int, height: Int
  init(path: String, width: Int, height: Int) { self.path = path; self.width = width; self.height = height }
  var typeName: String { "image" }
  var summary: String { "image(\(path), \(width)x\(height))" }
  var imagePath: String? { path }
  var memberNames: [String] { ["path", "width", "height"] }
  func member(_ name: String) throws -> Value? {
    switch name {
    case "path": return .string(path)
    case "width": return .number(Double(width))
    case "height": return .number(Double(height))
    default: return nil
    }
  }
}

/// Default file names for pictures made without a `path:`: `$RSLAB_FIGURES/<kind>-<n>.png`,
/// else a per-process folder under `$TMPDIR` (or /tmp).
enum FigurePath {
  private static let counter = Atomic<Int>(0)

  static func next(_ kind: String) throws -> String {
    let env = getenv("RSLAB_FIGURES").map { String(cString: $0) }
    let tmp = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
    let dir = env.flatMap { $0.isEmpty ? nil : $0 } ?? "\(tmp)/rslab-figures-\(getpid())"
    if mkdir(dir, 0o755) != 0 && errno != EEXIST {
      throw RuntimeError.io(path: dir, message: "cannot create the figures folder: \(String(cString: strerror(errno)))")
    }
    let n = counter.add(1, ordering: .relaxed).newValue
    return "\(dir)/\(kind)-\(n).png"
  }
}
