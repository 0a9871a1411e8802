#!/usr/bin/env python3
"""Generate Attune's labelled hold / music / tone / keypad test calls into
fixtures/holds/ (audio + truth), from the clean call fixtures/calls/calm-clean.

Usage:  python3 Scripts/make_hold_fixtures.py [--out DIR] [--skip-real-music]
        [--music-deb PATH] [--keep-temp]
        Needs python3 with numpy, sox (with FLAC and Ogg Vorbis) and espeak-ng;
        hold-real-music also needs its Debian package (fetched with
        ``apt-get download``, or given with --music-deb).  Takes a few seconds.

Deterministic: the base call is read bit-exactly from its FLAC; sox runs with
``-R -D`` (repeatable, no dither); espeak-ng is deterministic; FLAC is written
as make_fixtures.py writes it (16-bit, ``-C 8``, comment "Attune test fixture
<callId>").  Two runs on the same
machine give byte-identical files.

How a call is made
------------------
The conversation is a part (``baseSpan``) of ``fixtures/calls/calm-clean``
(stereo, 8 kHz, advisor = channel 0, customer = channel 1; its truth is
calm-clean.truth.json), cut in digital silence, with the samples unchanged:

  10.15-35.15 s  (25.00 s) from 0.50 s before the advisor's "Of course. Can I
                 take your account number?" to 1.00 s after the customer's
                 "It's B A two, four H Q."  Used by the music holds.
  23.00-49.94 s  (26.94 s) from 0.60 s before the advisor's "Thanks for
                 waiting. What's the new address?" to the base's end.  Used by
                 hold-announcement, hold-silent and the tone calls.

Why parts and not the whole 49.94 s call: with the whole call the folder
would take about 5.9 MB (the two mu-law files alone 2.4 MB, the 25 dB-SNR
FLAC 1.1 MB), and it must stay under 4,000,000 bytes.

Material is *inserted* at points of the base (``inserted[].atSeconds``, base
seconds, on 10 ms frame edges): the base is split there and the material (both
channels) placed in between; everything after the point moves later by the
material's length.  Every point between turns is >= 0.6 s away from every
truth speech segment of either party (checked).  The points used:

  19.80 s  0.70 s after the advisor's "Thanks, let me bring up the form."
           (base segment ends 19.10) and 3.80 s before "Thanks for waiting."
           (23.60).  This is inside the base's designed 4.5 s dead air: it is
           the only place in calm-clean that follows an advisor turn and is
           >= 0.6 s from speech on both sides (every other gap after an
           advisor turn is 0.88-1.18 s long, so its middle is < 0.6 s from
           speech).  The dead air is split: the 0.70 s before the hold is too
           short and is dropped, the 3.80 s after it stays a deadAir event.
           Used by the music holds (hold-music-*, hold-real-music).
  35.15 s  1.00 s after the customer's "It's B A two, four H Q." (34.15) and
           0.99 s before their next turn (36.14); no dead air there.  Used by
           hold-announcement, hold-silent and the DTMF entry.
  23.00 s  the start of the 23.00-49.94 part (ringback; the advisor then
           speaks 0.60 s after the ringback's 4 s off period ends).
  49.94 s  the base's end, 0.60 s after the advisor's "You're welcome,
           goodbye." (busy).

Truth (``<callId>.truth.json``, schema attune.truth/1, keys sorted)
-------------------------------------------------------------------
Everything the base truth has (segments, events, utterances, overtalkSeconds,
scenario, calm) for the part used, made relative to its start and shifted by
the insertions before it, so that the existing ``FixtureTruth`` decoder reads
these files too; plus
  baseCallId     "calm-clean"
  baseSpan       {startSeconds, endSeconds}: the part of the base used
  inserted       [{atSeconds (base), durationSeconds, startSeconds (this
                 call), content}]: talk time, overtalk and every base event in
                 baseSpan are the same as the base's (bar the split dead air),
                 so a test can compare the call with the base cut to baseSpan:
                 call time = base time - baseSpan.start + the durations of the
                 insertions at or before it.
  holds          [{startSeconds, endSeconds, kind music|announcement|silent,
                 party advisor}]  (the whole inserted hold)
  music          [{startSeconds, endSeconds, party, source}]
  announcements  [{startSeconds, endSeconds, party}]: the recorded
                 announcement's speech (truth rule below); NOT advisor talk,
                 and not in ``segments``
  tones          [{startSeconds, endSeconds, kind ringback|busy, party}], one
                 entry per tone burst
  dtmf           [{startSeconds, endSeconds, digit, party, lowHz, highHz,
                 lowDbfs, highDbfs}], one entry per key press
  levels         levels of the inserted material as made, before noise and
                 mu-law (dBFS RMS: whole hold, announcement's active frames,
                 tone pairs and key presses over their bursts; null = digital
                 zero) and of the added noise per channel
  musicSource    (hold-real-music) package, version, file, sha256, author,
                 copyright, licence of the real music
Every inserted span (hold, burst, key press, gap) is a whole number of 10 ms
frames (80 samples), so the seconds in the truth are exact sample positions.
deadAir: a run >= 3.0 s in which neither party has a speech segment and there
is no hold, tone or DTMF, excluding the leading and trailing silence of the
call (as make_fixtures.py); a hold is not dead air, nor is keying digits.

Material
--------
* Synth hold music: sox ``synth`` notes at 8 kHz, 120 bpm (beat 0.5 s),
  G-Em-C-D (one bar of 2 s each): the first 5 bars of an 8-bar tune with a
  triangle melody, its next 4 bars with a square melody, and a closing G bar:
  10 bars, 20.00 s.  Chords: three pluck notes struck on beats 1 and 3 (1.0 s each)
  plus a triangle note on the root (1.0 s), all notes >= 330 Hz; melody notes
  0.25-1.0 s.  Band-limited 300-3400 Hz,
  scaled to -24.0 dBFS RMS over the whole span, 20 ms fade-in, 300 ms fade-out.
* Real hold music: the first 20.00 s of ``bgm1.ogg`` from Debian's a7xpg-data
  (music by Kenta Cho, BSD-2-Clause; see ATTRIBUTION.md), mono, 300-3400 Hz,
  8 kHz, -24.0 dBFS RMS, same fades.
* Announcement: espeak-ng ``en-us+f2`` (the advisor is en-us+m3), 165 wpm,
  "Thank you for holding. Your call is important to us. An advisor will be
  with you shortly.", 300-3400 Hz, 8 kHz, leading/trailing frames 30 dB under
  its level trimmed, active RMS -26.0 dBFS (frames within 35 dB of the median
  level, as the truth rule), placed at the start of each of 3 periods of
  9.00 s (identical samples): a 27.00 s hold (three hearings: the fewest
  that make a loop).
* Silent hold: 20.00 s of digital zeros on both channels; the tests add line
  noise everywhere except on the advisor's channel during the hold.
* Ringback (customer channel): 440 + 480 Hz, -20 dBFS RMS per tone, 2 s on /
  4 s off, two cycles (12.00 s) before the conversation.
* DTMF (customer channel): 16 key presses (a seeded shuffle holding each of
  0-9, * and # at least once), ITU-T Q.23 pairs (low 697/770/852/941, high
  1209/1336/1477 Hz; a phone keypad has no A-D, so 1633 Hz is not used), each
  70-100 ms, gaps 60-120 ms (10 ms steps), low tone -20.0..-15.0 dBFS RMS and
  high tone 0-3 dB above it (0.1 dB steps).
* Busy (customer channel): 480 + 620 Hz, -20 dBFS RMS per tone, 0.5 s on /
  0.5 s off, 4 cycles (4.00 s), appended after the call's end.
Tone bursts have 5 ms raised-cosine ramps, key presses 3 ms, inside the span.

Conditions
----------
Every call here is clean (stereo FLAC 16-bit):
  hold-music-clean     synth music hold
  hold-real-music      real music hold
  hold-announcement    announcement hold
  hold-silent          silent hold (digital zeros on both channels)
  ringback-dtmf-tones  ringback, DTMF entry, busy
Noisy and mu-law versions (15 dB pink noise on a mu-law line for the music,
line noise with a muted advisor for the silent hold, noise 15 dB under the
DTMF pairs on a mu-law line) are made by the tests from these, with libsndfile
writing and reading the mu-law WAV (Tests/AttunePipelineTests/HoldTests.swift):
committed noise does not compress, and DESIGN keeps all fixture audio under
20 MB.

The script checks the insertion points, the levels (music RMS, announcement
active RMS, every tone's and key press's per-frequency level by correlation),
the peaks (< -1 dBFS), that the base samples are carried over unchanged in the
clean calls, and that the folder stays under 4,000,000 bytes (in 4 KiB blocks).
"""

