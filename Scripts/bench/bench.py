#!/usr/bin/env python3
"""Issue-2 benchmarks, each against a baseline timed in the same run (the machine is shared).

1. Speed: real-time factor (audio s per wall s, whole process, one core) of `attune analyze` on a
   10-minute stereo 8 kHz call, and of the C floor (Scripts/bench/floor.c: libsndfile decode +
   Hann + 256-point FFTW every 10 ms + frame energy, both channels) on the same file. Runs are
   interleaved and repeated; medians are reported, and their ratio. Then the same on the call
   dithered (no window of digital silence, which the engine analyses without an FFT).
2. Memory: peak RSS of `attune analyze` on the 10-minute call and on a 4-hour one (the same
   audio repeated): flat means decoding is chunked and nothing grows per frame.
3. Allocation in the per-frame path: ordo-one/benchmark's malloc counter around
   CallAnalyzer.push after warm-up (Benchmarks/AttuneBenchmarks).
The 10-minute call is built from the committed 8 kHz stereo fixture calls (sox), 16-bit WAV.
"""
import json, os, re, statistics, subprocess, sys, time

OUT = "bench-out"
ATTUNE = os.environ.get("ATTUNE", ".build/release/attune")  # ATTUNE=other/attune: another build, same runs
FIXTURES = ["heated-clean", "heated-snr25", "heated-snr15", "heated-snr10", "heated-bleed", "heated-hum",
            "calm-clean", "calm-snr10", "calm-bleed", "heated-clean", "heated-snr25", "calm-clean"]


def sh(*args, **kwargs):
    return subprocess.run(args, check=True, capture_output=True, text=True, **kwargs)


def make_calls():
    ten = f"{OUT}/call-10min.wav"
    if not os.path.exists(ten):
        parts = [f"fixtures/calls/{name}.flac" for name in FIXTURES]
        sh("sox", *parts, "-b", "16", ten, "trim", "0", "600")
    four = f"{OUT}/call-4h.flac"
    if not os.path.exists(four):
        sh("sox", *([ten] * 24), four)
    # The same call with its digital silence dithered away (±1 LSB: no window is all zeros), as a
    # real line's noise would: the clean fixtures' silent channels skip the FFT (about a fifth of
    # the frames), which real recordings mostly do not.
    dithered = f"{OUT}/call-10min-dithered.wav"
    if not os.path.exists(dithered):
        sh("sox", ten, dithered, "vol", "0.999", "dither")
    return ten, four, dithered


def wall(args):
    start = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def peak_rss_kb(args):
    result = subprocess.run(["/usr/bin/time", "-f", "%M", *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    return int(result.stderr.strip().split("\n")[-1])


def speed(ten, runs=11, others=()):
    """ATTUNE and the floor (and any `others`, other builds' binaries) run in turn on `ten`, `runs` rounds."""
    duration = float(sh("soxi", "-D", ten).stdout)
    binaries = [ATTUNE, *others]
    for binary in binaries: wall([binary, "analyze", ten, "--json"])  # warm the page cache
    wall([f"{OUT}/floor", ten])
    times, floor = {b: [] for b in binaries}, []
    for _ in range(runs):
        for binary in binaries: times[binary].append(wall([binary, "analyze", ten, "--json"]))
        floor.append(wall([f"{OUT}/floor", ten]))
    a, f = statistics.median(times[ATTUNE]), statistics.median(floor)
    result = {"audioSeconds": duration, "runs": runs, "attuneMedianSeconds": round(a, 4), "floorMedianSeconds": round(f, 4),
              "attuneRealTimeFactor": round(duration / a), "floorRealTimeFactor": round(duration / f),
              "attuneSpeedOverFloor": round(f / a, 3)}
    if others:
        result["others"] = [{"binary": b, "medianSeconds": round(statistics.median(times[b]), 4),
                             "speedOverFloor": round(f / statistics.median(times[b]), 3)} for b in others]
    return result


def memory(ten, four):
    return {"peakRssKB10min": peak_rss_kb([ATTUNE, "analyze", ten, "--json"]),
            "peakRssKB4h": peak_rss_kb([ATTUNE, "analyze", four, "--json"]),
            "peakRssKBFloor10min": peak_rss_kb([f"{OUT}/floor", ten])}


def allocations():
    env = dict(os.environ, ATTUNE_BENCHMARKS="1")
    result = subprocess.run(["swift", "package", "--allow-writing-to-package-directory", "benchmark", "--filter", "CallAnalyzer.*"],
                            env=env, capture_output=True, text=True)
    malloc = re.search(r"Malloc \(total\)[^│]*│\s*(\d+)\s*│\s*(\d+)\s*│\s*(\d+)", result.stdout)
    clock = re.search(r"Time \(wall clock\) \(μs\)[^│]*│\s*(\d+)\s*│\s*(\d+)\s*│\s*(\d+)", result.stdout)
    if not malloc:
        return {"error": result.stdout[-2000:] + result.stderr[-2000:]}
    frames = 40 * 100 * 2
    return {"pushedAudioSeconds": 40, "channelFrames": frames, "mallocsMedian": int(malloc.group(3)),
            "mallocsPerFrame": int(malloc.group(3)) / frames,
            "engineMedianMicroseconds": int(clock.group(3)) if clock else None,
            "engineRealTimeFactor": round(40 / (int(clock.group(3)) / 1e6)) if clock else None}


def main():
    quick = "--quick" in sys.argv or "--batch" in sys.argv
    # --compare A B ...: other builds' attune binaries timed in the same rounds (speed only).
    others = sys.argv[sys.argv.index("--compare") + 1:] if "--compare" in sys.argv else []
    ten, four, dithered = make_calls()
    results = {"speed": speed(ten, others=others), "speedDithered": speed(dithered, others=others), "memory": memory(ten, four)}
    if not quick:
        results["allocations"] = allocations()
    json.dump(results, open(f"{OUT}/bench.json", "w"), indent=2)
    m = results["memory"]
    for key, call in [("speed", "10-min stereo 8 kHz call"), ("speedDithered", "the same call dithered (no digital silence)")]:
        s = results[key]
        print(f"Speed, {call}, median of {s['runs']} interleaved whole-process runs:")
        print(f"  attune analyze  {s['attuneMedianSeconds']:.3f} s  = {s['attuneRealTimeFactor']}x real time")
        print(f"  C floor         {s['floorMedianSeconds']:.3f} s  = {s['floorRealTimeFactor']}x real time")
        print(f"  attune speed / floor speed = {s['attuneSpeedOverFloor']}  (target >= 0.5, and >= 2000x)")
        for other in s.get("others", []):
            print(f"  {other['binary']}: {other['medianSeconds']:.3f} s, speed / floor speed = {other['speedOverFloor']}")
    print(f"Peak RSS: 10-min call {m['peakRssKB10min'] / 1024:.1f} MiB, 4-hour call {m['peakRssKB4h'] / 1024:.1f} MiB (target < 64 MiB); C floor {m['peakRssKBFloor10min'] / 1024:.1f} MiB")
    if "allocations" in results:
        a = results["allocations"]
        if "error" in a:
            print("Allocations: benchmark failed:\n" + a["error"])
        else:
            print(f"Per-frame path (CallAnalyzer.push, 40 s after warm-up): {a['mallocsMedian']} mallocs = {a['mallocsPerFrame']} per channel-frame; engine alone {a['engineRealTimeFactor']}x real time")
    print(f"(all figures in {OUT}/bench.json)")


if __name__ == "__main__":
    main()
