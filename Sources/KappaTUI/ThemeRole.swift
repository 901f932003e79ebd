/// What a piece of the screen is, so a theme can style it; the raw value is the table name in a theme file.
public enum ThemeRole: String, CaseIterable, Hashable, Sendable {
    case text
    case dim
    case accent
    case error
    case ok
    case border
    case borderFocused = "border_focused"
    case title
    case titleFocused = "title_focused"
    /// Table headers (Offsets, Browse).
    case header
    /// A prompt's "kafka> " or "> ".
    case prompt
    /// The key names in the hint bar and help ("Tab", "q").
    case keyHint = "key_hint"
    /// The hint bar's background and descriptions.
    case statusBar = "status_bar"
    /// A transient message from the controller on the hint bar.
    case status
    /// The selected row in Browse and lists.
    case selection
    case sparkline
    case logTrace = "log_trace"
    case logDebug = "log_debug"
    case logInfo = "log_info"
    case logWarning = "log_warning"
    case logError = "log_error"

    /// The role whose style applies when a theme file leaves this one out.
    var fallback: ThemeRole? {
        switch self {
        case .text: nil
        case .borderFocused: .border
        case .titleFocused: .title
        case .logTrace, .logDebug: .dim
        case .logInfo: .text
        case .logWarning: .accent
        case .logError: .error
        case .status: .statusBar
        default: .text
        }
    }
}
