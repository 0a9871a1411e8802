extension Pages {
    /// The supervisor wall: every live call of the token's team from `/v1/live/wall/events`,
    /// distressed customers first, then by likely effort (shown in words and on the survey scale:
    /// "high · 1.2"), with every alert linked to its moment; a click opens the call's desktop.
    /// Below, the call-back list (`/v1/live/wall/callbacks`): the last hour's calls that ended with
    /// high distress, each with a "Handled" button.
    static let wall = """
        <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
        <title>Attune · supervisor wall</title>
        <style>\(sharedStyle)
        table { width:100%; border-collapse:collapse; font-size:18px; }
        th { text-align:left; color:var(--muted); font-size:13px; text-transform:uppercase; letter-spacing:.06em; padding:8px; }
        td { padding:10px 8px; border-top:1px solid #26303a; font-variant-numeric:tabular-nums; }
        tr.call { cursor:pointer; } tr.call:hover { background:#202a34; }
        tr.high td:first-child { box-shadow:inset 4px 0 var(--bad); } tr.elevated td:first-child { box-shadow:inset 4px 0 var(--warn); }
        #status { float:right; font-size:14px; }
        button.handled { background:#222b35; color:var(--text); border:1px solid #34404c; border-radius:6px; padding:3px 10px; cursor:pointer; font:inherit; }
        </style></head>
        <body><main>
        <h1>Live calls <span id="count" class="muted">0</span> <span id="status" class="muted">connecting…</span></h1>
        <table><thead><tr><th>Advisor</th><th>Call</th><th>Time</th><th>Distress</th><th>Effort</th><th>Silence / hold</th><th>Alerts</th></tr></thead>
        <tbody id="calls"><tr id="empty"><td colspan="7" class="muted">No live calls.</td></tr></tbody></table>
        <h1 style="margin-top:22px">Call back <span id="callback-count" class="muted">0</span></h1>
        <p class="muted">The last hour's calls that ended with high customer distress, until someone marks them handled.</p>
        <table><thead><tr><th>Advisor</th><th>Call</th><th>Ended</th><th>Distress</th><th></th></tr></thead>
        <tbody id="callbacks"></tbody></table>
        </main>
        <script>
        "use strict";
        const params = new URLSearchParams(location.search);
        const token = params.get("token") || "";
        const q = "?token=" + encodeURIComponent(token);
        const calls = new Map();
        const rank = { high: 0, elevated: 1, none: 2 };
        const fmt = (s) => Math.floor(s / 60) + ":" + String(Math.floor(s % 60)).padStart(2, "0");

        function entry(call) {
          if (!calls.has(call.callId)) calls.set(call.callId, { call, update: null, alerts: [] });
          return calls.get(call.callId);
        }

        function cell(text, className) { const td = document.createElement("td"); td.textContent = text; if (className) td.className = className; return td; }

        function render() {
          const body = document.getElementById("calls");
          const rows = [...calls.values()].sort((a, b) => {
            const da = rank[a.update?.distress?.level ?? "none"], db = rank[b.update?.distress?.level ?? "none"];
            if (da !== db) return da - db;
            return (b.update?.effort?.index ?? 0) - (a.update?.effort?.index ?? 0);
          });
          body.replaceChildren();
          if (!rows.length) { const tr = document.createElement("tr"); tr.appendChild(cell("No live calls.", "muted")).colSpan = 7; body.appendChild(tr); }
          for (const r of rows) {
            const u = r.update, level = u?.distress?.level;
            const tr = document.createElement("tr");
            tr.className = "call " + (level || "");
            tr.dataset.callId = r.call.callId;
            tr.onclick = () => { location.href = "/desktop" + q + "&call=" + encodeURIComponent(r.call.callId); };
            tr.appendChild(cell(r.call.agentId || "–"));
            tr.appendChild(cell(r.call.callId, "muted"));
            tr.appendChild(cell(u ? fmt(u.streamSeconds) : "–"));
            tr.appendChild(cell(u?.distress ? level + " " + u.distress.value.toFixed(2) : "–", level === "high" ? "bad" : level === "elevated" ? "warn" : ""));
            tr.appendChild(cell(u?.effort ? u.effort.level + " · " + u.effort.value.toFixed(1) : "–", u?.effort?.level === "high" ? "bad" : ""));
            if (u && u.onHoldSinceSeconds != null) tr.appendChild(cell("on hold " + fmt(u.streamSeconds - u.onHoldSinceSeconds), "warn hold"));
            else tr.appendChild(cell(u ? u.silenceSeconds.toFixed(0) + " s" : "–", u && u.silenceSeconds >= u.deadAirThresholdSeconds ? "bad" : ""));
            // Every alert of the call (newest first, the last five), each a link to its moment in
            // the call's stored page (there once the call ends).
            const alertCell = cell("");
            for (const alert of r.alerts.slice(-5).reverse()) {
              const link = document.createElement("a");
              link.href = "/calls/" + encodeURIComponent(r.call.callId) + q + "#t=" + alert.atSeconds.toFixed(1);
              link.textContent = fmt(alert.atSeconds) + " " + alert.message;
              link.className = "alert-link";
              link.style.display = "block";
              link.onclick = (e) => e.stopPropagation();
              alertCell.appendChild(link);
            }
            tr.appendChild(alertCell);
            body.appendChild(tr);
          }
          document.getElementById("count").textContent = rows.length;
        }

        async function loadCallBacks() {
          let list = [];
          try {
            const response = await fetch("/v1/live/wall/callbacks" + q);
            if (response.ok) list = (await response.json()).calls;
          } catch (e) {}
          const body = document.getElementById("callbacks");
          body.replaceChildren();
          for (const c of list) {
            const tr = document.createElement("tr");
            tr.dataset.callId = c.callId;
            tr.appendChild(cell(c.agentId || "–"));
            const callCell = cell("");
            const link = document.createElement("a");
            link.href = "/calls/" + encodeURIComponent(c.callId) + q + (c.peakAtSeconds != null ? "#t=" + c.peakAtSeconds.toFixed(1) : "");
            link.textContent = c.callId;
            callCell.appendChild(link);
            tr.appendChild(callCell);
            tr.appendChild(cell(c.endedAt.slice(11, 16)));
            tr.appendChild(cell(c.distressValue != null ? "high " + c.distressValue.toFixed(2) : "high", "bad"));
            const action = cell("");
            const button = document.createElement("button");
            button.textContent = "Handled"; button.className = "handled";
            button.onclick = async () => {
              await fetch("/v1/live/wall/callbacks/" + encodeURIComponent(c.callId) + "/handled" + q, { method: "POST" });
              loadCallBacks();
            };
            action.appendChild(button);
            tr.appendChild(action);
            body.appendChild(tr);
          }
          document.getElementById("callback-count").textContent = list.length;
          document.body.dataset.callBacks = String(list.length);
        }

        async function start() {
          loadCallBacks();
          try {
            const response = await fetch("/v1/live/calls" + q);
            if (response.ok) for (const call of (await response.json()).calls) entry(call);
          } catch (e) {}
          render();
          const source = new EventSource("/v1/live/wall/events" + q);
          source.onopen = () => { document.getElementById("status").textContent = "live"; document.getElementById("status").className = "ok"; };
          source.onerror = () => { document.getElementById("status").textContent = source.readyState === EventSource.CLOSED ? "token refused" : "reconnecting…"; document.getElementById("status").className = "bad"; };
          source.onmessage = (event) => {
            const m = JSON.parse(event.data);
            if (m.type === "callStarted") entry(m);
            else if (m.type === "update") entry(m.call).update = m;
            else if (m.type === "alert") entry(m.call).alerts.push(m);
            else if (m.type === "callEnded") { calls.delete(m.call.callId); if (m.distressLevel === "high") loadCallBacks(); }
            else if (m.type === "callMoved") calls.delete(m.callId);
            render();
          };
        }
        start();
        </script></body></html>
        """
}
