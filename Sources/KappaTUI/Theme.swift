import Foundation
internal import TOMLKit

/// Styles for every `ThemeRole`, read from a TOML file in `Themes/` (or built in: `monochrome`).
///
/// A theme file has one table per role, e.g. `[border] fg = "cyan"` and
/// `[border_focused] fg = "bright-yellow"  bold = true`. Colours are ANSI names (`"red"`, `"bright-blue"`),
/// `"default"`, `"#rrggbb"` (mapped to the nearest of 256) or a palette index 0-255.
public struct Theme: Equatable, Sendable {
    public var name: String
    /// Styles for the roles the file gave; the others fall back along `ThemeRole.fallback`.
    public var styles: [ThemeRole: CellStyle]

    public init(name: String, styles: [ThemeRole: CellStyle]) {
        self.name = name
        self.styles = styles
    }

    /// The style to draw `role` with.
    public func style(_ role: ThemeRole) -> CellStyle {
        var r: ThemeRole? = role
        while let current = r {
            if let s = self.styles[current] { return s }
            r = current.fallback
        }
        return .plain
    }

    /// Built in, so the dashboard works with no Themes directory and on terminals without colour: focus and
    /// selection are shown with bold and reverse video only.
    public static let monochrome = Theme(
        name: "monochrome",
        styles: [
            .text: .plain,
            .dim: .plain,
            .accent: CellStyle(bold: true),
            .error: CellStyle(bold: true, underline: true),
            .ok: .plain,
            .border: .plain,
            .borderFocused: CellStyle(bold: true),
            .title: .plain,
            .titleFocused: CellStyle(bold: true, reverse: true),
            .header: CellStyle(underline: true),
            .prompt: CellStyle(bold: true),
            .keyHint: CellStyle(bold: true, reverse: true),
            .statusBar: CellStyle(reverse: true),
            .status: CellStyle(bold: true, reverse: true),
            .selection: CellStyle(reverse: true),
            .sparkline: .plain,
            .logTrace: .plain,
            .logDebug: .plain,
            .logInfo: .plain,
            .logWarning: CellStyle(bold: true),
            .logError: CellStyle(bold: true, underline: true),
        ]
    )

    /// The theme used when none is named.
    public static let defaultName = "default-dark"

