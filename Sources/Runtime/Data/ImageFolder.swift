/// Datasets stored as folders of PNG files, one subfolder per class — the layout image
/// tools and generative-model scripts write, so users can bring their own real or generated
/// images and export rslab's.
///
/// Class order is the subfolders sorted by name, unless the root holds `classes.txt` (one
/// class name per line, in class order), which `exportFolder` writes so that a round trip
/// keeps class names and order. A class's subfolder is its name with `/` replaced by `_`.
public enum ImageFolder {
  /// The list of class names written beside the class folders.
  public static let classListFile = "classes.txt"

  /// The folder name used for class `i` called `name`.
  static func folderName(_ name: String, index: Int) -> String {
    let s = String(name.map { $0 == "/" || $0 == "\0" || $0.isNewline ? "_" : $0 })
    return s.isEmpty || s == "." || s == ".." || s == classListFile ? "class_\(index)" : s
  }

  /// Interleaved (H x W x C) pixels with `from` channels to planar (C x H x W) with `to`
  /// channels: grey is replicated to RGB, alpha dropped, RGB to grey by ITU-R 601 luma.
  static func planar(_ px: [UInt8], from a: Int, to b: Int, pixels n: Int, into out: inout [UInt8]) {
    let start = out.count
    out.append(contentsOf: repeatElement(0, count: n * b))
    out.withUnsafeMutableBufferPointer { o in
      px.withUnsafeBufferPointer { s in
        let dst = o.baseAddress! + start
        for k in 0..<n {
          let p = k * a
          if b == 1 {
            if a >= 3 {
              let l = (299 * Int(s[p]) + 587 * Int(s[p + 1]) + 114 * Int(s[p + 2]) + 500) / 1000
              dst[k] = UInt8(min(l, 255))
            } else {
              dst[k] = s[p]
            }
          } else {
            for ch in 0..<b { dst[ch * n + k] = a >= 3 ? s[p + ch] : s[p] }
          }
        }
      }
    }
  }
}

