#!/usr/bin/env python3
"""Issue 17: the call explorer at scale.

1. `/v1/calls` (filter, sort, page and count on the server) over 200,000 stored calls and 99,000
   survey answers (the store Scripts/bench/surveys.py builds: 500 advisors in 25 teams), on SQLite
   and on PostgreSQL (the same rows, copied), served by `attune serve` (release build): each query
   20 times, p50 and p95 of the request's wall time as a client sees it (a new connection each).
   A supervisor sees their team (8,000 calls) and calls of no team; an advisor their 400.
2. Time to the first audio byte of a 10-minute FLAC call (bench-out/call-10min.wav made FLAC by
   sox): the call's page, its JSON, then its recording from the start and from minute 5.

Usage: Scripts/bench/explorer.py [--skip-build-store]   (figures on stdout)
"""
import csv, http.client, json, os, shutil, sqlite3, statistics, subprocess, sys, time, urllib.parse

ATTUNE = ".build/release/attune"
OUT = "bench-out/surveys"
DB = f"{OUT}/results.db"
SUPERVISOR, ADVISOR = "supervisor-bench-0123456789abcdef", "advisor-bench-0123456789abcdef"
REPEAT = 20
QUERIES = [
    ("default page (newest first)", ""),
    ("effort high", "effort=high"),
    ("distress high", "distress=high"),
    ("dead air >= 30 s", "minDeadAir=30"),
    ("event energySpike", "event=energySpike"),
    ("survey answered", "surveyed=true"),
    ("survey gap >= 3 points", "minSurveyGap=3"),
    ("sorted by effort", "sort=effort"),
    ("sorted by dead air", "sort=deadAir"),
    ("page 80 (offset 4000)", "offset=4000"),
    ("one week", "since=2026-09-07&until=2026-09-14"),
    ("one advisor, high effort", "agentId=agent-065&effort=high"),
]