    /// Loads a theme: a NAME is `<themesDirectory>/<NAME>.toml`; something containing "/" or ending in ".toml" is
    /// a path; `nil` means "default-dark". With `colors == .none` the result is `monochrome` (after checking
    /// the named theme exists, so a typo is still reported); with fewer colours than the file uses, colours are
    /// mapped to the nearest available ones.
    public static func load(_ nameOrPath: String?, themesDirectory: String, colors: ColorSupport) throws -> Theme {
        let requested = nameOrPath ?? Self.defaultName
        let isPath = requested.contains("/") || requested.hasSuffix(".toml")
        let path = isPath ? requested : themesDirectory + "/" + requested + ".toml"
        let theme: Theme
        if FileManager.default.fileExists(atPath: path) {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ThemeError("cannot read theme file \(path)")
            }
            guard let text = String(validating: data, as: UTF8.self) else {
                throw ThemeError("theme file \(path) is not UTF-8")
            }
            let fileName = (path as NSString).lastPathComponent
            theme = try Self.parse(
                text, defaultName: fileName.hasSuffix(".toml") ? String(fileName.dropLast(5)) : fileName,
                source: path)
        } else if !isPath && requested == Self.monochrome.name {
            theme = Self.monochrome
        } else if isPath {
            throw ThemeError("theme file \(path) not found")
        } else {
            let available = Self.available(in: themesDirectory)
            let list = available.isEmpty ? "none found in \(themesDirectory)" : available.joined(separator: ", ")
            throw ThemeError("unknown theme '\(requested)' (available: \(list))")
        }
        return colors == .none ? Self.monochrome : theme.adapted(to: colors)
    }

    /// Theme names in a directory (files ending in .toml), sorted.
    public static func available(in directory: String) -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return files.filter { $0.hasSuffix(".toml") }.map { String($0.dropLast(5)) }.sorted()
    }

    /// Parses theme TOML; `source` names the file in error messages.
    public static func parse(_ toml: String, defaultName: String, source: String = "theme") throws -> Theme {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: toml)
        } catch let error as TOMLParseError {
            throw ThemeError("\(source): \(error.description) (\(error.source.begin.debugDescription))")
        } catch {
            throw ThemeError("\(source): not valid TOML")
        }
        var name = defaultName
        var styles: [ThemeRole: CellStyle] = [:]
        for key in table.keys {
            guard let value = table[key] else { continue }
            if key == "name" {
                guard let s = value.string else { throw ThemeError("\(source): name must be a string") }
                name = s
                continue
            }
            guard let role = ThemeRole(rawValue: key) else {
                let known = ThemeRole.allCases.map(\.rawValue).joined(separator: ", ")
                throw ThemeError("\(source): unknown role '\(key)' (known: name, \(known))")
            }
            guard let entry = value.table else {
                throw ThemeError("\(source): [\(key)] must be a table like [\(key)] fg = \"cyan\"")
            }
            styles[role] = try Self.style(entry, role: key, source: source)
        }
        return Theme(name: name, styles: styles)
    }

    private static func style(_ entry: TOMLTable, role: String, source: String) throws -> CellStyle {
        var style = CellStyle()
        for key in entry.keys {
            guard let value = entry[key] else { continue }
            switch key {
            case "fg", "foreground": style.foreground = try Self.color(value, where: "\(source): [\(role)] \(key)")
            case "bg", "background": style.background = try Self.color(value, where: "\(source): [\(role)] \(key)")
            case "bold", "reverse", "underline":
                guard let flag = value.bool else {
                    throw ThemeError("\(source): [\(role)] \(key) must be true or false")
                }
                if key == "bold" {
                    style.bold = flag
                } else if key == "reverse" {
                    style.reverse = flag
                } else {
                    style.underline = flag
                }
            default:
                throw ThemeError("\(source): [\(role)] unknown key '\(key)' (known: fg, bg, bold, reverse, underline)")
            }
        }
        return style
    }

    private static func color(_ value: TOMLValueConvertible, where place: String) throws -> ThemeColor {
        if let index = value.int {
            guard (0...255).contains(index) else { throw ThemeError("\(place): colour index \(index) is not 0-255") }
            return index < 16 ? .ansi(index) : .indexed(index)
        }
        guard let text = value.string else {
            throw ThemeError("\(place): a colour is a name, \"#rrggbb\" or 0-255")
        }
        if let color = Self.parseColor(text) { return color }
        throw ThemeError(
            "\(place): unknown colour '\(text)' (use default, black, red, green, yellow, blue, magenta, cyan, "
                + "white, bright-NAME, gray, #rrggbb or 0-255)")
    }

    /// A colour by name (`"red"`, `"bright-red"`, `"gray"`, `"default"`) or `"#rrggbb"`.
    static func parseColor(_ text: String) -> ThemeColor? {
        let name = text.lowercased().replacingOccurrences(of: "_", with: "-")
        if name == "default" || name == "none" { return .terminalDefault }
        if name == "gray" || name == "grey" { return .ansi(8) }
        if let i = ThemeColor.ansiNames.firstIndex(of: name) { return .ansi(i) }
        for prefix in ["bright-", "light-"] where name.hasPrefix(prefix) {
            if let i = ThemeColor.ansiNames.firstIndex(of: String(name.dropFirst(prefix.count))) { return .ansi(i + 8) }
        }
        if name.hasPrefix("#"), name.count == 7, let rgb = Int(name.dropFirst(), radix: 16) {
            return .indexed(
                ThemeColor.nearestIndexed(red: (rgb >> 16) & 0xFF, green: (rgb >> 8) & 0xFF, blue: rgb & 0xFF))
        }
        return nil
    }

    /// The same theme with colours mapped to what the terminal has; on eight colours a bright foreground is
    /// drawn bold so the emphasis survives.
    public func adapted(to colors: ColorSupport) -> Theme {
        if colors == .none { return .monochrome }
        var styles: [ThemeRole: CellStyle] = [:]
        for (role, style) in self.styles {
            var s = style
            if s.foreground.losesBrightness(to: colors) { s.bold = true }
            s.foreground = s.foreground.downgraded(to: colors)
            s.background = s.background.downgraded(to: colors)
            styles[role] = s
        }
        return Theme(name: self.name, styles: styles)
    }
}
