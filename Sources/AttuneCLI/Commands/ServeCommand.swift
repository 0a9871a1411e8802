import ArgumentParser
import AttunePipeline
import AttuneScoring
import AttuneServer
import AttuneStore
import Foundation
import Logging

/// `attune serve`: live ingest, desktop push, pages, `/metrics` and `/health`.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Analyse live calls: ingest over WebSocket (native, Twilio, AudioHook), push scores and alerts to desktops.",
        discussion: """
            Endpoints: /v1/ingest/native, /v1/ingest/twilio, /v1/ingest/audiohook (WebSocket); \
            /v1/live/calls, /v1/live/calls/{callId}/ws, /v1/live/calls/{callId}/events (SSE), \
            /v1/live/wall/events (SSE); pages /desktop and /wall; /health, /metrics. Finished calls \
            are stored in the results store as `attune batch` stores them. Relative paths in the \
            configuration are relative to its folder; a key it does not know is refused (exit 3). \
            The results store: --db, else the configuration's `database`, else $ATTUNE_DB, else \
            attune-results.db beside the configuration (or in the current folder without one). \
            The scoring model: --model, else the configuration's `model`, else $ATTUNE_MODEL, else \
            the one built into attune. The start-up log names the store, the model and the \
            listener. Stops gracefully on SIGINT or SIGTERM.
            """
    )

    @Option(name: .customLong("config"), help: ArgumentHelp("The server configuration (JSON; see --print-config-example).", valueName: "file"))
    var configurationFile: String?

    @Flag(help: "Print a commented example configuration and exit.")
    var printConfigExample = false

    @Option(help: ArgumentHelp(
        "The results store, a SQLite file or postgres://user@host:5432/database (overrides the configuration's `database`; default: the configuration's, else $ATTUNE_DB, else attune-results.db).",
        valueName: "path or URL"))
    var db: String?

    @Option(help: "Override the configuration's port (0: any free port).")
    var port: Int?

    @Option(help: ArgumentHelp("The scoring model (overrides the configuration's `model`; default: the configuration's, else $ATTUNE_MODEL, else the model built into attune).", valueName: "file"))
    var model: String?

    @Flag(help: "Score nothing (as \"model\": null in the configuration).")
    var noScores = false

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func run() async throws {
        if printConfigExample {
            print(ServerConfiguration.example)
            return
        }
        var configuration = ServerConfiguration()
        if let configurationFile {
            do { configuration = try ServerConfiguration.load(path: configurationFile) } catch {
                printError("attune: error: \(error)")
                throw ExitCode(3)
            }
        }
        if let port { configuration.port = port }
        if let location = Self.storeLocation(flag: db, configuration: configuration, environment: ProcessInfo.processInfo.environment) {
            configuration.database = location
        }
        guard let level = Logger.Level(rawValue: logLevel) else { throw ValidationError("--log-level: unknown level '\(logLevel)'") }
        var logger = Logger(label: "attune.serve")
        logger.logLevel = level
        if configuration.tokens.isEmpty {
            logger.warning("no tokens configured: nobody can send audio or watch calls (see --print-config-example)")
        }
        let model = try loadModel(configuration)
        var database: ResultsStore? = nil
        if let path = configuration.database {
            do { database = try await ResultsStore.open(path) } catch {
                printError("attune: error: \(error)")
                throw ExitCode(3)
            }
        }
        // Where calls go and what scores them, before anything is accepted.
        if let database, let path = configuration.database {
            // A SQLite file's absolute path, or a PostgreSQL URL without its password.
            let shown = ResultsStore.isPostgres(path) ? database.location : URL(fileURLWithPath: path).standardizedFileURL.path
            logger.info("results store", metadata: ["path": "\(shown)"])
        } else {
            logger.notice("results store: none (\"database\": null): finished calls are not stored")
        }
        if let model {
            logger.info("scoring model", metadata: [
                "id": "\(model.model.id)", "version": "\(model.model.version)", "sha256": "\(model.sha256)", "path": "\(model.path)",
            ])
        } else {
            logger.notice("scoring model: none (no scores)")
        }
        var tls: ServerTLS? = nil
        if let files = configuration.tls {
            do { tls = try ServerTLS(certificatePath: files.certificate, privateKeyPath: files.privateKey) } catch {
                printError("attune: error: \(configurationFile ?? "the configuration"): tls: \(error)")
                throw ExitCode(3)
            }
            logger.info("TLS", metadata: ["certificate": "\(files.certificate)", "reload": "SIGHUP"])
        }
        let server = LiveServer(configuration: configuration, model: model, database: database, tls: tls, logger: logger)
        let host = configuration.host
        let serves = Self.listenerServes(audioHook: configuration.audioHook != nil)
        let scheme = tls == nil ? "http" : "https"
        do {
            try await server.run { [logger] port in
                logger.info("listening", metadata: ["url": "\(scheme)://\(host):\(port)", "serves": "\(serves)"])
            }
        } catch {
            await database?.close()
            throw error
        }
        await database?.close()
    }

    /// The scoring model: none with --no-scores or `"model": null`; else --model, the
    /// configuration's `model` (already absolute), `$ATTUNE_MODEL`, the built-in model.
    func loadModel(_ configuration: ServerConfiguration) throws -> LoadedModel? {
        if noScores || (!configuration.scoresCalls && model == nil) { return nil }
        if let model { return try ModelOption.load(file: model, namedBy: "--model") }
        if let configured = configuration.model {
            return try ModelOption.load(file: configured, namedBy: "\(configurationFile ?? "the configuration"): model")
        }
        return try ModelOption(path: nil).resolve()
    }

    /// The store named by --db, else by `$ATTUNE_DB` when the configuration names none (not even
    /// null); nil: the configuration's (or its default) stands. Relative paths are relative to the
    /// current folder, as for the other commands.
    static func storeLocation(flag: String?, configuration: ServerConfiguration, environment: [String: String]) -> String? {
        if let flag { return flag }
        guard !configuration.databaseGiven, let variable = environment["ATTUNE_DB"], !variable.isEmpty else { return nil }
        return variable
    }

    /// What the one listener serves (HTTP and WebSocket upgrades on the same port).
    static func listenerServes(audioHook: Bool) -> String {
        "HTTP and WebSocket: ingest /v1/ingest/native, /v1/ingest/twilio, /v1/ingest/audiohook"
            + (audioHook ? "" : " (refused: no audioHook in the configuration)")
            + "; live calls /v1/live/calls, /v1/live/calls/{callId}/events, /v1/live/calls/{callId}/ws, /v1/live/wall/events"
            + "; pages /desktop, /wall; /health, /metrics"
    }
}
