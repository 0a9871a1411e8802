#!/usr/bin/env python3
"""Build Attune's real-speech test calls (stereo 8 kHz mu-law WAV + truth JSON)
from human recordings: EmoDB clips and AMI meeting excerpts.

Usage:  python3 Scripts/make_realspeech.py [--data DIR] [--out DIR]
            [--only far|raised] [--force] [--quiet] [--stems DIR]

--stems DIR also writes each far call's sources as they are mixed (per party:
the near talker and the sum of its far talkers, clean, before noise, bleed and
mu-law; and the speech power and SNR the noise was set from) to
DIR/<callId>.npz, for Scripts/bench/far-oracle.py.  The calls are unchanged.

Defaults: --data <repo>/../shared/data, --out <repo>/.build-realspeech (git-
ignored).  Needs python3, numpy and sox (14.4.2, FLAC support).  The material
is too large to commit, so the Swift tests run this script at test time: it is
deterministic (byte-identical output on rerun), takes well under a minute on
one core, and does nothing when OUT/manifest.json says the folder was made by
the same generator (this file and make_fixtures.py) from the same inputs.

What it writes
--------------
OUT/far/<callId>.wav + .truth.json      40 calls: near talker versus far talkers
OUT/raised/<callId>.wav + .truth.json   48 calls: raised voice on noisy lines
OUT/manifest.json                       schema attune.realspeech/1: generatorSha256
                                        (this file + make_fixtures.py), inputsSha256
                                        (input names and sizes), soxVersion, calls
                                        [{callId, set, split, file, truth}]
Every call is a stereo two-party call, advisor on the left channel (0),
customer on the right (1), 8 kHz G.711 mu-law.  Truth files follow
``attune.truth/1`` (Sources/AttuneTestSupport/FixtureTruth.swift) plus the
extra keys listed below.  The folder is built in OUT.tmp-<pid> and renamed into
place at the end: a killed run never leaves a half set that looks complete,
and of two concurrent runs the first rename wins (the other drops its copy).

Material and speaker splits
---------------------------
EmoDB: 150 acted German sentences (2 s clips, 22.05 kHz), 10 speakers x 5
emotions x 3.  Each clip is decoded to the 16 kHz master rate (sox ``rate -v
16000``), trimmed to its labelled speech [start - 0.05, end + 0.05] s (no
labels: from the first to the last 10 ms frame within 40 dB of its loudest
frame) and given 10 ms raised-cosine fades.
AMI: 30 s far-field meeting excerpts (16 kHz mono); only those whose reference
turns cover >= 35 % of the excerpt are used (the others are mostly room noise).
A call only uses speakers (near and far) of one split:
  tune     emodb_03, emodb_10, emodb_11 (male), emodb_08, emodb_13 (female)
  heldOut  emodb_12, emodb_15 (male), emodb_09, emodb_14, emodb_16 (female)

Rendering
---------
A channel is rendered to the line with sox ``sinc 300-3400 rate -v 8000``.
Those effects are linear and time-invariant (for shifts of whole 8 kHz
samples), so every source is rendered once -- each clip (dry and reverberant),
each looped AMI excerpt -- and calls are assembled at 8 kHz by placing the
renderings at even 16 kHz positions: the same samples as rendering the 16 kHz
timeline, to float32 rounding (checked once per run).  Every rendered clip is
scaled to an active level of -24 dBFS on the line.  Then per channel: echo
bleed of the other channel, line noise, 16-bit, mu-law (sox).  sox works in
32-bit integers: signals enter it with 12 dB of headroom (a power-of-two
scale, undone afterwards), and it runs with -V2 so that any clipping it
reports stops the script.  A call whose mix
would reach -1 dBFS is scaled down as a whole (speech, far talkers, bleed and
noise alike, relative levels kept; a warning, and callGainDb in its truth), and
its truth and levels are computed at that scale.  Randomness:
numpy.random.default_rng(crc32(callId)) per call; sox runs with -R -D.  A plan
that misses one of the checks below is replaced by the next seeded plan
(crc32(callId/1), ...; planAttempt in the truth).

Definitions
-----------
Truth rule (make_fixtures.truth_active, with numpy here; checked against it
once per run): 10 ms frames, level = 10*log10(mean square) dBFS; reference =
median level of the frames above -70 dBFS; a frame is active iff its level >=
reference - 35 dB.  Segments (make_fixtures.merge_runs): runs of active
frames, runs closer than 0.3 s merged, then runs shorter than 0.1 s dropped.
A channel's truth comes from its CLEAN NEAR-TALKER signal only (telephone
band, 8 kHz, before far talkers, bleed, noise and mu-law).  overtalkSeconds =
total overlap of the two parties' segments.
Active level of a signal = 10*log10 of its mean power over its truth-active
frames (dBFS).  Level of a clip in a call = mean power of the clean channel
over the truth-active frames inside the clip's span.
Line noise = white or pink (power ~ 1/f) Gaussian noise band-limited to
300-3400 Hz (FFT mask) at 8 kHz, cut at a random offset from a seeded bank, a
different stretch per channel; each stretch is scaled to unit power first.
SNR = 10*log10(P_speech / P_noise) per channel: P_noise = mean power of the
noise added; P_speech = mean power of the channel's clean speech over the
truth-active frames of its reference speech (far: the near talker's non-quiet
clips; raised: the customer's calm clips, and on the advisor channel all of
the advisor's speech).
Echo bleed (as make_fixtures.with_bleed): each channel also carries the other
channel's microphone signal (far: near + far talkers; raised: the speech), 40
ms late, low-passed at 3 kHz (sox ``sinc -3000``), at -25 dB (far) or -21 dB
(raised).

Set "far": near talker versus far talkers (scenario farTalker, calm)
--------------------------------------------------------------------
Each channel's microphone hears its wearer (near talker: dry) and k other
people in the room (far talkers: reverberant, quieter).  The truth is the
wearer only: far speech detected as the wearer's is the error measured.
Per split: far level L in {-10, -15, -20, -25, -30} dB x 4 calls (index i =
0..3) with k = 1, 2, 3, 2 far talkers per channel; callId far-<split>-m<|L|>-<i>;
about 60 s each.
* Near talkers: the split's 20 ordered (advisor, customer) pairs, one per call
  (seeded order).  Turns alternate advisor, customer, ...; a turn is 1-3 clips
  of the party's speaker (any emotion, never the same clip twice in a row),
  pauses U(0.15, 0.45) s inside it, U(0.4, 1.8) s between turns, and twice
  per call a dead air of U(3.0, 6.0) s in which only far talkers are heard
  (deadAirGaps: the designed gaps).  The first turn starts at U(0.5, 1.0) s, no
  turn starts after 55 s, the call ends 1 s after the last turn.  Clip levels
  -24 dBFS + U(-2, 2) dB; two turns per party (never among its first two) are
  quiet, 10 dB lower (quietSegments: their truth-active spans).
* Near reference N_ref of a channel = median level of its party's non-quiet
  clips (nearReferenceDb).
* Far talkers.  tune: streams of EmoDB clips of the split's three other
  speakers (random clips, U(0.2, 1.2) s pauses, running through the whole
  call).  heldOut: the first far talker of each channel is an AMI excerpt
  (looped with 10 ms crossfades, from a random offset; the two channels use
  different excerpts), the others EmoDB streams.  Within a channel the far
  talkers are different speakers; both channels draw on the same three
  speakers (independent streams, rotated so that k = 1 and k = 2 give the two
  channels different speakers as far as three allow).
* Reverberation per far source: wet = sox ``reverb -w R H S 100 P``, tune
  R H S P = 50 50 80 10 ms, heldOut 70 30 100 20 ms, rendered per clip (and per
  AMI loop) and overlap-added like the dry clips (reverb is linear and
  time-invariant; each clip keeps 2.5 s (tune) or 4 s (heldOut) of tail,
  after which it has decayed below -70 dB).  The wet stream is scaled to the
  dry stream's active level; far = 10^(DRR/20) * dry + wet with DRR drawn per
  source from {-6, -3, 0} dB (tune) or {-3, 0, +3} dB (heldOut).
* Far level: each far source is scaled so that its mean power over the frames
  in which its DRY stream is truth-active is N_ref + L dB: every far talker at
  L, not divided among them (farSources[].levelDb, checked to 0.5 dB).
* Noise SNR 30 dB (even i) or 20 dB (odd i), white (tune) or pink (heldOut).
Truth extras: condition {farTalkerDb, farTalkers, drrDb {party: [dB per
source]}, reverb, split, noise}, quietSegments, deadAirGaps, nearReferenceDb,
farSources, speakers, utterances, callGainDb, planAttempt, generator.
events is [] (the dead airs are not labelled as events in this set).

Set "raised": raised voice on noisy lines (scenario raised or calm)
------------------------------------------------------------------
A customer raises their voice by D dB over their own median level, with the
acoustics of real angry speech; calm calls have no raised phrase.
* Per split: D in {8, 10, 12} dB x SNR in {25, 15, 10} dB x 2 calls (j = 0, 1)
  = 18 raised calls, raised-<split>-p<D>-snr<SNR>-<j>; and 6 calm calls,
  calm-<split>-snr<SNR>-<m>, SNR cycling 25, 15, 10.  The customer cycles
  through the split's five speakers; the advisor is another speaker of the
  split.  Noise pink for even j/m, white for odd.  Bleed -21 dB.
* Customer: calm turns of 1-2 of their 3 neutral clips (shuffled rounds), each
  at -24 dBFS + U(-1.5, 1.5) dB.  Advisor: one neutral or sad clip per turn at
  -24 dBFS + U(-1.5, 1.5) dB.  The advisor opens at U(0.5, 1.0) s; U(0.4, 1.5) s
  between turns.  Opening: calm customer turns of 2 clips until the customer
  has said >= 8.5 s (their clips' own truth) and 12 s have passed since their
  first word; then R C R C R C R C R and a closing calm turn of 1-2 clips, with
  an advisor turn before each; R = one angry clip (calm call: one neutral
  clip) after >= 1.5 s without customer speech, C = a calm turn of one clip.
  About 75-85 s.  Angry clips whose level is carried by one short burst
  (median window level over the clip's own truth-active frames > 4 dB below its
  active level) are not used: their gain would have to be ~20 dB.
* Window level of frame f = 10*log10(mean power of frames f-15 .. f+14) of the
  clean customer channel (300 ms).  Calm median M = median window level over
  the truth-active frames of the calm clips (customerMedianWindowDb).  A raised
  phrase's level = median window level over its own truth-active frames; its
  gain is solved on the assembled signal (iterating: the truth and M move with
  it) so that level - M = D, checked to 0.3 dB (dbAboveMedian: achieved).
Truth extras: condition {raisedDb (raised calls only), noise, split},
customerMedianWindowDb, events (an energySpike per raised phrase: party
customer, its truth-active span, dbAboveMedian), speakers, utterances,
callGainDb, planAttempt, generator.

Checks (the script stops with the call id when no seeded plan passes)
--------------------------------------------------------------------
No clipping before mu-law (after whole-call scaling); every quiet turn and
raised phrase has truth-active frames; far talkers within 0.5 dB of L; raised
phrases within 0.3 dB of D; both parties have truth segments; two dead airs
per far call; >= 8 s of customer truth speech before the first raised phrase.

Sources (keep with any copy): Berlin Database of Emotional Speech (Burkhardt
et al., Interspeech 2005), CC0-1.0; AMI Meeting Corpus, CC BY 4.0, excerpts via
pyannote-audio (MIT).
"""

