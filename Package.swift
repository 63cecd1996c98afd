// swift-tools-version:6.0
// rslab: a notebook-style scripting REPL for real-synthetic semi-supervised learning.
// Dependencies point one way: Shell -> Interpreter -> Runtime -> C libraries.
import PackageDescription

let package = Package(
  name: "rslab",
  products: [
    .executable(name: "rslab", targets: ["Shell"]),
    .executable(name: "rslab-bench", targets: ["Bench"]),
    .library(name: "Runtime", targets: ["Runtime"]),
    .library(name: "Interpreter", targets: ["Interpreter"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    // Sweep files (YAML): its Node API keeps each key's and value's line for located errors.
    .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
  ],
  targets: [
    // System libraries: module maps only, installed by scripts/setup.sh.
    .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
    .systemLibrary(name: "CReadline", path: "Sources/CReadline"),
    .systemLibrary(name: "CPNG", path: "Sources/CPNG"),
    .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
    // The Jupyter kernel: ZeroMQ sockets and HMAC-SHA256 message signatures.
    .systemLibrary(name: "CZMQ", path: "Sources/CZMQ"),
    .systemLibrary(name: "CCrypto", path: "Sources/CCrypto"),
    // One training run over several processes: Open MPI.
    .systemLibrary(name: "CMPI", path: "Sources/CMPI"),

    .target(name: "Runtime", dependencies: ["CBLAS", "CPNG", "CZlib", "CMPI"]),
    // The evaluator's hot path reads class fields (frames, globals) millions of times;
    // dynamic exclusivity checks on them cost ~30% of a scalar loop.
    .target(
      name: "Interpreter", dependencies: ["Runtime"],
      swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"])]),
    .executableTarget(
      name: "Shell",
      dependencies: [
        "Interpreter", "Runtime", "CReadline", "CZMQ", "CCrypto",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "Yams", package: "Yams"),
      ]),

    // Performance benchmarks (scripts/bench/run.sh), kept out of the test suite.
    .executableTarget(name: "Bench", dependencies: ["Runtime", "Interpreter"]),

    // Fuzzing (scripts/fuzz.sh builds FuzzRSL with -sanitize=fuzzer,address); the test suite
    // replays the saved crash corpus through the same FuzzTargets.
    .target(name: "FuzzTargets", dependencies: ["Interpreter", "Runtime"]),
    .executableTarget(name: "FuzzRSL", dependencies: ["FuzzTargets"]),

    .target(name: "TestSupport", dependencies: ["Runtime"], path: "Tests/TestSupport"),
    .testTarget(name: "RuntimeTests", dependencies: ["Runtime", "TestSupport"]),
    .testTarget(name: "InterpreterTests", dependencies: ["Interpreter", "Runtime", "TestSupport", "FuzzTargets"]),
    .testTarget(name: "ShellTests", dependencies: ["TestSupport"]),
  ]
)
