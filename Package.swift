// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Kappa",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "kappa", targets: ["kappa"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.0"..<"5.0.0"),
    ],
    targets: [
        // Kafka protocol values: primitives, headers, messages, RecordBatch v2. No I/O.
        .target(name: "KappaWire", dependencies: [
            .product(name: "NIOCore", package: "swift-nio"),
        ]),
        // Partition logs on disk (or in memory): segments, indexes, recovery, retention.
        .target(name: "KappaLog", dependencies: [
            "KappaWire",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Topics, request handlers, producer ids; answers decoded requests.
        .target(name: "KappaBroker", dependencies: [
            "KappaWire", "KappaLog",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "DequeModule", package: "swift-collections"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "TOMLKit", package: "TOMLKit"),
        ]),
        // The TCP listener: framing, limits, ordered dispatch to KappaBroker.
        .target(name: "KappaServer", dependencies: [
            "KappaWire", "KappaBroker",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "DequeModule", package: "swift-collections"),
        ]),
        // Microbenchmarks of the broker's hot paths (CRC-32C, batch headers, log append, Produce/Fetch
        // codecs); `make bench` runs the release build.
        .executableTarget(name: "kappa-microbench", dependencies: [
            "KappaWire", "KappaLog",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ], path: "Benchmarks"),
        // ncurses (wide-character build) for the dashboard's terminal.
        .systemLibrary(name: "CNCurses", pkgConfig: "ncursesw", providers: [.apt(["libncurses-dev"])]),
        .executableTarget(name: "kappa", dependencies: [
            "KappaServer", "KappaBroker", "KappaLog", "KappaClient", "KappaTUI", "CNCurses",
            .product(name: "TOMLKit", package: "TOMLKit"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ]),
        // The dashboard's pure core: state, key reducer, layout, cell-grid rendering, themes, command parsing.
        // No curses and no Kafka client here, so all of it is testable without a terminal.
        .target(name: "KappaTUI", dependencies: [
            .product(name: "DequeModule", package: "swift-collections"),
            .product(name: "TOMLKit", package: "TOMLKit"),
        ]),
        // librdkafka 2.0.x headers for the dashboard's Kafka client (apt: librdkafka-dev).
        .systemLibrary(name: "CRdKafka", pkgConfig: "rdkafka", providers: [.apt(["librdkafka-dev"])]),
        // A small Swift client over librdkafka: admin, producer, group consumer, paged reader; plus a raw
        // Kafka protocol client (KappaWire codecs) for the transaction admin APIs librdkafka 2.0 lacks.
        .target(name: "KappaClient", dependencies: [
            "CRdKafka", "KappaWire", .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "KappaWireTests", dependencies: [
            "KappaWire", .product(name: "NIOCore", package: "swift-nio"),
        ]),
        .testTarget(name: "KappaLogTests", dependencies: [
            "KappaLog", "KappaWire", .product(name: "NIOCore", package: "swift-nio"),
        ]),
        .testTarget(name: "KappaBrokerTests", dependencies: [
            "KappaBroker", "KappaWire", "KappaLog", .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOEmbedded", package: "swift-nio"),
        ]),
        .testTarget(name: "KappaServerTests", dependencies: [
            "KappaServer", "KappaWire", .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOEmbedded", package: "swift-nio"),
        ]),
        .testTarget(name: "KappaTUITests", dependencies: ["KappaTUI"], exclude: ["Snapshots"]),
        .testTarget(name: "KappaClientTests", dependencies: [
            "KappaClient", "KappaBroker", "KappaServer",
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
    ]
)