import argparse
import hashlib
import json
import math
import os
import shutil
import subprocess
import tempfile
import wave
import zlib

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BASE_DIR = os.path.join(ROOT, "fixtures", "calls")
OUT_DIR = os.path.join(ROOT, "fixtures", "holds")
BASE_CALL = "calm-clean"

SEED = 4321
RATE = 8000
FRAME = 80                      # samples in 10 ms
# The truth rule's constants and run helpers are make_fixtures.py's own: one truth for all fixtures.
from make_fixtures import ACTIVE_BELOW_REF_DB, FLOOR_DBFS, MERGE_GAP_FRAMES, MIN_SEGMENT_FRAMES, RAW_F32, Tmp, merge_runs, runs_of  # noqa: E402
DEAD_AIR_MIN_FRAMES = 300
MIN_DISTANCE_FRAMES = 60        # insertion points >= 0.6 s from speech
PEAK_LIMIT = 10 ** (-1.0 / 20)
MAX_FOLDER_BYTES = 4_000_000

# the parts of the base call used (base frames) and the insertion points (base frames)
SPAN_FORM = (1015, 3515)        # 10.15-35.15 s: "Of course. Can I take your account number?" .. postcode
SPAN_ADDRESS = (2300, 4994)     # 23.00-49.94 s: "Thanks for waiting. What's the new address?" .. goodbye
AT_AFTER_ADVISOR = 1980         # 19.80 s, inside the base dead air 19.10-23.60
AT_AFTER_CUSTOMER = 3515        # 35.15 s, between 34.15 and 36.14
MUSIC_BARS = 10                 # synth music: 10 bars of 2 s = 20.00 s

MUSIC_DBFS = -24.0
ANNOUNCEMENT_DBFS = -26.0
ANNOUNCEMENT_TEXT = ("Thank you for holding. Your call is important to us. "
                     "An advisor will be with you shortly.")
ANNOUNCEMENT_VOICE = "en-us+f2"
ANNOUNCEMENT_WPM = 165
ANNOUNCEMENT_PERIOD_FRAMES = 900     # 9.00 s
ANNOUNCEMENT_REPEATS = 3
SILENT_HOLD_FRAMES = 2000            # 20.00 s
REAL_MUSIC_FRAMES = 2000             # 20.00 s
FADE_IN_S, FADE_OUT_S = 0.020, 0.300

RINGBACK = {"freqs": (440.0, 480.0), "dbfs": -20.0, "on": 200, "off": 400, "cycles": 2}
BUSY = {"freqs": (480.0, 620.0), "dbfs": -20.0, "on": 50, "off": 50, "cycles": 4}
TONE_RAMP_S = 0.005
DTMF_RAMP_S = 0.003
DTMF_LOW = {"1": 697, "2": 697, "3": 697, "4": 770, "5": 770, "6": 770,
            "7": 852, "8": 852, "9": 852, "*": 941, "0": 941, "#": 941}
DTMF_HIGH = {"1": 1209, "2": 1336, "3": 1477, "4": 1209, "5": 1336, "6": 1477,
             "7": 1209, "8": 1336, "9": 1477, "*": 1209, "0": 1336, "#": 1477}
DTMF_COUNT = 16

REAL_MUSIC = {
    "package": "a7xpg-data",
    "version": "0.11.dfsg1-11",
    "debSha256": "7407c74e6160be0db3713d79176f9ba984fcd59437ac8127b60033d6bf44ba6a",
    "path": "usr/share/games/a7xpg/sounds/bgm1.ogg",
    "sha256": "6c11da95c4300e080d4e9c06d7434bc6b34ee81e03f9ad70753cb5bbbb0376f6",
    "author": "Kenta Cho",
    "copyright": "Copyright 2003 Kenta Cho",
    "licence": "BSD-2-Clause",
    "game": "A7Xpg",
    "startSeconds": 0.0,
}

TEL = "telephone band 300-3400 Hz"


def fail(message):
    raise SystemExit(f"make_hold_fixtures: FAILED: {message}")


def run(cmd, **kw):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)
    if r.returncode != 0:
        fail(f"{' '.join(cmd)}\n{r.stderr.decode(errors='replace')}")
    return r.stdout


def seed_for(*parts):
    return (SEED ^ zlib.crc32("/".join(parts).encode())) & 0x7FFFFFFF


def db(power):
    return 10.0 * math.log10(power) if power > 0 else -200.0


def rms_db(x):
    return db(float(np.mean(np.square(x, dtype=np.float64)))) if len(x) else -200.0


def sox_f32(tmp, x, effects, rate=RATE):
    """Mono float samples through sox effects."""
    src, dst = tmp.path(".f32"), tmp.path(".f32")
    np.asarray(x, dtype="<f4").tofile(src)
    run(["sox", "-R", "-D", "-V1"] + RAW_F32 + ["-c", "1", "-r", str(rate), src]
        + RAW_F32 + [dst] + effects)
    return np.fromfile(dst, dtype="<f4").astype(np.float64)


