#!/usr/bin/env python3
"""Raised-voice detection on real speech: EmoDB actors in made-up two-party calls.

For each of EmoDB's ten speakers, a stereo call (16 kHz) in which that speaker (channel 0, the
"advisor" in the report) reads their neutral and sad clips and then their angry and fear clips,
taking turns 0.5 s apart with the next speaker (channel 1, the "customer"), who reads only
neutral and sad clips, twice over. EmoDB's clips are each peak-normalised, so every clip is first
set to an RMS of -24 dBFS (angry and fear clips --boost dB louder: a raised voice).

Counts raised-voice events on the calm channel (false alarms per minute of calm talk) and the
share of angry/fear clips overlapped by an event on channel 0 (detections). Standard library and
sox only. Usage:
    Scripts/emodb_raised_voice.py [--attune PATH] [--boost DB] [--set key=value ...]
"""
import argparse, array, csv, json, math, os, subprocess, sys, tempfile, wave

RATE = 16000
GAP = int(0.5 * RATE)


def load(path):
    raw = subprocess.run(["sox", path, "-t", "f32", "-r", str(RATE), "-c", "1", "-"], capture_output=True, check=True).stdout
    return array.array("f", raw)


def at_rms(samples, dbfs):
    rms = math.sqrt(sum(x * x for x in samples) / len(samples))
    gain = 10 ** (dbfs / 20) / rms
    return [x * gain for x in samples]


def main():
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--attune", default=os.path.join(repo, ".build", "release", "attune"))
    ap.add_argument("--emodb", default=os.path.join(repo, "..", "shared", "data", "emodb"))
    ap.add_argument("--boost", type=float, default=6.0, help="angry and fear clips this much louder (dB, default 6)")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="engine settings passed to attune")
    args = ap.parse_args()
    rows = sorted(csv.DictReader(open(os.path.join(args.emodb, "labels.csv"))), key=lambda r: r["file"])
    speakers = sorted({r["speaker"] for r in rows})

    def clips(speaker, labels):
        out = []
        for label in labels:
            for r in rows:
                if r["speaker"] == speaker and r["label"] == label:
                    level = -24 + (args.boost if label in ("angry", "fear") else 0)
                    out.append((label, at_rms(load(os.path.join(args.emodb, r["file"])), level)))
        return out

    false_alarms, calm_minutes, hits, distressed = 0, 0.0, 0, 0
    with tempfile.TemporaryDirectory() as tmp:
        for i, speaker in enumerate(speakers):
            turning = clips(speaker, ["neutral", "sad", "angry", "fear"])
            calm = clips(speakers[(i + 1) % len(speakers)], ["neutral", "sad", "neutral", "sad"])
            channels, marks, t = ([], []), [], 0
            for k in range(2 * max(len(turning), len(calm))):
                side = k % 2
                source = turning if side == 0 else calm
                if k // 2 >= len(source):
                    continue
                label, x = source[k // 2]
                if side == 0:
                    marks.append((t / RATE, (t + len(x)) / RATE, label))
                channels[side].extend(x + [0.0] * GAP)
                channels[1 - side].extend([0.0] * (len(x) + GAP))
                t += len(x) + GAP
            path = os.path.join(tmp, f"{speaker}.wav")
            pcm = array.array("h", (max(-32767, min(32767, int(round(v * 32767)))) for pair in zip(*channels) for v in pair))
            with wave.open(path, "wb") as w:
                w.setnchannels(2), w.setsampwidth(2), w.setframerate(RATE), w.writeframes(pcm.tobytes())
            command = [args.attune, "analyze", path, "--json", "--no-scores"] + [a for s in args.set for a in ("--set", s)]
            report = json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout)
            spikes = [e for e in report["events"] if e["type"] == "energySpike"]
            calm_spikes = [e for e in spikes if e["party"] == "customer"]
            false_alarms += len(calm_spikes)
            calm_minutes += report["metrics"]["customer"]["talkSeconds"] / 60
            found = 0
            for start, end, label in marks:
                if label in ("angry", "fear"):
                    distressed += 1
                    hit = any(e["party"] == "advisor" and e["startSeconds"] < end and e["endSeconds"] > start for e in spikes)
                    hits += hit
                    found += hit
            print(f"{speaker}: {len(calm_spikes)} false alarm(s) on the calm channel; "
                  f"{found} of {sum(1 for m in marks if m[2] in ('angry', 'fear'))} angry/fear clips caught", flush=True)
    print(f"calm channel: {false_alarms} raised-voice event(s) in {calm_minutes:.1f} min of talk "
          f"({false_alarms / calm_minutes:.2f} per min); angry/fear clips (+{args.boost:g} dB) caught: "
          f"{hits}/{distressed} ({100 * hits / distressed:.0f} %)")


if __name__ == "__main__":
    main()