import argparse
import csv
import hashlib
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zlib

PROG = "make_realspeech"
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

try:
    import numpy as np
except ImportError:
    raise SystemExit(f"{PROG}: FAILED: numpy is not installed (python3 -m pip install numpy)")

sys.path.insert(0, HERE)
sys.dont_write_bytecode = True             # no __pycache__ beside the scripts at test time
import make_fixtures as mf  # noqa: E402  (truth rule, constants, JSON rounding)

SCHEMA = "attune.realspeech/1"
GENERATOR_VERSION = 1

ADVISOR, CUSTOMER = mf.ADVISOR, mf.CUSTOMER
PARTIES = mf.PARTIES                       # channel 0, channel 1
OTHER = {ADVISOR: CUSTOMER, CUSTOMER: ADVISOR}

MASTER_RATE = mf.MASTER_RATE               # 16 kHz: decoding, trimming, reverb
LINE_RATE = 8000                           # assembly, truth and the files
FRAME_SECONDS = mf.FRAME_SECONDS           # 10 ms
F16 = int(MASTER_RATE * FRAME_SECONDS)     # samples per frame at 16 kHz
F8 = int(LINE_RATE * FRAME_SECONDS)        # ... at 8 kHz
RAW_F32 = mf.RAW_F32
TO_LINE = ["sinc", "300-3400", "rate", "-v", str(LINE_RATE)]
PAD8 = 800                                 # 0.1 s of rendering kept around a source (the
                                           # filters' responses are < 20 ms long)
PEAK_LIMIT = mf.PEAK_LIMIT                 # -1 dBFS: no channel reaches it before mu-law

SPLITS = {
    "tune": ("emodb_03", "emodb_10", "emodb_11", "emodb_08", "emodb_13"),
    "heldOut": ("emodb_12", "emodb_15", "emodb_09", "emodb_14", "emodb_16"),
}

CLIP_DBFS = -24.0                          # rendered clips and AMI loops: active level
CLIP_PAD_SECONDS = 0.05                    # kept around EmoDB's labelled speech
ENERGY_TRIM_DB = 40.0                      # unlabelled clips: frames within 40 dB of the loudest
FADE_SECONDS = 0.010
AMI_MIN_TURN_COVER = 0.35                  # AMI excerpts with less speech are not used

FIRST_TURN = (0.5, 1.0)                    # both sets: the advisor's first word (s)
CLIP_PAUSE = (0.15, 0.45)                  # between the clips of one turn
TAIL_SECONDS = 1.0                         # after the last turn

# set "far"
FAR_LEVELS = (-10, -15, -20, -25, -30)
FAR_TALKERS = (1, 2, 3, 2)                 # per channel, by call index within a level
FAR_SNR = (30, 20)                         # by call index parity
FAR_NOISE = {"tune": "white", "heldOut": "pink"}
FAR_BLEED_DB = -25.0
FAR_CLIPS_PER_TURN = (1, 3)
FAR_TURN_GAP = (0.4, 1.8)
FAR_DEAD_AIR = (3.0, 6.0)
FAR_DEAD_AIRS = 2
FAR_LAST_TURN_START = 55.0
FAR_NEAR_JITTER_DB = 2.0
QUIET_DB = 10.0
QUIET_TURNS = 2
FAR_STREAM_PAUSE = (0.2, 1.2)
FAR_STREAM_LEAD = (2.0, 4.0)               # far streams start this long before the call
REVERB = {"tune": ("50", "50", "80", "100", "10"), "heldOut": ("70", "30", "100", "100", "20")}
REVERB_TAIL_SECONDS = {"tune": 2.5, "heldOut": 4.0}
DRR_DB = {"tune": (-6, -3, 0), "heldOut": (-3, 0, 3)}
AMI_LOOP_SECONDS = 100.0                   # looped excerpt: warm-up + offsets + the longest call
AMI_OFFSET = (5.0, 35.0)                   # window start in the loop (after the reverb built up)
FAR_LEVEL_TOLERANCE_DB = 0.5

# set "raised"
RAISED_DB = (8, 10, 12)
RAISED_SNR = (25, 15, 10)
RAISED_CALLS_PER_CONDITION = 2
CALM_CALLS = 6
RAISED_BLEED_DB = -21.0
RAISED_JITTER_DB = 1.5
RAISED_TURN_GAP = (0.4, 1.5)
RAISED_PHRASES = 5
OPENING_SPEECH_SECONDS = 8.5               # customer speech (clips' own truth) before the first raise ...
OPENING_MIN_TRUTH_SECONDS = 8.0            # ... which the call's truth must confirm
OPENING_MIN_ELAPSED = 12.0
RAISED_QUIET_BEFORE = 1.5
RAISED_MAX_BURST_DB = 4.0
WINDOW_FRAMES = 30                         # 300 ms window level
RAISED_TOLERANCE_DB = 0.3
SOLVE_ITERATIONS = 12

PLAN_ATTEMPTS = 5                          # seeded plans tried per call
NOISE_BANK_SECONDS = 400                   # per noise kind; channel stretches from disjoint halves
ECHO_DELAY_SECONDS = mf.ECHO_DELAY_SECONDS
BLEED_LOWPASS_HZ = mf.BLEED_LOWPASS_HZ


# ---------------------------------------------------------------- helpers

def fail(message):
    raise SystemExit(f"{PROG}: FAILED: {message}")


class Redo(Exception):
    """A seeded plan that misses a check which another plan may meet."""


def run(cmd):
    try:
        result = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError as e:
        fail(f"cannot run {cmd[0]}: {e}")
    err = result.stderr.decode(errors="replace")
    if result.returncode != 0 or "clipped" in err:       # sox -V2 reports clipping
        shown = " ".join(cmd if len(cmd) < 20 else cmd[:8] + ["..."] + cmd[-8:])
        fail(f"{shown}\n{err}")
    return result.stdout