def sox_to_f32(tmp, src, effects, channels=1):
    """Any file sox reads -> float samples (channels interleaved)."""
    dst = tmp.path(".f32")
    run(["sox", "-R", "-D", "-V1", src] + RAW_F32 + ["-c", str(channels), dst] + effects)
    x = np.fromfile(dst, dtype="<f4").astype(np.float64)
    return x.reshape(-1, channels) if channels > 1 else x


# ---------------------------------------------------------------- base call

def read_base(tmp):
    flac = os.path.join(BASE_DIR, f"{BASE_CALL}.flac")
    raw = tmp.path(".raw")
    run(["sox", "-R", "-D", "-V1", flac, "-t", "raw", "-e", "signed-integer", "-b", "16",
         "-L", raw])
    pcm = np.fromfile(raw, dtype="<i2").reshape(-1, 2).astype(np.int16)
    with open(os.path.join(BASE_DIR, f"{BASE_CALL}.truth.json")) as f:
        truth = json.load(f)
    if len(pcm) % FRAME or round(len(pcm) / RATE, 2) != truth["durationSeconds"]:
        fail(f"base length {len(pcm)} samples does not match its truth")
    return pcm, truth


def excerpt(base_pcm, base_truth, span, call_id):
    """The base call cut to ``span`` (base frames, both in silence); truth times made
    relative to the span's start.  Segments, utterances and events must lie wholly inside
    or outside it (deadAir events are dropped here and re-derived later)."""
    s, e = span

    def inside(a, b, what):
        if a >= s and b <= e:
            return True
        if b <= s or a >= e:
            return False
        fail(f"{call_id}: {what} {sec(a)}-{sec(b)} straddles the cut {sec(s)}-{sec(e)}")

    segs = {p: [[sec(fr(a) - s), sec(fr(b) - s)] for a, b in base_truth["segments"][p]
                if inside(fr(a), fr(b), f"{p} segment")] for p in ("advisor", "customer")}
    events = []
    for ev in base_truth["events"]:
        if ev["type"] == "deadAir":
            continue
        if inside(fr(ev["startSeconds"]), fr(ev["endSeconds"]), ev["type"]):
            v = dict(ev)
            v["startSeconds"] = sec(fr(ev["startSeconds"]) - s)
            v["endSeconds"] = sec(fr(ev["endSeconds"]) - s)
            events.append(v)
    utterances = []
    for u in base_truth["utterances"]:
        if inside(math.floor(u["startSeconds"] * 100), math.ceil(u["endSeconds"] * 100),
                  "utterance"):
            v = dict(u)
            v["startSeconds"] = round(u["startSeconds"] - s / 100.0, 3)
            v["endSeconds"] = round(u["endSeconds"] - s / 100.0, 3)
            utterances.append(v)
    over = 0
    for a, b in segs["advisor"]:
        for c, d in segs["customer"]:
            over += max(0, min(fr(b), fr(d)) - max(fr(a), fr(c)))
    truth = dict(base_truth, segments=segs, events=events, utterances=utterances,
                 overtalkSeconds=sec(over), durationSeconds=sec(e - s))
    return base_pcm[s * FRAME:e * FRAME], truth


def fr(seconds):
    """Seconds on a 10 ms edge -> frame index."""
    f = round(seconds * 100)
    if abs(f - seconds * 100) > 1e-6:
        fail(f"{seconds} is not on a 10 ms frame edge")
    return f


def active_frames(x):
    """Truth-rule activity per 10 ms frame (see the docstring)."""
    n = len(x) // FRAME
    p = np.mean(np.square(x[:n * FRAME].reshape(n, FRAME)), axis=1)
    lv = np.array([db(v) for v in p])
    above = lv[lv > FLOOR_DBFS]
    if not len(above):
        return np.zeros(n, bool)
    return lv >= float(np.median(above)) - ACTIVE_BELOW_REF_DB


def speech_power(party_channel):
    """Mean power of the clean base channel over its truth-active frames."""
    act = active_frames(party_channel)
    n = len(act)
    frames = party_channel[:n * FRAME].reshape(n, FRAME)[act]
    return float(np.mean(np.square(frames)))


# ---------------------------------------------------------------- material

def tone_pair(freqs, dbfs_each, n, ramp_s, phase0=0.0):
    """Sum of sines, each at its own RMS dBFS, raised-cosine ramps inside n samples."""
    t = np.arange(n) / RATE
    y = np.zeros(n)
    for f, lv in zip(freqs, dbfs_each):
        amp = math.sqrt(2.0) * 10 ** (lv / 20)
        y += amp * np.sin(2 * math.pi * f * t + phase0)
    r = int(round(ramp_s * RATE))
    if r:
        w = 0.5 - 0.5 * np.cos(math.pi * (np.arange(r) + 0.5) / r)
        y[:r] *= w
        y[-r:] *= w[::-1]
    return y


