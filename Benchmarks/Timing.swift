#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Monotonic nanoseconds.
func nowNanoseconds() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
}

/// Keeps the optimizer from deleting work whose result is otherwise unused.
@inline(never) @_optimize(none)
func blackHole<T>(_ value: T) {}

/// How long measurements run: `runs` timed rounds, each about `roundNanoseconds` long, after one
/// untimed warm-up round.
struct TimingPlan {
    var runs = 5
    var roundNanoseconds: UInt64 = 100_000_000

    /// Nanoseconds per operation of the fastest round. `body` performs one operation per call.
    ///
    /// The warm-up doubles the iteration count until a round takes 10 ms (caches, branch predictors
    /// and lazily built tables settle meanwhile), then sizes the timed rounds from that. The best
    /// round, not the mean, is reported: other processes only ever make a round slower.
    func nanosecondsPerOperation(_ body: () throws -> Void) rethrows -> Double {
        var iterations = 1
        while true {
            let start = nowNanoseconds()
            for _ in 0..<iterations { try body() }
            let elapsed = nowNanoseconds() - start
            if elapsed >= 10_000_000 || iterations >= 1 << 30 {
                let perOperation = max(1, Double(elapsed) / Double(iterations))
                iterations = max(1, Int(Double(self.roundNanoseconds) / perOperation))
                break
            }
            iterations *= 2
        }
        return try self.best(runs: self.runs, iterations: iterations, setUp: {}, body)
    }

    /// Nanoseconds per operation of the fastest of `runs` rounds of exactly `iterations` calls, with
    /// `setUp` run untimed before each round (for work whose cost depends on state, e.g. a log that
    /// grows; the first round is a warm-up and not counted).
    func nanosecondsPerOperation(iterations: Int, setUp: () throws -> Void = {}, _ body: () throws -> Void) rethrows
        -> Double
    {
        try setUp()
        for _ in 0..<iterations { try body() }
        return try self.best(runs: self.runs, iterations: iterations, setUp: setUp, body)
    }

    private func best(runs: Int, iterations: Int, setUp: () throws -> Void, _ body: () throws -> Void) rethrows
        -> Double
    {
        var best = Double.infinity
        for _ in 0..<max(1, runs) {
            try setUp()
            let start = nowNanoseconds()
            for _ in 0..<iterations { try body() }
            best = min(best, Double(nowNanoseconds() - start) / Double(iterations))
        }
        return best
    }
}