def serve(store, port):
    folder = os.path.abspath(f"{OUT}/explorer-serve-{port}")
    os.makedirs(folder, exist_ok=True)
    config = {"host": "127.0.0.1", "port": port, "database": store, "model": None,
              "tokens": [{"token": SUPERVISOR, "role": "supervisor", "team": "team-03"},
                         {"token": ADVISOR, "role": "advisor", "agentId": "agent-065"}]}
    with open(f"{folder}/serve.json", "w") as f:
        json.dump(config, f)
    process = subprocess.Popen([ATTUNE, "serve", "--config", f"{folder}/serve.json", "--log-level", "warning"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/health")
            if connection.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    sys.exit("attune serve did not start")


def get(port, path, token, headers=None):
    """Seconds to the first body byte, seconds to the end, status, body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    began = time.perf_counter()
    connection.request("GET", path, headers={"Authorization": "Bearer " + token, **(headers or {})})
    response = connection.getresponse()
    first = response.read(1)
    first_at = time.perf_counter() - began
    body = first + response.read()
    return first_at, time.perf_counter() - began, response.status, body


def measure(label, port):
    print(f"\n{label}: /v1/calls, {REPEAT} requests each, ms (p50 / p95), rows matched")
    p95s = []
    for name, query in QUERIES:
        for token, who in ((SUPERVISOR, "supervisor"), (ADVISOR, "advisor")):
            times, total = [], None
            for _ in range(REPEAT):
                _, seconds, status, body = get(port, "/v1/calls?" + query, token)
                assert status == 200, body[:300]
                total = json.loads(body)["total"]
                times.append(seconds * 1000)
            times.sort()
            p95 = times[int(0.95 * (len(times) - 1) + 0.5)]
            p95s.append(p95)
            print(f"  {name:32s} {who:10s} {statistics.median(times):7.1f} / {p95:7.1f}   {total}")
    print(f"  worst p95 {max(p95s):.1f} ms (target < 200 ms)")
    return max(p95s)


def copy_to_postgres():
    text = subprocess.run(["Scripts/postgres-cluster.sh", "start"], capture_output=True, text=True, check=True).stdout
    env = dict(line.removeprefix("export ").split("=", 1) for line in text.strip().split("\n"))
    url, psql = env["ATTUNE_TEST_POSTGRES"], env["ATTUNE_TEST_POSTGRES_BIN"] + "/psql"
    os.makedirs(f"{OUT}/empty", exist_ok=True)
    subprocess.run([ATTUNE, "batch", f"{OUT}/empty", "--db", url], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    source = sqlite3.connect(DB)
    for table in ("calls", "scores", "metrics", "events", "surveys"):
        columns = [row[1] for row in source.execute(f"PRAGMA table_info({table})")]
        path = f"{OUT}/{table}.csv"
        with open(path, "w", newline="") as f:
            writer = csv.writer(f)
            for row in source.execute(f"SELECT {', '.join(columns)} FROM {table}"):
                writer.writerow(["" if v is None else v for v in row])
        # SQLite keeps booleans as 0/1: PostgreSQL's boolean columns take them as text.
        subprocess.run([psql, url, "-q", "-c", f"\\copy {table} ({', '.join(columns)}) FROM '{path}' WITH (FORMAT csv)"], check=True)
    source.close()
    subprocess.run([psql, url, "-q", "-c", "SELECT setval('calls_id_seq', (SELECT MAX(id) FROM calls))",
                    "-c", "SELECT setval('surveys_id_seq', (SELECT MAX(id) FROM surveys))", "-c", "ANALYZE"], check=True, stdout=subprocess.DEVNULL)
    return url, env["ATTUNE_TEST_POSTGRES_DATA"]


def first_audio_byte(port):
    """A 10-minute FLAC call stored in the SQLite store: its page, JSON and audio."""
    flac = os.path.abspath("bench-out/call-10min.flac")
    if not os.path.exists(flac):
        subprocess.run(["sox", "bench-out/call-10min.wav", flac], check=True)
    print(f"\ntime to first byte, 10-minute FLAC ({os.path.getsize(flac) / 1e6:.1f} MB), {REPEAT} times each, ms (p50 / p95):")
    for name, path, headers in [
        ("the call's page (HTML)", "/calls/call-10min", {}),
        ("the call (JSON)", "/v1/calls/call-10min", {}),
        ("recording from the start", "/v1/calls/call-10min/audio", {"Range": "bytes=0-"}),
        ("recording from minute 5", "/v1/calls/call-10min/audio", {"Range": f"bytes={44 + 300 * 8000 * 2 * 2}-"}),
    ]:
        firsts = []
        for _ in range(REPEAT):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            began = time.perf_counter()
            connection.request("GET", path, headers={"Authorization": "Bearer " + SUPERVISOR, **headers})
            response = connection.getresponse()
            assert response.status in (200, 206), response.status
            response.read(1)
            firsts.append((time.perf_counter() - began) * 1000)
            connection.close()
        firsts.sort()
        print(f"  {name:28s} {statistics.median(firsts):7.1f} / {firsts[int(0.95 * (len(firsts) - 1) + 0.5)]:7.1f}")
    return flac


def main():
    if "--skip-build-store" not in sys.argv:
        subprocess.run([sys.executable, "Scripts/bench/surveys.py", ATTUNE, "--postgres"], check=True)
    flac = os.path.abspath("bench-out/call-10min.flac")
    if not os.path.exists(flac):
        subprocess.run(["sox", "bench-out/call-10min.wav", flac], check=True)
    db = sqlite3.connect(DB)
    db.execute("DELETE FROM calls WHERE callId = 'call-10min'")
    db.execute("INSERT INTO calls (callId, contentSha256, engineVersion, configurationFingerprint, sourcePath, agentId, team, startedAt, "
               "durationSeconds, sampleRateHz, channelLayout, analyzedAt, report) VALUES "
               "('call-10min', 'x', 'bench', 'bench', ?, 'agent-065', 'team-03', '2026-12-01T10:00:00Z', 600, 8000, 'stereo', "
               "'2026-12-01T10:20:00Z', '{\"segments\":[],\"events\":[]}')", (flac,))
    db.commit()
    db.close()
    url, data = copy_to_postgres()
    try:
        sqlite_server = serve(os.path.abspath(DB), 18291)
        try:
            worst_sqlite = measure("SQLite", 18291)
            first_audio_byte(18291)
        finally:
            sqlite_server.terminate()
            sqlite_server.wait()
        postgres_server = serve(url, 18292)
        try:
            worst_postgres = measure("PostgreSQL", 18292)
        finally:
            postgres_server.terminate()
            postgres_server.wait()
        print(f"\nworst p95: SQLite {worst_sqlite:.1f} ms, PostgreSQL {worst_postgres:.1f} ms (target < 200 ms)")
    finally:
        subprocess.run(["Scripts/postgres-cluster.sh", "stop", data])


if __name__ == "__main__":
    main()