def cadence(spec, party, kind):
    """Tone bursts: returns (samples, [(start_frame, end_frame, kind)])."""
    on, off = spec["on"] * FRAME, spec["off"] * FRAME
    burst = tone_pair(spec["freqs"], [spec["dbfs"]] * 2, on, TONE_RAMP_S)
    parts, spans, pos = [], [], 0
    for _ in range(spec["cycles"]):
        parts += [burst, np.zeros(off)]
        spans.append((pos // FRAME, (pos + on) // FRAME, kind))
        pos += on + off
    return np.concatenate(parts), spans


def dtmf_plan():
    """16 digits holding each of 0-9, * and # at least once, and their timing/levels."""
    rng = np.random.RandomState(seed_for("dtmf"))
    keys = list("0123456789*#")
    digits = keys + [keys[i] for i in rng.randint(0, len(keys), DTMF_COUNT - len(keys))]
    order = rng.permutation(len(digits))
    digits = [digits[i] for i in order]
    plan = []
    for k, d in enumerate(digits):
        on = int(rng.randint(7, 11))                        # 70-100 ms
        gap = int(rng.randint(6, 13)) if k < len(digits) - 1 else 0  # 60-120 ms
        low = round(-20.0 + 0.1 * int(rng.randint(0, 51)), 1)       # -20.0 .. -15.0
        twist = round(0.1 * int(rng.randint(0, 31)), 1)             # 0.0 .. 3.0 dB
        plan.append({"digit": d, "on": on, "gap": gap, "low": low, "high": round(low + twist, 1)})
    return plan


def dtmf_block(plan):
    parts, spans, pos = [], [], 0
    for p in plan:
        n = p["on"] * FRAME
        parts.append(tone_pair((DTMF_LOW[p["digit"]], DTMF_HIGH[p["digit"]]),
                               (p["low"], p["high"]), n, DTMF_RAMP_S))
        spans.append((pos // FRAME, (pos + n) // FRAME, p))
        pos += n
        if p["gap"]:
            parts.append(np.zeros(p["gap"] * FRAME))
            pos += p["gap"] * FRAME
    return np.concatenate(parts), spans


NOTE = {"E4": 329.63, "F#4": 369.99, "G4": 392.00, "A4": 440.00, "B4": 493.88,
        "C5": 523.25, "D5": 587.33, "E5": 659.26, "F#5": 739.99, "G5": 783.99,
        "A5": 880.00, "B5": 987.77, "C6": 1046.50, "D6": 1174.66, "E6": 1318.51}
CHORDS = {"G": ("G4", "B4", "D5", "G5"), "Em": ("E4", "G4", "B4", "E5"),
          "C": ("E4", "G4", "C5", "C6"), "D": ("F#4", "A4", "D5", "D6")}
# the root (last) note is the triangle voice, an octave above the chord's root
PROGRESSION = ["G", "Em", "C", "D"] * 2
MELODY = [  # (note, beats) per bar; 4 beats of 0.5 s each bar
    [("B5", 1), ("D6", 1), ("B5", 0.5), ("A5", 0.5), ("G5", 1)],
    [("G5", 1), ("B5", 1), ("E6", 2)],
    [("E6", 1), ("D6", 0.5), ("C6", 0.5), ("G5", 2)],
    [("A5", 1), ("F#5", 1), ("A5", 1), ("D6", 1)],
    [("D6", 0.5), ("B5", 0.5), ("G5", 1), ("B5", 1), ("D6", 1)],
    [("E6", 1), ("D6", 1), ("B5", 2)],
    [("C6", 1), ("E6", 1), ("G5", 0.5), ("A5", 0.5), ("C6", 1)],
    [("A5", 2), ("F#5", 1), ("A5", 1)],
]
BEAT = 0.5


def synth_note(tmp, cache, voice, note, seconds):
    key = (voice, note, seconds)
    if key not in cache:
        fade = [] if voice == "pluck" else ["fade", "q", "0.01", str(seconds), "0.04"]
        dst = tmp.path(".f32")
        run(["sox", "-R", "-D", "-V1", "-n", "-r", str(RATE), "-c", "1"] + RAW_F32 + [dst]
            + ["synth", str(seconds), voice, f"{NOTE[note]:.2f}"] + fade)
        cache[key] = np.fromfile(dst, dtype="<f4").astype(np.float64)
    return cache[key]


def synth_music(tmp):
    """20.00 s of hold music (see the docstring); returns samples at MUSIC_DBFS."""
    bars = [(PROGRESSION[i % 8], MELODY[i % 8], "triangle" if i < 5 else "square")
            for i in range(MUSIC_BARS - 1)] + [("G", [("G5", 4)], "triangle")]
    bar_n = int(4 * BEAT * RATE)
    y = np.zeros(bar_n * len(bars))
    cache = {}

    def add(x, at, gain):
        end = min(len(y), at + len(x))
        y[at:end] += gain * x[:end - at]

    for b, (chord, tune, mvoice) in enumerate(bars):
        base = b * bar_n
        strikes = (0, 2) if b < len(bars) - 1 else (0,)
        for beat in strikes:
            at = base + int(beat * BEAT * RATE)
            length = 1.0 if b < len(bars) - 1 else 2.0
            for note in CHORDS[chord][:3]:
                add(synth_note(tmp, cache, "pluck", note, length), at, 0.45)
            add(synth_note(tmp, cache, "triangle", CHORDS[chord][3], length), at, 0.25)
        pos = 0.0
        for note, beats in tune:
            at = base + int(pos * BEAT * RATE)
            gain = 0.55 if mvoice == "triangle" else 0.30
            add(synth_note(tmp, cache, mvoice, note, beats * BEAT), at, gain)
            pos += beats
    y = sox_f32(tmp, y, ["sinc", "300-3400"])[:len(y)]
    return finish_music(y)


def finish_music(y):
    """Fades, then scale to MUSIC_DBFS RMS over the whole span."""
    y = np.array(y, dtype=np.float64)
    fi, fo = int(FADE_IN_S * RATE), int(FADE_OUT_S * RATE)
    y[:fi] *= np.arange(fi) / fi
    y[-fo:] *= np.arange(fo)[::-1] / fo
    y *= 10 ** ((MUSIC_DBFS - rms_db(y)) / 20)
    return y


def fetch_real_music(tmp, deb_path):
    """Extract the OGG from the pinned Debian package; None if unobtainable."""
    if deb_path is None:
        d = tempfile.mkdtemp(dir=tmp.root)
        spec = f"{REAL_MUSIC['package']}={REAL_MUSIC['version']}"
        r = subprocess.run(["apt-get", "download", spec], cwd=d,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        debs = [f for f in os.listdir(d) if f.endswith(".deb")]
        if r.returncode != 0 or not debs:
            return None, f"apt-get download {spec} failed: {r.stderr.decode(errors='replace').strip()}"
        deb_path = os.path.join(d, debs[0])
    with open(deb_path, "rb") as f:
        got = hashlib.sha256(f.read()).hexdigest()
    if got != REAL_MUSIC["debSha256"]:
        fail(f"{deb_path}: sha256 {got}, expected {REAL_MUSIC['debSha256']}")
    x = tempfile.mkdtemp(dir=tmp.root)
    run(["dpkg-deb", "-x", deb_path, x])
    ogg = os.path.join(x, REAL_MUSIC["path"])
    with open(ogg, "rb") as f:
        if hashlib.sha256(f.read()).hexdigest() != REAL_MUSIC["sha256"]:
            fail(f"{ogg}: unexpected sha256")
    return ogg, None


def real_music(tmp, ogg):
    n = REAL_MUSIC_FRAMES * FRAME
    y = sox_to_f32(tmp, ogg, ["trim", str(REAL_MUSIC["startSeconds"]), str(n * 2 / RATE),
                              "sinc", "300-3400", "rate", "-v", str(RATE)])
    if len(y) < n:
        fail("real music clip too short")
    return finish_music(y[:n])


def announcement_clip(tmp):
    wav = tmp.path(".wav")
    run(["espeak-ng", "-v", ANNOUNCEMENT_VOICE, "-s", str(ANNOUNCEMENT_WPM), "-w", wav,
         ANNOUNCEMENT_TEXT])
    x = sox_to_f32(tmp, wav, ["vol", "0.5", "sinc", "300-3400", "rate", "-v", str(RATE)])
    n = len(x) // FRAME
    p = np.mean(np.square(x[:n * FRAME].reshape(n, FRAME)), axis=1)
    lv = np.array([db(v) for v in p])
    keep = np.nonzero(lv >= lv.max() - 10.0 - 30.0)[0]          # level ~ max - 10 dB
    x = x[keep[0] * FRAME:(keep[-1] + 1) * FRAME]
    # scale so that the active frames (truth rule) sit at ANNOUNCEMENT_DBFS
    for _ in range(4):
        act = active_frames(x)
        m = len(act)
        level = rms_db(x[:m * FRAME].reshape(m, FRAME)[act].ravel())
        x = x * 10 ** ((ANNOUNCEMENT_DBFS - level) / 20)
    return x


# ---------------------------------------------------------------- building a call

class Insert:
    """Material for both channels and its annotations (frames relative to its start)."""

    def __init__(self, at, adv, cus, content):
        n = max(len(adv), len(cus))
        if n % FRAME:
            fail(f"insert {content}: {n} samples is not a whole number of frames")
        self.at, self.content = at, content
        self.adv = np.pad(np.asarray(adv, float), (0, n - len(adv)))
        self.cus = np.pad(np.asarray(cus, float), (0, n - len(cus)))
        self.frames = n // FRAME
        self.holds, self.music, self.announcements, self.tones, self.dtmf = [], [], [], [], []


def sec(frames):
    return round(frames / 100.0, 2)


def shift_frame(f, inserts):
    """Base frame -> call frame (inserts at a point move what is at/after it)."""
    return f + sum(i.frames for i in inserts if i.at <= f)


def build(base_pcm, base_truth, inserts, call_id):
    """Assemble the clean call (float channels and int16 clean), and its truth skeleton."""
    inserts = sorted(inserts, key=lambda i: i.at)
    ats = [i.at for i in inserts]
    if len(set(ats)) != len(ats):
        fail(f"{call_id}: two insertions at one point")
    base = base_pcm.astype(np.float64) / 32768.0
    pieces_a, pieces_c, pieces_i, prev = [], [], [], 0
    for ins in inserts:
        s = ins.at * FRAME
        pieces_a += [base[prev:s, 0], ins.adv]
        pieces_c += [base[prev:s, 1], ins.cus]
        pieces_i.append(base_pcm[prev:s])
        q = lambda v: np.clip(np.round(v * 32768), -32768, 32767).astype(np.int16)
        pieces_i.append(np.stack([q(ins.adv), q(ins.cus)], axis=1))
        prev = s
    pieces_a.append(base[prev:, 0])
    pieces_c.append(base[prev:, 1])
    pieces_i.append(base_pcm[prev:])
    adv, cus = np.concatenate(pieces_a), np.concatenate(pieces_c)
    clean = np.concatenate(pieces_i)

    # annotations in call frames
    holds, music, anns, tones, dtmf, inserted, activity = [], [], [], [], [], [], []
    for ins in inserts:
        off = shift_frame(ins.at, inserts) - ins.frames
        inserted.append({"atSeconds": sec(ins.at), "durationSeconds": sec(ins.frames),
                         "startSeconds": sec(off), "content": ins.content})
        activity.append((off, off + ins.frames))
        for s, e, kind in ins.holds:
            holds.append({"startSeconds": sec(off + s), "endSeconds": sec(off + e),
                          "kind": kind, "party": "advisor"})
        for s, e, party, source in ins.music:
            music.append({"startSeconds": sec(off + s), "endSeconds": sec(off + e),
                          "party": party, "source": source})
        for s, e, party in ins.announcements:
            anns.append({"startSeconds": sec(off + s), "endSeconds": sec(off + e), "party": party})
        for s, e, kind in ins.tones:
            tones.append({"startSeconds": sec(off + s), "endSeconds": sec(off + e),
                          "kind": kind, "party": "customer"})
        for s, e, p in ins.dtmf:
            dtmf.append({"startSeconds": sec(off + s), "endSeconds": sec(off + e),
                         "digit": p["digit"], "party": "customer",
                         "lowHz": DTMF_LOW[p["digit"]], "highHz": DTMF_HIGH[p["digit"]],
                         "lowDbfs": p["low"], "highDbfs": p["high"]})

    segs = {p: [[sec(shift_frame(fr(s), inserts)), sec(shift_frame(fr(e), inserts))]
                for s, e in base_truth["segments"][p]] for p in ("advisor", "customer")}
    n_frames = len(adv) // FRAME
    events = shift_events(base_truth, inserts, segs, activity, n_frames)
    utterances = []
    for u in base_truth["utterances"]:
        d = shift_frame(fr(round(u["startSeconds"], 2)), inserts) - fr(round(u["startSeconds"], 2))
        v = dict(u)
        v["startSeconds"] = round(u["startSeconds"] + d / 100.0, 3)
        v["endSeconds"] = round(u["endSeconds"] + d / 100.0, 3)
        utterances.append(v)
    truth = {
        "schema": "attune.truth/1",
        "callId": call_id,
        "baseCallId": BASE_CALL,
        "scenario": base_truth["scenario"],
        "calm": base_truth["calm"],
        "durationSeconds": sec(n_frames),
        "segments": segs,
        "overtalkSeconds": base_truth["overtalkSeconds"],
        "events": events,
        "utterances": utterances,
        "holds": holds, "music": music, "announcements": anns, "tones": tones, "dtmf": dtmf,
        "inserted": inserted,
    }
    return adv, cus, clean, truth


def shift_events(base_truth, inserts, segs, activity, n_frames):
    """Base events shifted; deadAir re-derived (holds/tones/DTMF are not dead air)."""
    out = []
    for ev in base_truth["events"]:
        if ev["type"] == "deadAir":
            continue
        s, e = fr(ev["startSeconds"]), fr(ev["endSeconds"])
        for i in inserts:
            if s < i.at < e:
                fail(f"insertion at {sec(i.at)} falls inside a {ev['type']} event")
        v = dict(ev)
        v["startSeconds"] = sec(shift_frame(s, inserts))
        v["endSeconds"] = sec(shift_frame(e, inserts))
        out.append(v)
    # dead air: runs with no speech segment and no inserted activity, not leading/trailing
    busy = np.zeros(n_frames, bool)
    for p in segs.values():
        for s, e in p:
            busy[fr(s):fr(e)] = True
    first, last = np.nonzero(busy)[0][[0, -1]]
    for s, e in activity:
        busy[s:e] = True
    for s, e in runs_of(~busy):
        if s > first and e <= last and e - s >= DEAD_AIR_MIN_FRAMES:
            out.append({"type": "deadAir", "startSeconds": sec(s), "endSeconds": sec(e)})
    out.sort(key=lambda v: v["startSeconds"])
    return out


def base_dead_air_check(base_truth):
    """The dead-air rule above reproduces the base's own deadAir events."""
    n = fr(base_truth["durationSeconds"])
    ev = shift_events(base_truth, [], base_truth["segments"], [], n)
    got = [(v["startSeconds"], v["endSeconds"]) for v in ev if v["type"] == "deadAir"]
    want = [(v["startSeconds"], v["endSeconds"]) for v in base_truth["events"]
            if v["type"] == "deadAir"]
    if got != want:
        fail(f"dead-air rule gives {got} on the base, its truth has {want}")


def check_points(base_truth, inserts, call_id):
    """Every insertion point between turns is >= 0.6 s from speech; report distances."""
    segs = [(fr(s), fr(e)) for p in ("advisor", "customer") for s, e in base_truth["segments"][p]]
    first = min(s for s, _ in segs)
    last = max(e for _, e in segs)
    notes = []
    for i in inserts:
        d = min(min(abs(i.at - s), abs(i.at - e)) if not (s < i.at < e) else -1
                for s, e in segs)
        if d < 0:
            fail(f"{call_id}: insertion at {sec(i.at)} is inside speech")
        between = first < i.at < last
        if between and d < MIN_DISTANCE_FRAMES:
            fail(f"{call_id}: insertion at {sec(i.at)} is only {sec(d)} s from speech")
        notes.append((sec(i.at), sec(d), "between turns" if between else
                      ("call start" if i.at <= first else "call end")))
    return notes


# ---------------------------------------------------------------- noise

def to_pcm16(channels, call_id):
    peak = max(float(np.max(np.abs(c))) for c in channels)
    if peak >= PEAK_LIMIT:
        fail(f"{call_id}: peak {peak:.3f} at or above -1 dBFS")
    return np.stack([np.clip(np.round(c * 32768), -32768, 32767).astype(np.int16)
                     for c in channels], axis=1)


def write_audio(tmp, path, pcm, call_id, mulaw):
    src = tmp.path(".wav")
    with wave.open(src, "wb") as w:
        w.setnchannels(pcm.shape[1])
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(pcm.astype("<i2").tobytes())
    comment = ["--comment", f"Attune test fixture {call_id}"]
    enc = ["-e", "u-law", "-b", "8"] if mulaw else ["-e", "signed-integer", "-b", "16", "-C", "8"]
    run(["sox", "-R", "-D", "-V1", src] + comment + enc + [path])


def write_truth(path, truth):
    with open(path, "w") as f:
        f.write(json.dumps(truth, indent=2, sort_keys=True) + "\n")


# ---------------------------------------------------------------- checks

def level_at(x, f):
    """RMS dBFS of the frequency-f sinusoid in x (least squares on sin/cos)."""
    t = np.arange(len(x)) / RATE
    a = np.stack([np.sin(2 * math.pi * f * t), np.cos(2 * math.pi * f * t)], axis=1)
    coef, *_ = np.linalg.lstsq(a, x, rcond=None)
    return db(float(np.sum(coef ** 2)) / 2.0)


def check_tones(call_id, cus, truth, ramp):
    """Per-frequency levels of every burst and key press (inner part, ramps excluded)."""
    r = int(round(ramp * RATE))
    for t in truth["tones"]:
        spec = RINGBACK if t["kind"] == "ringback" else BUSY
        x = cus[fr(t["startSeconds"]) * FRAME + r:fr(t["endSeconds"]) * FRAME - r]
        for f in spec["freqs"]:
            lv = level_at(x, f)
            if abs(lv - spec["dbfs"]) > 0.3:
                fail(f"{call_id}: {t['kind']} {f} Hz at {lv:.2f} dBFS")
    rd = int(round(DTMF_RAMP_S * RATE))
    for d in truth["dtmf"]:
        x = cus[fr(d["startSeconds"]) * FRAME + rd:fr(d["endSeconds"]) * FRAME - rd]
        for f, want in ((d["lowHz"], d["lowDbfs"]), (d["highHz"], d["highDbfs"])):
            lv = level_at(x, f)
            if abs(lv - want) > 0.3:
                fail(f"{call_id}: DTMF {d['digit']} {f} Hz at {lv:.2f}, expected {want}")


def check_clean_base(call_id, clean, base_pcm, truth, span_start):
    """The base samples are in the clean call unchanged, at their shifted places."""
    pos_call, pos_base = 0, 0
    for ins in truth["inserted"]:
        at = (fr(ins["atSeconds"]) - span_start) * FRAME
        start = fr(ins["startSeconds"]) * FRAME
        if not np.array_equal(clean[start - (at - pos_base):start], base_pcm[pos_base:at]):
            fail(f"{call_id}: base samples changed before {ins['atSeconds']}")
        pos_base, pos_call = at, start + fr(ins["durationSeconds"]) * FRAME
    if not np.array_equal(clean[pos_call:], base_pcm[pos_base:]):
        fail(f"{call_id}: base samples changed at the end")


# ---------------------------------------------------------------- the calls

def music_insert(at, y, source, content):
    ins = Insert(at, y, np.zeros(len(y)), content)
    ins.holds.append((0, ins.frames, "music"))
    ins.music.append((0, ins.frames, "advisor", source))
    return ins


def announcement_insert(at, clip):
    period = ANNOUNCEMENT_PERIOD_FRAMES * FRAME
    if len(clip) > period - 2 * FRAME * 100:
        fail("announcement does not leave 2 s of silence in its period")
    one = np.pad(clip, (0, period - len(clip)))
    y = np.tile(one, ANNOUNCEMENT_REPEATS)
    ins = Insert(at, y, np.zeros(len(y)), "announcement loop")
    ins.holds.append((0, ins.frames, "announcement"))
    segs = merge_runs(runs_of(active_frames(clip)))
    for k in range(ANNOUNCEMENT_REPEATS):
        for s, e in segs:
            ins.announcements.append((k * ANNOUNCEMENT_PERIOD_FRAMES + s,
                                      k * ANNOUNCEMENT_PERIOD_FRAMES + e, "advisor"))
    return ins, segs


def tone_inserts(span, plan):
    ring, ring_spans = cadence(RINGBACK, "customer", "ringback")
    a = Insert(span[0], np.zeros(len(ring)), ring, "ringback")
    a.tones = ring_spans
    keys, key_spans = dtmf_block(plan)
    b = Insert(AT_AFTER_CUSTOMER, np.zeros(len(keys)), keys, f"DTMF {len(plan)} digits")
    b.dtmf = key_spans
    busy, busy_spans = cadence(BUSY, "customer", "busy")
    c = Insert(span[1], np.zeros(len(busy)), busy, "busy tone")
    c.tones = busy_spans
    return [a, b, c]


def where(span, *ats):
    text = (f"the conversation is {BASE_CALL} from {sec(span[0])} to {sec(span[1])} s (baseSpan), "
            f"material inserted at base " + ", ".join(f"{sec(a)}" for a in ats) + " s")
    if any(1910 < a < 2360 and span[0] < a < span[1] for a in ats):
        text += (" (inside the base's 19.10-23.60 dead air, after the advisor's \"Thanks, let me "
                 "bring up the form.\"; what is left of it after the hold stays dead air)")
    return text


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=OUT_DIR)
    ap.add_argument("--skip-real-music", action="store_true",
                    help="do not (re)make hold-real-music (its files are left as they are)")
    ap.add_argument("--music-deb", help=f"path of the {REAL_MUSIC['package']} .deb")
    ap.add_argument("--keep-temp", action="store_true")
    args = ap.parse_args()
    for tool in ("sox", "espeak-ng"):
        if not shutil.which(tool):
            fail(f"{tool} not found")
    os.makedirs(args.out, exist_ok=True)
    root = tempfile.mkdtemp(prefix="attune-holds-")
    tmp = Tmp(root)
    try:
        report = make_all(tmp, args)
    finally:
        if args.keep_temp:
            print(f"temporary files in {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    for line in report:
        print(line)


def make_all(tmp, args):
    base_pcm, base_truth = read_base(tmp)
    base_dead_air_check(base_truth)
    full = excerpt(base_pcm, base_truth, (0, len(base_pcm) // FRAME), "base")[1]
    if full["overtalkSeconds"] != base_truth["overtalkSeconds"]:
        fail("overtalk recomputed from the base segments differs from the base truth")
    espeak = run(["espeak-ng", "--version"]).decode().split("text-to-speech:")[1].split()[0]
    generator = {"script": "Scripts/make_hold_fixtures.py", "seed": SEED, "espeakVersion": espeak}
    report = []

    p_speech = {}

    def finish(call_id, span, inserts, name, notes, snr=None, mulaw=False, noise=None):
        """noise: function(adv, cus, truth) -> (adv, cus, [notes], {party: dBFS}) applied to
        the float call."""
        sub_pcm, sub_truth = excerpt(base_pcm, base_truth, span, call_id)
        sub_f = sub_pcm.astype(np.float64) / 32768.0
        p_speech["advisor"] = db(speech_power(sub_f[:, 0]))
        p_speech["customer"] = db(speech_power(sub_f[:, 1]))
        for ins in inserts:
            if not span[0] <= ins.at <= span[1]:
                fail(f"{call_id}: insertion at {sec(ins.at)} outside {span}")
            ins.at -= span[0]
        notes_pts = [(round(a + span[0] / 100.0, 2), d, w)
                     for a, d, w in check_points(sub_truth, inserts, call_id)]
        adv, cus, clean, truth = build(sub_pcm, sub_truth, inserts, call_id)
        for ins in truth["inserted"]:
            ins["atSeconds"] = sec(fr(ins["atSeconds"]) + span[0])
        truth["baseSpan"] = {"startSeconds": sec(span[0]), "endSeconds": sec(span[1])}
        check_clean_base(call_id, clean, sub_pcm, truth, span[0])
        check_tones(call_id, cus, truth, TONE_RAMP_S)
        levels = measure_levels(adv, cus, truth)
        for key, want, tol in (("holdMusicAdvisorDbfs", MUSIC_DBFS, 0.05),
                               ("announcementActiveDbfs", ANNOUNCEMENT_DBFS, 0.5)):
            if key in levels and abs(levels[key] - want) > tol:
                fail(f"{call_id}: {key} {levels[key]}, expected {want}")
        extra = []
        if noise is None:
            pcm = clean
            to_pcm16([adv, cus], call_id)       # peak check
        else:
            adv, cus, extra, noise_db = noise(adv, cus, truth)
            levels["noiseDbfs"] = noise_db
            pcm = to_pcm16([adv, cus], call_id)
        ext = "wav" if mulaw else "flac"
        fname = f"{call_id}.{ext}"
        write_audio(tmp, os.path.join(args.out, fname), pcm, call_id, mulaw)
        truth["audio"] = {"layout": "stereo", "files": [fname], "advisorChannel": 0}
        truth["condition"] = {"name": name, "snrDb": snr, "mulaw": mulaw, "bleedDb": None,
                              "echoDelaySeconds": None, "sampleRateHz": RATE,
                              "notes": ". ".join([notes] + extra)}
        truth["generator"] = generator
        truth["levels"] = levels
        write_truth(os.path.join(args.out, f"{call_id}.truth.json"), truth)
        report.append(f"{call_id}: {truth['durationSeconds']} s; insertions "
                      + "; ".join(f"at {a} s ({d} s from speech, {w})" for a, d, w in notes_pts))
        return truth

    # 1, 2: synth music hold
    music = synth_music(tmp)
    synth_src = "synth (sox synth: pluck chords, triangle/square melody)"
    ins = music_insert(AT_AFTER_ADVISOR, music, synth_src, "synth hold music")
    finish("hold-music-clean", SPAN_FORM, [ins], "clean",
           f"{TEL}, 8 kHz, stereo FLAC 16-bit; {sec(ins.frames)} s synth hold music on the "
           f"advisor channel at {MUSIC_DBFS} dBFS RMS; {where(SPAN_FORM, AT_AFTER_ADVISOR)}")

    # 3: real music hold
    if args.skip_real_music:
        report.append("hold-real-music: skipped (--skip-real-music); files left as they are")
    else:
        ogg, why = fetch_real_music(tmp, args.music_deb)
        if ogg is None:
            fail(f"{why}\n  (run 'apt-get update' first, give the .deb with --music-deb, or run "
                 f"with --skip-real-music to leave hold-real-music as it is)")
        y = real_music(tmp, ogg)
        src = (f"{os.path.basename(REAL_MUSIC['path'])} from Debian package "
               f"{REAL_MUSIC['package']} {REAL_MUSIC['version']} ({REAL_MUSIC['copyright']}, "
               f"{REAL_MUSIC['licence']})")
        finish("hold-real-music", SPAN_FORM,
               [music_insert(AT_AFTER_ADVISOR, y, src, "real hold music")], "clean",
               f"{TEL}, 8 kHz, stereo FLAC 16-bit; {sec(REAL_MUSIC_FRAMES)} s of real music "
               f"(the first {sec(REAL_MUSIC_FRAMES)} s of {src}; mono, {TEL}, "
               f"{MUSIC_DBFS} dBFS RMS) on the advisor channel; "
               f"{where(SPAN_FORM, AT_AFTER_ADVISOR)}")
        with open(os.path.join(args.out, "hold-real-music.truth.json")) as f:
            doc = json.load(f)
        doc["musicSource"] = {k: REAL_MUSIC[k] for k in
                              ("package", "version", "path", "sha256", "author", "copyright",
                               "licence", "game", "startSeconds")}
        doc["musicSource"]["durationSeconds"] = sec(REAL_MUSIC_FRAMES)
        write_truth(os.path.join(args.out, "hold-real-music.truth.json"), doc)
        write_attribution(args.out)

    # 4: announcement hold
    clip = announcement_clip(tmp)
    ins, ann_segs = announcement_insert(AT_AFTER_CUSTOMER, clip)
    finish("hold-announcement", SPAN_ADDRESS, [ins], "clean",
           f"{TEL}, 8 kHz, stereo FLAC 16-bit; recorded announcement (espeak-ng "
           f"{ANNOUNCEMENT_VOICE}, {ANNOUNCEMENT_WPM} wpm, {len(clip) / RATE:.3f} s, active RMS "
           f"{ANNOUNCEMENT_DBFS} dBFS: \"{ANNOUNCEMENT_TEXT}\") repeated {ANNOUNCEMENT_REPEATS} "
           f"times (identical samples) every {sec(ANNOUNCEMENT_PERIOD_FRAMES)} s on the advisor "
           f"channel; {where(SPAN_ADDRESS, AT_AFTER_CUSTOMER)}; the announcement's speech is in "
           f"'announcements', not in the advisor's segments")

    # 5: silent hold on a noisy line
    ins = Insert(AT_AFTER_CUSTOMER, np.zeros(SILENT_HOLD_FRAMES * FRAME),
                 np.zeros(SILENT_HOLD_FRAMES * FRAME), "silent hold")
    ins.holds.append((0, ins.frames, "silent"))

    finish("hold-silent", SPAN_ADDRESS, [ins], "clean",
           f"{TEL}, 8 kHz, stereo FLAC 16-bit; {sec(SILENT_HOLD_FRAMES)} s silent hold (digital "
           f"zeros on both channels); {where(SPAN_ADDRESS, AT_AFTER_CUSTOMER)}. The tests add line "
           f"noise to both channels except the advisor's during the hold (a muted microphone): "
           f"clean, this call cannot tell a silent hold from a silence")

    # 6, 7: ringback, DTMF, busy
    plan = dtmf_plan()
    digits = "".join(p["digit"] for p in plan)
    tone_notes = (f"ringback 440+480 Hz {RINGBACK['dbfs']} dBFS per tone 2 s on/4 s off x2 "
                  f"before the call; DTMF \"{digits}\" (Q.23 pairs, 70-100 ms, gaps 60-120 ms) "
                  f"on the customer channel; busy 480+620 Hz {BUSY['dbfs']} dBFS per tone 0.5 s "
                  f"on/0.5 s off x4 after the call's end; "
                  f"{where(SPAN_ADDRESS, SPAN_ADDRESS[0], AT_AFTER_CUSTOMER, SPAN_ADDRESS[1])}")
    finish("ringback-dtmf-tones", SPAN_ADDRESS, tone_inserts(SPAN_ADDRESS, plan), "clean",
           f"{TEL}, 8 kHz, stereo FLAC 16-bit; {tone_notes}")

    report.append(f"announcement speech per repetition (frames): {ann_segs}")
    report.append(f"DTMF digits: {digits}")
    total = folder_bytes(args.out)
    report.append(f"folder {args.out}: {total} bytes in 4 KiB blocks")
    if total > MAX_FOLDER_BYTES:
        fail(f"{args.out} holds {total} bytes, more than {MAX_FOLDER_BYTES}")
    return report


def measure_levels(adv, cus, truth):
    """dBFS RMS of the inserted material as written (before mu-law), rounded to 0.01."""
    out = {}
    for h in truth["holds"]:
        x = adv[fr(h["startSeconds"]) * FRAME:fr(h["endSeconds"]) * FRAME]
        lv = rms_db(x)
        out[f"hold{h['kind'].capitalize()}AdvisorDbfs"] = round(lv, 2) if lv > -150 else None
    if truth["announcements"]:
        x = np.concatenate([adv[fr(a["startSeconds"]) * FRAME:fr(a["endSeconds"]) * FRAME]
                            for a in truth["announcements"]])
        act = active_frames(x)
        out["announcementActiveDbfs"] = round(rms_db(x[:len(act) * FRAME].reshape(-1, FRAME)[act]
                                                     .ravel()), 2)
    for kind in ("ringback", "busy"):
        spans = [t for t in truth["tones"] if t["kind"] == kind]
        if spans:
            x = np.concatenate([cus[fr(t["startSeconds"]) * FRAME:fr(t["endSeconds"]) * FRAME]
                                for t in spans])
            out[f"{kind}PairDbfs"] = round(rms_db(x), 2)
    if truth["dtmf"]:
        x = np.concatenate([cus[fr(d["startSeconds"]) * FRAME:fr(d["endSeconds"]) * FRAME]
                            for d in truth["dtmf"]])
        out["dtmfPairDbfs"] = round(rms_db(x), 2)
    return out


def folder_bytes(path):
    """Bytes the folder's files take, each rounded up to whole 4 KiB blocks."""
    return sum(-(-os.path.getsize(os.path.join(path, f)) // 4096) * 4096
               for f in os.listdir(path) if os.path.isfile(os.path.join(path, f)))


def write_attribution(out):
    m = REAL_MUSIC
    text = f"""# Attribution

`hold-real-music.flac` contains {sec(REAL_MUSIC_FRAMES)} s of music (the first
{sec(REAL_MUSIC_FRAMES)} s of `{os.path.basename(m['path'])}`, converted to mono, band-limited to
300-3400 Hz, resampled to 8 kHz and scaled to {MUSIC_DBFS} dBFS RMS, with 20 ms / 300 ms fades) from
the game {m['game']} by {m['author']}, as shipped in the Debian package `{m['package']}`
{m['version']} (file `/{m['path']}`, sha256 `{m['sha256']}`).

{m['copyright']}.  Licence: {m['licence']} (the package's `/usr/share/doc/{m['package']}/copyright`):

    Redistribution and use in source and binary forms, with or without
    modification, are permitted provided that the following conditions
    are met:

     1. Redistributions of source code must retain the above copyright notice,
        this list of conditions and the following disclaimer.

     2. Redistributions in binary form must reproduce the above copyright notice,
        this list of conditions and the following disclaimer in the documentation
        and/or other materials provided with the distribution.

    THIS SOFTWARE IS PROVIDED ``AS IS'' AND ANY EXPRESS OR IMPLIED WARRANTIES,
    INCLUDING, BUT NOT LIMITED TO, THE IMPLIED WARRANTIES OF MERCHANTABILITY AND
    FITNESS FOR A PARTICULAR PURPOSE ARE DISCLAIMED. IN NO EVENT SHALL
    THE REGENTS OR CONTRIBUTORS BE LIABLE FOR ANY DIRECT, INDIRECT, INCIDENTAL,
    SPECIAL, EXEMPLARY, OR CONSEQUENTIAL DAMAGES (INCLUDING, BUT NOT LIMITED TO,
    PROCUREMENT OF SUBSTITUTE GOODS OR SERVICES; LOSS OF USE, DATA, OR PROFITS;
    OR BUSINESS INTERRUPTION) HOWEVER CAUSED AND ON ANY THEORY OF LIABILITY,
    WHETHER IN CONTRACT, STRICT LIABILITY, OR TORT (INCLUDING NEGLIGENCE OR
    OTHERWISE) ARISING IN ANY WAY OUT OF THE USE OF THIS SOFTWARE, EVEN IF
    ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.

Everything else in this folder is made by `Scripts/make_hold_fixtures.py` from the project's own
`fixtures/calls/calm-clean` call, sox `synth` and espeak-ng.
"""
    with open(os.path.join(out, "ATTRIBUTION.md"), "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
