#if canImport(Glibc)
import Glibc
#endif
import Interpreter
import Runtime

/// The fuzz targets: one function per input kind that must end with a result or a thrown
/// error for every possible input, never a trap. `FuzzRSL` drives them under libFuzzer
/// (scripts/fuzz.sh); the test suite replays the saved crash corpus (Tests/FuzzCorpus)
/// through the same functions, so a fixed crash stays fixed.
public enum FuzzTarget: String, CaseIterable, Sendable {
  /// The lexer, parser and evaluator, fed RSL source text.
  case rsl
  /// IDX image and label files (plain and gzip).
  case idx
  /// CIFAR-10 / CIFAR-100 binary batches.
  case cifar
  /// PNG images (libpng behind our checks).
  case png
  /// NumPy `.npy` files.
  case npy
  /// Hugging Face safetensors files.
  case safetensors

  /// Runs one input; errors are the expected outcome for most inputs and are ignored.
  public func run(_ data: [UInt8]) {
    FuzzEnvironment.prepare()
    switch self {
    case .rsl: FuzzTarget.runScript(data)
    case .idx: FuzzTarget.runIDX(data)
    case .cifar: FuzzTarget.runCIFAR(data)
    case .png: _ = try? PNGCodec.decode(data)
    case .npy: _ = try? NPY.decode(data, path: "fuzz.npy").tensor()
    case .safetensors: _ = try? Safetensors.decode(data, path: "fuzz.safetensors")
    }
  }

  /// Builtins that write files, load the 60k-image default dataset or train for many steps:
  /// a fuzzer would spend its time there (or litter the folder), so fuzz mode hides them.
  /// Their argument checking is shared with the builtins that stay.
  public static let hiddenBuiltins = [
    "write_text", "save_npy", "save_png", "save", "export_folder", "save_checkpoint", "save_history",
    "plot", "plot_xy", "hist", "confusion_plot", "scatter_features", "show",
    "fashion_mnist", "train", "env", "read_text", "image_folder", "cifar10", "cifar100",
  ]

  /// Step, depth and collection limits of fuzz mode: every input finishes in milliseconds.
  public static var scriptLimits: Limits {
    var l = Limits()
    l.maxSteps = 20_000
    l.maxCallDepth = 150
    l.maxCollection = 100_000
    return l
  }

  static func runScript(_ data: [UInt8]) {
    let source = String(decoding: data, as: UTF8.self)
    let session = Session(output: { _ in }, imageSink: { _ in })
    session.limits = scriptLimits
    for name in hiddenBuiltins { session.define(name, .null) }
    do {
      let result = try session.run(source, file: "fuzz.rsl")
      _ = result.echo
    } catch {
      // Every diagnostic must render (the REPL prints it).
      _ = error.rendered
    }
    // What the REPL does with every line typed: continuation check and tab completion
    // (after the run, so the globals it defined are candidates).
    _ = session.isIncomplete(source)
    let lastLine = String(source.split(separator: "\n", omittingEmptySubsequences: false).last ?? "")
    _ = session.completions(line: lastLine, cursor: lastLine.count)
    _ = session.completions(line: lastLine, cursor: lastLine.count / 2)
    _ = session.variables()
  }

  static func runIDX(_ data: [UInt8]) {
    _ = try? IDXReader.parseImages(data, path: "fuzz-images")
    _ = try? IDXReader.parseLabels(data, path: "fuzz-labels")
    // Gzip data goes through the file reader, which inflates it (damaged streams, bombs).
    if data.count >= 2, data[0] == 0x1f, data[1] == 0x8b, let path = FuzzEnvironment.scratchFile("idx.gz", data) {
      _ = try? Dataset.idx(images: path, labels: path, classNames: ["a", "b"], name: "fuzz", origin: "fuzz")
    }
  }

  static func runCIFAR(_ data: [UInt8]) {
    guard let first = data.first else { return }
    // The first byte picks CIFAR-10 or CIFAR-100 layout; the rest is the batch file.
    let body = Array(data.dropFirst())
    let hundred = first & 1 == 1
    guard let dir = FuzzEnvironment.scratchFolder() else { return }
    let name = hundred ? "test.bin" : "test_batch.bin"
    guard FuzzEnvironment.scratchFile(name, body) != nil else { return }
    if hundred {
      _ = try? Dataset.cifar100(path: dir, split: "test")
    } else {
      _ = try? Dataset.cifar10(path: dir, split: "test")
    }
  }
}

/// Process settings shared by all fuzz inputs: a small memory budget (so huge shapes are
/// refused quickly rather than allocated) and a private scratch folder.
public enum FuzzEnvironment {
  /// The tensor memory budget in fuzz mode.
  public static let memoryLimit = 64 << 20

  /// Applies the fuzz-mode memory limit (idempotent, cheap).
  public static func prepare() {
    if MemoryLimit.limit != memoryLimit { MemoryLimit.limit = memoryLimit }
  }

  /// A per-process folder for readers that only take paths.
  public static func scratchFolder() -> String? {
    let dir = "/tmp/rslab-fuzz-\(getpid())"
    var st = stat()
    if stat(dir, &st) != 0, mkdir(dir, 0o700) != 0 { return nil }
    return dir
  }

  /// Writes `bytes` to `name` in the scratch folder and returns the path.
  public static func scratchFile(_ name: String, _ bytes: [UInt8]) -> String? {
    guard let dir = scratchFolder() else { return nil }
    let path = "\(dir)/\(name)"
    // A plain write: scratch inputs need no durability, and fsync per input halves the rate.
    guard let f = fopen(path, "wb") else { return nil }
    defer { fclose(f) }
    let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
    return written == bytes.count ? path : nil
  }
}
