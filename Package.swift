// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "bilin-convert",
    products: [
        .library(name: "BilinCore", targets: ["BilinCore"]),
        .library(name: "BilinFormats", targets: ["BilinFormats"]),
        .library(name: "BilinConvert", targets: ["BilinConvert"]),
        .executable(name: "bilin-convert", targets: ["bilin-convert"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
    ],
    targets: [
        // MARK: - C libraries (Debian packages; see README "Set-up")
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]),
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5-serial", providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(name: "CBilinZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),

        // MARK: - Libraries
        .target(name: "BilinCore", dependencies: ["CBLAS"]),
        .target(
            name: "BilinFormats",
            dependencies: [
                "BilinCore", "CHDF5", "CBilinZlib",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ]),
        /// The whole job (load → plan → factorise → fine-tune → export → report) as a library API.
        .target(name: "BilinConvert", dependencies: ["BilinCore", "BilinFormats"]),

        // MARK: - Tool
        .executableTarget(
            name: "bilin-convert",
            dependencies: [
                "BilinConvert", "BilinCore", "BilinFormats",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // MARK: - Tests
        .target(name: "BilinTestSupport", dependencies: ["BilinCore"], path: "Tests/BilinTestSupport"),
        .testTarget(name: "BilinCoreTests", dependencies: ["BilinCore", "BilinTestSupport"]),
        .testTarget(
            name: "BilinFormatsTests",
            dependencies: ["BilinFormats", "BilinCore", "BilinTestSupport", .product(name: "ZIPFoundation", package: "ZIPFoundation")]),
        // Runs the built tool as a user would; depends on it so that `swift test` builds it first.
        .testTarget(
            name: "BilinConvertCLITests",
            dependencies: [
                "bilin-convert", "BilinCore", "BilinFormats", "BilinTestSupport",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ]),
    ]
)
