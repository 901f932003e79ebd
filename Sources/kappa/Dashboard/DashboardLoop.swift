import Foundation
import KappaTUI
import Synchronization

/// The UI thread: owns curses and the dashboard state. Each turn it drains events, reads a key
/// (50 ms timeout), hands effects to the controller, and draws only when something changed.
/// A thread, not a Task: curses is not thread-safe and tasks hop threads.
final class DashboardLoop: Sendable {
    private let controller: DashboardController
    private let initialState: DashboardState
    private let noColor: Bool
    private let themeName: String?
    private let themesDirectory: String
    private let stopRequested = Mutex(false)
    /// 25 frames a second at most for what arrives from the cluster.
    static let frameInterval = Duration.milliseconds(40)

    init(controller: DashboardController, state: DashboardState, themeName: String?, themesDirectory: String, noColor: Bool) {
        self.controller = controller
        self.initialState = state
        self.themeName = themeName
        self.themesDirectory = themesDirectory
        self.noColor = noColor
    }

    /// Asks the loop to end (SIGTERM); it restores the terminal on its own thread.
    func requestStop() {
        self.stopRequested.withLock { $0 = true }
        self.controller.events.wake()
    }

    /// Runs until the user quits; returns after the terminal is restored. Throws if the theme cannot load.
    func run() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let thread = Thread {
                do {
                    try self.loop()
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: error)
                }
            }
            thread.name = "kappa.ui"
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    private func loop() throws {
        // Keys are read without waiting (0 ms): the loop sleeps in poll() on the terminal and the event queue.
        let terminal = CursesTerminal(inputTimeoutMilliseconds: 0, noColor: self.noColor)
        defer { terminal.close() }
        let theme: Theme
        do {
            theme = try Theme.load(self.themeName, themesDirectory: self.themesDirectory, colors: terminal.colorSupport)
        } catch {
            terminal.close()
            throw error
        }
        var state = self.initialState
        var size = terminal.size
        state.resize(width: size.width, height: size.height)
        for effect in state.startupEffects { self.controller.perform(effect) }
        self.controller.start()
        // State changes only through apply, handle and resize: a flag is enough to skip idle frames.
        var dirty = true
        let events = self.controller.events
        var lastFrame = ContinuousClock.now
        while !state.wantsQuit, !self.stopRequested.withLock({ $0 }) {
            let pending = events.drain()
            for event in pending { state.apply(event) }
            if dirty || !pending.isEmpty {
                terminal.draw(renderDashboard(state, width: size.width, height: size.height, theme: theme))
                dirty = false
                lastFrame = .now
            }
            // Events are drawn at most every frameInterval (a busy consumer posts thousands a second);
            // keys are answered at once. SIGWINCH may land on any thread and need not interrupt this
            // poll: curses reports the resize on the next read, so read (without waiting) after every
            // wake-up, and wake at least four times a second.
            let sinceFrame = ContinuousClock.now - lastFrame
            if sinceFrame < Self.frameInterval {
                let remaining = Self.frameInterval - sinceFrame
                let ms = Int32(remaining.components.attoseconds / 1_000_000_000_000_000) + 1
                _ = terminal.waitForInput(wakeDescriptor: -1, timeoutMilliseconds: ms)
            } else {
                _ = terminal.waitForInput(wakeDescriptor: events.wakeDescriptor, timeoutMilliseconds: 250)
            }
            while let key = terminal.readKey() {
                dirty = true
                if key == .resize {
                    size = terminal.size
                    state.resize(width: size.width, height: size.height)
                    terminal.invalidate()
                }
                for effect in state.handle(key) where effect != .quit {
                    self.controller.perform(effect)
                }
                if state.wantsQuit { break }
            }
        }
    }
}