def sox_version():
    m = re.search(r"SoX v(\S+)", run(["sox", "--version"]).decode(errors="replace"))
    if not m:
        fail("cannot read the sox version")
    return m.group(1)


class Scratch:
    """Numbered scratch files for sox (faster than pipes for large signals)."""
    root, n = None, 0

    @classmethod
    def path(cls, suffix):
        cls.n += 1
        return os.path.join(cls.root, f"s{cls.n:06d}{suffix}")


def read_channels(path, n_channels):
    y = np.fromfile(path, dtype="<f4").reshape(-1, n_channels).T.astype(np.float64)
    os.remove(path)
    return list(y)


SOX = ["sox", "-R", "-D", "-V2"]           # repeatable, no dither, warnings (clipping) shown


def sox_channels(channels, rate, effects):
    """Equal-length signals through sox as one multi-channel raw file (sox
    filters each channel on its own); returns float64 arrays.  sox works in
    32-bit integers, so the signals go in with 12 dB of headroom (scaled by a
    power of two, undone exactly afterwards)."""
    peak = max(float(np.max(np.abs(x))) for x in channels)
    shift = max(0, math.ceil(math.log2(peak / 0.25))) if peak > 0 else 0
    src, dst = Scratch.path(".f32"), Scratch.path(".f32")
    data = np.empty((len(channels[0]), len(channels)), dtype="<f4")
    for c, x in enumerate(channels):
        data[:, c] = x * 2.0 ** -shift
    data.tofile(src)
    run(SOX + RAW_F32 + ["-c", str(len(channels)), "-r", str(rate), src] + RAW_F32 + [dst] + effects)
    os.remove(src)
    return [y * 2.0 ** shift for y in read_channels(dst, len(channels))]


def sox_files(paths, effects):
    """Decode files in one sox run (-M: one channel per file), with 12 dB of
    headroom for the effects (undone afterwards)."""
    dst = Scratch.path(".f32")
    run(SOX + ["-M"] + paths + RAW_F32 + [dst] + ["vol", "0.25"] + effects)
    return [y * 4.0 for y in read_channels(dst, len(paths))]


def frame_powers(x, frame=F8):
    m = len(x) // frame
    y = x[:m * frame].reshape(m, frame)
    return np.einsum("ij,ij->i", y, y) / frame


def levels_db(p):
    return np.where(p > 0, 10.0 * np.log10(np.maximum(p, 1e-300)), -200.0)


def truth_rule(p):
    """make_fixtures.truth_active on frame powers: active iff the frame's
    level is within ACTIVE_BELOW_REF_DB of the median level of the frames
    above FLOOR_DBFS."""
    lv = levels_db(p)
    above = lv[lv > mf.FLOOR_DBFS]
    if above.size == 0:
        return np.zeros(len(lv), dtype=bool)
    return lv >= float(np.median(above)) - mf.ACTIVE_BELOW_REF_DB


def truth_active(x, frame=F8):
    return truth_rule(frame_powers(x, frame))


def mean_db(p, mask):
    sel = p[mask]
    return mf.db(float(np.mean(sel))) if sel.size else -200.0


def active_level(x, frame=F8):
    """Active level (dBFS): mean power over the truth-active frames."""
    p = frame_powers(x, frame)
    return mean_db(p, truth_rule(p))


