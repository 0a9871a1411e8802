#!/usr/bin/env python3
"""Issue-3 batch benchmarks (run through Scripts/bench/run.sh --batch, or directly after a release build).

1. Throughput: `attune batch` over 200 distinct 50-second stereo 8 kHz calls (slices of the
   10-minute benchmark call at different offsets), into a fresh store each time, with --jobs 1
   and --jobs 2, alternating, 5 runs each; medians and the scaling. The store's share of wall
   time is measured, not estimated: the same batches run with --no-store (analyse, write
   nothing), and share = 1 - wall(no store) / wall(store).
2. Memory: peak RSS of a batch over 100, 300 and 1,000 distinct 10-second calls: flat means
   nothing is kept per file.
"""
import os, shutil, statistics, subprocess, sys, time

OUT = "bench-out"
ATTUNE = ".build/release/attune"


def make_calls(folder, count, seconds, source):
    if os.path.isdir(folder) and len(os.listdir(folder)) == count:
        return
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    total = float(subprocess.run(["soxi", "-D", source], capture_output=True, text=True, check=True).stdout)
    step = (total - seconds) / count
    for i in range(count):
        subprocess.run(["sox", source, f"{folder}/call-{i:04d}.flac", "trim", f"{i * step:.3f}", str(seconds)], check=True)


def batch(folder, jobs, db, store=True):
    for suffix in ["", "-wal", "-shm"]:
        if os.path.exists(db + suffix):
            os.remove(db + suffix)
    start = time.perf_counter()
    extra = [] if store else ["--no-store"]
    result = subprocess.run(["/usr/bin/time", "-f", "%M", ATTUNE, "batch", folder, "--db", db, "--jobs", str(jobs), *extra],
                            capture_output=True, text=True)
    wall = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"batch failed: {result.stdout}\n{result.stderr}")
    return wall, None, int(result.stderr.strip().split("\n")[-1])


def main():
    source = f"{OUT}/call-10min.wav"
    if not os.path.exists(source):
        sys.exit("run Scripts/bench/run.sh first (it makes bench-out/call-10min.wav)")
    calls200 = f"{OUT}/batch-200x50s"
    make_calls(calls200, 200, 50, source)
    runs = {(jobs, store): [] for jobs in (1, 2) for store in (True, False)}
    for _ in range(5):
        for jobs in (1, 2):
            for store in (True, False):
                runs[(jobs, store)].append(batch(calls200, jobs, f"{OUT}/batch-bench.db", store)[0])
    median = {key: statistics.median(values) for key, values in runs.items()}
    print("Batch of 200 x 50 s calls (2.8 h of audio), fresh store each run, median of 5:")
    for jobs in (1, 2):
        wall, bare = median[(jobs, True)], median[(jobs, False)]
        print(f"  --jobs {jobs}: {wall:.2f} s ({200 * 50 / wall:.0f}x real time); without storing {bare:.2f} s: store {100 * (1 - bare / wall):.1f} % of wall time")
    print(f"  scaling {median[(1, True)] / median[(2, True)]:.2f}x (target >= 1.8), cores: {os.cpu_count()}")
    print("Peak RSS by batch size (10 s calls, --jobs 2):")
    for count in (100, 300, 1000):
        folder = f"{OUT}/batch-{count}x10s"
        make_calls(folder, count, 10, source)
        _, _, rss = batch(folder, 2, f"{OUT}/batch-mem.db")
        print(f"  {count:5d} files: {rss / 1024:.1f} MiB")


if __name__ == "__main__":
    main()
