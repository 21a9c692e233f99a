// swift-tools-version: 6.0
import PackageDescription

/// libFuzzer harnesses for the readers of hostile input (issue 7). A package of its own so that the main one never
/// sees sanitizer flags; `scripts/fuzz.sh` builds it with `-sanitize=fuzzer,address` and `-enable-testing` (some
/// harnesses reach internal readers through `@testable import`).
let formats = Target.Dependency.product(name: "BilinFormats", package: "bilin-convert")

let package = Package(
    name: "bilin-fuzz",
    dependencies: [.package(name: "bilin-convert", path: "..")],
    targets: [
        .target(name: "CFuzzerDriver"),
        .target(name: "FuzzSupport", dependencies: ["CFuzzerDriver", formats, .product(name: "BilinCore", package: "bilin-convert")]),
        .executableTarget(name: "fuzz-onnx", dependencies: ["FuzzSupport", formats]),
        .executableTarget(name: "fuzz-keras-h5", dependencies: ["FuzzSupport", formats]),
        .executableTarget(name: "fuzz-keras-h5-structure", dependencies: ["FuzzSupport", formats]),
        .executableTarget(name: "fuzz-keras-archive", dependencies: ["FuzzSupport", formats]),
        .executableTarget(name: "fuzz-keras-config", dependencies: ["FuzzSupport", formats]),
        .executableTarget(name: "fuzz-idx", dependencies: ["FuzzSupport"]),
        .executableTarget(name: "fuzz-npy", dependencies: ["FuzzSupport"]),
        .executableTarget(name: "fuzz-npz", dependencies: ["FuzzSupport", formats]),
    ]
)
