extension Pages {
    /// The advisor desktop: one live call (`?call=ID`, else the newest live call the token may
    /// see), updated from `/v1/live/calls/{id}/events`: likely effort in words (low, moderate, high)
    /// over its value on the survey scale, the top reasons as the change each makes to that value,
    /// the customer's distress, talk share, a dead-air timer, overtalk, interruptions and raised
    /// voice, and alerts as they happen.
    static let desktop = """
        <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
        <title>Attune · advisor desktop</title>
        <style>\(sharedStyle)
        .grid { display:grid; grid-template-columns:repeat(auto-fit, minmax(260px, 1fr)); gap:12px; }
        .gauge { height:14px; background:#2b3540; border-radius:7px; overflow:hidden; margin:10px 0 4px; }
        .gauge > div { height:100%; width:0; transition:width .4s; }
        .split { display:flex; height:22px; border-radius:6px; overflow:hidden; margin:10px 0 6px; background:#2b3540; }
        .split > div { transition:width .4s; } #talk-bar-advisor { background:var(--accent); } #talk-bar-customer { background:#a371f7; }
        ul.list { list-style:none; margin:0; padding:0; } ul.list li { padding:4px 0; border-bottom:1px solid #26303a; }
        #alerts li { font-weight:600; } #status { float:right; font-size:14px; }
        </style></head>
        <body><main>
        <h1>Live call <span id="call-id" class="muted">–</span> <span id="status" class="muted">connecting…</span></h1>
        <div class="grid">
          <section class="panel"><h2>Likely customer effort</h2>
            <div class="big" id="effort-value">–</div><div class="muted" id="effort-scale"></div>
            <div class="gauge"><div id="effort-gauge"></div></div>
            <div class="muted">easy ← → hard</div></section>
          <section class="panel"><h2>Customer distress</h2>
            <div class="big" id="distress-value">–</div><span id="distress-level" class="badge pending">–</span>
            <div class="muted" id="distress-note"></div></section>
          <section class="panel"><h2>Silence now</h2>
            <div class="big" id="dead-air">0.0 s</div>
            <div class="muted">dead air from <span id="dead-air-threshold">3</span> s · so far <span id="dead-air-total">0</span> s</div>
            <div id="hold" class="warn"></div><div class="muted">on hold so far <span id="hold-total">0</span> s</div></section>
          <section class="panel"><h2>Talk share</h2>
            <div class="split"><div id="talk-bar-advisor" style="width:50%"></div><div id="talk-bar-customer" style="width:50%"></div></div>
            <div>You <b id="talk-advisor">–</b> · Customer <b id="talk-customer">–</b></div>
            <div class="muted">call time <span id="stream-seconds">0:00</span></div></section>
          <section class="panel"><h2>Cues</h2>
            <ul class="list">
              <li>Overtalk <b id="overtalk">–</b></li>
              <li>You interrupted <b id="interruptions-advisor">0</b> · customer interrupted <b id="interruptions-customer">0</b></li>
              <li>Customer raised voice <b id="raised-customer">0</b></li>
            </ul></section>
          <section class="panel"><h2>Why</h2><ul class="list" id="why"><li class="muted">waiting for the first update</li></ul></section>
          <section class="panel"><h2>Alerts</h2><ul class="list" id="alerts"></ul></section>
        </div></main>
        <script>
        "use strict";
        const params = new URLSearchParams(location.search);
        const token = params.get("token") || "";
        const q = "?token=" + encodeURIComponent(token);
        const $ = (id) => document.getElementById(id);
        const fmt = (s) => Math.floor(s / 60) + ":" + String(Math.floor(s % 60)).padStart(2, "0");
        const pct = (x) => x == null ? "–" : Math.round(x * 100) + " %";
        function setText(id, text) { $(id).textContent = text; }
        // "dead air 10.5 s: −0.6 (harder)": the reason (the text before its last colon) and the
        // change it makes to the number shown on the survey's scale (Contribution.effortText).
        function effortReason(c) {
          const colon = c.text.lastIndexOf(":");
          const reason = colon < 0 ? c.text : c.text.slice(0, colon);
          const change = c.effect === "none" ? "0.0" : (c.scaleChange < 0 ? "−" : "+") + Math.abs(c.scaleChange).toFixed(1);
          return reason + ": " + change + " (" + c.effect + ")";
        }

        function showUpdate(u) {
          setText("call-id", u.call.callId);
          setText("stream-seconds", fmt(u.streamSeconds));
          if (u.effort) {
            const e = u.effort;
            // In words (the server's level), then the number on the survey's own scale.
            setText("effort-value", e.level.charAt(0).toUpperCase() + e.level.slice(1));
            const easiest = e.scale.higherIsEasier ? e.scale.max : e.scale.min;
            setText("effort-scale", e.value.toFixed(1) + " on " + e.scale.min + "–" + e.scale.max + ", where " + easiest + " = very easy");
            const bar = $("effort-gauge");
            bar.style.width = Math.round(e.index * 100) + "%";
            bar.style.background = e.level === "high" ? "var(--bad)" : e.level === "moderate" ? "var(--warn)" : "var(--ok)";
            const why = $("why"); why.replaceChildren();
            for (const c of e.why) { const li = document.createElement("li"); li.textContent = effortReason(c); why.appendChild(li); }
            if (!e.why.length) { const li = document.createElement("li"); li.className = "muted"; li.textContent = "nothing adds effort so far"; why.appendChild(li); }
          }
          if (u.distress) {
            setText("distress-value", u.distress.value.toFixed(2));
            const level = $("distress-level"); level.textContent = u.distress.level; level.className = "badge " + u.distress.level;
            setText("distress-note", "last " + u.distress.windowSeconds + " s of the customer's speech");
          } else {
            const level = $("distress-level"); level.textContent = "learning"; level.className = "badge pending";
            setText("distress-note", u.distressNote || "");
          }
          const silence = u.silenceSeconds;
          setText("dead-air", silence.toFixed(1) + " s");
          $("dead-air").className = "big " + (silence >= u.deadAirThresholdSeconds ? "bad" : silence >= u.deadAirThresholdSeconds * 0.66 ? "warn" : "");
          setText("dead-air-threshold", u.deadAirThresholdSeconds);
          setText("dead-air-total", (u.deadAirSeconds || 0).toFixed(1));
          setText("hold", u.onHoldSinceSeconds == null ? "" : "On hold " + fmt(u.streamSeconds - u.onHoldSinceSeconds));
          setText("hold-total", (u.holdSeconds || 0).toFixed(0));
          const a = u.talk.advisor, c = u.talk.customer;
          setText("talk-advisor", a ? pct(a.share) : "–");
          setText("talk-customer", c ? pct(c.share) : "–");
          if (a && c && a.seconds + c.seconds > 0) {
            const share = a.seconds / (a.seconds + c.seconds);
            $("talk-bar-advisor").style.width = (share * 100) + "%"; $("talk-bar-customer").style.width = ((1 - share) * 100) + "%";
          }
          setText("overtalk", u.overtalkSeconds == null ? "–" : u.overtalkSeconds.toFixed(1) + " s in " + u.overtalkCount);
          setText("interruptions-advisor", u.interruptions.advisor || 0);
          setText("interruptions-customer", u.interruptions.customer || 0);
          setText("raised-customer", u.raisedVoice.customer || 0);
        }

        function showAlert(a) {
          const li = document.createElement("li");
          // Linked to its moment in the call's stored page (there once the call ends).
          const link = document.createElement("a");
          link.href = "/calls/" + encodeURIComponent(a.call?.callId ?? a.callId ?? "") + q + "#t=" + a.atSeconds.toFixed(1);
          link.textContent = fmt(a.atSeconds) + "  " + a.message;
          link.className = "alert-link";
          li.appendChild(link);
          li.className = a.cause === "distressHigh" || a.cause === "raisedVoice" ? "bad" : "warn";
          $("alerts").prepend(li);
          while ($("alerts").children.length > 8) $("alerts").lastChild.remove();
        }

        function follow(callId) {
          setText("call-id", callId);
          const source = new EventSource("/v1/live/calls/" + encodeURIComponent(callId) + "/events" + q);
          source.onopen = () => { setText("status", "live"); $("status").className = "ok"; };
          source.onmessage = (event) => {
            const m = JSON.parse(event.data);
            if (m.type === "update") showUpdate(m);
            else if (m.type === "alert") showAlert(m);
            else if (m.type === "callEnded") { setText("status", "call ended"); $("status").className = "muted"; source.close(); }
            else if (m.type === "callMoved") { setText("status", "call transferred"); $("status").className = "muted"; source.close(); }
          };
          source.onerror = () => { if (source.readyState === EventSource.CLOSED) { setText("status", "not available"); $("status").className = "bad"; } };
        }

        async function start() {
          if (params.get("call")) return follow(params.get("call"));
          for (;;) {
            try {
              const response = await fetch("/v1/live/calls" + q);
              if (response.status === 401 || response.status === 403) { setText("status", "token refused"); $("status").className = "bad"; return; }
              const list = await response.json();
              if (list.calls.length) return follow(list.calls[list.calls.length - 1].callId);
              setText("status", "waiting for a call");
            } catch (e) { setText("status", "server unreachable"); }
            await new Promise((r) => setTimeout(r, 1000));
          }
        }
        start();
        </script></body></html>
        """
}
