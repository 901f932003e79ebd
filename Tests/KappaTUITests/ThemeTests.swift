import Testing

@testable import KappaTUI

@Suite struct ThemeTests {
    static let files = ["default-dark", "light", "high-contrast", "monochrome"]

    @Test(arguments: files)
    func everyThemeFileLoadsWithItsName(name: String) throws {
        let theme = try Theme.load(name, themesDirectory: themesDirectory, colors: .twoFiftySix)
        #expect(theme.name == name)
        // Every role the renderer uses is given by the file itself, not only by fallback.
        for role in ThemeRole.allCases {
            #expect(theme.styles[role] != nil, "\(name) lacks [\(role.rawValue)]")
        }
    }

    @Test func themesDirectoryHoldsTheFourThemes() {
        #expect(Theme.available(in: themesDirectory) == Self.files.sorted())
    }

    @Test func noneIsTheDefaultDarkTheme() throws {
        #expect(try Theme.load(nil, themesDirectory: themesDirectory, colors: .twoFiftySix).name == "default-dark")
    }

    @Test func aPathLoadsTheFile() throws {
        let theme = try Theme.load(themesDirectory + "/light.toml", themesDirectory: "/nonexistent", colors: .sixteen)
        #expect(theme.name == "light")
    }

    @Test func monochromeHasNoColours() throws {
        let file = try Theme.load("monochrome", themesDirectory: themesDirectory, colors: .twoFiftySix)
        for theme in [file, Theme.monochrome] {
            for role in ThemeRole.allCases {
                #expect(theme.style(role).foreground == .terminalDefault)
                #expect(theme.style(role).background == .terminalDefault)
            }
        }
        // The file and the built-in theme are the same, so NO_COLOR looks like --theme monochrome.
        #expect(file == Theme.monochrome)
    }

    @Test func monochromeIsBuiltInWithoutAThemesDirectory() throws {
        #expect(try Theme.load("monochrome", themesDirectory: "/nonexistent", colors: .twoFiftySix) == .monochrome)
    }

    @Test(arguments: files)
    func noColourSupportGivesMonochrome(name: String) throws {
        #expect(try Theme.load(name, themesDirectory: themesDirectory, colors: .none) == .monochrome)
    }

    @Test func noColorEnvironmentMeansNoColours() {
        #expect(ColorSupport(colors: 256, noColorRequested: true) == .none)
        #expect(ColorSupport(colors: 0) == .none)
        #expect(ColorSupport(colors: 8) == .eight)
        #expect(ColorSupport(colors: 16) == .sixteen)
        #expect(ColorSupport(colors: 256) == .twoFiftySix)
    }

    @Test func unknownThemeNameIsAClearError() {
        #expect(
            throws: ThemeError("unknown theme 'solarised' (available: default-dark, high-contrast, light, monochrome)")
        ) {
            try Theme.load("solarised", themesDirectory: themesDirectory, colors: .twoFiftySix)
        }
        #expect(throws: ThemeError("theme file /no/such.toml not found")) {
            try Theme.load("/no/such.toml", themesDirectory: themesDirectory, colors: .twoFiftySix)
        }
    }

    @Test(arguments: files)
    func eightColoursUseOnlyTheFirstEight(name: String) throws {
        let full = try Theme.load(name, themesDirectory: themesDirectory, colors: .twoFiftySix)
        let eight = try Theme.load(name, themesDirectory: themesDirectory, colors: .eight)
        for role in ThemeRole.allCases {
            for color in [eight.style(role).foreground, eight.style(role).background] {
                switch color {
                case .terminalDefault: break
                case .ansi(let n): #expect((0..<8).contains(n))
                case .indexed: Issue.record("\(name) [\(role.rawValue)] kept an indexed colour on 8 colours")
                }
            }
            if case .ansi(let n) = full.style(role).foreground, n >= 8 {
                #expect(eight.style(role).bold, "bright foreground shown bold on 8 colours")
            }
        }
    }

    @Test func sixteenColoursMapIndexedToAnsi() throws {
        let theme = try Theme.load("default-dark", themesDirectory: themesDirectory, colors: .sixteen)
        for role in ThemeRole.allCases {
            if case .indexed = theme.style(role).foreground { Issue.record("indexed colour left on 16 colours") }
        }
    }

    @Test func coloursByNameHexAndIndex() throws {
        let theme = try Theme.parse(
            """
            [text]
            fg = "bright-yellow"
            bg = "#ff0000"
            [dim]
            fg = 244
            bg = 3
            [accent]
            fg = "default"
            bold = true
            underline = true
            reverse = true
            """, defaultName: "t")
        #expect(theme.style(.text) == CellStyle(foreground: .ansi(11), background: .indexed(196)))
        #expect(theme.style(.dim) == CellStyle(foreground: .indexed(244), background: .ansi(3)))
        #expect(theme.style(.accent) == CellStyle(bold: true, reverse: true, underline: true))
        // A role left out falls back: border_focused → border → text.
        #expect(theme.style(.borderFocused) == theme.style(.text))
        #expect(ThemeColor.nearestIndexed(red: 0x80, green: 0x80, blue: 0x80) == 244)
        #expect(ThemeColor.indexed(196).downgraded(to: .eight) == .ansi(1))
    }

    @Test func badThemeFilesSayWhy() {
        #expect(
            throws: ThemeError(
                "t: [border] fg: unknown colour 'chartreuse' (use default, black, red, green, yellow, blue, magenta, cyan, white, bright-NAME, gray, #rrggbb or 0-255)"
            )
        ) {
            try Theme.parse("[border]\nfg = \"chartreuse\"", defaultName: "t", source: "t")
        }
        #expect(throws: ThemeError("t: [border] fg: colour index 300 is not 0-255")) {
            try Theme.parse("[border]\nfg = 300", defaultName: "t", source: "t")
        }
        #expect((try? Theme.parse("[bordr]\nfg = \"red\"", defaultName: "t")) == nil)
        #expect((try? Theme.parse("[border]\nbold = \"yes\"", defaultName: "t")) == nil)
        #expect((try? Theme.parse("[border\nfg = 1", defaultName: "t")) == nil)
    }
}
