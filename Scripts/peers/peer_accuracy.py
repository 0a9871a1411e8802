#!/usr/bin/env python3
"""Voice-activity accuracy of Attune against two peers, WebRTC VAD and Silero VAD, on the same audio.

Run it through Scripts/peers/run.sh, which builds the virtualenv with the peers (.build-peers/venv).

Data
  * Fixture calls: fixtures/calls/*.truth.json (schema attune.truth/1). Stereo files carry the
    advisor on channel 0 and the customer on channel 1; two-leg calls have one file per party
    (files[0] advisor, files[1] customer); the mono call has one `mixed` channel. 8 kHz except the
    `16k` call. Truth: `segments` per party as [[start, end], ...] s, and `overtalkSeconds`.
  * AMI excerpts: /work/shared/data/ami/trn0*.flac (far-field meeting speech, mono 16 kHz) with
    turns.csv (file,start_s,end_s,speaker). Truth speech = union of all speakers' turns.
  * Far-talker calls (section `far`): REALSPEECH/far/*.wav + *.truth.json, built by
    Scripts/make_realspeech.py (REALSPEECH = --realspeech, default .build-realspeech; when its far/
    folder is missing the script runs `python3 Scripts/make_realspeech.py --quiet --out REALSPEECH`
    first and skips the section, saying why, if that fails; --skip-far leaves it out). 40 stereo
    two-party calls, 8 kHz mu-law, advisor on channel 0, customer on channel 1: EmoDB speech, each
    channel's microphone hearing its wearer (the near talker) plus 1-3 reverberant far talkers at
    L in {-10, -15, -20, -25, -30} dB relative to the wearer; split `tune` or `heldOut` (held-out
    far talkers include looped AMI excerpts, the recordings of the AMI section). Truth (schema
    attune.truth/1): `segments` per party = the wearer only (far speech detected is an error),
    `condition` {split, farTalkerDb, farTalkers, snrDb}, and `quietSegments` per party: the spans
    of the wearer's deliberately quiet turns (10 dB under their median).

Detectors (each on every channel separately, at the file's own rate, 8 or 16 kHz)
  * Attune: `attune analyze --json FILE` (two-leg: --advisor A --customer C); its `segments`
    (party, startSeconds, endSeconds) are used as they are: Attune already merges and filters them.
  * WebRTC VAD, modes 2 and 3: 16-bit PCM in 30 ms frames, one speech flag per frame; a trailing
    partial frame is dropped.
  * Silero VAD (v6 ONNX model bundled with the `silero-vad` package, run with ONNX Runtime, one
    thread): the package's own streaming loop re-implemented without torch. Windows of 256 samples
    at 8 kHz (512 at 16 kHz), each with the previous 32 (64) input samples prepended as context
    (zeros at the start), the recurrent state [2,1,128] carried over, the last window zero-padded.
    A window is speech when its probability >= 0.5 (the package's default threshold).
  Peer flags become intervals in seconds, then get Attune's post-processing: speech runs
  separated by gaps < 0.3 s are merged, then runs shorter than 0.1 s are dropped.

Scoring (10 ms frames, as in Scripts/fixture_accuracy.py)
  * Calls: per party speech precision / recall / F1 against the truth segments, frames 0 ..
    durationSeconds; for two-party calls also overtalk = total time the advisor's and customer's
    intervals overlap, against truth overtalkSeconds (absolute error in s and in %).
  * AMI: speech-vs-silence precision / recall / F1 per file and pooled over all files (counts
    summed), leaving out every frame within +-0.25 s of any turn's start or end.
  * Far-talker calls: per call and party, TP / FP / FN 10 ms frame counts against the truth
    segments, frames 0 .. durationSeconds (as for the fixture calls), and quiet recall = share of
    the truth speech frames inside the party's quietSegments that are detected (quiet spans run from
    the turn's first to its last truth-active frame, so pauses inside them are not counted). Counts
    are summed per (split, far level, party) -> precision / recall / F1, per (split, level) over
    both parties ("all"), and likewise the quiet frames. Per (split, level): the detector with the
    best "all" F1 (ties: the first in table order) and Attune's F1 minus Silero's.
  * Speed (secondary): wall-clock of each detector over all fixture calls, decode included
    (Attune: whole process per call), as call-audio seconds per wall-clock second.

Output: text tables on stdout (the far-talker table after the fixture speed line); --json PATH
writes every number plus tool versions (the far-talker section under `far`).
The run is deterministic (ONNX Runtime single-threaded, no randomness).
"""
import argparse
import csv
import glob
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import platform
import subprocess
import sys
import time

