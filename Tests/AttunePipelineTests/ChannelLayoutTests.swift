import AttuneDSP
import AttunePipeline
import Testing

@Suite struct ChannelLayoutTests {
    /// `channel(of:)` (asked after every live frame, without allocating) agrees with the order of
    /// `parties` for every layout and party.
    @Test func channelOfAgreesWithParties() {
        let layouts: [ChannelLayout] = [.stereo(advisorChannel: 0), .stereo(advisorChannel: 1), .twoLeg, .mono(party: .advisor), .mono(party: .customer), .mono(party: .mixed)]
        for layout in layouts {
            for party in Party.allCases {
                #expect(layout.channel(of: party) == layout.parties.firstIndex(of: party), "\(layout) \(party)")
            }
        }
    }
}
