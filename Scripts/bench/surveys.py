#!/usr/bin/env python3
"""Surveys and feedback at scale: 200,000 stored calls by 500 advisors (25 teams of 20), 100,000
survey rows; times `attune surveys import` and `attune feedback`.

The store's schema comes from attune itself (a batch of an empty folder applies its migrations); the calls,
scores, behaviour metrics and events are then written straight into it with sqlite3 (no audio).
Seeded, so every run builds the same data. Usage: Scripts/bench/surveys.sh (builds release first).
With --postgres (issue 16) the same rows are then copied into a throw-away PostgreSQL store
(Scripts/postgres-cluster.sh) and import and feedback are timed there too, in the same run; the
calibration timings are left out.
"""
import os, random, sqlite3, subprocess, sys, time

POSITIONAL = [a for a in sys.argv[1:] if not a.startswith("--")]
ATTUNE = POSITIONAL[0] if POSITIONAL else ".build/release/attune"
POSTGRES = "--postgres" in sys.argv
OUT = "bench-out/surveys"
CALLS, ADVISORS, TEAM_SIZE, SURVEYS = 200_000, 500, 20, 100_000
BEHAVIOURS = [("advisor", "talkShare"), ("call", "deadAirSeconds"), ("call", "overtalkSeconds"), ("advisor", "interruptionsMade"),
              ("advisor", "responseGapMeanSeconds"), ("advisor", "paceSyllablesPerSecond")]
# Other metrics a real store holds beside them, so lookups are not made easy by a small table.
OTHER = [("call", "silenceSeconds"), ("call", "deadAirCount"), ("call", "interruptionCount"), ("customer", "talkShare"),
         ("customer", "energySpikes"), ("customer", "responseGapMeanSeconds"),
         # The rest of the default model's effort inputs, so `attune calibrate --fit` reads and fits every one.
         ("call", "holdSeconds"), ("call", "overtalkShare"), ("customer", "energySpikesPerMinute"), ("customer", "longestTurnSeconds")]

os.makedirs(OUT, exist_ok=True)
db_path = f"{OUT}/results.db"
for suffix in ("", "-wal", "-shm"):
    if os.path.exists(db_path + suffix):
        os.remove(db_path + suffix)
