import Foundation
import Testing

@testable import KappaTUI

/// Compares a grid's rows with `Snapshots/<name>.txt`; `KAPPA_RECORD_SNAPSHOTS=1 swift test` rewrites the files
/// (review the diff before committing).
func assertSnapshot(_ grid: CellGrid, named name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots")
    let file = directory.appendingPathComponent(name + ".txt")
    let actual = grid.rows.joined(separator: "\n") + "\n"
    if ProcessInfo.processInfo.environment["KAPPA_RECORD_SNAPSHOTS"] == "1" {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try actual.write(to: file, atomically: true, encoding: .utf8)
        return
    }
    let expected = try String(contentsOf: file, encoding: .utf8)
    let expectedRows = expected.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    #expect(expectedRows.count == grid.height, "snapshot \(name): row count", sourceLocation: sourceLocation)
    for (y, row) in expectedRows.enumerated() where y < grid.height {
        #expect(grid.row(y) == row, "snapshot \(name): row \(y)", sourceLocation: sourceLocation)
    }
}

/// Every row of a grid must be exactly as wide as the grid, or borders would be misplaced on screen.
func assertRowsFit(_ grid: CellGrid, sourceLocation: SourceLocation = #_sourceLocation) {
    for y in 0..<grid.height {
        #expect(TextWidth.width(grid.row(y)) == grid.width, "row \(y): \(grid.row(y))", sourceLocation: sourceLocation)
    }
}

/// The Themes directory of the package, found from this file's location.
let themesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Themes").path