import numpy as np

FRAME = 0.01            # scoring frame, s
MERGE_GAP = 0.3         # Attune's post-processing: merge runs separated by gaps shorter than this
MIN_RUN = 0.1           # ... then drop runs shorter than this
WEBRTC_FRAME_MS = 30
SILERO_THRESHOLD = 0.5
AMI_COLLAR = 0.25       # s either side of each truth turn boundary left out of the AMI score
FAR_PARTIES = ("advisor", "customer")
FAR_SPLITS = ("tune", "heldOut")   # table order; any other split follows in order of appearance
MAKE_REALSPEECH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "make_realspeech.py")

try:
    import soundfile
except ImportError:  # the wrapper installs it; without it nothing can be decoded
    sys.exit("peer_accuracy: the `soundfile` module is missing; run Scripts/peers/run.sh")


# ----------------------------------------------------------------------------- audio

def read_channels(path):
    """Decodes a file into a list of int16 arrays (one per channel) and its sample rate."""
    data, rate = soundfile.read(path, dtype="int16", always_2d=True)
    return [np.ascontiguousarray(data[:, c]) for c in range(data.shape[1])], rate


def party_channels(truth, directory):
    """{party: (int16 samples, rate)} for one fixture call, per its audio layout."""
    audio = truth["audio"]
    files = [os.path.join(directory, f) for f in audio["files"]]
    if audio["layout"] == "twoLeg":
        (adv,), rate_a = read_channels(files[0])
        (cus,), rate_c = read_channels(files[1])
        return {"advisor": (adv, rate_a), "customer": (cus, rate_c)}
    channels, rate = read_channels(files[0])
    if audio["layout"] == "mono":
        return {"mixed": (channels[0], rate)}
    advisor = audio.get("advisorChannel") or 0
    return {"advisor": (channels[advisor], rate), "customer": (channels[1 - advisor], rate)}


# ----------------------------------------------------------------------------- intervals

def flags_to_intervals(flags, hop):
    """Runs of True in per-frame flags (frame length `hop` s) as [[start, end], ...] s."""
    padded = np.concatenate(([False], np.asarray(flags, dtype=bool), [False]))
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return [[round(s * hop, 4), round(e * hop, 4)] for s, e in zip(edges[::2], edges[1::2])]


def postprocess(intervals, gap=MERGE_GAP, min_run=MIN_RUN):
    """Attune's smoothing: merge runs whose gap is < `gap`, then drop runs shorter than `min_run`."""
    merged = []
    for start, end in sorted(intervals):
        if merged and start - merged[-1][1] < gap:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [iv for iv in merged if iv[1] - iv[0] >= min_run]


def overlap_seconds(a, b):
    """Total time covered by both interval lists (each list non-overlapping)."""
    return sum(max(0.0, min(e1, e2) - max(s1, s2)) for s1, e1 in a for s2, e2 in b)


# ----------------------------------------------------------------------------- detectors

