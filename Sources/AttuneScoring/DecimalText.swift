/// Numbers as report text.
public enum DecimalText {
    /// `value` with `places` decimals (no locale, no exponent), e.g. `-0.5`, `48`.
    public static func fixed(_ value: Double, places: Int = 1) -> String {
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let scaled = Int((abs(value) * scale).rounded())
        let whole = scaled / Int(scale), fraction = scaled % Int(scale)
        let digits = String(fraction)
        let fractionText = places == 0 ? "" : "." + String(repeating: "0", count: max(0, places - digits.count)) + digits
        return (value < 0 && scaled != 0 ? "-" : "") + "\(whole)" + fractionText
    }
}