def window_db(p):
    """300 ms window level of every frame: mean power of frames f-15 .. f+14."""
    c = np.concatenate([[0.0], np.cumsum(p)])
    f = np.arange(len(p))
    lo = np.maximum(f - WINDOW_FRAMES // 2, 0)
    hi = np.minimum(f + WINDOW_FRAMES - WINDOW_FRAMES // 2, len(p))
    return levels_db((c[hi] - c[lo]) / (hi - lo))


def raised_cosine(n):
    return 0.5 * (1 - np.cos(np.pi * (np.arange(n) + 0.5) / n))


def fade_edges(x):
    n = min(int(FADE_SECONDS * MASTER_RATE), len(x) // 2)
    x = x.copy()
    x[:n] *= raised_cosine(n)
    x[len(x) - n:] *= raised_cosine(n)[::-1]
    return x


def crossfade_loop(x, seconds):
    """``x`` repeated with 10 ms raised-cosine crossfades, cut to ``seconds``."""
    n = int(FADE_SECONDS * MASTER_RATE)
    ramp = raised_cosine(n)
    out = x.copy()
    while len(out) < seconds * MASTER_RATE:
        out = np.concatenate([out[:len(out) - n], out[len(out) - n:] * ramp[::-1] + x[:n] * ramp, x[n:]])
    return out[:int(seconds * MASTER_RATE)]


def frame_span(pos, length):
    """[first, end) 10 ms frames of a source at 8 kHz sample ``pos``."""
    return pos // F8, -(-(pos + length) // F8)


def span_mask(n_frames, spans):
    m = np.zeros(n_frames, dtype=bool)
    for a, b in spans:
        m[a:min(b, n_frames)] = True
    return m


def active_span(active, a, b):
    """First to last truth-active frame in [a, b) as [start, end) frames, or None."""
    idx = np.flatnonzero(active[a:b])
    return None if idx.size == 0 else [a + int(idx[0]), a + int(idx[-1]) + 1]


def segments_of(active):
    return mf.merge_runs(mf.runs_of(active.tolist()))


def sec(frames):
    return mf.sec(frames)


def r2(x):
    return round(float(x), 2)


def samples(seconds):
    """Seconds -> 8 kHz samples."""
    return int(round(seconds * LINE_RATE))


def pick(rng, pool, last):
    """A random item of ``pool``, never ``last`` again (no immediate repeat)."""
    choices = [c for c in pool if c is not last] if len(pool) > 1 else pool
    return choices[int(rng.integers(len(choices)))]


def shuffled_cycle(rng, items):
    """Items in shuffled rounds, never the same one twice in a row."""
    last = None
    while True:
        order = [int(i) for i in rng.permutation(len(items))]
        if len(items) > 1 and items[order[0]] is last:
            order[0], order[1] = order[1], order[0]
        for i in order:
            last = items[i]
            yield last


def call_rng(call_id, attempt):
    key = call_id if attempt == 0 else f"{call_id}/{attempt}"
    return np.random.default_rng(zlib.crc32(key.encode()))


def with_attempts(call_id, build):
    """build(attempt) for attempt 0, 1, ... until one meets every check."""
    reasons = []
    for attempt in range(PLAN_ATTEMPTS):
        try:
            return build(attempt)
        except Redo as e:
            reasons.append(f"plan {attempt}: {e}")
    fail(f"{call_id}: no seeded plan meets the checks ({'; '.join(reasons)})")


def write_mulaw(path, channels, call_id):
    """Stereo 16-bit PCM (rounded as make_fixtures.to_pcm16) -> mu-law WAV by sox."""
    pcm = np.empty((len(channels[0]), 2), dtype="<i2")
    for c, x in enumerate(channels):
        if float(np.max(np.abs(x))) >= 1.0:
            fail(f"{call_id}: signal clips")
        pcm[:, c] = np.clip(np.rint(x * 32768), -32768, 32767)
    src = Scratch.path(".s16")
    pcm.tofile(src)
    run(SOX + ["-t", "raw", "-e", "signed-integer", "-b", "16", "-L",
         "-c", "2", "-r", str(LINE_RATE), src, "--comment", f"Attune real-speech test call {call_id}",
         "-e", "u-law", "-b", "8", path])
    os.remove(src)


def write_json(path, doc):
    with open(path, "w") as f:
        f.write(json.dumps(mf.round_floats(doc), indent=2, sort_keys=True) + "\n")


# ---------------------------------------------------------------- inputs

def input_files(data):
    """The input files (names relative to ``data``) this script reads, sorted."""
    for p in ("emodb/labels.csv", "ami/turns.csv"):
        if not os.path.isfile(os.path.join(data, p)):
            fail(f"{os.path.join(data, p)} not found: --data must be the shared data folder "
                 f"(emodb/labels.csv, emodb/*.flac, ami/turns.csv, ami/trn*.flac)")
    return sorted(f"{sub}/{name}" for sub in ("emodb", "ami")
                  for name in os.listdir(os.path.join(data, sub)) if name.endswith((".flac", ".csv")))


def inputs_sha256(data, names):
    h = hashlib.sha256()
    for name in names:
        h.update(f"{name}\t{os.path.getsize(os.path.join(data, name))}\n".encode())
    return h.hexdigest()


def generator_sha256():
    h = hashlib.sha256()
    for path in (os.path.abspath(__file__), os.path.join(HERE, "make_fixtures.py")):
        with open(path, "rb") as f:
            h.update(f.read())
    return h.hexdigest()


class Clip:
    """One EmoDB clip: ``x`` at 16 kHz (trimmed), ``line`` its 8 kHz
    rendering (PAD8 samples of rendering before and after the clip, active
    level CLIP_DBFS), ``wet`` {split: 8 kHz rendering of its reverb, same
    scale and PAD8}."""

    def __init__(self, row, x):
        self.file, self.label = row["file"], row["label"]
        self.speaker, self.gender = row["speaker"], row["gender"]
        self.x = x
        self.n8 = (len(x) + 1) // 2
        self.line, self.wet, self.gain = None, {}, None
        self.speech_seconds = self.burst_db = None

    def rendered(self, line, gain):
        self.gain = gain
        self.line = line * gain
        p = frame_powers(self.line)
        active = truth_rule(p)
        self.speech_seconds = float(np.count_nonzero(active)) * FRAME_SECONDS
        # how far the clip's median window level lies below its active level:
        # large when the level is carried by one short burst
        self.burst_db = CLIP_DBFS - float(np.median(window_db(p)[active]))


def trim_clip(x, row):
    if row["speech_start_s"].strip() and row["speech_end_s"].strip():
        a = max(0, int(math.floor((float(row["speech_start_s"]) - CLIP_PAD_SECONDS) * MASTER_RATE)))
        b = min(len(x), int(math.ceil((float(row["speech_end_s"]) + CLIP_PAD_SECONDS) * MASTER_RATE)))
    else:
        lv = levels_db(frame_powers(x, F16))
        loud = np.flatnonzero(lv >= lv.max() - ENERGY_TRIM_DB)
        a, b = int(loud[0]) * F16, (int(loud[-1]) + 1) * F16
    if b - a < F16 * 20:
        fail(f"emodb/{row['file']}: less than 0.2 s of speech after trimming")
    return fade_edges(x[a:b])


def render_line(sources):
    """8 kHz renderings of 16 kHz sources, in one sox run: the sources are
    laid end to end at even positions, 2*PAD8 apart, rendered, and cut out with
    PAD8 samples before and after each."""
    pad16 = 2 * PAD8
    at, pos = [], 0
    for x in sources:
        at.append(pos + pad16)
        pos += pad16 + len(x) + len(x) % 2 + pad16
    line16 = np.zeros(pos)
    for x, a in zip(sources, at):
        line16[a:a + len(x)] = x
    line8 = sox_channels([line16], MASTER_RATE, TO_LINE)[0]
    return [line8[a // 2 - PAD8:a // 2 + (len(x) + 1) // 2 + PAD8].copy() for x, a in zip(sources, at)]


def reverb_wet(split, sources):
    """Wet reverb (the split's preset) of 16 kHz sources in one sox run: laid
    end to end with room for the tail, reverberated together and cut apart
    (reverb is linear and time-invariant; each tail has decayed below -70 dB
    before the next source starts).  Each result is len(x) + tail long."""
    tail = int(REVERB_TAIL_SECONDS[split] * MASTER_RATE)
    at, pos = [], 0
    for x in sources:
        at.append(pos)
        pos += len(x) + len(x) % 2 + tail
    line = np.zeros(pos)
    for x, a in zip(sources, at):
        line[a:a + len(x)] = x
    wet = sox_channels([line], MASTER_RATE, ["reverb", "-w"] + list(REVERB[split]))[0]
    return [wet[a:a + len(x) + tail] for x, a in zip(sources, at)]


class Material:
    """Every source, rendered to the line once."""

    def __init__(self, data):
        with open(os.path.join(data, "emodb", "labels.csv"), newline="") as f:
            rows = sorted(csv.DictReader(f), key=lambda r: r["file"])
        paths = [os.path.join(data, "emodb", r["file"]) for r in rows]
        for p in paths:
            if not os.path.isfile(p):
                fail(f"{p} (listed in emodb/labels.csv) not found")
        decoded = sox_files(paths, ["rate", "-v", str(MASTER_RATE)])
        clips = [Clip(r, trim_clip(x, r)) for r, x in zip(rows, decoded)]
        self.by_speaker = {}
        for c in clips:
            self.by_speaker.setdefault(c.speaker, []).append(c)
        for split, speakers in SPLITS.items():
            for s in speakers:
                if len(self.by_speaker.get(s, [])) < 6:
                    fail(f"speaker {s} of split {split}: too few clips in emodb/labels.csv")
        for c, line in zip(clips, render_line([c.x for c in clips])):
            c.rendered(line, 10 ** ((CLIP_DBFS - active_level(line)) / 20))
        self.data, self.ami = data, None
        self.far_ready = set()

    def clips(self, speaker, labels=None):
        return [c for c in self.by_speaker[speaker] if labels is None or c.label in labels]

    def prepare_far(self, split):
        """Reverberant renderings of the split's clips (and the AMI loops)."""
        if split in self.far_ready:
            return
        clips = [c for s in SPLITS[split] for c in self.by_speaker[s]]
        wets = reverb_wet(split, [c.x for c in clips])
        for c, line in zip(clips, render_line(wets)):
            c.wet[split] = line * c.gain         # the dry rendering's scale
        if split == "heldOut":
            self.ami = self.load_ami()
        self.far_ready.add(split)

    def load_ami(self):
        """{name: (dry, wet)} 8 kHz renderings of the looped AMI excerpts with
        enough speech, the dry at CLIP_DBFS."""
        cover = {}
        with open(os.path.join(self.data, "ami", "turns.csv"), newline="") as f:
            for r in csv.DictReader(f):
                cover.setdefault(r["file"], []).append((float(r["start_s"]), float(r["end_s"])))
        names = sorted(n for n in os.listdir(os.path.join(self.data, "ami")) if n.endswith(".flac"))
        decoded = sox_files([os.path.join(self.data, "ami", n) for n in names],
                            ["rate", "-v", str(MASTER_RATE)])
        keep = []
        for name, x in zip(names, decoded):
            covered = np.zeros(len(x) // F16, dtype=bool)
            for s, e in cover.get(name, []):
                covered[int(s * 100):int(math.ceil(e * 100))] = True
            if covered.mean() >= AMI_MIN_TURN_COVER:
                keep.append((name, crossfade_loop(x[:len(x) // 2 * 2], AMI_LOOP_SECONDS)))
        if len(keep) < 2:
            fail("fewer than two usable AMI excerpts")
        loops = [x for _, x in keep]
        wets = [w[:len(x)] for w, x in zip(reverb_wet("heldOut", loops), loops)]
        lines = render_line(loops + wets)
        out = {}
        for i, (name, x) in enumerate(keep):
            dry, wet = lines[i][PAD8:PAD8 + len(x) // 2], lines[len(keep) + i][PAD8:PAD8 + len(x) // 2]
            g = 10 ** ((CLIP_DBFS - active_level(dry)) / 20)
            out[name] = (dry * g, wet * g)
        return out

    def self_check(self):
        """Assembling renderings at 8 kHz must equal rendering the 16 kHz
        timeline (sox's filters are linear and time-invariant), and the numpy
        truth rule must agree with make_fixtures.truth_active."""
        clips = [self.by_speaker[s][i] for s in SPLITS["tune"][:2] for i in range(3)]
        assembled = np.zeros(5 * LINE_RATE)
        timeline = np.zeros(2 * len(assembled))
        for i, c in enumerate(clips):           # overlapping, at even 16 kHz positions
            pos8 = 1000 + i * 4000
            timeline[2 * pos8:2 * pos8 + len(c.x)] += c.x * c.gain
            assembled[pos8 - PAD8:pos8 - PAD8 + len(c.line)] += c.line
        direct = sox_channels([timeline], MASTER_RATE, TO_LINE)[0][:len(assembled)]
        err = float(np.max(np.abs(direct - assembled)))
        if err > 1e-5 * float(np.max(np.abs(direct))):
            fail(f"assembling 8 kHz renderings differs from rendering the timeline by {err:.2e}")
        mine = truth_active(assembled).tolist()
        theirs = mf.truth_active([float(v) for v in assembled], LINE_RATE)
        if mine != theirs:
            fail(f"the truth rule differs from make_fixtures.truth_active in "
                 f"{sum(a != b for a, b in zip(mine, theirs))} of {len(mine)} frames")


class NoiseBank:
    """Seeded line noise, one long stretch per kind, white or pink, band-
    limited to 300-3400 Hz by an FFT mask at 8 kHz."""

    def __init__(self):
        self.banks = {}

    def bank(self, kind):
        if kind not in self.banks:
            n = NOISE_BANK_SECONDS * LINE_RATE
            rng = np.random.default_rng(zlib.crc32(f"noise-{kind}".encode()))
            spectrum = np.fft.rfft(rng.standard_normal(n))
            f = np.fft.rfftfreq(n, 1.0 / LINE_RATE)
            shape = ((f >= 300) & (f <= 3400)).astype(np.float64)
            if kind == "pink":
                shape[1:] /= np.sqrt(f[1:] / 1000.0)
            self.banks[kind] = np.fft.irfft(spectrum * shape, n)
        return self.banks[kind]

    def stretches(self, rng, kind, n):
        """{party: n samples of unit power}, from disjoint halves of the bank."""
        bank = self.bank(kind)
        half = len(bank) // 2
        if n > half:
            fail(f"a call of {n / LINE_RATE:.0f} s is longer than half the noise bank")
        out = {}
        for c, p in enumerate(PARTIES):
            at = c * half + int(rng.integers(0, half - n + 1))
            y = bank[at:at + n].copy()
            out[p] = y / math.sqrt(float(np.mean(y * y)))
        return out


NOISE = NoiseBank()


# ---------------------------------------------------------------- common call machinery

def place(n, items):
    """Sum (rendering, start, gain) items (8 kHz) into a signal of length n."""
    x = np.zeros(n)
    for y, start, gain in items:
        a, b = max(0, start), min(n, start + len(y))
        x[a:b] += gain * y[a - start:b - start]
    return x


def call_length(end):
    """Samples of a call whose last turn ends at sample ``end`` (whole frames)."""
    n = end + samples(TAIL_SECONDS)
    return n + (-n) % F8


def bleed(mics, bleed_db):
    """Per party: the other party's microphone signal, ECHO_DELAY_SECONDS
    late, low-passed at BLEED_LOWPASS_HZ, at ``bleed_db`` (cf. make_fixtures.with_bleed)."""
    d = samples(ECHO_DELAY_SECONDS)
    late = [np.concatenate([np.zeros(d), mics[p][:len(mics[p]) - d]]) for p in PARTIES]
    low = sox_channels(late, LINE_RATE, ["sinc", f"-{BLEED_LOWPASS_HZ}"])
    g = 10 ** (bleed_db / 20)
    return {ADVISOR: g * low[1], CUSTOMER: g * low[0]}


def finish_channels(mics, clean_power_db, snr_db, noise_units, bleed_db, scale):
    """mic + noise at ``snr_db`` below the clean reference power + bleed of
    the other mic.  Returns (channels, None), or (None, smaller scale) when the
    call must be scaled down to keep its peaks below PEAK_LIMIT (tried without
    the bleed first, which saves a sox run)."""
    out = {p: mics[p] + math.sqrt(10 ** ((clean_power_db[p] - snr_db) / 10)) * noise_units[p]
           for p in PARTIES}
    peak = max(float(np.max(np.abs(out[p]))) for p in PARTIES)
    if peak >= PEAK_LIMIT:
        return None, scale * PEAK_LIMIT / peak * 10 ** (-1.0 / 20)
    bl = bleed(mics, bleed_db)
    out = {p: out[p] + bl[p] for p in PARTIES}
    peak = max(float(np.max(np.abs(out[p]))) for p in PARTIES)
    if peak >= PEAK_LIMIT:
        return None, scale * PEAK_LIMIT / peak * 10 ** (-0.5 / 20)
    return out, None


def truth_document(call_id, scenario, condition, n8, active, calm, events):
    """The attune.truth/1 part of a truth file."""
    segs = {p: segments_of(active[p]) for p in PARTIES}
    for p in PARTIES:
        if not segs[p]:
            raise Redo(f"the {p} has no truth segments")
    overlap = mf.intersect(segs[ADVISOR], segs[CUSTOMER])
    return {
        "schema": "attune.truth/1",
        "callId": call_id,
        "scenario": scenario,
        "condition": condition,
        "audio": {"layout": "stereo", "files": [f"{call_id}.wav"], "advisorChannel": 0},
        "durationSeconds": round(n8 / LINE_RATE, 3),
        "calm": calm,
        "segments": {p: [[sec(s), sec(e)] for s, e in segs[p]] for p in PARTIES},
        "overtalkSeconds": sec(sum(e - s for s, e in overlap)),
        "events": events,
        "generator": {"script": "Scripts/make_realspeech.py", "version": GENERATOR_VERSION},
    }


def utterances(turns):
    return [{"party": tr["party"], "file": f"emodb/{c.file}", "label": c.label, "kind": tr["kind"],
             "startSeconds": round(at / LINE_RATE, 3), "endSeconds": round((at + c.n8) / LINE_RATE, 3)}
            for tr in turns for c, at in tr["clips"]]


def write_call(out_dir, call_id, out, doc):
    write_mulaw(os.path.join(out_dir, f"{call_id}.wav"), [out[ADVISOR], out[CUSTOMER]], call_id)
    write_json(os.path.join(out_dir, f"{call_id}.truth.json"), doc)


def clipping_warning(stats):
    scaled = [s["gainDb"] for s in stats if s["gainDb"] < 0]
    if not scaled:
        return None
    return (f"{len(scaled)} of {len(stats)} calls scaled down as a whole by {-max(scaled):.1f} to "
            f"{-min(scaled):.1f} dB to keep their peaks below -1 dBFS (relative levels kept; "
            f"callGainDb in their truth)")


def count(stats, key, value):
    return sum(1 for s in stats if s[key] == value)


# ---------------------------------------------------------------- set "far"

def far_pairs(split):
    """The split's 20 ordered (advisor, customer) pairs in a seeded order."""
    speakers = SPLITS[split]
    pairs = [(a, c) for a in speakers for c in speakers if a != c]
    order = np.random.default_rng(zlib.crc32(f"far-pairs-{split}".encode())).permutation(len(pairs))
    return [pairs[int(i)] for i in order]


def plan_far_turns(rng, material, speakers):
    """Alternating turns of the two near talkers; returns (turns, dead airs)."""
    pools = {p: material.clips(speakers[p]) for p in PARTIES}
    last = {p: None for p in PARTIES}
    a = b = 0
    while abs(a - b) < 2:                # two planned dead airs among gaps 1..6, not adjacent
        a, b = (int(v) for v in rng.choice(np.arange(1, 7), 2, replace=False))
    turns, dead = [], []
    pos, party, gap_index = samples(rng.uniform(*FIRST_TURN)), ADVISOR, 0
    while pos <= samples(FAR_LAST_TURN_START):
        clips = []
        for j in range(int(rng.integers(FAR_CLIPS_PER_TURN[0], FAR_CLIPS_PER_TURN[1] + 1))):
            if j:
                pos += samples(rng.uniform(*CLIP_PAUSE))
            last[party] = pick(rng, pools[party], last[party])
            clips.append((last[party], pos))
            pos += last[party].n8
        turns.append({"party": party, "kind": "normal", "clips": clips, "start": clips[0][1], "end": pos,
                      "quiet": False})
        left = FAR_DEAD_AIRS - len(dead)
        # a planned dead air, or a forced one while there is still time for it
        is_dead = left > 0 and (gap_index in (a, b) or pos / LINE_RATE >= 50.0 - 12.0 * left)
        gap = rng.uniform(*(FAR_DEAD_AIR if is_dead else FAR_TURN_GAP))
        if is_dead:
            dead.append((pos / LINE_RATE, pos / LINE_RATE + gap))
        pos += samples(gap)
        party, gap_index = OTHER[party], gap_index + 1
    if dead and dead[-1][1] > FAR_LAST_TURN_START:
        dead.pop()                       # after the last turn: not a dead air
    if len(dead) != FAR_DEAD_AIRS:
        raise Redo(f"{len(dead)} dead airs, need {FAR_DEAD_AIRS}")
    for p in PARTIES:                    # quiet turns: never among the party's first two
        own = [i for i, tr in enumerate(turns) if tr["party"] == p]
        if len(own) < 2 + QUIET_TURNS:
            raise Redo(f"the {p} has only {len(own)} turns")
        for i in rng.choice(np.array(own[2:]), QUIET_TURNS, replace=False):
            turns[int(i)].update(quiet=True, kind="quiet")
    for tr in turns:                     # clip gains (rendered clips are at CLIP_DBFS)
        tr["gains"] = [10 ** ((rng.uniform(-FAR_NEAR_JITTER_DB, FAR_NEAR_JITTER_DB)
                               - (QUIET_DB if tr["quiet"] else 0.0)) / 20) for _ in tr["clips"]]
    return turns, dead


def far_sources(rng, split, material, speakers, k):
    """k far talkers per channel: {party: [{"kind", "name", "drrDb"}]}."""
    others = [s for s in SPLITS[split] if s not in speakers.values()]
    order = [others[int(i)] for i in rng.permutation(len(others))]
    n_emodb = k - 1 if split == "heldOut" else k
    ami = []
    if split == "heldOut":
        names = sorted(material.ami)
        ami = [names[int(i)] for i in rng.choice(len(names), 2, replace=False)]
    plan = {}
    for c, p in enumerate(PARTIES):
        srcs = [{"kind": "ami", "name": ami[c]}] if ami else []
        srcs += [{"kind": "emodb", "name": order[(i + c * n_emodb) % len(order)]} for i in range(n_emodb)]
        for s in srcs:
            s["drrDb"] = int(rng.choice(DRR_DB[split]))
        plan[p] = srcs
    return plan


def far_stream(rng, split, material, src, n):
    """(dry, wet) 8 kHz renderings of one far talker over the n samples of the call."""
    if src["kind"] == "ami":
        dry, wet = material.ami[src["name"]]
        lo, hi = samples(AMI_OFFSET[0]), min(samples(AMI_OFFSET[1]), len(dry) - n)
        if hi < lo:
            fail(f"the AMI loop of {src['name']} is too short for a {n / LINE_RATE:.1f} s call")
        at = int(rng.integers(lo, hi + 1))
        return dry[at:at + n].copy(), wet[at:at + n].copy()
    lead = samples(FAR_STREAM_LEAD[1]) + PAD8
    size = lead + n + samples(2.5 + REVERB_TAIL_SECONDS[split]) + 2 * PAD8
    dry, wet = np.zeros(size), np.zeros(size)
    pool, last = material.clips(src["name"]), None
    pos = lead - samples(rng.uniform(*FAR_STREAM_LEAD))
    while pos < lead + n:
        last = pick(rng, pool, last)
        dry[pos - PAD8:pos - PAD8 + len(last.line)] += last.line
        w = last.wet[split]
        wet[pos - PAD8:pos - PAD8 + len(w)] += w
        pos += last.n8 + samples(rng.uniform(*FAR_STREAM_PAUSE))
    return dry[lead:lead + n], wet[lead:lead + n]


def build_far_call(material, split, level, index, pair, out_dir):
    """One call of the far set (a later seeded plan if one misses a check)."""
    call_id = f"far-{split}-m{-level}-{index}"
    return call_id, with_attempts(call_id, lambda attempt: far_attempt(
        material, split, level, index, pair, out_dir, call_id, attempt))


def far_attempt(material, split, level, index, pair, out_dir, call_id, attempt):
    rng = call_rng(call_id, attempt)
    k, snr, noise_kind = FAR_TALKERS[index % len(FAR_TALKERS)], FAR_SNR[index % 2], FAR_NOISE[split]
    speakers = {ADVISOR: pair[0], CUSTOMER: pair[1]}
    turns, dead = plan_far_turns(rng, material, speakers)
    n8 = call_length(turns[-1]["end"])
    n_frames = n8 // F8
    near8 = {p: place(n8, [(c.line, at - PAD8, g) for tr in turns if tr["party"] == p
                           for (c, at), g in zip(tr["clips"], tr["gains"])]) for p in PARTIES}

    plan = far_sources(rng, split, material, speakers, k)
    far8, dry_active, far_raw_db = ({p: [] for p in PARTIES} for _ in range(3))
    for p in PARTIES:
        for src in plan[p]:
            dry, wet = far_stream(rng, split, material, src, n8)
            wet *= 10 ** ((active_level(dry) - active_level(wet)) / 20)
            y = 10 ** (src["drrDb"] / 20) * dry + wet
            act = truth_active(dry)
            far8[p].append(y)
            dry_active[p].append(act)
            far_raw_db[p].append(mean_db(frame_powers(y), act))
    noise = NOISE.stretches(rng, noise_kind, n8)

    spans = {p: [(tr, frame_span(at, c.n8)) for tr in turns if tr["party"] == p
                 for c, at in tr["clips"]] for p in PARTIES}
    scale = 1.0
    for _ in range(5):
        near = {p: scale * near8[p] for p in PARTIES}
        powers = {p: frame_powers(near[p]) for p in PARTIES}
        active = {p: truth_rule(powers[p]) for p in PARTIES}
        n_ref, p_speech, mics, far_gains, far_mix = {}, {}, {}, {}, {}
        for p in PARTIES:
            loud = [sp for tr, sp in spans[p] if not tr["quiet"]]
            n_ref[p] = float(np.median([mean_db(powers[p][a:b], active[p][a:b]) for a, b in loud]))
            p_speech[p] = mean_db(powers[p], active[p] & span_mask(n_frames, loud))
            far_gains[p] = [10 ** ((n_ref[p] + level - raw) / 20) for raw in far_raw_db[p]]
            far_mix[p] = sum(g * y for g, y in zip(far_gains[p], far8[p]))
            mics[p] = near[p] + far_mix[p]
        out, smaller = finish_channels(mics, p_speech, snr, noise, FAR_BLEED_DB, scale)
        if out is not None:
            if STEMS_DIR:
                np.savez(os.path.join(STEMS_DIR, f"{call_id}.npz"), snrDb=snr,
                         **{f"near_{p}": near[p] for p in PARTIES},
                         **{f"far_{p}": far_mix[p] for p in PARTIES},
                         **{f"speechDb_{p}": p_speech[p] for p in PARTIES})
            break
        scale = smaller
    else:
        fail(f"{call_id}: still clipping after scaling the call down")

    far_levels = {p: [mean_db(frame_powers(g * y), act) - n_ref[p]
                      for g, y, act in zip(far_gains[p], far8[p], dry_active[p])] for p in PARTIES}
    for p in PARTIES:
        for lv in far_levels[p]:
            if abs(lv - level) > FAR_LEVEL_TOLERANCE_DB:
                raise Redo(f"a far talker of the {p} sits at {lv:.2f} dB, not {level} dB")
    quiet = {p: [] for p in PARTIES}
    for tr in turns:
        if tr["quiet"]:
            sp = active_span(active[tr["party"]], *frame_span(tr["start"], tr["end"] - tr["start"]))
            if sp is None:
                raise Redo(f"the quiet {tr['party']} turn at {tr['start'] / LINE_RATE:.2f} s "
                           f"has no truth-active frames")
            quiet[tr["party"]].append([sec(sp[0]), sec(sp[1])])
    condition = {
        "name": f"far {level} dB, {k} talker{'s' if k > 1 else ''}, {snr} dB {noise_kind}",
        "snrDb": snr, "bleedDb": FAR_BLEED_DB, "echoDelaySeconds": ECHO_DELAY_SECONDS,
        "mulaw": True, "sampleRateHz": LINE_RATE,
        "farTalkerDb": level, "farTalkers": k,
        "drrDb": {p: [s["drrDb"] for s in plan[p]] for p in PARTIES},
        "reverb": "reverb -w " + " ".join(REVERB[split]),
        "split": split, "noise": noise_kind,
        "notes": ("far talker levels relative to the near talker's median non-quiet clip level; "
                  "SNR over the near talker's non-quiet truth-active speech; the truth is the "
                  "near talker only"),
    }
    doc = truth_document(call_id, "farTalker", condition, n8, active, True, [])
    doc.update({
        "quietSegments": quiet,
        "deadAirGaps": [[round(s, 3), round(e, 3)] for s, e in dead],
        "speakers": speakers,
        "nearReferenceDb": {p: r2(n_ref[p]) for p in PARTIES},
        "farSources": {p: [{"source": s["name"] if s["kind"] == "emodb" else f"ami/{s['name']}",
                            "drrDb": s["drrDb"], "levelDb": r2(lv)}
                           for s, lv in zip(plan[p], far_levels[p])] for p in PARTIES},
        "callGainDb": r2(20 * math.log10(scale)),
        "planAttempt": attempt,
        "utterances": utterances(turns),
    })
    write_call(out_dir, call_id, out, doc)
    return {"k": k, "snr": snr, "gainDb": 20 * math.log10(scale), "attempt": attempt}


def build_far_set(material, out_dir):
    os.makedirs(out_dir)
    calls, stats = [], []
    for split in SPLITS:
        material.prepare_far(split)
        pairs = iter(far_pairs(split))
        for level in FAR_LEVELS:
            for index in range(len(FAR_TALKERS)):
                call_id, st = build_far_call(material, split, level, index, next(pairs), out_dir)
                calls.append({"callId": call_id, "set": "far", "split": split,
                              "file": f"far/{call_id}.wav", "truth": f"far/{call_id}.truth.json"})
                stats.append(dict(st, split=split))
    summary = (f"{len(calls)} calls ("
               + ", ".join(f"{s} {count(stats, 'split', s)}" for s in SPLITS)
               + f"; {len(calls) // len(FAR_LEVELS)} per far level "
               + "/".join(str(v) for v in FAR_LEVELS) + " dB; far talkers "
               + ", ".join(f"{k}: {count(stats, 'k', k)}" for k in sorted(set(FAR_TALKERS)))
               + "; SNR " + ", ".join(f"{v} dB: {count(stats, 'snr', v)}" for v in FAR_SNR)
               + f"; {sum(1 for s in stats if s['attempt'])} replanned)")
    return calls, summary, clipping_warning(stats)


# ---------------------------------------------------------------- set "raised"

def plan_raised_turns(rng, call_id, material, customer, advisor, raised):
    """Turns [{"party", "kind": calm|raised, "clips": [(clip, start)], "gains"}]."""
    adv_pool = material.clips(advisor, ("neutral", "sad"))
    calm_cycle = shuffled_cycle(rng, material.clips(customer, ("neutral",)))
    angry = [c for c in material.clips(customer, ("angry",)) if c.burst_db <= RAISED_MAX_BURST_DB]
    if not angry:
        fail(f"{call_id}: {customer} has no angry clip without a dominant burst")
    angry = [angry[int(i)] for i in rng.permutation(len(angry))]
    later = []                           # customer turns after the opening
    for i in range(RAISED_PHRASES):
        later.append(("raised", 1))
        if i < RAISED_PHRASES - 1:
            later.append(("calm", 1))
    later.append(("calm", int(rng.integers(1, 3))))
    turns, last_adv = [], None
    said, first_word, last_customer_end, n_raised = 0.0, None, 0, 0

    def add(party, kind, clips, pos):
        placed = []
        for j, clip in enumerate(clips):
            if j:
                pos += samples(rng.uniform(*CLIP_PAUSE))
            placed.append((clip, pos))
            pos += clip.n8
        turns.append({"party": party, "kind": kind, "clips": placed, "start": placed[0][1], "end": pos})
        return pos

    pos = samples(rng.uniform(*FIRST_TURN))
    while True:
        last_adv = pick(rng, adv_pool, last_adv)
        pos = add(ADVISOR, "calm", [last_adv], pos) + samples(rng.uniform(*RAISED_TURN_GAP))
        opening = (first_word is None or said < OPENING_SPEECH_SECONDS
                   or (pos - first_word) / LINE_RATE < OPENING_MIN_ELAPSED)
        kind, n = ("calm", 2) if opening else later.pop(0)
        if kind == "raised":
            pos = max(pos, last_customer_end + samples(RAISED_QUIET_BEFORE))
            clips = [angry[n_raised % len(angry)]] if raised else [next(calm_cycle)]
            n_raised += 1
            kind = kind if raised else "calm"
        else:
            clips = [next(calm_cycle) for _ in range(n)]
        if first_word is None:
            first_word = pos
        if opening:
            said += sum(c.speech_seconds for c in clips)
        last_customer_end = add(CUSTOMER, kind, clips, pos)
        pos = last_customer_end + samples(rng.uniform(*RAISED_TURN_GAP))
        if not opening and not later:
            break
    for tr in turns:                     # raised phrases: gains solved later
        tr["gains"] = [1.0 if tr["kind"] == "raised" else
                       10 ** (rng.uniform(-RAISED_JITTER_DB, RAISED_JITTER_DB) / 20) for _ in tr["clips"]]
    return turns


def solve_phrase_gains(calm8, pieces, phrase_spans, calm_mask, delta, scale):
    """Gains of the raised phrases (pieces: (start, rendering at CLIP_DBFS))
    that put each phrase's median window level ``delta`` dB above the calm
    median.  Returns (customer channel, its truth-active frames, frame powers,
    calm median, achieved dB per phrase), all measured on that channel."""
    gains = [10 ** (delta / 20) if delta is not None else 0.0 for _ in pieces]
    steps, previous = [1.0] * len(pieces), [0.0] * len(pieces)
    for iteration in range(SOLVE_ITERATIONS):
        cus = calm8.copy()
        for g, (at, y) in zip(gains, pieces):
            cus[at:at + len(y)] += g * y
        cus *= scale
        powers = frame_powers(cus)
        active = truth_rule(powers)
        win = window_db(powers)
        median = float(np.median(win[active & calm_mask]))
        achieved = []
        for a, b in phrase_spans:
            sel = win[a:b][active[a:b]]
            achieved.append(float(np.median(sel)) - median if sel.size else -200.0)
        if delta is None:
            break
        errors = [x - delta for x in achieved]
        if max(abs(e) for e in errors) <= 0.02 or iteration == SOLVE_ITERATIONS - 1:
            break
        for i, e in enumerate(errors):
            # the measure jumps when a frame joins or leaves the truth: halve
            # the step of a phrase whose error changed sign
            if e * previous[i] < 0:
                steps[i] *= 0.5
            previous[i] = e
            gains[i] *= 10 ** (-steps[i] * e / 20)
    return cus, active, powers, median, achieved


def build_raised_call(material, split, call_id, customer, advisor, delta, snr, noise_kind, out_dir):
    """One call of the raised set (a later seeded plan if one misses a check)."""
    return with_attempts(call_id, lambda attempt: raised_attempt(
        material, split, call_id, customer, advisor, delta, snr, noise_kind, out_dir, attempt))


def raised_attempt(material, split, call_id, customer, advisor, delta, snr, noise_kind, out_dir, attempt):
    rng = call_rng(call_id, attempt)
    raised = delta is not None
    turns = plan_raised_turns(rng, call_id, material, customer, advisor, raised)
    n8 = call_length(turns[-1]["end"])
    n_frames = n8 // F8

    def items(select):
        return [(c.line, at - PAD8, g) for tr in turns if select(tr)
                for (c, at), g in zip(tr["clips"], tr["gains"])]

    adv8 = place(n8, items(lambda tr: tr["party"] == ADVISOR))
    calm8 = place(n8, items(lambda tr: tr["party"] == CUSTOMER and tr["kind"] == "calm"))
    phrases = [tr for tr in turns if tr["kind"] == "raised"]
    pieces = [(tr["clips"][0][1] - PAD8, tr["clips"][0][0].line) for tr in phrases]
    phrase_spans = [frame_span(tr["start"], tr["end"] - tr["start"]) for tr in phrases]
    calm_mask = span_mask(n_frames, [frame_span(at, c.n8) for tr in turns
                                     if tr["party"] == CUSTOMER and tr["kind"] == "calm"
                                     for c, at in tr["clips"]])
    noise = NOISE.stretches(rng, noise_kind, n8)

    scale = 1.0
    for _ in range(5):
        cus, active, powers, median, achieved = solve_phrase_gains(
            calm8, pieces, phrase_spans, calm_mask, delta, scale)
        adv = scale * adv8
        adv_powers = frame_powers(adv)
        adv_active = truth_rule(adv_powers)
        p_ref = {CUSTOMER: mean_db(powers, active & calm_mask), ADVISOR: mean_db(adv_powers, adv_active)}
        out, smaller = finish_channels({ADVISOR: adv, CUSTOMER: cus}, p_ref, snr, noise,
                                       RAISED_BLEED_DB, scale)
        if out is not None:
            break
        scale = smaller
    else:
        fail(f"{call_id}: still clipping after scaling the call down")

    events = []
    for tr, (a, b), dx in zip(phrases, phrase_spans, achieved):
        at = f"the raised phrase at {tr['start'] / LINE_RATE:.2f} s"
        sp = active_span(active, a, b)
        if sp is None:
            raise Redo(f"{at} has no truth-active frames")
        if abs(dx - delta) > RAISED_TOLERANCE_DB:
            raise Redo(f"{at} is {dx:.2f} dB above the calm median, not {delta} +- {RAISED_TOLERANCE_DB} dB")
        events.append({"type": "energySpike", "party": CUSTOMER, "startSeconds": sec(sp[0]),
                       "endSeconds": sec(sp[1]), "dbAboveMedian": r2(dx)})
    if raised:
        before = int(np.count_nonzero(active[:phrase_spans[0][0]])) * FRAME_SECONDS
        if before < OPENING_MIN_TRUTH_SECONDS:
            raise Redo(f"only {before:.2f} s of customer speech before the first raised phrase")
    condition = {"name": (f"raised +{delta} dB, " if raised else "calm, ") + f"{snr} dB SNR, {noise_kind}",
                 "snrDb": snr, "bleedDb": RAISED_BLEED_DB, "echoDelaySeconds": ECHO_DELAY_SECONDS,
                 "mulaw": True, "sampleRateHz": LINE_RATE, "noise": noise_kind, "split": split,
                 "notes": ("SNR over the customer's calm truth-active speech (advisor channel: all of "
                           "the advisor's truth-active speech); a raised phrase's level is its median "
                           "300 ms window level, relative to the median window level of the calm speech")}
    if raised:
        condition["raisedDb"] = delta
    doc = truth_document(call_id, "raised" if raised else "calm", condition, n8,
                         {ADVISOR: adv_active, CUSTOMER: active}, not raised, events)
    doc.update({
        "customerMedianWindowDb": r2(median),
        "speakers": {ADVISOR: advisor, CUSTOMER: customer},
        "callGainDb": r2(20 * math.log10(scale)),
        "planAttempt": attempt,
        "utterances": utterances(turns),
    })
    write_call(out_dir, call_id, out, doc)
    return {"snr": snr, "delta": delta, "gainDb": 20 * math.log10(scale), "seconds": n8 / LINE_RATE,
            "attempt": attempt, "split": split}


def raised_plan(split):
    """[(callId, customer, advisor, delta or None, snr, noise)] of the split."""
    speakers = SPLITS[split]

    def partners(n):                     # customer cycles; the advisor is another speaker
        cus = n % len(speakers)
        adv = (cus + 1 + (n // len(speakers)) % (len(speakers) - 1)) % len(speakers)
        return speakers[cus], speakers[adv]

    out = []
    for delta in RAISED_DB:
        for snr in RAISED_SNR:
            for j in range(RAISED_CALLS_PER_CONDITION):
                out.append((f"raised-{split}-p{delta}-snr{snr}-{j}", *partners(len(out)), delta, snr,
                            "pink" if j % 2 == 0 else "white"))
    for m in range(CALM_CALLS):
        snr = RAISED_SNR[m % len(RAISED_SNR)]
        out.append((f"calm-{split}-snr{snr}-{m}", *partners(m), None, snr, "pink" if m % 2 == 0 else "white"))
    return out


def build_raised_set(material, out_dir):
    os.makedirs(out_dir)
    calls, stats = [], []
    for split in SPLITS:
        for call_id, customer, advisor, delta, snr, noise_kind in raised_plan(split):
            stats.append(build_raised_call(material, split, call_id, customer, advisor, delta, snr,
                                           noise_kind, out_dir))
            calls.append({"callId": call_id, "set": "raised", "split": split,
                          "file": f"raised/{call_id}.wav", "truth": f"raised/{call_id}.truth.json"})
    summary = (f"{len(calls)} calls ("
               + ", ".join(f"{s} {count(stats, 'split', s)}" for s in SPLITS)
               + f"; raised {sum(1 for s in stats if s['delta'] is not None)}: "
               + ", ".join(f"+{d} dB {count(stats, 'delta', d)}" for d in RAISED_DB)
               + f"; calm {count(stats, 'delta', None)}; SNR "
               + ", ".join(f"{v} dB: {count(stats, 'snr', v)}" for v in RAISED_SNR)
               + f"; {min(s['seconds'] for s in stats):.0f}-{max(s['seconds'] for s in stats):.0f} s each"
               + f"; {sum(1 for s in stats if s['attempt'])} replanned)")
    return calls, summary, clipping_warning(stats)


# ---------------------------------------------------------------- output folder

def read_manifest(out):
    try:
        with open(os.path.join(out, "manifest.json")) as f:
            m = json.load(f)
        return m if isinstance(m, dict) and m.get("schema") == SCHEMA else None
    except (OSError, ValueError):
        return None


def matches(m, gen_sha, in_sha):
    return m is not None and m.get("generatorSha256") == gen_sha and m.get("inputsSha256") == in_sha


def up_to_date(out, gen_sha, in_sha, sets):
    m = read_manifest(out)
    if not matches(m, gen_sha, in_sha):
        return False
    calls = m.get("calls", [])
    if not set(sets) <= {c.get("set") for c in calls}:
        return False
    return all(os.path.isfile(os.path.join(out, c["file"])) and os.path.isfile(os.path.join(out, c["truth"]))
               for c in calls)


def remove_stale(directory, pattern):
    """Folders in ``directory`` matching ``pattern`` (group 1: a process id)
    whose process is gone: left behind by killed runs."""
    if not os.path.isdir(directory):
        return
    for name in os.listdir(directory):
        m = re.fullmatch(pattern, name)
        if not m or int(m.group(1)) == os.getpid():
            continue
        try:
            os.kill(int(m.group(1)), 0)
        except ProcessLookupError:
            shutil.rmtree(os.path.join(directory, name), ignore_errors=True)
        except (PermissionError, OverflowError):
            pass


def commit(tmp, out, gen_sha, in_sha, sets):
    """Rename the finished temporary folder into place (the rename is the commit)."""
    if up_to_date(out, gen_sha, in_sha, sets):        # a concurrent run got there first
        shutil.rmtree(tmp)
        return
    old = f"{out}.old-{os.getpid()}"
    try:
        os.rename(out, old)
    except FileNotFoundError:
        old = None
    try:
        os.rename(tmp, out)
    except OSError:
        if not up_to_date(out, gen_sha, in_sha, sets):
            fail(f"cannot rename {tmp} to {out}")
        shutil.rmtree(tmp)
    if old:
        shutil.rmtree(old, ignore_errors=True)


# ---------------------------------------------------------------- main

STEMS_DIR = None  # --stems


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=os.path.join(REPO, "..", "shared", "data"),
                    help="shared data folder with emodb/ and ami/ (default: ../shared/data)")
    ap.add_argument("--out", default=os.path.join(REPO, ".build-realspeech"),
                    help="output folder (default: .build-realspeech in the repository)")
    ap.add_argument("--only", choices=("far", "raised"), help="build one set only (an existing "
                    "up-to-date build of the other set is kept)")
    ap.add_argument("--force", action="store_true", help="rebuild even when the manifest is up to date")
    ap.add_argument("--quiet", action="store_true", help="print errors only")
    ap.add_argument("--stems", help="also write each far call's clean sources here (see the docstring)")
    args = ap.parse_args()
    if args.stems:
        global STEMS_DIR
        STEMS_DIR = os.path.abspath(args.stems)
        os.makedirs(STEMS_DIR, exist_ok=True)
    say = (lambda *a: None) if args.quiet else (lambda *a: print(*a, flush=True))

    if shutil.which("sox") is None:
        fail("sox is not installed (apt-get install sox libsox-fmt-all)")
    data, out = os.path.abspath(args.data), os.path.abspath(args.out)
    if not os.path.isdir(data):
        fail(f"data folder {data} not found (see --data)")
    names = input_files(data)
    gen_sha, in_sha = generator_sha256(), inputs_sha256(data, names)
    sets = [args.only] if args.only else ["far", "raised"]
    remove_stale(os.path.dirname(out), re.escape(os.path.basename(out)) + r"\.(?:tmp|old)-(\d+)")
    remove_stale(tempfile.gettempdir(), r"attune-realspeech-(\d+)-.*")
    if not args.force and up_to_date(out, gen_sha, in_sha, sets):
        say(f"{PROG}: up to date ({out})")
        return

    os.makedirs(os.path.dirname(out), exist_ok=True)
    tmp = f"{out}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    Scratch.root = tempfile.mkdtemp(prefix=f"attune-realspeech-{os.getpid()}-")
    try:
        started = time.monotonic()
        version = sox_version()
        material = Material(data)
        material.self_check()
        preparing = time.monotonic() - started
        calls = []
        old = read_manifest(out)
        for name in ("far", "raised"):
            started = time.monotonic()
            if name not in sets:
                kept = [c for c in old["calls"] if c.get("set") == name] \
                    if matches(old, gen_sha, in_sha) else []
                if kept and os.path.isdir(os.path.join(out, name)):
                    shutil.copytree(os.path.join(out, name), os.path.join(tmp, name))
                    calls += kept
                    say(f"{PROG}: {name}: kept {len(kept)} calls of the existing build")
                continue
            build = build_far_set if name == "far" else build_raised_set
            made, summary, warning = build(material, os.path.join(tmp, name))
            calls += made
            if warning:
                say(f"{PROG}: warning: {name}: {warning}")
            say(f"{PROG}: {name}: {summary} in {time.monotonic() - started:.1f} s"
                + (f" (+ {preparing:.1f} s decoding and rendering the clips)" if preparing else ""))
            preparing = 0.0
        write_json(os.path.join(tmp, "manifest.json"), {
            "schema": SCHEMA, "generatorSha256": gen_sha, "inputsSha256": in_sha,
            "soxVersion": version, "calls": calls})
        commit(tmp, out, gen_sha, in_sha, sets)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(Scratch.root, ignore_errors=True)


if __name__ == "__main__":
    main()
