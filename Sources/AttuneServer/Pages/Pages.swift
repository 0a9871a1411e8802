/// The pages `attune serve` serves: self-contained HTML with inline CSS and JS; nothing is
/// fetched from anywhere but this server (the responses also carry a `default-src 'self'` CSP).
/// Tokens come in the page's URL (`?token=…`) and go to the API as a query parameter, because
/// `EventSource` cannot set headers; the server never logs query strings.
enum Pages {
    static let index = """
        <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Attune</title>
        <style>\(sharedStyle)</style></head>
        <body><main class="narrow"><h1>Attune live</h1>
        <p>Open a page with your token: <code>/desktop?token=…</code> (advisor; add <code>&amp;call=ID</code> for one call)
        or <code>/wall?token=…</code> (supervisor).</p>
        <ul><li><a href="/desktop">Advisor desktop</a></li><li><a href="/wall">Supervisor wall</a></li>
        <li><a href="/calls">Stored calls</a> (find a call, see its timeline, listen to a moment)</li></ul></main></body></html>
        """

    /// Colours and type for both pages: large, high-contrast figures for a second monitor.
    static let sharedStyle = """
        :root { --bg:#0f1419; --panel:#1a2129; --text:#e8edf2; --muted:#8b98a5; --ok:#3fb950; --warn:#d29922; --bad:#f85149; --accent:#58a6ff; }
        * { box-sizing:border-box; }
        body { margin:0; background:var(--bg); color:var(--text); font:16px/1.4 system-ui, sans-serif; }
        main { padding:16px; } main.narrow { max-width:720px; margin:auto; }
        h1 { font-size:20px; margin:0 0 12px; font-weight:600; } h2 { font-size:13px; text-transform:uppercase; letter-spacing:.06em; color:var(--muted); margin:0 0 8px; font-weight:600; }
        .panel { background:var(--panel); border-radius:10px; padding:14px 16px; }
        .big { font-size:44px; font-weight:700; line-height:1.1; font-variant-numeric:tabular-nums; }
        .muted { color:var(--muted); } .ok { color:var(--ok); } .warn { color:var(--warn); } .bad { color:var(--bad); }
        .badge { display:inline-block; padding:2px 10px; border-radius:999px; font-weight:600; font-size:14px; }
        .badge.none { background:#23342a; color:var(--ok); } .badge.elevated { background:#3b3115; color:var(--warn); } .badge.high { background:#4a1f1f; color:var(--bad); } .badge.pending { background:#2b3540; color:var(--muted); }
        code { background:#222b35; padding:1px 5px; border-radius:4px; } a { color:var(--accent); }
        """
}
