import AttuneLive
import AttuneServer
import AttuneTestSupport
import Foundation
import Testing

/// Token roles are one typed vocabulary (`AccessRoleName`), read once from the file (issue 14,
/// item 11): an unknown role is refused naming it, the allowed names and the file; the roles of a
/// checked configuration all become access roles.
@Suite struct ServerConfigurationTests {
    /// `liveAudio` is off unless configured; its folder is relative to the file; its days bounded.
    @Test func liveAudioIsOffUnlessConfiguredAndItsValuesAreChecked() throws {
        #expect(try ServerConfiguration.parse("{}", file: "serve.json").liveAudio == nil)
        let folder = RepositoryPaths.temporaryDirectory("attune-live-audio-config")
        try #"{ "liveAudio": { "folder": "kept", "keepDays": 30 } }"#.write(toFile: folder + "/serve.json", atomically: true, encoding: .utf8)
        #expect(try ServerConfiguration.load(path: folder + "/serve.json").liveAudio == .init(folder: folder + "/kept", keepDays: 30))
        for bad in [#"{ "liveAudio": { "folder": "kept", "keepDays": 0 } }"#, #"{ "liveAudio": { "folder": "", "keepDays": 3 } }"#,
                    #"{ "liveAudio": { "folder": "kept", "keepDays": 3, "forever": true } }"#] {
            #expect(throws: ServerConfiguration.Problem.self) { try ServerConfiguration.parse(bad, file: "serve.json") }
        }
    }

    @Test func unknownRoleIsRefusedNamingItAndTheFile() throws {
        let folder = RepositoryPaths.temporaryDirectory("attune-serve-roles")
        let path = folder + "/serve.json"
        try #"""
            { "port": 0, "tokens": [
                { "token": "ingest-0123456789abcdef", "role": "ingest" },
                { "token": "admin-0123456789abcdef", "role": "admin", "team": "north" } ] }
            """#.write(toFile: path, atomically: true, encoding: .utf8)
        var refusal: ServerConfiguration.Problem?
        do { _ = try ServerConfiguration.load(path: path) } catch { refusal = error }
        let problem = try #require(refusal, "a configuration with role 'admin' was accepted")
        #expect(problem.file == path)
        #expect(problem.message == "tokens[1].role: expected advisor, supervisor or ingest, got 'admin'")
        #expect(problem.description == "\(path): tokens[1].role: expected advisor, supervisor or ingest, got 'admin'")
        // The role's name is matched exactly.
        #expect(throws: ServerConfiguration.Problem.self) {
            try ServerConfiguration.parse(#"{ "tokens": [ { "token": "ingest-0123456789abcdef", "role": "Ingest" } ] }"#, file: "serve.json")
        }
    }

    @Test func everyRoleOfACheckedConfigurationBecomesItsAccessRole() throws {
        let configuration = try ServerConfiguration.parse(#"""
            { "tokens": [
                { "token": "ingest-0123456789abcdef", "role": "ingest" },
                { "token": "advisor-0123456789abcdef", "role": "advisor", "agentId": "alice" },
                { "token": "supervisor-0123456789abcdef", "role": "supervisor", "team": "north" } ] }
            """#, file: "serve.json")
        #expect(configuration.tokens.map(\.role) == [.ingest, .advisor, .supervisor])
        let tokens = configuration.accessTokens
        #expect(tokens.role(of: "ingest-0123456789abcdef") == .ingest)
        #expect(tokens.role(of: "advisor-0123456789abcdef") == .advisor(agentId: "alice"))
        #expect(tokens.role(of: "supervisor-0123456789abcdef") == .supervisor(team: "north"))
        #expect(tokens.role(of: "unknown-0123456789abcdef") == nil)
        // The names come from the one vocabulary.
        #expect(AccessRoleName.allowedList == "advisor, supervisor or ingest")
        #expect([AccessRole.advisor(agentId: "a"), .supervisor(team: "t"), .ingest].map(\.roleName) == AccessRoleName.allCases)
        #expect(AccessRole.supervisor(team: "t").name == "supervisor")
        // What a role needs is still checked.
        let missing = #expect(throws: ServerConfiguration.Problem.self) {
            try ServerConfiguration.parse(#"{ "tokens": [ { "token": "advisor-0123456789abcdef", "role": "advisor" } ] }"#, file: "serve.json")
        }
        #expect(missing?.message == "tokens[0]: an advisor token needs an agentId")
    }
}
