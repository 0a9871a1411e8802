extension Pages {
    /// The token for the explorer's pages: from the address (`?token=…`, then remembered in this
    /// browser, so links from feedback pages and alerts need not carry it), else the remembered one;
    /// with none, the page asks for it.
    static let tokenScript = """
        const params = new URLSearchParams(location.search);
        let token = params.get("token") || localStorage.getItem("attuneToken") || "";
        if (params.get("token")) localStorage.setItem("attuneToken", params.get("token"));
        if (!token) {
          const entered = prompt("Your Attune token");
          if (entered) { localStorage.setItem("attuneToken", entered); token = entered; }
        }
        """

    /// The call explorer's list: stored calls the token may see (`/v1/calls`), filtered, sorted and
    /// paged on the server, with their count and a CSV of the whole filtered list. A row opens the
    /// call's page.
    static let calls = """
        <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
        <title>Attune · calls</title>
        <style>\(sharedStyle)
        form { display:flex; flex-wrap:wrap; gap:8px 14px; align-items:end; margin-bottom:14px; }
        label { display:flex; flex-direction:column; font-size:12px; color:var(--muted); gap:3px; }
        input, select, button { background:#222b35; color:var(--text); border:1px solid #34404c; border-radius:6px; padding:5px 8px; font:inherit; }
        button { cursor:pointer; } table { width:100%; border-collapse:collapse; }
        th { text-align:left; color:var(--muted); font-size:12px; text-transform:uppercase; letter-spacing:.06em; padding:6px 8px; }
        td { padding:8px; border-top:1px solid #26303a; font-variant-numeric:tabular-nums; }
        tr.call { cursor:pointer; } tr.call:hover { background:#202a34; }
        #pager { margin-top:12px; display:flex; gap:12px; align-items:center; }
        </style></head>
        <body><main>
        <h1>Calls <span id="count" class="muted"></span></h1>
        <form id="filters">
          <label>From <input type="date" name="since"></label>
          <label>Before <input type="date" name="until"></label>
          <label>Advisor <input name="agentId" size="10"></label>
          <label>Team <input name="team" size="8"></label>
          <label>Effort <select name="effort"><option value="">any</option><option>low</option><option>moderate</option><option>high</option></select></label>
          <label>Distress <select name="distress"><option value="">any</option><option>none</option><option>elevated</option><option>high</option></select></label>
          <label>Dead air ≥ s <input name="minDeadAir" type="number" min="0" step="1" size="4"></label>
          <label>Survey <select name="surveyed"><option value="">any</option><option value="true">answered</option><option value="false">none</option></select></label>
          <label>Survey gap ≥ <input name="minSurveyGap" type="number" min="0" step="0.5" size="4"></label>
          <label>Event <select name="event"><option value="">any</option><option>deadAir</option><option>interruption</option><option>overtalk</option><option>energySpike</option><option>hold</option><option>dtmf</option></select></label>
          <label>Sort <select name="sort"><option value="time">time</option><option value="effort">effort</option><option value="distress">distress</option><option value="deadAir">dead air</option><option value="duration">length</option></select></label>
          <button id="apply" type="submit">Show</button> <a id="csv" href="#">CSV</a>
        </form>
        <table><thead><tr><th>When</th><th>Advisor</th><th>Team</th><th>Length</th><th>Effort</th><th>Distress</th><th>Dead air</th><th>Survey</th></tr></thead>
        <tbody id="calls"></tbody></table>
        <div id="pager"><button id="previous" type="button">Previous</button><span id="position" class="muted"></span><button id="next" type="button">Next</button></div>
        <p id="error" class="bad"></p>
        </main>
        <script>
        "use strict";
        \(tokenScript)
        const form = document.getElementById("filters");
        const limit = 50;
        let offset = Number(params.get("offset") || 0);
        for (const [key, value] of params) { if (form.elements[key]) form.elements[key].value = value; }
        const fmt = (s) => s == null ? "" : Math.floor(s / 60) + ":" + String(Math.round(s % 60)).padStart(2, "0");
        function query(extra) {
          const q = new URLSearchParams();
          for (const element of form.elements) { if (element.name && element.value) q.set(element.name, element.value); }
          for (const [k, v] of Object.entries(extra)) q.set(k, v);
          return q;
        }
        function cell(text, className) { const td = document.createElement("td"); td.textContent = text; if (className) td.className = className; return td; }
        async function load() {
          const q = query({ offset, limit });
          document.getElementById("csv").href = "/v1/calls.csv?" + query({ token });
          history.replaceState(null, "", "/calls?" + query({ token, offset }));
          const response = await fetch("/v1/calls?" + q, { headers: { Authorization: "Bearer " + token } });
          const error = document.getElementById("error");
          if (!response.ok) { error.textContent = await response.text(); return; }
          error.textContent = "";
          const page = await response.json();
          document.getElementById("count").textContent = page.total + " call" + (page.total === 1 ? "" : "s");
          const body = document.getElementById("calls");
          body.replaceChildren();
          for (const call of page.calls) {
            const row = document.createElement("tr");
            row.className = "call"; row.dataset.callId = call.callId;
            row.append(cell(call.time.replace("T", " ").slice(0, 16)), cell(call.agentId ?? ""), cell(call.team ?? ""), cell(fmt(call.durationSeconds)),
              cell(call.effortLevel ? call.effortLevel + " · " + call.effort.toFixed(1) : "—"),
              cell(call.distressLevel ?? "—", call.distressLevel === "high" ? "bad" : call.distressLevel === "elevated" ? "warn" : ""),
              cell(call.deadAirSeconds == null ? "" : call.deadAirSeconds.toFixed(0) + " s"),
              cell(call.surveyScore == null ? "" : String(call.surveyScore)));
            row.addEventListener("click", () => { location.href = "/calls/" + encodeURIComponent(call.callId) + "?token=" + encodeURIComponent(token); });
            body.append(row);
          }
          document.getElementById("position").textContent = page.total === 0 ? "" : (offset + 1) + "–" + (offset + page.calls.length) + " of " + page.total;
          document.getElementById("previous").disabled = offset === 0;
          document.getElementById("next").disabled = offset + page.calls.length >= page.total;
          document.body.dataset.loaded = String(page.total);
        }
        form.addEventListener("submit", (e) => { e.preventDefault(); offset = 0; load(); });
        document.getElementById("previous").addEventListener("click", () => { offset = Math.max(0, offset - limit); load(); });
        document.getElementById("next").addEventListener("click", () => { offset += limit; load(); });
        load();
        </script></body></html>
        """

    /// One stored call: its timeline (both parties' talk, overtalk, dead air, holds, events as
    /// marks), its scores with their contributions, its survey answers, and a player that plays the
    /// recording from a mark when it is clicked (`#t=SECONDS` in the address starts there).
    static let call = """
        <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
        <title>Attune · call</title>
        <style>\(sharedStyle)
        .grid { display:grid; grid-template-columns: 1fr 1fr; gap:14px; margin-top:14px; }
        svg { width:100%; background:var(--panel); border-radius:10px; }
        .mark { cursor:pointer; } .mark:hover { opacity:.7; }
        ul { margin:0; padding-left:18px; } audio { width:100%; margin-top:10px; }
        #marks button { background:#222b35; color:var(--text); border:1px solid #34404c; border-radius:6px; padding:3px 8px; margin:2px; cursor:pointer; font:inherit; font-size:13px; }
        </style></head>
        <body><main>
        <p><a id="back" href="/calls">← Calls</a></p>
        <h1 id="title">Call</h1>
        <p id="meta" class="muted"></p>
        <svg id="timeline" viewBox="0 0 1000 120" preserveAspectRatio="none"></svg>
        <div id="marks"></div>
        <audio id="player" controls preload="metadata"></audio>
        <p id="recording" class="muted"></p>
        <div class="grid">
          <div class="panel"><h2>Likely effort</h2><div id="effort" class="big"></div><ul id="effortWhy"></ul></div>
          <div class="panel"><h2>Customer distress</h2><div id="distress" class="big"></div><ul id="distressWhy"></ul></div>
          <div class="panel"><h2>Survey</h2><div id="surveys" class="muted">No answer.</div></div>
        </div>
        <p id="error" class="bad"></p>
        </main>
        <script>
        "use strict";
        \(tokenScript)
        const callId = decodeURIComponent(location.pathname.split("/").pop());
        const player = document.getElementById("player");
        const colours = { advisor: "#58a6ff", customer: "#3fb950", overtalk: "#d29922", deadAir: "#8b98a5", hold: "#a371f7" };
        const markTypes = ["deadAir", "interruption", "energySpike", "hold", "dtmf", "overtalk"];
        document.getElementById("back").href = "/calls?token=" + encodeURIComponent(token);
        // The player's state in the document too, where a page reader can see it change.
        player.addEventListener("loadedmetadata", () => { player.dataset.ready = "1"; });
        player.addEventListener("seeked", () => { player.dataset.position = String(player.currentTime); });
        function seek(seconds) {
          player.currentTime = seconds;
          player.play().catch(() => {});
        }
        function rect(svg, x, y, w, h, colour, title, start) {
          const r = document.createElementNS("http://www.w3.org/2000/svg", "rect");
          r.setAttribute("x", x); r.setAttribute("y", y); r.setAttribute("width", Math.max(w, 1.5)); r.setAttribute("height", h); r.setAttribute("fill", colour);
          if (title) { const t = document.createElementNS("http://www.w3.org/2000/svg", "title"); t.textContent = title; r.append(t); }
          if (start != null) { r.classList.add("mark"); r.dataset.start = start; r.addEventListener("click", () => seek(start)); }
          svg.append(r);
        }
        function list(id, contributions) {
          const ul = document.getElementById(id);
          for (const c of contributions ?? []) { const li = document.createElement("li"); li.textContent = c.text; ul.append(li); }
        }
        async function load() {
          const response = await fetch("/v1/calls/" + encodeURIComponent(callId), { headers: { Authorization: "Bearer " + token } });
          if (response.status === 404) {
            document.getElementById("error").textContent = "No stored call " + callId + " for this token: a live call is stored when it ends, and each advisor sees only their own calls.";
            return;
          }
          if (!response.ok) { document.getElementById("error").textContent = await response.text(); return; }
          const { call, report } = await response.json();
          document.title = "Attune · " + call.callId;
          document.getElementById("title").textContent = call.callId;
          const length = call.durationSeconds;
          document.getElementById("meta").textContent = [call.agentId && "advisor " + call.agentId, call.team && "team " + call.team,
            (call.startedAt ?? call.analyzedAt).replace("T", " ").slice(0, 16), Math.round(length) + " s"].filter(Boolean).join(" · ");
          const svg = document.getElementById("timeline");
          const x = (s) => 1000 * s / Math.max(length, 1);
          for (const s of report.segments ?? []) rect(svg, x(s.startSeconds), s.party === "customer" ? 62 : 22, x(s.endSeconds) - x(s.startSeconds), 30, colours[s.party] ?? "#888", s.party);
          const marks = document.getElementById("marks");
          for (const e of report.events ?? []) {
            if (e.type === "overtalk") rect(svg, x(e.startSeconds), 52, x(e.endSeconds) - x(e.startSeconds), 10, colours.overtalk, "overtalk");
            if (e.type === "deadAir" || e.type === "hold") rect(svg, x(e.startSeconds), 0, x(e.endSeconds) - x(e.startSeconds), 120, colours[e.type] + "55", e.type);
            if (!markTypes.includes(e.type) || e.type === "overtalk") continue;
            const who = e.party ?? e.initiator ?? "";
            rect(svg, x(e.startSeconds) - 1, 96, 3, 22, "#f85149", e.type + " " + who + " " + e.startSeconds.toFixed(1) + " s", e.startSeconds);
            const button = document.createElement("button");
            button.className = "mark"; button.dataset.type = e.type; button.dataset.start = e.startSeconds;
            button.textContent = e.type + (who ? " (" + who + ")" : "") + " " + Math.floor(e.startSeconds / 60) + ":" + String((e.startSeconds % 60).toFixed(1)).padStart(4, "0");
            button.addEventListener("click", () => seek(e.startSeconds));
            marks.append(button);
          }
          const effort = report.scores?.effort, distress = report.scores?.distress;
          document.getElementById("effort").textContent = effort ? effort.level + " · " + effort.value.toFixed(1) : "—";
          document.getElementById("distress").textContent = distress?.level ?? "—";
          list("effortWhy", effort?.contributions); list("distressWhy", distress?.contributions);
          if (call.surveys.length) {
            const box = document.getElementById("surveys"); box.replaceChildren();
            for (const s of call.surveys) {
              const p = document.createElement("p");
              p.textContent = s.score + " on " + s.scaleMin + "–" + s.scaleMax + " (" + s.respondedAt.slice(0, 10) + ")" + (s.comment ? ": “" + s.comment + "”" : "");
              box.append(p);
            }
          }
          if (call.recording.url) {
            // Asked first in a small range, so that a recording that moved is said in words.
            const probe = await fetch(call.recording.url, { headers: { Authorization: "Bearer " + token, Range: "bytes=0-43" } });
            if (probe.ok) {
              player.src = call.recording.url + "?token=" + encodeURIComponent(token);
              const start = Number((location.hash.match(/t=([0-9.]+)/) ?? [])[1]);
              if (start > 0) player.addEventListener("loadedmetadata", () => seek(start), { once: true });
            } else {
              player.remove();
              document.getElementById("recording").textContent = probe.status === 404 ? "Recording not found: " + (await probe.text()) : "The recording cannot be played (" + probe.status + ").";
            }
          } else {
            player.remove();
            document.getElementById("recording").textContent = "No recording kept: " + call.recording.reason + ".";
          }
          document.body.dataset.loaded = "1";
        }
        load();
        </script></body></html>
        """
}
