/// What one server's hub tells the others sharing its store (`LiveHub.relayEvents`, `apply`):
/// JSON, each small enough for one PostgreSQL notification.
public enum HubEvent: Sendable, Equatable, Codable {
    case started(LiveCallInfo)
    case update(LiveUpdate)
    case alert(LiveAlert)
    case ended(LiveCallEnded)
    case context(callId: String, context: CallContext)

    /// The call the event is about.
    public var callId: String {
        switch self {
        case .started(let info): info.callId
        case .update(let update): update.call.callId
        case .alert(let alert): alert.call.callId
        case .ended(let ended): ended.call.callId
        case .context(let callId, _): callId
        }
    }
}
