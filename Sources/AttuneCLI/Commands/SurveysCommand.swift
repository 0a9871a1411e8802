import ArgumentParser
import AttuneFeedback
import AttuneStore
import Foundation

/// `attune surveys`: customer effort surveys into the results store.
struct SurveysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "surveys",
        abstract: "Customer effort (CES) surveys, paired with their calls.",
        subcommands: [Import.self]
    )

    /// `attune surveys import FILE`.
    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Import CES survey responses (CSV or JSON) into the results store and pair them with their calls.",
            discussion: """
                CSV: a header naming callId, respondedAt, score and optionally comment, channel (any order). \
                JSON: an array of objects with those keys. Each answer must lie on the program's scale \
                (--scale); a file on another scale is converted only with --convert-from. Rows off the scale \
                or unreadable are rejected (exit 1); a call not yet stored keeps its survey pending until \
                the call arrives; the same response twice is stored once; a second, different response \
                for a call is kept and flagged. Every such row is listed with its line. Importing the \
                same file again changes nothing. Scores are plain decimal numbers (5, 4.5); respondedAt is an \
                ISO 8601 date or date-time in the years 2000–2100. The store must exist (attune batch makes it).
                """
        )

        @Argument(help: "The survey file (.csv or .json).")
        var file: String

        /// The store attune batch made; a SQLite file is never created here.
        @OptionGroup var store: StoreOption

        @OptionGroup var scale: SurveyScaleOptions

        @Option(help: ArgumentHelp("The file's own scale, to convert its answers onto --scale, e.g. 1:5:effort.", valueName: "min:max:easier|effort"))
        var convertFrom: String?

        @Flag(help: "Print the import report as JSON.")
        var json = false

        func validate() throws {
            if let convertFrom, SurveyScaleOptions.parse(convertFrom) == nil {
                throw ValidationError(SurveyScaleOptions.usage("--convert-from", convertFrom))
            }
            // A mistyped --db must not become a new, empty store that leaves every survey pending.
            try store.requireExisting()
        }

        func run() async throws {
            let options = SurveyImportOptions(scale: try scale.resolve(), convertFrom: convertFrom.flatMap(SurveyScaleOptions.parse))
            let database: ResultsStore
            do { database = try await ResultsStore.open(store.location) } catch {
                printError("attune: error: \(error)")
                throw ExitCode(3)
            }
            let report: SurveyImportReport
            do { report = try await SurveyImporter.importFile(file, into: database, options: options) } catch {
                printError("attune: error: \(error)")
                throw ExitCode(3)
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
            } else {
                for line in report.lines.dropLast() { printError("attune: " + line) }
                print(report.lines.last!)
            }
            if report.rejected > 0 { throw ExitCode(1) }
        }
    }
}