class Attune:
    name = "Attune"

    def __init__(self, binary):
        if not os.access(binary, os.X_OK):
            sys.exit(f"peer_accuracy: no Attune binary at {binary} (build it with `Scripts/build-release.sh`)")
        self.binary = binary
        with open(binary, "rb") as f:
            self.sha256 = hashlib.sha256(f.read()).hexdigest()[:16]
        self.engine = None

    def run_call(self, truth, directory):
        """{party: intervals} straight from `attune analyze --json`."""
        files = [os.path.join(directory, f) for f in truth["audio"]["files"]]
        args = ["--advisor", files[0], "--customer", files[1]] if truth["audio"]["layout"] == "twoLeg" else files[:1]
        return self._analyze(args)

    def run_file(self, path):
        """Speech intervals of a mono file (union over whatever parties Attune reports)."""
        segments = self._analyze([path])
        return postprocess([iv for ivs in segments.values() for iv in ivs], gap=0, min_run=0)

    def _analyze(self, args):
        out = subprocess.run([self.binary, "analyze", "--json", *args], check=True, capture_output=True, text=True).stdout
        report = json.loads(out)
        self.engine = (report.get("engineVersion"), report.get("configurationFingerprint"))
        segments = {}
        for s in report["segments"]:
            segments.setdefault(s["party"], []).append([s["startSeconds"], s["endSeconds"]])
        return segments


class ChannelDetector:
    """A per-channel peer: subclasses turn int16 samples into per-frame speech flags."""

    def intervals(self, samples, rate):
        flags, hop = self.flags(samples, rate)
        return postprocess(flags_to_intervals(flags, hop))

    def run_call(self, truth, directory):
        return {party: self.intervals(x, rate) for party, (x, rate) in party_channels(truth, directory).items()}

    def run_file(self, path):
        (samples,), rate = read_channels(path)
        return self.intervals(samples, rate)


class WebRtc(ChannelDetector):
    def __init__(self, mode):
        import webrtcvad
        self.name = f"WebRTC-{mode}"
        self.vad = webrtcvad.Vad(mode)

    def flags(self, samples, rate):
        n = rate * WEBRTC_FRAME_MS // 1000
        pcm = samples.astype("<i2").tobytes()
        count = len(samples) // n
        return [self.vad.is_speech(pcm[i * 2 * n:(i + 1) * 2 * n], rate) for i in range(count)], WEBRTC_FRAME_MS / 1000


class Silero(ChannelDetector):
    name = "Silero"

    def __init__(self):
        import onnxruntime
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self.model_path = silero_model_path()
        self.session = onnxruntime.InferenceSession(self.model_path, sess_options=options, providers=["CPUExecutionProvider"])

    def probabilities(self, samples, rate):
        """Per-window speech probability, mirroring silero_vad.utils_vad.OnnxWrapper streaming."""
        window, context_size = (512, 64) if rate == 16000 else (256, 32)
        if rate not in (8000, 16000):
            raise ValueError(f"Silero VAD runs at 8 or 16 kHz, not {rate} Hz")
        x = samples.astype(np.float32) / 32768.0
        x = np.pad(x, (0, -len(x) % window))
        state = np.zeros((2, 1, 128), dtype=np.float32)
        context = np.zeros((1, context_size), dtype=np.float32)
        sr = np.array(rate, dtype=np.int64)
        probs = np.empty(len(x) // window, dtype=np.float32)
        for i in range(len(probs)):
            chunk = np.concatenate((context, x[None, i * window:(i + 1) * window]), axis=1)
            out, state = self.session.run(None, {"input": chunk, "state": state, "sr": sr})
            probs[i] = out.item()
            context = chunk[:, -context_size:]
        return probs, window / rate

    def flags(self, samples, rate):
        probs, hop = self.probabilities(samples, rate)
        return probs >= SILERO_THRESHOLD, hop


def silero_model_path():
    """The silero_vad.onnx shipped in the installed package's data folder (found without importing
    the package, whose __init__ imports torch)."""
    spec = importlib.util.find_spec("silero_vad")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("the silero-vad package is not installed")
    path = os.path.join(list(spec.submodule_search_locations)[0], "data", "silero_vad.onnx")
    if not os.path.exists(path):
        raise FileNotFoundError(path)
    return path


def load_detectors(attune_binary):
    """All detectors that can run here, plus a list of (name, reason) for those that cannot."""
    detectors, skipped = [Attune(attune_binary)], []
    for mode in (2, 3):
        try:
            detectors.append(WebRtc(mode))
        except Exception as e:  # noqa: BLE001 - any failure means: skip this peer
            skipped.append((f"WebRTC-{mode}", f"{type(e).__name__}: {e}"))
    try:
        detectors.append(Silero())
    except Exception as e:  # noqa: BLE001
        skipped.append(("Silero", f"{type(e).__name__}: {e}"))
    for name, why in skipped:
        print(f"peer_accuracy: skipping {name}: {why}", file=sys.stderr)
    return detectors, skipped


def versions(detectors):
    def pkg(name):
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            return None
    attune = next(d for d in detectors if isinstance(d, Attune))
    silero = next((d for d in detectors if isinstance(d, Silero)), None)
    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "soundfile": soundfile.__version__,
        "libsndfile": soundfile.__libsndfile_version__,
        "webrtcvad-wheels": pkg("webrtcvad-wheels"),
        "webrtcvad": pkg("webrtcvad"),
        "onnxruntime": pkg("onnxruntime"),
        "silero-vad": pkg("silero-vad"),
        "sileroModel": os.path.basename(silero.model_path) if silero else None,
        "attuneEngine": attune.engine[0] if attune.engine else None,
        "attuneConfiguration": attune.engine[1] if attune.engine else None,
        "attuneBinarySha256": attune.sha256,
    }


