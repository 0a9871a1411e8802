/// Reads a Twilio `media` message without `JSONDecoder`, when it has the plain shape Twilio sends:
/// a JSON object of strings, integers and objects, no escapes, no arrays, no floats, no repeated
/// keys. Two of these arrive every 20 ms of every call, and `JSONDecoder` cost more than
/// analysing the audio they carry.
///
/// It never decides anything `JSONDecoder` would decide otherwise: for any text it either gives
/// exactly the `TwilioMediaMessage` that `JSONDecoder` gives, or nil, and then `TwilioStream`
/// decodes the text with `JSONDecoder` as before (errors and all). Tested on that promise.
enum TwilioMediaReader {
    /// The media message in `text`, or nil when the text is not a plain media message.
    static func media(_ text: String) -> TwilioMediaMessage? {
        var text = text
        return text.withUTF8 { bytes in
            var reader = Reader(bytes: bytes)
            guard case .object(let fields)? = reader.value(depth: 0), reader.atEnd else { return nil }
            return message(fields, in: bytes)
        }
    }

    private static func message(_ fields: [Field], in bytes: UnsafeBufferPointer<UInt8>) -> TwilioMediaMessage? {
        func field(_ name: StaticString, in fields: [Field]) -> Value? {
            fields.first { Self.equal(bytes[$0.key], name) }?.value
        }
        func string(_ value: Value?) -> String? {
            guard case .string(let range)? = value else { return nil }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
        }
        /// A decimal number as Twilio's string or as a JSON integer (as `decodeLenientString`).
        func lenient(_ value: Value?) -> String? {
            if case .integer(let integer)? = value { return String(integer) }
            return string(value)
        }
        guard string(field("event", in: fields)) == "media",
              case .object(let media)? = field("media", in: fields),
              let track = string(field("track", in: media)),
              let chunk = lenient(field("chunk", in: media)),
              let timestamp = lenient(field("timestamp", in: media)),
              let payload = string(field("payload", in: media))
        else { return nil }
        // Optional fields: absent is fine; present, they must have the decoder's types.
        let sequenceNumber = field("sequenceNumber", in: fields)
        let streamSid = field("streamSid", in: fields)
        guard sequenceNumber == nil || lenient(sequenceNumber) != nil, streamSid == nil || string(streamSid) != nil else { return nil }
        return TwilioMediaMessage(
            sequenceNumber: lenient(sequenceNumber), streamSid: string(streamSid),
            media: .init(track: track, chunk: chunk, timestamp: timestamp, payload: payload))
    }

    private static func equal(_ key: Slice<UnsafeBufferPointer<UInt8>>, _ name: StaticString) -> Bool {
        key.count == name.utf8CodeUnitCount && key.elementsEqual(UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
    }

    private struct Field {
        var key: Range<Int>
        var value: Value
    }

    private enum Value {
        /// The string's bytes, between its quotes (no escapes in it).
        case string(Range<Int>)
        case integer(Int)
        case object([Field])
    }

    /// A recursive-descent reader of the plain subset; nil for anything outside it.
    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        var atEnd: Bool {
            mutating get {
                skipSpace()
                return index == bytes.count
            }
        }

        mutating func value(depth: Int) -> Value? {
            skipSpace()
            guard index < bytes.count, depth < 8 else { return nil }
            switch bytes[index] {
            case UInt8(ascii: "{"): return object(depth: depth)
            case UInt8(ascii: "\""): return string().map { .string($0) }
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return integer().map { .integer($0) }
            default: return nil
            }
        }

        private mutating func object(depth: Int) -> Value? {
            index += 1  // {
            var fields: [Field] = []
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .object(fields)
            }
            while true {
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\""), let key = string() else { return nil }
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return nil }
                index += 1
                // A repeated key is not plain: which one the decoder keeps is its own affair.
                guard let value = value(depth: depth + 1),
                      !fields.contains(where: { bytes[$0.key].elementsEqual(bytes[key]) })
                else { return nil }
                fields.append(Field(key: key, value: value))
                skipSpace()
                guard index < bytes.count else { return nil }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                } else if bytes[index] == UInt8(ascii: "}") {
                    index += 1
                    return .object(fields)
                } else {
                    return nil
                }
            }
        }

        /// A string without escapes or control characters: the range between its quotes.
        private mutating func string() -> Range<Int>? {
            index += 1  // "
            let start = index
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    index += 1
                    return start..<(index - 1)
                }
                if byte == UInt8(ascii: "\\") || byte < 0x20 { return nil }
                index += 1
            }
            return nil
        }

        /// An integer as JSON writes one (no leading zeros, no fraction or exponent), in range.
        private mutating func integer() -> Int? {
            let negative = bytes[index] == UInt8(ascii: "-")
            if negative { index += 1 }
            let start = index
            var value = 0
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
                let (times, overflowTimes) = value.multipliedReportingOverflow(by: 10)
                let (sum, overflowSum) = times.addingReportingOverflow(Int(bytes[index] - UInt8(ascii: "0")))
                guard !overflowTimes, !overflowSum else { return nil }
                value = sum
                index += 1
            }
            let digits = index - start
            guard digits > 0, !(digits > 1 && bytes[start] == UInt8(ascii: "0")) else { return nil }
            if index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"): return nil
                default: break
                }
            }
            return negative ? -value : value
        }

        private mutating func skipSpace() {
            loop: while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x09, 0x0A, 0x0D: index += 1  // space, tab, line feed, carriage return
                default: break loop
                }
            }
        }
    }
}
