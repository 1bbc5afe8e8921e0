// swift-tools-version:6.0
import PackageDescription

/// The workshop package: one library of HTTP plumbing (`HTTPCore`) and one executable per step.
///
/// Every step is a complete program; `diff -ruN` between two consecutive steps is that step's lesson.
let package = Package(
    name: "ImageCacheWorkshop",
    targets: [
        // MARK: - Chapter 1: the plumbing and the origin
        .target(name: "CSystemShims"),
        .target(name: "HTTPCore", dependencies: ["CSystemShims"]),
        .executableTarget(
            name: "Step1Origin",
            dependencies: ["HTTPCore"],
            resources: [.copy("SampleImages")]
        ),

        // MARK: - Chapter 2: a naive cache
        .executableTarget(name: "Step2NaiveCache", dependencies: ["HTTPCore"]),

        // MARK: - Chapter 3: min-uses admission, freshness and a size bound
        .executableTarget(name: "Step3MinUses", dependencies: ["HTTPCore"]),

        // MARK: - Chapter 4: nginx's cache format, shared by steps 4 and 5, and the disk cache
        .target(name: "NginxCache", dependencies: ["HTTPCore"]),
        .executableTarget(name: "Step4Purge", dependencies: ["HTTPCore", "NginxCache"]),

        // MARK: - Chapter 5: invalidation by source, coalescing, statistics
        .executableTarget(name: "Step5Invalidation", dependencies: ["HTTPCore", "NginxCache"]),

        // MARK: - Tests
        .target(name: "TestSupport", dependencies: ["HTTPCore"], path: "Tests/TestSupport"),
        .testTarget(name: "HTTPCoreTests", dependencies: ["HTTPCore", "TestSupport"]),
        .testTarget(name: "Step1OriginTests", dependencies: ["Step1Origin", "HTTPCore", "TestSupport"]),
        .testTarget(name: "DocsTests", dependencies: ["HTTPCore", "TestSupport"]),
        .testTarget(name: "Step2NaiveCacheTests", dependencies: ["Step2NaiveCache", "HTTPCore", "TestSupport"]),
        .testTarget(name: "Step3MinUsesTests", dependencies: ["Step3MinUses", "HTTPCore", "TestSupport"]),
        .testTarget(name: "Step3ConformanceTests", dependencies: ["Step3MinUses", "HTTPCore", "TestSupport"]),
        .testTarget(name: "NginxCacheTests", dependencies: ["NginxCache", "HTTPCore", "TestSupport"]),
        .testTarget(name: "Step4PurgeTests", dependencies: ["Step4Purge", "NginxCache", "HTTPCore", "TestSupport"]),
        .testTarget(name: "Step4ConformanceTests", dependencies: ["Step4Purge", "NginxCache", "HTTPCore", "TestSupport"]),
        .testTarget(name: "Step5InvalidationTests", dependencies: ["Step5Invalidation", "NginxCache", "HTTPCore", "TestSupport"]),
        .testTarget(name: "Step5ConformanceTests", dependencies: ["Step5Invalidation", "NginxCache", "HTTPCore", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