# ----------------------------------------------------------------------------- scoring

def raster(intervals, total):
    """Boolean 10 ms frames covered by [[start, end], ...] s (same rounding as fixture_accuracy.py)."""
    flags = np.zeros(total, dtype=bool)
    for start, end in intervals:
        flags[max(0, round(start / FRAME)):max(0, min(total, round(end / FRAME)))] = True
    return flags


def counts(truth, detected, keep=None):
    """(tp, fp, fn) over the frames where `keep` is True (all frames if None)."""
    if keep is not None:
        truth, detected = truth[keep], detected[keep]
    return int(np.sum(truth & detected)), int(np.sum(detected & ~truth)), int(np.sum(truth & ~detected))


def prf(tp, fp, fn):
    """Precision, recall, F1; all 1 when there is nothing to find and nothing found, 0 for an empty side."""
    if tp == 0:
        perfect = 1.0 if fp == 0 and fn == 0 else 0.0
        return {"precision": perfect, "recall": perfect, "f1": perfect}
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    return {"precision": round(precision, 4), "recall": round(recall, 4),
            "f1": round(2 * precision * recall / (precision + recall), 4)}


def score_call(truth, found):
    """Per-party P/R/F1 and (two-party calls) overtalk error for one detector on one call."""
    total = round(truth["durationSeconds"] / FRAME) + 1
    parties = ["mixed"] if truth["audio"]["layout"] == "mono" else ["advisor", "customer"]
    result = {"parties": {}}
    for party in parties:
        tp, fp, fn = counts(raster(truth["segments"][party], total), raster(found.get(party, []), total))
        result["parties"][party] = prf(tp, fp, fn)
    if len(parties) == 2:
        true_ot = truth["overtalkSeconds"]
        found_ot = overlap_seconds(found.get("advisor", []), found.get("customer", []))
        result["overtalk"] = {
            "truthSeconds": true_ot,
            "foundSeconds": round(found_ot, 3),
            "errorSeconds": round(abs(found_ot - true_ot), 3),
            "errorPct": round(100 * abs(found_ot - true_ot) / true_ot, 1) if true_ot else None,
        }
    return result


def ami_truth(turns_csv):
    """{file: [[start, end], ...]} of every speaker's turns."""
    turns = {}
    with open(turns_csv, newline="") as f:
        for row in csv.DictReader(f):
            turns.setdefault(row["file"], []).append([float(row["start_s"]), float(row["end_s"])])
    return turns


def ami_masks(turns, duration):
    """Truth speech frames (union of turns) and the frames kept (outside the boundary collars)."""
    total = round(duration / FRAME)
    speech = raster(turns, total)
    keep = np.ones(total, dtype=bool)
    for boundary in {t for turn in turns for t in turn}:
        keep[max(0, round((boundary - AMI_COLLAR) / FRAME)):max(0, min(total, round((boundary + AMI_COLLAR) / FRAME)))] = False
    return speech, keep


# ----------------------------------------------------------------------------- runs

