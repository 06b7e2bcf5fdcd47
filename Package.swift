// swift-tools-version:6.0
import PackageDescription

/// The model and feature code is optimized in debug builds too: the tests fit ETS, Theta, the price
/// regression and the boosters' features thousands of times, several times slower unoptimized.
/// `-O` does not reassociate floating point, so the numbers are the release build's.
let numericInDebug: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]

let package = Package(
    name: "demand-forecast",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "forecastctl", targets: ["forecastctl"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        // libpq through pkg-config (Debian: libpq-dev + pkg-config). Only `Postgres` imports it.
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        // One escaping function per output language (HTML, SVG, Markdown, PostgreSQL arrays, JSON,
        // terminal), on Unicode scalars. No dependencies.
        .target(name: "Escaping"),
        // PostgreSQL client: connection, parameterized queries, binary COPY, transactions, errors.
        // Knows nothing about forecasting.
        .target(name: "Postgres", dependencies: ["CLibPQ", "Escaping"]),
        // Pure-Swift models and metrics. Knows nothing about databases.
        .target(name: "Forecasting", swiftSettings: numericInDebug),
        // XGBoost C library (Debian libxgboost-dev). Only GradientBoosting/XGBoost.swift imports it.
        .systemLibrary(name: "CXGBoost", providers: [.apt(["libxgboost-dev"])]),
        // The global gradient-boosted model: feature spec, feature rows, training and prediction.
        .target(name: "GradientBoosting", dependencies: ["Forecasting", "CXGBoost"], swiftSettings: numericInDebug),
        // Migrations, data contracts, snapshots, runs, the work queue, publishing, demo data.
        .target(
            name: "Pipeline",
            dependencies: [
                "Postgres", "Forecasting", "GradientBoosting", "Escaping",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]),
        // The CLI: parses arguments, prints, maps errors to exit codes.
        .target(
            name: "ForecastCLI",
            dependencies: [
                "Pipeline", "Postgres", "Forecasting", "Escaping",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .executableTarget(name: "forecastctl", dependencies: ["ForecastCLI"]),
        // The same commands for failure drills (tests, `make faults`): work items held a while before they commit.
        .executableTarget(name: "forecastctl-drill", dependencies: ["ForecastCLI", "Pipeline"]),
        // Fixtures/ holds statsforecast reference values and the script that made them.
        // Model-speed benchmarks (`make bench-models`): pure Swift, no database.
        .executableTarget(name: "forecast-bench", dependencies: ["Forecasting"]),
        .testTarget(name: "ForecastingTests", dependencies: ["Forecasting"], exclude: ["Fixtures"]),
        .testTarget(name: "PostgresTests", dependencies: ["Postgres"]),
        // Property-based tests of every encoder (random Unicode, combining marks, controls, lone surrogates).
        .testTarget(name: "EscapingTests", dependencies: ["Escaping", "Postgres", .product(name: "PropertyBased", package: "swift-property-based")]),
        .testTarget(name: "GradientBoostingTests", dependencies: ["GradientBoosting", "Forecasting"]),
        // Pipeline logic without a database: selection arithmetic, configuration checks, fallbacks, codes.
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline", "Postgres", "Forecasting", "GradientBoosting"]),
        // The CLI's own texts without a database: every --help example parses as written.
        .testTarget(name: "ForecastCLITests", dependencies: ["ForecastCLI", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .testTarget(name: "IntegrationTests", dependencies: ["Pipeline", "Postgres", "Forecasting", "Escaping", "forecastctl", "forecastctl-drill"]),
    ],
    swiftLanguageModes: [.v6]
)
