#!/usr/bin/env python3
"""How far can speech detection go on the far-talker calls? An oracle that knows the sources.

Usage:  python3 Scripts/bench/far-oracle.py [--attune .build/release/attune]

Issue 11 asks for speech F1 >= 0.95 on the real-speech far-talker calls with far talkers at -15 dB
and below, and >= 0.90 at -10 dB. The truth there is the clean near talker's own activity (every
10 ms frame within 35 dB of its median level, gaps under 0.3 s merged, runs under 0.1 s dropped:
make_fixtures.truth_active), which counts frames the microphone hears under louder far voices or
under the line's noise. This script measures what that costs any detector.

It rebuilds the far set with Scripts/make_realspeech.py --stems (into a temporary folder; the
calls are byte-identical to the tests' ones), so that each channel's sources are known apart: the
near talker and the sum of its far talkers (clean, 8 kHz), and the line noise's power (the
channel's speech power less its SNR). The DOMINANCE ORACLE calls a frame the wearer's when the
near talker's power is at least the far talkers' and the noise's, less a margin (0, 6 or 10 dB:
an oracle that also finds the wearer up to that far under the louder sound), then applies the
truth's own merge rule (make_fixtures.merge_runs). It never errs on precision; its recall is what
can be heard. Attune's F1 (`attune analyze --json` segments, rasterised as
Scripts/fixture_accuracy.py does) is printed beside it, with its share of the 0 dB oracle.

Prints one table per split (tune: the speakers the gate was fitted on; heldOut: the others), then
where Attune's errors are: the wearer's frames missed where the wearer was the loudest sound (the
detector's own misses), under a louder far talker, or under the noise (what the oracle misses too);
frames taken while a far talker was heard above the noise (the gate let a far voice through) or
otherwise (edges held into pauses, noise). Each as a share of the wearer's speech frames.
Then the same against another truth, the near talker's activity by ITU-T P.56 (does the shortfall
come from how this truth counts soft word edges?). Then Attune's F1 by the number of far talkers, and by the driest far talker on the channel (its
direct-to-reverberant ratio: at +3 dB a voice is nearly as dry as the wearer's, and is told apart
mostly by its level, which the wearer's quiet turns share), and, at -30 and -25 dB, where in the
truth's turns its misses fall (word starts, ends, pauses in between, whole turns), by the line's SNR.
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "Scripts"))
sys.dont_write_bytecode = True
import fixture_accuracy as fa  # noqa: E402  (running attune, frames of segments: standard library only)
import make_fixtures as mf  # noqa: E402  (the truth rule's merging)

LEVELS = (-30, -25, -20, -15, -10)
MARGINS_DB = (0, 6, 10)


def frame_powers(x):
    frame = round(mf.FRAME_SECONDS * 8000)
    n = len(x) // frame
    return (x[:n * frame].astype(np.float64) ** 2).reshape(n, frame).mean(1)


def merged(flags):
    """Frames kept by the truth rule's post-processing (make_fixtures.merge_runs)."""
    out = np.zeros(len(flags), bool)
    for start, end in mf.merge_runs(mf.runs_of(list(flags))):
        out[start:end] = True
    return out


def turn_misses(turns, found):
    """Frames of the truth's turns that `found` misses: before its first frame in the turn, after
    its last, in between, and in turns it does not touch at all."""
    start = end = inside = whole = 0
    for turn_start, turn_end in turns:
        span = found[round(turn_start / mf.FRAME_SECONDS):round(turn_end / mf.FRAME_SECONDS)]
        hit = np.flatnonzero(span)
        if len(hit) == 0:
            whole += len(span)
            continue
        start, end = start + hit[0], end + len(span) - 1 - hit[-1]
        inside += int((~span[hit[0]:hit[-1] + 1]).sum())
    return np.array([start, end, inside, whole])


P56_MARGIN_DB = 15.9     # ITU-T P.56: the activity threshold sits this far under the active level
P56_TIME_CONSTANT = 0.03  # s, the envelope's two smoothing stages
P56_HANGOVER = 0.2       # s