def run_calls(detectors, fixtures):
    """Scores every detector on every fixture call; also times each detector over all calls."""
    truths = [json.load(open(p)) for p in sorted(glob.glob(os.path.join(fixtures, "*.truth.json")))]
    calls = [{"call": t["callId"], "condition": t["condition"]["name"], "layout": t["audio"]["layout"],
              "durationSeconds": t["durationSeconds"], "detectors": {}} for t in truths]
    speed = {}
    for det in detectors:
        started = time.perf_counter()
        found = [det.run_call(t, fixtures) for t in truths]
        wall = time.perf_counter() - started
        audio = sum(t["durationSeconds"] for t in truths)
        speed[det.name] = {"audioSeconds": round(audio, 2), "wallSeconds": round(wall, 3), "realTimeFactor": round(audio / wall, 1)}
        for call, truth, segs in zip(calls, truths, found):
            call["detectors"][det.name] = score_call(truth, segs)
    return calls, speed


def run_ami(detectors, ami_dir):
    """Speech-vs-silence scores per AMI file and pooled, for every detector."""
    truth = ami_truth(os.path.join(ami_dir, "turns.csv"))
    files = sorted(glob.glob(os.path.join(ami_dir, "trn0*.flac")))
    result = {"files": {}, "pooled": {}, "collarSeconds": AMI_COLLAR}
    pooled = {d.name: [0, 0, 0] for d in detectors}
    for path in files:
        name = os.path.basename(path)
        speech, keep = ami_masks(truth.get(name, []), soundfile.info(path).duration)
        result["files"][name] = {"scoredSeconds": round(keep.sum() * FRAME, 2), "speechSeconds": round((speech & keep).sum() * FRAME, 2), "detectors": {}}
        for det in detectors:
            c = counts(speech, raster(det.run_file(path), len(speech)), keep)
            pooled[det.name] = [a + b for a, b in zip(pooled[det.name], c)]
            result["files"][name]["detectors"][det.name] = prf(*c)
    result["pooled"] = {name: prf(*c) for name, c in pooled.items()}
    return result


def far_directory(root):
    """The far-talker call folder under `root` (built first when missing), or (None, why not)."""
    far = os.path.join(root, "far")
    if os.path.isdir(far):
        return far, None
    print(f"peer_accuracy: {far} not found; running make_realspeech.py --quiet --out {root}", file=sys.stderr)
    try:
        done = subprocess.run(["python3", os.path.normpath(MAKE_REALSPEECH), "--quiet", "--out", os.path.abspath(root)],
                              capture_output=True, text=True)
    except OSError as e:
        return None, f"could not run make_realspeech.py: {type(e).__name__}: {e}"
    if done.returncode != 0:
        why = (done.stderr.strip() or done.stdout.strip() or "no output").splitlines()[-1]
        return None, f"make_realspeech.py failed (exit {done.returncode}): {why}"
    if not os.path.isdir(far):
        return None, f"make_realspeech.py ran but {far} is still missing"
    return far, None


def score_far_call(truth, found):
    """{party: tp, fp, fn, P/R/F1, quietFrames, quietFound, quietRecall} for one detector on one far call."""
    total = round(truth["durationSeconds"] / FRAME) + 1
    result = {}
    for party in FAR_PARTIES:
        speech, detected = raster(truth["segments"][party], total), raster(found.get(party, []), total)
        quiet = raster(truth.get("quietSegments", {}).get(party, []), total) & speech
        tp, fp, fn = counts(speech, detected)
        result[party] = far_entry(tp, fp, fn, int(quiet.sum()), int((quiet & detected).sum()))
    return result


def far_entry(tp, fp, fn, quiet_frames, quiet_found):
    return {"tp": tp, "fp": fp, "fn": fn, **prf(tp, fp, fn), "quietFrames": quiet_frames, "quietFound": quiet_found,
            "quietRecall": round(quiet_found / quiet_frames, 4) if quiet_frames else None}


def far_sum(entries):
    keys = ("tp", "fp", "fn", "quietFrames", "quietFound")
    return far_entry(*(sum(e[k] for e in entries) for k in keys))


