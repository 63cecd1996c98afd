#if canImport(Glibc)
import Glibc
#endif
import FuzzTargets
import Synchronization

// The fuzzing driver: `FuzzRSL TARGET [libFuzzer options] [CORPUS...]`, TARGET one of
// rsl, idx, cifar, png, npy, safetensors.
//
// Built by scripts/fuzz.sh with `-sanitize=fuzzer,address -DFUZZING`, it hands control to
// libFuzzer (coverage-guided mutation, crash minimisation). A plain build (no sanitizer, as
// `swift build` and CI make it) replays the given files through the target instead, which
// reproduces a saved crash without the fuzzing runtime.

/// The selected target, read by the C callback (which cannot capture context).
let selectedTarget = Atomic<Int>(0)

/// Writes a line to standard error (the C `stderr` global is not concurrency-safe in Swift 6).
func complain(_ line: String) {
  let text = line + "\n"
  _ = text.withCString { write(2, $0, strlen($0)) }
}

func usage() -> Never {
  let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: "|")
  complain("usage: FuzzRSL \(names) [libFuzzer options] [corpus folders or files...]")
  exit(2)
}

var arguments = CommandLine.arguments
guard arguments.count >= 2, let target = FuzzTarget(rawValue: arguments[1]),
      let targetIndex = FuzzTarget.allCases.firstIndex(of: target) else { usage() }
selectedTarget.store(targetIndex, ordering: .relaxed)
arguments.remove(at: 1)

#if FUZZING
/// libFuzzer's entry point for a driver that owns `main`.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
  _ argc: UnsafeMutablePointer<Int32>,
  _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
  _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

var cArguments: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
var argc = Int32(arguments.count)
let status = cArguments.withUnsafeMutableBufferPointer { argv -> Int32 in
  var base = argv.baseAddress
  return LLVMFuzzerRunDriver(&argc, &base) { data, size in
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    FuzzTarget.allCases[selectedTarget.load(ordering: .relaxed)].run(bytes)
    return 0
  }
}
exit(status)
#else
/// Replay mode: runs every file (or every file in every folder) given.
func files(_ path: String) -> [String] {
  guard let dir = opendir(path) else { return [path] }
  defer { closedir(dir) }
  var out: [String] = []
  while let e = readdir(dir) {
    let name = withUnsafeBytes(of: e.pointee.d_name) { String(cString: $0.baseAddress!.assumingMemoryBound(to: CChar.self)) }
    if !name.hasPrefix(".") { out.append("\(path)/\(name)") }
  }
  return out.sorted()
}

var count = 0
for path in arguments.dropFirst() where !path.hasPrefix("-") {
  for file in files(path) {
    guard let f = fopen(file, "rb") else { complain("FuzzRSL: cannot open \(file)"); exit(1) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
      let n = fread(&chunk, 1, chunk.count, f)
      if n <= 0 { break }
      bytes += chunk[0..<n]
    }
    fclose(f)
    target.run(bytes)
    count += 1
  }
}
print("FuzzRSL \(target.rawValue): replayed \(count) inputs without a crash (plain build; scripts/fuzz.sh fuzzes)")
#endif
