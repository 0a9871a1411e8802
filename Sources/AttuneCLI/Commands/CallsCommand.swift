import ArgumentParser
import AttuneStore
import Foundation

/// `attune calls`: stored calls, one by one.
struct CallsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calls",
        abstract: "Stored calls: remove them for retention or an erasure request.",
        subcommands: [Purge.self]
    )

    /// `attune calls purge --before DATE | --call ID`.
    struct Purge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "purge",
            abstract: "Remove calls from the results store: their reports and rows, recording paths, survey answers and playback log.",
            discussion: """
                --before DATE removes every call that took place before DATE (by its start time, else when \
                it was analysed); --call ID removes one call (also its survey answers and playback log when \
                the call itself is no longer stored). Both together: that call, if it is older. Nothing else \
                is touched; recording files are not deleted (they are the recorder's), live audio that \
                attune serve kept (liveAudio) is. Prints each call id \
                removed, then how many. The store must exist.
                """
        )

        @Option(help: ArgumentHelp("Remove calls that took place before this (YYYY-MM-DD, or an ISO 8601 time, UTC).", valueName: "date"))
        var before: String?

        @Option(name: .customLong("call"), help: ArgumentHelp("Remove this call.", valueName: "id"))
        var callId: String?

        @OptionGroup var store: StoreOption

        func validate() throws {
            guard before != nil || callId != nil else { throw ValidationError("give --before DATE or --call ID (or both)") }
            if let before, Timestamp.normalise(before) == nil {
                throw ValidationError("--before expects an ISO 8601 date or date-time, e.g. 2026-11-22 (got '\(before)')")
            }
            if let callId, callId.isEmpty { throw ValidationError("--call: expected a call id") }
            try store.requireExisting()
        }

        func run() async throws {
            let database: ResultsStore
            do { database = try await ResultsStore.open(store.location) } catch {
                printError("attune: error: \(error)")
                throw ExitCode(3)
            }
            let removed: PurgedCalls
            do {
                removed = try await database.purgeCalls(before: before.flatMap(Timestamp.normalise), callId: callId)
            } catch {
                printError("attune: error: \(error)")
                await database.close()
                throw ExitCode(3)
            }
            // Live audio that attune serve kept is Attune's own file: it goes too.
            for path in removed.liveAudioFiles { try? FileManager.default.removeItem(atPath: path) }
            for id in removed.callIds { print(id) }
            print("\(removed.callIds.count) call(s) removed")
            await database.close()
        }
    }
}
