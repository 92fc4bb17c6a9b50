// swift-tools-version:6.0
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "PlantBuddy",
    products: [
        .executable(name: "plantbuddy", targets: ["plantbuddy"])
    ],
    targets: [
        // C surfaces: headers only, no logic.
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        .systemLibrary(name: "CSystemLinux"),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),

        // Leaves: each knows nothing of the others.
        .target(name: "Observability", swiftSettings: strict),
        .target(name: "Locking", swiftSettings: strict),
        // Always optimised: password hashing runs hundreds of thousands of rounds, even in debug builds.
        .target(name: "Hashing", swiftSettings: strict + [.unsafeFlags(["-O"])]),
        .target(name: "HTTPServer", dependencies: ["CSystemLinux", "Locking", "Observability"], swiftSettings: strict),
        .target(name: "CurlClient", dependencies: ["CCurl", "CSystemLinux", "Observability"], swiftSettings: strict),
        .target(name: "InfluxClient", dependencies: ["CurlClient", "CZlib"], swiftSettings: strict),
        .target(name: "WriteAheadLog", dependencies: ["Locking"], swiftSettings: strict),
        .target(name: "SVGChart", swiftSettings: strict),
        .target(name: "HTMLTemplate", swiftSettings: strict),

        // The application and its thin executable.
        .target(
            name: "PlantBuddy",
            dependencies: [
                "HTTPServer", "InfluxClient", "CurlClient", "Hashing", "HTMLTemplate", "Locking", "Observability",
                "SVGChart", "WriteAheadLog", "CSystemLinux",
            ],
            swiftSettings: strict
        ),
        .executableTarget(name: "plantbuddy", dependencies: ["PlantBuddy"], swiftSettings: strict),
        // Benchmarks run by bench/*.sh; not shipped.
        .executableTarget(
            name: "plantbuddy-bench", dependencies: ["CurlClient", "HTTPServer", "InfluxClient", "Observability", "SVGChart"],
            swiftSettings: strict),

        // Test-only helpers: a raw TCP client and a real influxd harness.
        .target(
            name: "TestSupport", dependencies: ["HTTPServer", "Observability"], path: "Tests/TestSupport",
            swiftSettings: strict),
        .testTarget(name: "HashingTests", dependencies: ["Hashing"], swiftSettings: strict),
        .testTarget(name: "LockingTests", dependencies: ["Locking"], swiftSettings: strict),
        .testTarget(name: "ObservabilityTests", dependencies: ["Observability"], swiftSettings: strict),
        .testTarget(name: "SVGChartTests", dependencies: ["SVGChart"], swiftSettings: strict),
        .testTarget(name: "HTMLTemplateTests", dependencies: ["HTMLTemplate"], swiftSettings: strict),
        .testTarget(name: "WriteAheadLogTests", dependencies: ["WriteAheadLog", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "HTTPServerTests", dependencies: ["HTTPServer", "Observability", "TestSupport"], swiftSettings: strict),
        .testTarget(
            name: "InfluxClientTests",
            dependencies: ["InfluxClient", "CurlClient", "HTTPServer", "Observability", "TestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "PlantBuddyTests",
            dependencies: ["PlantBuddy", "plantbuddy", "InfluxClient", "CurlClient", "HTTPServer", "Hashing", "Observability", "TestSupport", "WriteAheadLog"],
            swiftSettings: strict
        ),
    ]
)
