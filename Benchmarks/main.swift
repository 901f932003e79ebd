import Foundation

/// kappa-microbench: timing loops over the broker's hot paths, printed as plain figures.
/// Usage: kappa-microbench [--runs N] [--data-dir DIR] [--large-records N]
struct Options {
    var plan = TimingPlan()
    var dataDirectory = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
    var largeRecords = 50_000_000

    init(arguments: [String]) throws(UsageError) {
        var remaining = arguments[...]
        while let argument = remaining.popFirst() {
            switch argument {
            case "--runs":
                guard let value = remaining.popFirst().flatMap({ Int($0) }), value > 0 else {
                    throw UsageError("--runs needs a positive number")
                }
                self.plan.runs = value
            case "--data-dir":
                guard let value = remaining.popFirst() else { throw UsageError("--data-dir needs a directory") }
                self.dataDirectory = value
            case "--large-records":
                guard let value = remaining.popFirst().flatMap({ Int($0) }), value >= 0 else {
                    throw UsageError("--large-records needs a number (0 skips the large partition)")
                }
                self.largeRecords = value
            case "-h", "--help":
                throw UsageError(nil)
            default:
                throw UsageError("unknown argument \(argument)")
            }
        }
    }
}

struct UsageError: Error {
    let message: String?
    init(_ message: String?) { self.message = message }
}

let usage = """
    usage: kappa-microbench [--runs N] [--data-dir DIR] [--large-records N]
      --runs N           report the best of N timed rounds (default 5)
      --data-dir DIR     where the disk log benchmarks write (default $TMPDIR or /tmp)
      --large-records N  records in the open/seek partition (default 50000000; 0 skips it)
    """
let options: Options
do {
    options = try Options(arguments: Array(CommandLine.arguments.dropFirst()))
} catch {
    guard let message = error.message else {
        print(usage)
        exit(0)
    }
    FileHandle.standardError.write(Data("kappa-microbench: \(message)\n\(usage)\n".utf8))
    exit(2)
}

#if DEBUG
print("note: debug build; build with -c release for figures worth comparing")
#endif
print("Kappa microbenchmarks: best of \(options.plan.runs) rounds (~0.1 s each, after a warm-up); "
    + "1 GB = 10^9 B, 1 MB = 10^6 B")
let width = 64
print(padded("benchmark", width) + padded("value", 10, left: true) + "  unit")
print(String(repeating: "-", count: width + 18))
do {
    let figures = try WireBenchmarks.run(options.plan)
        + LogBenchmarks.run(options.plan, dataDirectory: options.dataDirectory)
        + (options.largeRecords > 0
            ? LargeLogBenchmark.run(records: options.largeRecords, dataDirectory: options.dataDirectory) : [])
    for figure in figures {
        print(padded(figure.name, width) + padded(figure.formattedValue, 10, left: true) + "  " + figure.unit)
    }
} catch {
    FileHandle.standardError.write(Data("kappa-microbench: \(error)\n".utf8))
    exit(1)
}