os.makedirs(f"{OUT}/empty", exist_ok=True)
subprocess.run([ATTUNE, "batch", f"{OUT}/empty", "--db", db_path], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

rng = random.Random(6)
start = time.time()
db = sqlite3.connect(db_path)
db.execute("PRAGMA journal_mode = WAL")
db.execute("PRAGMA synchronous = OFF")
calls, scores, metrics, events, answers = [], [], [], [], {}
for n in range(CALLS):
    advisor = n % ADVISORS
    k = n // ADVISORS  # the advisor's k-th call: 8 a day, 50 days
    day, slot = k // 8, k % 8
    started = f"2026-{9 + day // 30:02d}-{1 + day % 30:02d}T{8 + slot:02d}:{(advisor * 7) % 60:02d}:00Z"
    hard = rng.random()
    call_id = f"call-{n:06d}"
    calls.append((n + 1, call_id, f"sha-{n}", "bench", "bench", f"{call_id}.wav", f"agent-{advisor:03d}", f"team-{advisor // TEAM_SIZE:02d}",
                  started, 300.0, 8000, "stereo", "2026-12-01T00:00:00Z", "{}"))
    predicted = min(1.0, max(0.0, hard + rng.gauss(0, 0.2)))
    distress = min(1.0, max(0.0, 0.3 * hard + rng.random() * 0.6))
    level = "high" if distress >= 0.7 else "elevated" if distress >= 0.45 else "none"
    scores.append((n + 1, "default", "0.1.0", "x", 7 - 6 * predicted, predicted, 1, 7, 1, distress, level))
    values = [0.4 + 0.2 * hard * rng.random(), 5 + 40 * hard * rng.random(), 3 * rng.random(), float(rng.randint(0, 3)),
              0.5 + hard * rng.random(), 3 + rng.random()]
    for (scope, name), value in zip(BEHAVIOURS + OTHER, values + [rng.random() * 60 for _ in OTHER]):
        metrics.append((n + 1, scope, name, value))
    for e in range(3):
        t = rng.random() * 280
        events.append((n + 1, ("deadAir", "interruption", "energySpike")[e], None if e == 0 else "customer", t, t + 3))
    answers[call_id] = (started[:10] + "T20:00:00Z", max(1, min(7, round(7 - 6 * hard + rng.gauss(0, 1)))))
db.executemany("INSERT INTO calls (id, callId, contentSha256, engineVersion, configurationFingerprint, sourcePath, agentId, team, startedAt, "
               "durationSeconds, sampleRateHz, channelLayout, analyzedAt, report) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", calls)
db.executemany("INSERT INTO scores (callRowId, modelId, modelVersion, modelSha256, effortValue, effortIndex, effortScaleMin, effortScaleMax, "
               "effortHigherIsEasier, distressValue, distressLevel) VALUES (?,?,?,?,?,?,?,?,?,?,?)", scores)
db.executemany("INSERT INTO metrics (callRowId, scope, name, value) VALUES (?,?,?,?)", metrics)
db.executemany("INSERT INTO events (callRowId, type, party, startSeconds, endSeconds) VALUES (?,?,?,?,?)", events)
db.commit()
db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
db.close()
print(f"store: {CALLS} calls, {ADVISORS} advisors, {len(metrics)} metric rows, {len(events)} events ({time.time() - start:.1f} s to generate)")

# 100,000 survey rows: 99,000 for stored calls, 1,000 for calls not stored yet (pending).
surveyed = rng.sample(sorted(answers), SURVEYS - 1000)
with open(f"{OUT}/surveys.csv", "w") as f:
    f.write("callId,respondedAt,score,comment,channel\n")
    for call_id in surveyed:
        at, score = answers[call_id]
        f.write(f"{call_id},{at},{score},,sms\n")
    for n in range(1000):
        f.write(f"call-future-{n},2026-11-01T20:00:00Z,{rng.randint(1, 7)},,ivr\n")

def timed(label, command):
    began = time.time()
    result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    seconds = time.time() - began
    print(f"{label}: {seconds:.2f} s (exit {result.returncode}) {result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ''}")
    return seconds

imported = timed("surveys import (100,000 rows)", [ATTUNE, "surveys", "import", f"{OUT}/surveys.csv", "--db", db_path, "--scale", "1:7:easier"])
feedback = timed("feedback (500 advisors, 200,000 calls)", [ATTUNE, "feedback", "--db", db_path, "--scale", "1:7:easier", "--out", f"{OUT}/feedback"])
again = timed("surveys import again (idempotent)", [ATTUNE, "surveys", "import", f"{OUT}/surveys.csv", "--db", db_path, "--scale", "1:7:easier"])
print(f"total import + feedback: {imported + feedback:.2f} s (target < 30 s)")

def copy_to_postgres():
    """The generated rows into a new PostgreSQL store (its schema from attune), with COPY."""
    text = subprocess.run(["Scripts/postgres-cluster.sh", "start"], capture_output=True, text=True, check=True).stdout
    env = dict(line.removeprefix("export ").split("=", 1) for line in text.strip().split("\n"))
    url, psql = env["ATTUNE_TEST_POSTGRES"], env["ATTUNE_TEST_POSTGRES_BIN"] + "/psql"
    subprocess.run([ATTUNE, "batch", f"{OUT}/empty", "--db", url], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    began = time.time()
    source = sqlite3.connect(db_path)
    for table in ("calls", "scores", "metrics", "events"):
        columns = [row[1] for row in source.execute(f"PRAGMA table_info({table})")]
        csv_path = f"{OUT}/{table}.csv"
        with open(csv_path, "w", newline="") as f:
            import csv
            writer = csv.writer(f)
            for row in source.execute(f"SELECT {', '.join(columns)} FROM {table}"):
                writer.writerow(["" if v is None else ("true" if v is True else v) for v in row])
        subprocess.run([psql, url, "-q", "-c", f"\\copy {table} ({', '.join(columns)}) FROM '{csv_path}' WITH (FORMAT csv)"], check=True)
    source.close()
    subprocess.run([psql, url, "-q", "-c", "SELECT setval('calls_id_seq', (SELECT MAX(id) FROM calls))", "-c", "ANALYZE"], check=True,
                   stdout=subprocess.DEVNULL)
    print(f"copied to PostgreSQL in {time.time() - began:.1f} s")
    return url, env["ATTUNE_TEST_POSTGRES_DATA"]


if POSTGRES:
    url, data = copy_to_postgres()
    try:
        pg_imported = timed("PostgreSQL: surveys import (100,000 rows)", [ATTUNE, "surveys", "import", f"{OUT}/surveys.csv", "--db", url, "--scale", "1:7:easier"])
        pg_feedback = timed("PostgreSQL: feedback (500 advisors, 200,000 calls)", [ATTUNE, "feedback", "--db", url, "--scale", "1:7:easier", "--out", f"{OUT}/feedback-postgres"])
        print(f"PostgreSQL: total import + feedback: {pg_imported + pg_feedback:.2f} s (target < 30 s); against SQLite in this run: "
              f"import {pg_imported / imported:.2f}x, feedback {pg_feedback / feedback:.2f}x")
        same = subprocess.run(["diff", "-r", "-x", "feedback.json", f"{OUT}/feedback", f"{OUT}/feedback-postgres"], capture_output=True, text=True)
        print("feedback pages and CSV files from the two stores: " + ("identical" if same.returncode == 0 else "DIFFER:\n" + same.stdout[:2000]))
    finally:
        subprocess.run(["Scripts/postgres-cluster.sh", "stop", data])
    sys.exit(0)

# Issue 13: calibrate the model on the 99,000 paired surveys, and fit one (target under 60 s on one core).
def timed_rss(label, command):
    began = time.time()
    result = subprocess.run(["/usr/bin/time", "-f", "%M", "taskset", "-c", "0", *command], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seconds = time.time() - began
    rss_mib = int(result.stderr.strip().splitlines()[-1]) / 1024
    print(f"{label}: {seconds:.2f} s, peak RSS {rss_mib:.0f} MiB (exit {result.returncode})")
    return seconds

timed_rss("calibrate --db (measure, one core)", [ATTUNE, "calibrate", "--db", db_path])
timed_rss("calibrate --db --fit (5 folds by advisor, one core)", [ATTUNE, "calibrate", "--db", db_path, "--fit", "--out", f"{OUT}/fitted.json"])
