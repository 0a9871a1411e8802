/// G.711 μ-law (PCMU), the telephone codec of Twilio Media Streams and Genesys AudioHook, and
/// 16-bit little-endian linear PCM (L16). Pure table look-ups.
public enum G711 {
    /// μ-law byte → linear sample in [-1, 1] (ITU-T G.711: ±32124 of 32768 at most).
    public static let muLawToFloat: [Float] = (0...255).map { Float(decodeMuLaw(UInt8($0))) / 32768 }

    /// μ-law byte → 16-bit linear sample.
    public static func decodeMuLaw(_ byte: UInt8) -> Int16 {
        let u = ~byte
        let exponent = Int((u >> 4) & 0x07)
        let mantissa = Int(u & 0x0F)
        let magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84
        return Int16(u & 0x80 != 0 ? -magnitude : magnitude)
    }

    /// 16-bit linear sample → μ-law byte (for tests and the load tool's senders).
    public static func encodeMuLaw(_ sample: Int16) -> UInt8 {
        let bias = 0x84, clip = 32635
        var value = Int(sample)
        let sign: UInt8 = value < 0 ? 0x80 : 0
        if value < 0 { value = -value }
        value = min(value, clip) + bias
        var exponent = 7
        var mask = 0x4000
        while exponent > 0 && value & mask == 0 {
            exponent -= 1
            mask >>= 1
        }
        let mantissa = (value >> (exponent + 3)) & 0x0F
        return ~(sign | UInt8(exponent << 4) | UInt8(mantissa))
    }

    /// Linear sample in [-1, 1] → μ-law byte.
    public static func encodeMuLaw(_ sample: Float) -> UInt8 {
        encodeMuLaw(Int16(max(-32768, min(32767, (sample * 32768).rounded()))))
    }

    /// μ-law bytes → samples in [-1, 1], appended to `output`.
    public static func decodeMuLaw<Bytes: Collection<UInt8>>(_ bytes: Bytes, into output: inout [Float]) {
        output.reserveCapacity(output.count + bytes.count)
        // Contiguous bytes (arrays, NIO buffers) are read directly: this runs for every frame of
        // every live call, and the generic iterator costs several times the look-up. They are
        // decoded into the output's storage in one pass (no append per byte).
        let done: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            let start = output.count
            output.append(contentsOf: repeatElement(0, count: buffer.count))
            muLawToFloat.withUnsafeBufferPointer { table in
                output.withUnsafeMutableBufferPointer { samples in
                    for index in buffer.indices { samples[start + index] = table[Int(buffer[index])] }
                }
            }
        }
        if done == nil { for byte in bytes { output.append(muLawToFloat[Int(byte)]) } }
    }

    /// 16-bit little-endian PCM bytes → samples in [-1, 1], appended to `output`. A trailing odd
    /// byte is ignored (callers check lengths first).
    public static func decodeL16(_ bytes: some Collection<UInt8>, into output: inout [Float]) {
        output.reserveCapacity(output.count + bytes.count / 2)
        let done: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            for index in stride(from: 0, to: buffer.count - 1, by: 2) {
                output.append(Float(Int16(bitPattern: UInt16(buffer[index]) | UInt16(buffer[index + 1]) << 8)) / 32768)
            }
        }
        if done != nil { return }
        var iterator = bytes.makeIterator()
        while let low = iterator.next(), let high = iterator.next() {
            output.append(Float(Int16(bitPattern: UInt16(low) | UInt16(high) << 8)) / 32768)
        }
    }
}