def run_far(detectors, far_dir):
    """Scores every detector on every far-talker call; pools the counts per (split, level, party)."""
    truths = [json.load(open(p)) for p in sorted(glob.glob(os.path.join(far_dir, "*.truth.json")))]
    if not truths:
        return {"skipped": f"no *.truth.json in {far_dir}"}
    calls = []
    for t in truths:
        cond = t["condition"]
        calls.append({"call": t["callId"], "split": cond.get("split", t.get("split")), "farTalkerDb": cond["farTalkerDb"],
                      "farTalkers": cond.get("farTalkers"), "snrDb": cond.get("snrDb"), "noise": cond.get("noise"),
                      "durationSeconds": t["durationSeconds"], "detectors": {}})
    for det in detectors:
        for call, truth in zip(calls, truths):
            call["detectors"][det.name] = {"parties": score_far_call(truth, det.run_call(truth, far_dir))}

    splits = [s for s in FAR_SPLITS if any(c["split"] == s for c in calls)]
    splits += [s for s in dict.fromkeys(c["split"] for c in calls) if s not in splits]
    pooled, summary = [], []
    for split in splits:
        for level in sorted({c["farTalkerDb"] for c in calls if c["split"] == split}, reverse=True):
            group = [c for c in calls if c["split"] == split and c["farTalkerDb"] == level]
            row = {"split": split, "farTalkerDb": level, "calls": len(group),
                   "speechSeconds": {p: round(sum(c["detectors"][detectors[0].name]["parties"][p]["tp"]
                                                  + c["detectors"][detectors[0].name]["parties"][p]["fn"] for c in group) * FRAME, 2)
                                     for p in FAR_PARTIES},
                   "detectors": {}}
            for det in detectors:
                parties = {p: far_sum([c["detectors"][det.name]["parties"][p] for c in group]) for p in FAR_PARTIES}
                parties["all"] = far_sum([parties[p] for p in FAR_PARTIES])
                row["detectors"][det.name] = {"parties": parties}
            pooled.append(row)
            f1 = {name: d["parties"]["all"]["f1"] for name, d in row["detectors"].items()}
            best = max(f1, key=lambda name: f1[name])   # first in detector order on a tie
            silero = f1.get("Silero")
            summary.append({"split": split, "farTalkerDb": level, "best": best, "bestF1": f1[best],
                            "attuneF1": f1["Attune"], "sileroF1": silero,
                            "attuneMinusSilero": round(f1["Attune"] - silero, 4) if silero is not None else None})
    return {"directory": far_dir, "parties": list(FAR_PARTIES), "calls": calls, "pooled": pooled, "summary": summary}


# ----------------------------------------------------------------------------- report

def fmt(value, spec="5.3f"):
    return "   - " if value is None else format(value, spec)


def call_table(calls, names):
    """Rows = calls; per detector: advisor F1, customer F1 (mono: mixed F1 under 'adv'), overtalk error %."""
    width = max(len(f"{c['call']} ({c['condition']})") for c in calls)
    head1 = " " * width + " | " + " | ".join(f"{n:^21}" for n in names)
    head2 = f"{'call (condition)':<{width}} | " + " | ".join(f"{'adv F1':>6} {'cus F1':>6} {'OT err%':>7}" for _ in names)
    lines = [head1, head2, "-" * len(head2)]
    for c in calls:
        cells = []
        for n in names:
            r = c["detectors"][n]
            p = r["parties"]
            if "mixed" in p:
                cells.append(f"{'mix ' + fmt(p['mixed']['f1'], '.3f'):>13} {'':>7}")
            else:
                ot = r["overtalk"]["errorPct"]
                cells.append(f"{fmt(p['advisor']['f1']):>6} {fmt(p['customer']['f1']):>6} {fmt(ot, '7.1f')}")
        lines.append(f"{c['call'] + ' (' + c['condition'] + ')':<{width}} | " + " | ".join(cells))
    return "\n".join(lines)


