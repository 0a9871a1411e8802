import AttuneStore
import FoundationEssentials
import Logging
import ServiceLifecycle

/// Deletes live calls' kept audio when its time is up (`liveAudio.keepDays`): at start and every
/// `intervalSeconds`, the files first, then their rows.
struct LiveAudioSweeper: Service {
    let store: ResultsStore
    let logger: Logger
    static let intervalSeconds = 600

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let removed = try await Self.sweep(store)
                    if removed > 0 { logger.info("kept live audio deleted", metadata: ["calls": "\(removed)"]) }
                } catch {
                    logger.error("kept live audio not swept", metadata: ["error": "\(error)"])
                }
                do { try await Task.sleep(for: .seconds(Self.intervalSeconds)) } catch { return }
            }
        }
    }

    /// Deletes the audio whose time is up `secondsFromNow` from now (tests look ahead instead of
    /// waiting); the number of calls whose audio went.
    static func sweep(_ store: ResultsStore, secondsFromNow: Double = 0) async throws(StorageError) -> Int {
        let expired = try await store.expiredLiveAudio(secondsFromNow: secondsFromNow)
        for (_, path) in expired { try? FileManager.default.removeItem(atPath: path) }
        try await store.forgetLiveAudio(callIds: expired.map(\.callId))
        return expired.count
    }
}
