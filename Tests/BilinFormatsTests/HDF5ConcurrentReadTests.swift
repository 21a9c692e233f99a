import BilinFormats
import BilinTestSupport
import Foundation
import Testing

/// `HDF5CrashGuard` arms a process-wide timer around each read; reads from many threads at once must leave none armed
/// (a stale one ends the process with the guard's time-out line long after every read has finished).
@Suite("HDF5 reads from many threads")
struct HDF5ConcurrentReadTests {
    @Test("32 concurrent model reads all succeed and leave no timer armed")
    func noStaleTimer() async throws {
        let path = Fixtures.path("tiny_mlp.h5")
        let names = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<32 { group.addTask { try ModelIO.load(path: path).name } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(names == Array(repeating: "tiny_mlp", count: 32))
        var timer = itimerval()
        getitimer(__itimer_which_t(ITIMER_REAL.rawValue), &timer)
        #expect(timer.it_value.tv_sec == 0 && timer.it_value.tv_usec == 0, "a timer is still armed: \(timer.it_value)")
    }
}
