#!/usr/bin/env python3
"""Accuracy of `attune analyze` against the fixtures' truth (fixtures/calls/*.truth.json).

Per call and party: speech F1 on 10 ms frames (truth segments vs reported segments), overtalk
seconds against truth, dead-air edges, interruption/backchannel counts and raised-voice phrases.
Standard library only. Usage:
    Scripts/fixture_accuracy.py [--attune PATH] [--json OUT] [--set key=value ...] [CALL ...]
"""
import argparse, glob, json, os, subprocess, sys

FRAME = 0.01


def frames(segments, total):
    """Rasterise [[start, end], ...] (s) into a list of booleans on 10 ms frames."""
    flags = [False] * total
    for start, end in segments:
        for i in range(max(0, round(start / FRAME)), min(total, round(end / FRAME))):
            flags[i] = True
    return flags


def f1(truth, detected):
    tp = sum(1 for t, d in zip(truth, detected) if t and d)
    fp = sum(1 for t, d in zip(truth, detected) if d and not t)
    fn = sum(1 for t, d in zip(truth, detected) if t and not d)
    if tp == 0:
        return 1.0 if fp == 0 and fn == 0 else 0.0
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    return 2 * precision * recall / (precision + recall)


def overlap_seconds(a, b):
    total = 0.0
    for s1, e1 in a:
        for s2, e2 in b:
            total += max(0.0, min(e1, e2) - max(s1, s2))
    return total


def run_attune(attune, truth, directory, extra=()):
    audio = truth["audio"]
    files = [os.path.join(directory, f) for f in audio["files"]]
    if audio["layout"] == "twoLeg":
        args = ["--advisor", files[0], "--customer", files[1]]
    else:
        args = [files[0]]
    out = subprocess.run([attune, "analyze", "--json", *extra, *args], check=True, capture_output=True, text=True).stdout
    report = json.loads(out)
    segments = {}
    for s in report["segments"]:
        segments.setdefault(s["party"], []).append([s["startSeconds"], s["endSeconds"]])
    return report, segments


def evaluate(truth, detected_segments, events):
    """Scores one call's detection (segments per party, events list) against its truth."""
    total = round(truth["durationSeconds"] / FRAME) + 1
    result = {"call": truth["callId"], "condition": truth["condition"]["name"], "f1": {}}
    parties = ["mixed"] if truth["audio"]["layout"] == "mono" else ["advisor", "customer"]
    for party in parties:
        result["f1"][party] = round(f1(frames(truth["segments"][party], total), frames(detected_segments.get(party, []), total)), 4)
    if len(parties) == 2:
        true_ot = truth["overtalkSeconds"]
        found_ot = overlap_seconds(detected_segments.get("advisor", []), detected_segments.get("customer", []))
        result["overtalkTruth"] = true_ot
        result["overtalkFound"] = round(found_ot, 2)
        result["overtalkErrorPct"] = round(100 * abs(found_ot - true_ot) / true_ot, 1) if true_ot else None
    if events is not None:
        def of(kind, source):
            return [e for e in source if e["type"] == kind]
        t_dead, f_dead = of("deadAir", truth["events"]), of("deadAir", events)
        edges = []
        for d in t_dead:
            best = min(f_dead, key=lambda f: abs(f["startSeconds"] - d["startSeconds"]) + abs(f["endSeconds"] - d["endSeconds"]), default=None)
            edges.append(None if best is None else round(max(abs(best["startSeconds"] - d["startSeconds"]), abs(best["endSeconds"] - d["endSeconds"])), 3))
        result["deadAir"] = {"truth": len(t_dead), "found": len(f_dead), "worstEdgeSeconds": edges}
        if len(parties) == 2:
            result["interruptions"] = {"truth": len(of("interruption", truth["events"])), "found": len(of("interruption", events))}
            backchannels = of("backchannel", truth["events"])
            result["backchannelsAsInterruption"] = sum(
                1 for b in backchannels for i in of("interruption", events)
                if i["party"] == b["party"] and i["startSeconds"] < b["endSeconds"] and b["startSeconds"] < i["endSeconds"])
            result["backchannels"] = {"truth": len(backchannels), "found": len(of("backchannel", events))}
        spikes_t, spikes_f = of("energySpike", truth["events"]), of("energySpike", events)
        result["spikes"] = {
            "truth": len(spikes_t), "found": len(spikes_f),
            "phrasesMissed": sum(1 for t in spikes_t if not any(f.get("party") == t["party"] and f["startSeconds"] < t["endSeconds"] and t["startSeconds"] < f["endSeconds"] for f in spikes_f)),
        }
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--attune", default=".build/release/attune")
    parser.add_argument("--fixtures", default="fixtures/calls")
    parser.add_argument("--json", help="write results here")
    parser.add_argument("--set", action="append", default=[], help="pass --set key=value to attune (repeatable)")
    parser.add_argument("calls", nargs="*")
    args = parser.parse_args()
    results = []
    for path in sorted(glob.glob(os.path.join(args.fixtures, "*.truth.json"))):
        truth = json.load(open(path))
        if args.calls and truth["callId"] not in args.calls:
            continue
        report, segments = run_attune(args.attune, truth, args.fixtures, [x for kv in args.set for x in ("--set", kv)])
        r = evaluate(truth, segments, report["events"])
        results.append(r)
        print(json.dumps(r))
    if args.json:
        json.dump(results, open(args.json, "w"), indent=2)


if __name__ == "__main__":
    main()
