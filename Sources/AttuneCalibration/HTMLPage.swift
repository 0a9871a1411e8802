/// A self-contained HTML page: inline style only, no scripts, no fonts or images fetched, so it
/// opens anywhere without a network (calibration and feedback reports).
public enum HTMLPage {
    /// The page around `body` (HTML), titled `title` (plain text), with `style` (CSS) added to the
    /// shared look.
    public static func render(title: String, body: [String], style: String = "") -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(escapeHTML(title))</title>
        <style>
        body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 60em; color: #222; }
        table { border-collapse: collapse; margin: 0.5em 0 1em; }
        th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
        th:first-child, td:first-child { text-align: left; }
        .plots { display: flex; flex-wrap: wrap; gap: 1em; }
        figure { margin: 0; } figcaption { font-size: 0.85em; color: #555; max-width: 420px; }
        \(style)
        </style></head><body>
        \(body.joined(separator: "\n"))
        </body></html>
        """
    }
}
