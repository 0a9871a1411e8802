import AttuneDSP
import Testing

@Suite struct ConfigurationTests {
    @Test func everyFieldHasAUniqueKeyAUnitAndADefaultInRange() throws {
        let keys = AnalysisConfiguration.fields.map(\.key)
        #expect(Set(keys).count == keys.count)
        for field in AnalysisConfiguration.fields {
            #expect(!field.unit.isEmpty && !field.summary.isEmpty)
            #expect(field.range.contains(field.value(in: .default)), "\(field.key)")
        }
        try AnalysisConfiguration.default.validate()
    }

    @Test func settingAKeyChangesOnlyThatValueAndTheFingerprint() throws {
        var configuration = AnalysisConfiguration.default
        try configuration.set("turns.deadAirMinimumSeconds", to: 5)
        #expect(configuration.turns.deadAirMinimumSeconds == 5)
        #expect(configuration.turns.mergeGapSeconds == AnalysisConfiguration.default.turns.mergeGapSeconds)
        #expect(configuration.fingerprint != AnalysisConfiguration.default.fingerprint)
    }

    @Test func unknownKeysAndOutOfRangeValuesAreRejectedByName() {
        var configuration = AnalysisConfiguration.default
        #expect(throws: ConfigurationError.self) { try configuration.set("turns.deadAir", to: 5) }
        do {
            try configuration.set("spikes.thresholdDb", to: 100)
            Issue.record("accepted 100 dB")
        } catch {
            #expect(error.key == "spikes.thresholdDb")
        }
        var inverted = AnalysisConfiguration.default
        inverted.voiceActivity.offsetThresholdDb = 10
        #expect(throws: ConfigurationError.self) { try inverted.validate() }
        var loops = AnalysisConfiguration.default
        loops.holds.announcementMinimumPeriodSeconds = 30
        do {
            try loops.validate()
            Issue.record("accepted a loop period range of 30–30 s")
        } catch {
            #expect(error.key == "holds.announcementMinimumPeriodSeconds")
        }
    }
}