def ami_table(ami, names):
    """Rows = files, then pooled; per detector F1, precision, recall; plus the scored and truth-speech seconds."""
    head1 = f"{'':<8} {'':>13} | " + " | ".join(f"{n:^20}" for n in names)
    head2 = f"{'file':<8} {'scored speech':>13} | " + " | ".join(f"{'F1':>6} {'P':>6} {'R':>6}" for _ in names)
    lines = [head1, head2, "-" * len(head2)]
    rows = [(f.replace(".flac", ""), v["detectors"], f"{v['scoredSeconds']:6.1f} {v['speechSeconds']:6.1f}") for f, v in ami["files"].items()]
    rows.append(("pooled", ami["pooled"], f"{sum(v['scoredSeconds'] for v in ami['files'].values()):6.1f} "
                                          f"{sum(v['speechSeconds'] for v in ami['files'].values()):6.1f}"))
    for label, scores, seconds in rows:
        if label == "pooled":
            lines.append("-" * len(head2))
        lines.append(f"{label:<8} {seconds:>13} | " + " | ".join(f"{fmt(scores[n]['f1'], '6.3f')} {fmt(scores[n]['precision'], '6.3f')} {fmt(scores[n]['recall'], '6.3f')}" for n in names))
    return "\n".join(lines)


def verdicts(calls, peers):
    """Per condition: does Attune beat every peer on every party's F1 and on overtalk error?"""
    out = {}
    for condition in dict.fromkeys(c["condition"] for c in calls):
        losses = []
        for c in (c for c in calls if c["condition"] == condition):
            mine = c["detectors"]["Attune"]
            for peer in peers:
                theirs = c["detectors"][peer]
                for party, s in mine["parties"].items():
                    if not s["f1"] > theirs["parties"][party]["f1"]:
                        losses.append(f"{c['call']} {party} F1 {s['f1']:.3f} vs {peer} {theirs['parties'][party]['f1']:.3f}")
                if "overtalk" in mine and not mine["overtalk"]["errorSeconds"] < theirs["overtalk"]["errorSeconds"]:
                    losses.append(f"{c['call']} overtalk err {mine['overtalk']['errorPct']}% vs {peer} {theirs['overtalk']['errorPct']}%")
        out[condition] = {"attuneBeatsAll": not losses, "notBeaten": losses}
    return out


def verdict_lines(verdict, peers):
    if not peers:
        return "no verdict: every peer was skipped"
    against = ", ".join(peers)
    lines = []
    for condition, v in verdict.items():
        if v["attuneBeatsAll"]:
            lines.append(f"{condition:<7} YES: Attune beats {against} on every party F1 and overtalk error")
        else:
            lines.append(f"{condition:<7} NO : not better on " + "; ".join(v["notBeaten"]))
    return "\n".join(lines)


def far_table(far, names):
    """Rows = split x far level x party (then "all"); per detector F1 (Attune also P and R); Attune quiet recall."""
    peers = names[1:]
    head1 = f"{'':<7} {'':>6} {'':<8} | {'Attune':^20} | " + " | ".join(f"{n:^8}" for n in peers) + " | Attune"
    head2 = f"{'split':<7} {'far dB':>6} {'party':<8} | {'F1':>6} {'P':>6} {'R':>6} | " + " | ".join(f"{'F1':>8}" for _ in peers) + " | quiet R"
    lines = [head1, head2, "-" * len(head2)]
    for row in far["pooled"]:
        for party in (*FAR_PARTIES, "all"):
            a = row["detectors"]["Attune"]["parties"][party]
            cells = f"{fmt(a['f1'], '6.3f')} {fmt(a['precision'], '6.3f')} {fmt(a['recall'], '6.3f')}"
            peer_cells = " | ".join(f"{fmt(row['detectors'][n]['parties'][party]['f1'], '8.3f')}" for n in peers)
            lines.append(f"{row['split']:<7} {row['farTalkerDb']:>6} {party:<8} | {cells} | " + peer_cells
                         + f" | {fmt(a['quietRecall'], '7.3f')}")
        lines.append("-" * len(head2))
    return "\n".join(lines)