def p56_active(x, rate=8000):
    """Per 10 ms frame: active by ITU-T P.56 method B (an envelope smoothed twice with a 30 ms time
    constant, active while it is at or over a threshold 15.9 dB under the active speech level, plus
    0.2 s of hangover), then merged and pruned as the truth is. Computed on 1 ms blocks (the
    envelope's time constant is 30 times that); the threshold is found by bisection."""
    block = rate // 1000
    n = len(x) // block
    x = x[:n * block].astype(np.float64)
    rectified = np.abs(x).reshape(n, block).mean(1)
    g = np.exp(-1 / (1000 * P56_TIME_CONSTANT))
    q = p = 0.0
    envelope = np.empty(n)
    for i, value in enumerate(rectified):
        q = g * q + (1 - g) * value
        p = g * p + (1 - g) * q
        envelope[i] = p
    energy = float((x ** 2).sum())
    index = np.arange(n)
    hangover = round(P56_HANGOVER * 1000)

    def active(level_db):
        """Blocks at or over the threshold (dBFS, amplitude), or within the hangover after one."""
        last_over = np.maximum.accumulate(np.where(envelope >= 10 ** (level_db / 20), index, -hangover - 1))
        return index - last_over <= hangover

    def excess_db(level_db):
        """The active level over the threshold, less the margin: falls as the threshold rises."""
        flags = active(level_db)
        return 10 * np.log10(energy / max(flags.sum() * block, 1)) - level_db - P56_MARGIN_DB

    if energy == 0:
        return np.zeros(n // 10, bool)
    low, high = -120.0, 20 * np.log10(envelope.max())
    for _ in range(30):  # bisection to 1e-7 dB of where the excess is 0
        middle = (low + high) / 2
        low, high = (middle, high) if excess_db(middle) > 0 else (low, middle)
    best = active(low)
    frames = best[:n // 10 * 10].reshape(-1, 10).mean(1) > 0.5
    return merged(frames)


def counts(truth, found):
    return np.array([(truth & found).sum(), (~truth & found).sum(), (truth & ~found).sum()])


def f1(c):
    tp, fp, fn = c
    return 2 * tp / max(2 * tp + fp + fn, 1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--attune", default=os.path.join(REPO, ".build/release/attune"))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        stems, material = os.path.join(tmp, "stems"), os.path.join(tmp, "material")
        subprocess.run([sys.executable, os.path.join(REPO, "Scripts/make_realspeech.py"), "--only", "far", "--force",
                        "--quiet", "--out", material, "--stems", stems], check=True)
        table = {}  # (split, level) -> {name: counts}
        by_talkers = {}  # (split, level, far talkers) -> Attune's counts
        by_dryness = {}  # (split, level, the channel's highest far-talker DRR dB) -> Attune's counts
        edges = {}  # (split, SNR dB) -> Attune's misses by where they fall in the truth's turns, and truth frames
        for truth_path in sorted(glob.glob(os.path.join(material, "far", "*.truth.json"))):
            truth = json.load(open(truth_path))
            call = truth["callId"]
            sources = np.load(os.path.join(stems, f"{call}.npz"))
            report, found_segments = fa.run_attune(args.attune, truth, os.path.join(material, "far"), ["--no-scores"])
            cell = table.setdefault((truth["condition"]["split"], truth["condition"]["farTalkerDb"]), {})
            for party in ("advisor", "customer"):
                near, far = frame_powers(sources[f"near_{party}"]), frame_powers(sources[f"far_{party}"])
                noise = 10 ** ((float(sources[f"speechDb_{party}"]) - float(sources["snrDb"])) / 10)
                total = len(near)
                wanted = np.array(fa.frames(truth["segments"][party], total))
                p56 = np.zeros(total, bool)
                active = p56_active(sources[f"near_{party}"])[:total]
                p56[:len(active)] = active
                for margin in MARGINS_DB:
                    share = 10 ** (-margin / 10)
                    heard = merged((near >= share * far) & (near >= share * noise))
                    cell[f"oracle {margin} dB"] = cell.get(f"oracle {margin} dB", 0) + counts(wanted, heard)
                    if margin == 0:
                        cell["P.56 oracle"] = cell.get("P.56 oracle", 0) + counts(p56, heard)
                found = np.array(fa.frames(found_segments.get(party, []), total))
                cell["attune"] = cell.get("attune", 0) + counts(wanted, found)
                cell["P.56 attune"] = cell.get("P.56 attune", 0) + counts(p56, found)
                cell["P.56 frames"] = cell.get("P.56 frames", 0) + np.array([p56.sum(), wanted.sum(), (p56 & wanted).sum()])
                condition = truth["condition"]
                key = (condition["split"], condition["farTalkerDb"], condition["farTalkers"])
                by_talkers[key] = by_talkers.get(key, 0) + counts(wanted, found)
                key = (condition["split"], condition["farTalkerDb"], max(condition["drrDb"][party]))
                by_dryness[key] = by_dryness.get(key, 0) + counts(wanted, found)
                if condition["farTalkerDb"] <= -25:
                    key = (condition["split"], condition["snrDb"])
                    edges[key] = edges.get(key, 0) + np.append(turn_misses(truth["segments"][party], found), wanted.sum())
                # Where Attune's errors are: each missed wearer frame by what was louder there,
                # each wrongly taken frame by whether a far talker was heard above the noise.
                near_on_top = (near >= far) & (near >= noise)
                under_far = ~near_on_top & (far >= noise)
                misses, extras = wanted & ~found, ~wanted & found
                errors = np.array([(misses & near_on_top).sum(), (misses & under_far).sum(), (misses & ~near_on_top & ~under_far).sum(),
                                   (extras & (far >= noise)).sum(), (extras & (far < noise)).sum()])
                cell["errors"] = cell.get("errors", 0) + errors
    names = [f"oracle {m} dB" for m in MARGINS_DB] + ["attune"]
    def tables(header, row):
        """One table per split: the header, then row(split, level) for each far-talker level."""
        for split in ("tune", "heldOut"):
            print(f"{split:8s} far dB | {header}")
            for level in LEVELS:
                print(f"{'':8s} {level:6d} | {row(split, level)}")
            print()

    def f1_cells(counts_by, split, level, groups):
        return " | ".join(f"{f1(c):12.3f}" if c is not None else f"{'-':>12s}" for c in (counts_by.get((split, level, g)) for g in groups))

    print("Speech F1 on the far-talker calls (10 ms frames, both parties pooled) against a dominance oracle")
    print("(oracle M dB: the wearer's frames where the near talker is no more than M dB under the far talkers and the noise)\n")

    def oracle_row(split, level):
        values = [f1(table[(split, level)][n]) for n in names]
        return " | ".join(f"{v:12.3f}" for v in values) + f" | {values[-1] / values[0]:.3f}"
    tables(" | ".join(f"{n:>12s}" for n in names) + " | attune / oracle 0 dB", oracle_row)
    print("Against another truth: the near talker's activity by ITU-T P.56 (threshold 15.9 dB under its active")
    print("level, 0.2 s hangover), merged as the truth is. Frames: P.56's and the truth's, as a share of the truth's\n")

    def p56_row(split, level):
        cell = table[(split, level)]
        p56_frames, truth_frames, both = cell["P.56 frames"]
        return (f"{p56_frames / truth_frames:19.3f} | {both / p56_frames:13.3f} | "
                f"{f1(cell['P.56 oracle']):11.3f} | {f1(cell['P.56 attune']):6.3f}")
    tables("P.56 / truth frames | P.56 in truth | oracle 0 dB | attune", p56_row)
    print("Attune's errors, as a share of the wearer's speech frames: missed where the wearer was the loudest sound,")
    print("missed under a louder far talker, missed under the noise; taken while a far talker was heard, taken otherwise\n")

    def errors_row(split, level):
        cell = table[(split, level)]
        shares = cell["errors"] / max(cell["attune"][0] + cell["attune"][2], 1)
        return f"{shares[0]:13.3f} | {shares[1]:9.3f} | {shares[2]:11.3f} | {shares[3]:16.3f} | {shares[4]:9.3f}"
    tables("missed: on top | under far | under noise | taken: far heard | otherwise", errors_row)
    print("Attune's F1 by the number of far talkers (calls of one level differ in it)\n")
    tables(" | ".join(f"{n} talker(s)" for n in (1, 2, 3)), lambda split, level: f1_cells(by_talkers, split, level, (1, 2, 3)))
    drrs = sorted({k[2] for k in by_dryness})
    print("Attune's F1 by the driest far talker on the channel (its direct-to-reverberant ratio, dB), per channel\n")
    tables(" | ".join(f"DRR {d:+d} dB".rjust(12) for d in drrs), lambda split, level: f1_cells(by_dryness, split, level, drrs))
    print("Where Attune misses the wearer at -30 and -25 dB (far talkers rarely the cause there), by line SNR:")
    print("share of the wearer's frames missed before the first frame found in a turn, after the last, between,")
    print("and in turns not found at all\n")
    for split in ("tune", "heldOut"):
        for snr in sorted({k[1] for k in edges if k[0] == split}):
            start, end, inside, whole, truth_frames = edges[(split, snr)]
            print(f"{split:8s} {snr:3d} dB SNR | start {start / truth_frames:.3f} | end {end / truth_frames:.3f} | "
                  f"between {inside / truth_frames:.3f} | whole turn {whole / truth_frames:.3f}")
    print()
    print(f"engine: {report.get('engineVersion')}, configuration {report.get('configurationFingerprint')}")


if __name__ == "__main__":
    main()
