#!/usr/bin/env python3
"""Issue-16 batch benchmark: 1, 2 and 4 `attune batch` workers on one folder (sharing it through
the store's claims, no --shard), into SQLite and into PostgreSQL, on the same files.

The store's share of wall time is measured, not estimated: the same workers run with --no-store
(analyse, write nothing; split with --shard K/N since nothing is claimed then), and
share = 1 - wall(no store) / wall(store), for workers split with --shard K/N (the store alone) and
for workers sharing the folder through claims (the store and the sharing). Each configuration 3
times, interleaved; medians.
Needs a release build (.build/release/attune) and bench-out/call-10min.wav (Scripts/bench/run.sh
makes it). Starts a throw-away PostgreSQL server (Scripts/postgres-cluster.sh) and stops it.
   Scripts/bench/store-workers.py [--calls 200] [--seconds 50] [--repeat 3] [--workers 1 2 4]
"""
import argparse, os, shutil, statistics, subprocess, sys, time
sys.path.insert(0, os.path.dirname(__file__))
from batch import make_calls, OUT, ATTUNE


def cluster():
    text = subprocess.run(["Scripts/postgres-cluster.sh", "start"], capture_output=True, text=True, check=True).stdout
    env = dict(line.removeprefix("export ").split("=", 1) for line in text.strip().split("\n"))
    return env


def fresh_store(kind, env, index):
    if kind == "sqlite":
        path = f"{OUT}/store-workers-{index}.db"
        for suffix in ["", "-wal", "-shm"]:
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
        return path
    server = env["ATTUNE_TEST_POSTGRES"]
    name = f"bench_{index}"
    subprocess.run([env["ATTUNE_TEST_POSTGRES_BIN"] + "/psql", server, "-q", "-c", f"DROP DATABASE IF EXISTS {name}", "-c", f"CREATE DATABASE {name}"],
                   check=True, capture_output=True)
    return server.replace("/attune?", f"/{name}?")


def run_workers(folder, location, workers, mode):
    start = time.perf_counter()
    processes = []
    for k in range(workers):
        extra = {"shared": [], "sharded": ["--shard", f"{k}/{workers}"], "none": ["--no-store", "--shard", f"{k}/{workers}"]}[mode]
        processes.append(subprocess.Popen([ATTUNE, "batch", folder, "--db", location, "--jobs", "1", "--log-interval", "1000", *extra],
                                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    for process in processes:
        out, err = process.communicate()
        if process.returncode != 0:
            sys.exit(f"batch failed: {out}\n{err}")
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4], help="worker counts to run (default 1 2 4)")
    args = parser.parse_args()
    source = f"{OUT}/call-10min.wav"
    if not os.path.exists(source):
        sys.exit("run Scripts/bench/run.sh first (it makes bench-out/call-10min.wav)")
    folder = f"{OUT}/batch-{args.calls}x{args.seconds}s"
    make_calls(folder, args.calls, args.seconds, source)
    env = cluster()
    try:
        walls = {}
        index = 0
        for _ in range(args.repeat):
            for workers in args.workers:
                for kind in ("sqlite", "postgres"):
                    for mode in ("shared", "sharded", "none"):
                        index += 1
                        wall = run_workers(folder, fresh_store(kind, env, index), workers, mode)
                        walls.setdefault((workers, kind, mode), []).append(wall)
                        print(f"workers {workers} {kind:8s} {mode}: {wall:.2f} s", flush=True)
        audio = args.calls * args.seconds
        print(f"\n{args.calls} calls x {args.seconds} s ({audio / 3600:.1f} h audio), medians of {args.repeat}, 2 cores:")
        print("workers  store      no-store s | sharded s  x real time  store share | shared s  x real time  store+sharing share")
        for workers in args.workers:
            for kind in ("sqlite", "postgres"):
                base = statistics.median(walls[(workers, kind, "none")])
                sharded = statistics.median(walls[(workers, kind, "sharded")])
                shared = statistics.median(walls[(workers, kind, "shared")])
                print(f"{workers:7d}  {kind:10s} {base:10.2f} | {sharded:9.2f}  {audio / sharded:11.0f}  {100 * (1 - base / sharded):9.1f} % "
                      f"| {shared:8.2f}  {audio / shared:11.0f}  {100 * (1 - base / shared):9.1f} %")
    finally:
        subprocess.run(["Scripts/postgres-cluster.sh", "stop", env["ATTUNE_TEST_POSTGRES_DATA"]])


if __name__ == "__main__":
    main()
