/// What one server's hub tells the others sharing its store (`LiveHub.relayEvents`, `apply`):
/// JSON, each small enough for one PostgreSQL notification.
public enum HubEvent: Sendable, Equatable, Codable {
    case started(LiveCallInfo)
    case update(LiveUpdate)
    case alert(LiveAlert)
    case ended(LiveCallEnded)
    case context(callId: String, context: CallContext)
}
