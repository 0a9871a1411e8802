import ArgumentParser
import AttunePipeline
import AttuneScoring
import AttuneServer
import AttuneStore
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
            are stored in the results store as `attune batch` stores them. Stops gracefully on \
            SIGINT or SIGTERM.
            """
    )

    @Option(name: .customLong("config"), help: ArgumentHelp("The server configuration (JSON; see --print-config-example).", valueName: "file"))
    var configurationFile: String?

    @Flag(help: "Print a commented example configuration and exit.")
    var printConfigExample = false

    @Option(help: "Override the configuration's port (0: any free port).")
    var port: Int?

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
        guard let level = Logger.Level(rawValue: logLevel) else { throw ValidationError("--log-level: unknown level '\(logLevel)'") }
        var logger = Logger(label: "attune.serve")
        logger.logLevel = level
        if configuration.tokens.isEmpty {
            logger.warning("no tokens configured: nobody can send audio or watch calls (see --print-config-example)")
        }
        let model = try ModelOption(path: configuration.model).load()
        var database: AttuneDatabase? = nil
        if let path = configuration.database {
            do { database = try await AttuneDatabase.open(path: path) } catch {
                printError("attune: error: \(error)")
                throw ExitCode(3)
            }
        }
        let server = LiveServer(configuration: configuration, model: model, database: database, logger: logger)
        let host = configuration.host
        let modelName = model.map { "\($0.model.id) \($0.model.version)" } ?? "none"
        try await server.run { [logger] port in
            logger.info("listening", metadata: ["url": "http://\(host):\(port)", "model": "\(modelName)"])
        }
    }
}
