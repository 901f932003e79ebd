import Foundation
import Synchronization

/// Ctrl-C and SIGTERM for long-running commands: instead of dying mid-way they notice the flag in their
/// poll loop and close their clients (a group member leaves its group and commits what it printed).
enum StopSignal {
    private static let raised = Atomic<Bool>(false)

    static func install() {
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber) { _ in StopSignal.raised.store(true, ordering: .relaxed) }
        }
    }

    static var isRaised: Bool { Self.raised.load(ordering: .relaxed) }
}
