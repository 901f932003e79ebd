import Foundation

/// Short sleeps of the command's own (main) thread while librdkafka works on its threads.
enum DedicatedSleep {
    static func milliseconds(_ ms: Int) {
        usleep(useconds_t(ms * 1000))
    }
}