extension Dataset {
  /// Loads a folder with one subfolder of PNG files per class.
  ///
  /// - Parameters:
  ///   - synthetic: mark every image synthetic (a folder of generated images).
  ///   - channels: 1 or 3; default 1 when every file is grey, else 3 (alpha is dropped).
  /// - Throws: naming the file or folder for a missing root, no class folders, an empty class
  ///   folder not named in `classes.txt`, no images at all, a file that is not a valid PNG,
  ///   or images of different sizes.
  public static func imageFolder(path: String, synthetic: Bool = false, channels: Int? = nil,
                                 cancellation: CancellationToken? = nil) throws -> Dataset {
    let op = "image_folder"
    if let c = channels, c != 1, c != 3 {
      throw RuntimeError.invalidArgument(op: op, message: "channels must be 1 or 3, got \(c)")
    }
    guard FileBytes.isDirectory(path) else { throw RuntimeError.io(path: path, message: "folder not found") }
    let root = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
    let entries = try FileBytes.list(root)
    var classNames: [String], folders: [String]
    let listPath = "\(root)/\(ImageFolder.classListFile)"
    let hasClassList = FileBytes.isFile(listPath)
    if hasClassList {
      let text = String(decoding: try FileBytes.read(listPath), as: UTF8.self)
      classNames = text.split(separator: "\n", omittingEmptySubsequences: true).map { $0.trimmedSpaces() }.filter { !$0.isEmpty }
      folders = classNames.enumerated().map { ImageFolder.folderName($1, index: $0) }
      guard !classNames.isEmpty else { throw RuntimeError.io(path: listPath, message: "lists no class names") }
      let listed = Set(folders)
      if let extra = entries.first(where: { !listed.contains($0) && !$0.hasPrefix(".") && FileBytes.isDirectory("\(root)/\($0)") }) {
        throw RuntimeError.io(path: "\(root)/\(extra)", message: "class folder is not listed in \(ImageFolder.classListFile)")
      }
    } else {
      folders = entries.filter { !$0.hasPrefix(".") && FileBytes.isDirectory("\(root)/\($0)") }
      classNames = folders
    }
    guard !folders.isEmpty else {
      throw RuntimeError.io(path: root, message: "no class folders (expected one subfolder of PNG files per class)")
    }
    // Decode everything first: the channel count is known only after seeing every file.
    var decoded: [(pixels: [UInt8], channels: Int)] = [], labels: [Int] = []
    var size: (w: Int, h: Int, file: String)?
    for (label, folder) in folders.enumerated() {
      let dir = "\(root)/\(folder)"
      guard FileBytes.isDirectory(dir) else {
        throw RuntimeError.io(path: dir, message: "class folder '\(classNames[label])' not found")
      }
      let files = try FileBytes.list(dir).filter { !$0.hasPrefix(".") && FileBytes.isFile("\(dir)/\($0)") }
      // A class named in classes.txt may have no images (exportFolder writes every class
      // of a dataset, present or not); an empty folder found by listing is a mistake.
      guard !files.isEmpty || hasClassList else {
        throw RuntimeError.io(path: dir, message: "class folder '\(classNames[label])' has no images")
      }
      for f in files {
        try cancellation.check()
        let file = "\(dir)/\(f)"
        let img = try PNGCodec.read(path: file)
        if let s = size {
          guard img.width == s.w, img.height == s.h else {
            throw RuntimeError.io(path: file, message: "image is \(img.width)x\(img.height), but \(s.file) is \(s.w)x\(s.h); all images must have one size")
          }
        } else {
          size = (img.width, img.height, file)
        }
        decoded.append((img.pixels, img.channels))
        labels.append(label)
      }
    }
    guard let s = size else { throw RuntimeError.io(path: root, message: "no images") }
    let c = channels ?? (decoded.allSatisfy { $0.channels == 1 } ? 1 : 3)
    try MemoryLimit.check(elements: decoded.count * c * s.w * s.h / 4, op: op)
    var pixels: [UInt8] = []
    pixels.reserveCapacity(decoded.count * c * s.w * s.h)
    for d in decoded { ImageFolder.planar(d.pixels, from: d.channels, to: c, pixels: s.w * s.h, into: &pixels) }
    let origin = PathName.baseName(of: root)
    return Dataset(
      unchecked: origin, pixels: pixels, labels: labels, classNames: classNames,
      channels: c, height: s.h, width: s.w,
      synthetic: [Bool](repeating: synthetic, count: labels.count),
      originIDs: [Int32](repeating: 0, count: labels.count), originNames: [origin])
  }

  /// Writes the dataset as an image folder: `path/classes.txt` and one subfolder of PNG files
  /// per class (`<index>.png`, the sample's index in this dataset, zero-padded). Every file is
  /// written atomically; existing files of the same names are replaced.
  public func exportFolder(path: String, cancellation: CancellationToken? = nil) throws {
    try FileBytes.makeDirectory(path)
    var folders: [String] = []
    for (i, name) in classNames.enumerated() {
      var f = ImageFolder.folderName(name, index: i)
      if folders.contains(f) { f += "_\(i)" }
      folders.append(f)
      try FileBytes.makeDirectory("\(path)/\(f)")
    }
    // classes.txt must name the folders actually used, so write names that map to them.
    let listed = zip(classNames, folders).map { name, folder in
      ImageFolder.folderName(name, index: 0) == folder && !name.contains(where: \.isNewline) ? name : folder
    }
    try AtomicWrite.write(listed.joined(separator: "\n") + "\n", to: "\(path)/\(ImageFolder.classListFile)")
    let digits = String(max(count - 1, 0)).count
    let plane = height * width
    var interleaved = [UInt8](repeating: 0, count: imageSize)
    for i in 0..<count {
      try cancellation.check()
      let base = i * imageSize
      for k in 0..<plane { for ch in 0..<channels { interleaved[k * channels + ch] = pixels[base + ch * plane + k] } }
      let n = String(i)
      let file = "\(path)/\(folders[labels[i]])/\(String(repeating: "0", count: digits - n.count))\(n).png"
      try PNGCodec.write(path: file, pixels: interleaved, width: width, height: height, channels: channels)
    }
  }
}
