public import AttuneDSP

/// How a recording's channels map to the call's parties.
public enum ChannelLayout: Sendable, Equatable, Hashable {
    /// One stereo file, one party per channel; `advisorChannel` (0 or 1) is the advisor's.
    case stereo(advisorChannel: Int)
    /// Two mono files, one per party (pushed to the analyzer as advisor, customer).
    case twoLeg
    /// One mono channel: both parties mixed (`.mixed`), or one party's leg only.
    case mono(party: Party)

    /// Channels the analyzer expects in each pushed sample frame.
    public var channelCount: Int {
        switch self {
        case .stereo, .twoLeg: 2
        case .mono: 1
        }
    }

    /// The party on each channel, in channel order.
    public var parties: [Party] {
        switch self {
        case .stereo(let advisorChannel): advisorChannel == 0 ? [.advisor, .customer] : [.customer, .advisor]
        case .twoLeg: [.advisor, .customer]
        case .mono(let party): [party]
        }
    }

    /// The channel `party` speaks on, if it has one (no allocation: live calls ask after every
    /// frame).
    public func channel(of party: Party) -> Int? {
        switch self {
        case .stereo(let advisorChannel):
            switch party {
            case .advisor: advisorChannel
            case .customer: 1 - advisorChannel
            default: nil
            }
        case .twoLeg:
            switch party {
            case .advisor: 0
            case .customer: 1
            default: nil
            }
        case .mono(let only): only == party ? 0 : nil
        }
    }

    /// The report's `channelLayout` value: `stereo` whenever each party has a channel of its own.
    public var reportName: String {
        switch self {
        case .stereo, .twoLeg: "stereo"
        case .mono: "mono"
        }
    }

    /// Whether the time when nobody speaks can be known (both parties are heard).
    public var hearsBothParties: Bool {
        switch self {
        case .stereo, .twoLeg: true
        case .mono(let party): party == .mixed
        }
    }
}