def far_summary_lines(far):
    lines = []
    for s in far["summary"]:
        line = f"{s['split']:<7} {s['farTalkerDb']:>4} dB: best {s['best']} (all-party F1 {s['bestF1']:.3f})"
        if s["sileroF1"] is None:
            line += "; Silero skipped"
        elif s["attuneMinusSilero"] == 0:
            line += f"; Attune ties Silero ({s['attuneF1']:.3f})"
        else:
            verb = "leads" if s["attuneMinusSilero"] > 0 else "trails"
            line += f"; Attune {verb} Silero by {abs(s['attuneMinusSilero']):.3f} ({s['attuneF1']:.3f} vs {s['sileroF1']:.3f})"
        lines.append(line)
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--attune", default=".build/release/attune")
    parser.add_argument("--fixtures", default="fixtures/calls")
    parser.add_argument("--ami", default="/work/shared/data/ami")
    parser.add_argument("--realspeech", default=".build-realspeech",
                        help="make_realspeech.py output folder; the far-talker calls are in its far/ (built when missing)")
    parser.add_argument("--skip-far", action="store_true", help="leave out the far-talker section")
    parser.add_argument("--json", help="write every number and the tool versions here")
    args = parser.parse_args()

    detectors, skipped = load_detectors(args.attune)
    names = [d.name for d in detectors]
    peers = names[1:]
    calls, speed = run_calls(detectors, args.fixtures)
    ami = run_ami(detectors, args.ami) if os.path.isdir(args.ami) else None
    if args.skip_far:
        far = {"skipped": "--skip-far"}
    else:
        far_dir, why = far_directory(args.realspeech)
        far = run_far(detectors, far_dir) if far_dir else {"skipped": why}
    verdict = verdicts(calls, peers)
    tools = versions(detectors)

    print("Voice activity per fixture call: speech F1 per party (10 ms frames); overtalk |error| % vs truth")
    print(f"(peers: per channel, gaps < {MERGE_GAP} s merged, runs < {MIN_RUN} s dropped; mono call: mixed F1)\n")
    print(call_table(calls, names))
    if ami:
        print(f"\nAMI far-field excerpts: speech vs silence, frames within +-{AMI_COLLAR} s of a turn boundary excluded")
        print("(scored = seconds left after the exclusion, speech = truth speech among them; F1 on files with little speech is fragile)\n")
        print(ami_table(ami, names))
    else:
        print(f"\nAMI: {args.ami} not found, skipped")
    print("\nVerdict per condition (Attune vs each peer, strictly better on every party F1 and overtalk error):")
    print(verdict_lines(verdict, peers))
    print("\nSpeed over all fixture calls (decode included; Attune = whole analysis process): audio s / wall s")
    print("  " + "   ".join(f"{n} {speed[n]['realTimeFactor']:.0f}x" for n in names))
    if "skipped" in far:
        print(f"\nFar-talker calls: skipped ({far['skipped']})")
    else:
        print(f"\nFar-talker calls ({far['directory']}): speech of the wearer vs far talkers, 10 ms frames, counts pooled")
        print("per split x far level (dB re the wearer) x party; all = both parties; quiet R = recall on the truth speech")
        print("frames of the wearer's quiet turns (peers: same post-processing as above)\n")
        print(far_table(far, names))
        print("\nBest detector per split and far level (all-party F1), and Attune vs Silero:")
        print(far_summary_lines(far))
    for name, why in skipped:
        print(f"\nSKIPPED {name}: {why}")
    print("\nVersions: " + ", ".join(f"{k} {v}" for k, v in tools.items() if v is not None))

    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w") as f:
            json.dump({"schema": "attune.peers/1", "versions": tools, "skipped": dict(skipped),
                       "settings": {"frameSeconds": FRAME, "mergeGapSeconds": MERGE_GAP, "minRunSeconds": MIN_RUN,
                                    "webrtcFrameMs": WEBRTC_FRAME_MS, "webrtcModes": [2, 3],
                                    "sileroThreshold": SILERO_THRESHOLD, "amiCollarSeconds": AMI_COLLAR},
                       "calls": calls, "ami": ami, "verdicts": verdict, "speed": speed, "far": far}, f, indent=2)


if __name__ == "__main__":
    main()
