// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "nwbpeek",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "HDF5", targets: ["HDF5"]),
        .library(name: "NWB", targets: ["NWB"]),
        .executable(name: "nwbpeek", targets: ["nwbpeek"]),
        .executable(name: "nwbpeek-bench", targets: ["nwbpeek-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // System libraries, found through pkg-config (Debian: libcurl4-openssl-dev, zlib1g-dev).
        // libcurl's headers only: the library is loaded at run time (CurlLibrary.swift).
        .systemLibrary(
            name: "CCurl",
            providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(
            name: "CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]),
        // SHA-256 and HMAC-SHA256 for AWS Signature Version 4 (Debian: libssl-dev). Its headers
        // only: the library is loaded at run time (S3/Digest.swift).
        .systemLibrary(
            name: "COpenSSL",
            providers: [.apt(["libssl-dev"])]),
        // Decoders for the chunk filters (Debian: libzstd-dev, liblz4-dev, libblosc-dev, libaec-dev,
        // libdeflate-dev). libaec ships no pkg-config file; its module map links it.
        .systemLibrary(
            name: "CZstd", pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(
            name: "CLZ4", pkgConfig: "liblz4",
            providers: [.apt(["liblz4-dev"])]),
        // Blosc's headers only: the library is loaded at run time (Codecs/Blosc.swift).
        .systemLibrary(
            name: "CBlosc",
            providers: [.apt(["libblosc-dev"])]),
        .systemLibrary(
            name: "CAec",
            providers: [.apt(["libaec-dev"])]),
        .systemLibrary(
            name: "CDeflate", pkgConfig: "libdeflate",
            providers: [.apt(["libdeflate-dev"])]),

        // The array engine's copies that Swift does not compile to vector code (ArrayReader.swift):
        // the interleave of shuffled chunks, and non-temporal stores into a large output.
        .target(name: "CCopyKernels"),

        // Zero-copy byte storage shared by the I/O and decoding layers. No I/O, no HDF5.
        .target(name: "ByteKit"),
        // Where bytes come from: the ByteSource protocol and its implementations. Performs I/O.
        .target(name: "ByteSources", dependencies: ["ByteKit", "CCurl"]),
        // S3 access: `s3://` locations, AWS credentials and configuration, Signature Version 4. No I/O
        // beyond reading the AWS configuration files.
        .target(name: "S3", dependencies: ["ByteSources", "COpenSSL"]),
        // Sans-I/O decoders for every HDF5 on-disk structure. Never performs I/O.
        .target(name: "HDF5Format", dependencies: ["ByteKit"]),
        // Reads selections of chunked arrays: plans fetches, decodes chunks in parallel. No HDF5.
        .target(name: "ArrayEngine", dependencies: ["ByteKit", "ByteSources", "CCopyKernels"]),
        // Sans-I/O decoders for every filter of a chunk's filter pipeline. Knows nothing of HDF5's metadata.
        .target(
            name: "Codecs",
            dependencies: ["ByteKit", "CDeflate", "CZstd", "CLZ4", "CBlosc", "CAec"]),
        // The reader: plans fetches over a ByteSource and drives the decoders.
        .target(name: "HDF5", dependencies: ["ByteKit", "ByteSources", "HDF5Format", "ArrayEngine", "Codecs"]),
        // The NWB layer: sessions, time series and tables in NWB's terms, read through HDF5.
        .target(name: "NWB", dependencies: ["HDF5", "HDF5Format", "ArrayEngine"]),
        .executableTarget(
            name: "nwbpeek",
            dependencies: [
                "HDF5",
                "NWB",
                "S3",
                "ByteSources",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // The benchmark (`make bench`, Docs/BENCHMARKS.md): nwbpeek against h5dump and the Python peers.
        .executableTarget(
            name: "nwbpeek-bench",
            dependencies: [
                "HDF5", "NWB", "ArrayEngine", "ByteSources", "ByteKit", "Codecs",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // libFuzzer harnesses (`make fuzz`); built normally, each replays the inputs it is given.
        .target(name: "FuzzTargets", dependencies: ["HDF5", "HDF5Format", "ArrayEngine", "ByteKit", "ByteSources", "Codecs"]),
        .executableTarget(name: "FuzzFile", dependencies: ["FuzzTargets"]),
        .executableTarget(name: "FuzzMessages", dependencies: ["FuzzTargets"]),
        .executableTarget(name: "FuzzCodecs", dependencies: ["FuzzTargets"]),
        .executableTarget(name: "FuzzRemote", dependencies: ["FuzzTargets"]),

        // Helpers shared by the test targets.
        .target(name: "TestSupport", path: "Tests/TestSupport", exclude: ["range_server.py"]),
        .testTarget(name: "HDF5FormatTests", dependencies: ["HDF5Format", "ByteKit", "TestSupport"]),
        .testTarget(name: "ArrayEngineTests", dependencies: ["ArrayEngine", "ByteKit", "ByteSources", "TestSupport"]),
        .testTarget(name: "CodecsTests", dependencies: ["Codecs", "ByteKit", "CZlib", "CZstd", "TestSupport"]),
        .testTarget(name: "S3Tests", dependencies: ["S3", "ByteSources", "TestSupport"]),
        .testTarget(name: "NWBTests", dependencies: ["NWB", "HDF5", "HDF5Format", "ByteSources", "TestSupport"]),
        .testTarget(name: "ByteSourcesTests", dependencies: ["ByteSources", "ByteKit", "TestSupport"]),
        .testTarget(name: "HDF5Tests", dependencies: ["HDF5", "ByteSources", "HDF5Format", "ArrayEngine", "Codecs", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
