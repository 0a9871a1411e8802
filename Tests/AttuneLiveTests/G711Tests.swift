import AttuneLive
import Testing

@Suite struct G711Tests {
    /// Values from the G.711 tables: 0xFF and 0x7F are the two zeros, 0x80 and 0x00 the extremes.
    @Test func muLawKnownValues() {
        #expect(G711.decodeMuLaw(0xFF) == 0 && G711.decodeMuLaw(0x7F) == 0)
        #expect(G711.decodeMuLaw(0x80) == 32124 && G711.decodeMuLaw(0x00) == -32124)
        #expect(G711.decodeMuLaw(0xF0) == 120 && G711.decodeMuLaw(0x70) == -120)
        #expect(G711.decodeMuLaw(0xEF) == 132)
    }

    /// Every code decodes to a value that encodes back to the same code (except the two zeros,
    /// which both encode as 0xFF), and encoding is monotone.
    @Test func muLawRoundTripAndMonotone() {
        for code in 0...255 {
            let value = G711.decodeMuLaw(UInt8(code))
            let again = G711.encodeMuLaw(value)
            #expect(again == UInt8(code) || (value == 0 && again == 0xFF), "code \(code)")
        }
        var previous = G711.decodeMuLaw(G711.encodeMuLaw(Int16.min))
        for sample in stride(from: -32768, through: 32767, by: 7) {
            let decoded = G711.decodeMuLaw(G711.encodeMuLaw(Int16(sample)))
            #expect(decoded >= previous)
            previous = decoded
        }
    }

    /// The bulk decoder appends, from contiguous bytes and from any other collection alike,
    /// exactly what the per-byte decoder gives.
    @Test func muLawBulkDecodingAppends() {
        let codes = (0...255).map { UInt8($0) }.reversed() + [0x00, 0xFF, 0x80]
        let expected = [Float(-1)] + codes.map { Float(G711.decodeMuLaw($0)) / 32768 }
        var contiguous: [Float] = [-1]
        G711.decodeMuLaw(Array(codes), into: &contiguous)
        #expect(contiguous == expected)
        var generic: [Float] = [-1]
        G711.decodeMuLaw(codes.lazy.map { $0 }, into: &generic)
        #expect(generic == expected)
    }

    @Test func l16LittleEndian() {
        var out: [Float] = []
        G711.decodeL16([0x00, 0x40, 0x00, 0xC0, 0xFF, 0x7F, 0x01], into: &out)
        #expect(out == [0.5, -0.5, 32767.0 / 32768])
    }
}
