import CRdKafka
import Logging

/// What librdkafka's C callbacks need to reach Swift: they cannot capture, so this object travels as the
/// handle's opaque pointer and must outlive the handle (KafkaHandle keeps it until after destroy).
final class CallbackContext: Sendable {
    let logger: Logger
    /// Consumer errors for the application (also logged).
    let onError: (@Sendable (String) -> Void)?
    /// Present for group consumers: rebalances go through it to keep pause state and the assignment.
    let assignment: AssignmentTracker?

    init(logger: Logger, onError: (@Sendable (String) -> Void)? = nil, assignment: AssignmentTracker? = nil) {
        self.logger = logger
        self.onError = onError
        self.assignment = assignment
    }

    var opaque: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() }

    static func from(_ opaque: UnsafeMutableRawPointer?) -> CallbackContext? {
        opaque.map { Unmanaged<CallbackContext>.fromOpaque($0).takeUnretainedValue() }
    }

    /// Routes librdkafka's own log lines (and its errors) to the Logger: nothing may reach
    /// stdout/stderr, whose screen belongs to curses.
    func install(on conf: OpaquePointer) {
        rd_kafka_conf_set_opaque(conf, self.opaque)
        rd_kafka_conf_set_log_cb(conf) { handle, level, facility, text in
            guard let handle, let context = CallbackContext.from(rd_kafka_opaque(handle)) else { return }
            let name = rd_kafka_name(handle).map { String(cString: $0) } ?? ""
            context.logger.log(
                level: CallbackContext.level(syslog: level),
                "\(text.map { String(cString: $0) } ?? "")",
                metadata: [
                    "rdkafka.facility": "\(facility.map { String(cString: $0) } ?? "")",
                    "rdkafka.client": "\(name)",
                ])
        }
        rd_kafka_conf_set_error_cb(conf) { _, code, reason, opaque in
            guard let context = CallbackContext.from(opaque) else { return }
            let error = rd_kafka_resp_err_t(rawValue: code)
            let text = "\(reason.map { String(cString: $0) } ?? "") (\(String(cString: rd_kafka_err2name(error))))"
            context.logger.warning("librdkafka: \(text)")
            context.onError?(text)
        }
        if self.assignment != nil {
            rd_kafka_conf_set_rebalance_cb(conf) { handle, event, list, opaque in
                guard let handle, let context = CallbackContext.from(opaque), let tracker = context.assignment else {
                    return
                }
                tracker.rebalance(handle, event, list, logger: context.logger)
            }
        }
    }

    /// syslog severities (0 emergency ... 7 debug) onto swift-log levels.
    static func level(syslog: Int32) -> Logger.Level {
        switch syslog {
        case ...2: return .critical
        case 3: return .error
        case 4: return .warning
        case 5: return .notice
        case 6: return .info
        default: return .debug
        }
    }
}
