#!/usr/bin/env python3
"""Generate Attune's labelled test calls (audio + truth) into fixtures/calls/.

Usage:  python3 Scripts/make_fixtures.py [--out DIR] [--verbose] [--keep-temp]
        (or Scripts/make-fixtures.sh).  Needs python3, espeak-ng and sox (with
        libsox-fmt-all for FLAC); takes well under a minute.

Standard library only.  Speech comes from espeak-ng (``-w file.wav``); sox does
the filtering, resampling, mu-law encoding and FLAC writing.  Everything else
(placing clips on a timeline, cutting, mixing, noise, hum, clicks, truth) is
done here with ``array``/``wave``/``math``.  All randomness comes from
``random.Random`` with fixed seeds, sums use ``math.fsum``, sox runs with
``-R -D`` (repeatable, no dither) and FLAC is written with explicit options
(16-bit, compression level 8, a fixed comment), so two runs produce
byte-identical files on the same machine.

Scenarios
---------
A scenario is a list of *items* (see ``CALM`` and ``HEATED``).  Every item is
one espeak-ng utterance by one party (advisor = channel 0, ``en-us+m3``;
customer = channel 1, ``en-gb+f3``; 170 wpm) and says where it goes:

* ``say(party, text, after=g)``      starts ``g`` s after the end of everything
                                      placed so far (a turn after a silence);
* ``say(..., dead_air=True)``        the same, and the silence before it is a
                                      designed dead air (hold) of ``g`` s;
* ``raised(party, text, after=g)``   like ``say`` but a raised voice: espeak
                                      pitch 70, 185 wpm, +12 dB;
* ``backchannel(party, text, into=t)`` starts ``t`` s into the other party's
                                      current utterance, which carries on;
* ``interrupt(party, text, into=t, cut=c)`` starts ``t`` s into the other
                                      party's current utterance; that utterance
                                      is cut off (15 ms fade) about ``c`` s later
                                      (0.5-1.0 s, at a point inside speech);
* ``overlap(party, text, into=t)``   starts ``t`` s (< 1 s) into the other
                                      party's current utterance and neither is
                                      cut: overtalk that is not an interruption.

Each clip is band-limited (300-3400 Hz), resampled to the 16 kHz master rate,
normalised to an active-speech RMS of -26 dBFS (raised: -14 dBFS, peak-limited
so that nothing reaches -1 dBFS), trimmed, and pauses inside it longer than
200 ms are shortened to 150 ms so that one utterance is one talk segment.  The
two channels of a scenario are built once on the 16 kHz master timeline and
band-limited again: these are the *clean telephone-band channels*.

Truth (from the clean telephone-band channels at 16 kHz, before any noise,
bleed or hum; the same for every condition of a scenario)
----------------------------------------------------------------------------
Per channel: 10 ms non-overlapping frames; frame level = RMS in dBFS;
L_ref = median level of the frames above -70 dBFS; a frame is active iff its
level >= L_ref - 35 dB.  Active runs separated by gaps < 300 ms are merged and
runs shorter than 100 ms dropped: these are the party's *segments* (seconds,
on 10 ms frame edges).  For a mono call ``segments.mixed`` is the union of
both parties' segments, re-merged with the same 300 ms / 100 ms rules.
* overtalkSeconds: total time both parties' segments overlap;
* overtalk event: every overlap run >= 0.3 s; initiator = the party whose
  segment started second;
* deadAir event: every run >= 3.0 s in which neither party has a segment,
  excluding the leading and trailing silence of the call;
* interruption {party: interrupter}: the overtalk run a designed
  interruption creates; backchannel {party}: the backchannel's segment;
  energySpike {party}: first to last truth-active frame of a raised phrase.

``verify`` stops the script with an error unless, on the truth segments:
every utterance is exactly one segment and every segment an utterance; each
interruption's interrupter starts >= 1.5 s into the other's segment, the other
stops 0.4-1.5 s later and the interrupter talks on >= 1.5 s (so it meets the
DESIGN rule "other talked >= 1 s, stops within 2 s" with margin); every other
overtalk run misses that rule by a margin (other talked <= 0.6 s, or talks on
>= 2.5 s); each backchannel segment is < 0.8 s and lies >= 1.5 s inside the
other's segment; no overtalk run is undesigned or shorter than 0.4 s; the
silences between turns are either dead air (>= 3.5 s, as many as designed)
or < 2.6 s; the call starts >= 0.4 s and ends >= 0.5 s away from speech;
normal utterances sit at -26 +- 2 dBFS and raised ones at -14 +- 1.5 dBFS;
no channel peaks at or above -1 dBFS; separate events are >= 2 s apart.

SNR definition
--------------
SNR = 10*log10(P_speech / P_noise) per channel, where P_speech is the mean
power of that channel's clean telephone-band speech over its truth-active
frames (measured at the file's sample rate) and P_noise is the mean power of
the white Gaussian noise, band-limited to 300-3400 Hz, added to that channel.
Raised phrases count in P_speech, so in the heated call the customer's noise
sits about 7 dB closer to their normal-level speech than the nominal SNR; each
truth file's notes give both figures (``SNR_REFERENCE`` switches to
normal-level speech only).

Conditions (see ``CONDITIONS``; telephone band = 300-3400 Hz, then 8 kHz)
--------------------------------------------------------------------------
heated-clean            stereo FLAC 16-bit
heated-snr25/15/10      + noise at 25/15/10 dB SNR per channel
heated-bleed            + the other channel's clean signal at -20 dB, 40 ms
                          late, low-passed at 3 kHz; + noise at 30 dB SNR
heated-mulaw            + noise at 30 dB SNR, stored as stereo mu-law WAV
heated-16k              telephone band kept at 16 kHz (same call as -clean)
heated-hum              + 50 Hz hum and harmonics at -40 dBFS RMS, DC +0.02,
                          6 single-sample +-0.5 clicks per channel (one in
                          each sixth of the call, seeded; times in the notes),
                          noise at 30 dB SNR
calm-clean, calm-snr10, calm-bleed   as for heated
calm-twoleg             two mono FLAC legs (.advisor.flac, .customer.flac)
calm-mono               0.7*advisor + 0.7*customer, one mono FLAC

Each call has ``<stem>.truth.json`` (schema ``attune.truth/1``, keys sorted,
floats rounded to 3 decimals) next to its audio.
"""

import argparse
import array
import json
import math
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import wave
import zlib

SEED = 1234
MASTER_RATE = 16000
FRAME_SECONDS = 0.010
LEAD_SECONDS = 0.5          # silence before the first utterance
TAIL_SECONDS = 0.6          # silence after the last utterance

ADVISOR, CUSTOMER = "advisor", "customer"
PARTIES = (ADVISOR, CUSTOMER)            # channel 0, channel 1
VOICES = {ADVISOR: "en-us+m3", CUSTOMER: "en-gb+f3"}
WPM = 170
RAISED_WPM = 185
RAISED_PITCH = 70

NORMAL_DBFS = -26.0
RAISED_GAIN_DB = 12.0
PEAK_LIMIT = 10 ** (-1.0 / 20)           # -1 dBFS: nothing may exceed it
LIMITER_CEILING = 10 ** (-4.5 / 20)      # raised clips are limited to -4.5 dBFS
FADE_SECONDS = 0.015

# truth rules
FLOOR_DBFS = -70.0
ACTIVE_BELOW_REF_DB = 35.0
MERGE_GAP_FRAMES = 30                    # gaps < 300 ms are merged
MIN_SEGMENT_FRAMES = 10                  # segments < 100 ms are dropped
OVERTALK_MIN_FRAMES = 30                 # overtalk events >= 0.3 s
DEAD_AIR_MIN_FRAMES = 300                # dead air >= 3.0 s

# construction margins checked by verify()
INTERRUPT_RULE_TALKED = 1.0              # DESIGN: other talked >= 1 s ...
INTERRUPT_RULE_STOPS = 2.0               # ... and stops within 2 s
BACKCHANNEL_RULE_MAX = 1.0               # DESIGN: burst < 1 s
MAX_ORDINARY_SILENCE = 2.6
EVENT_SEPARATION = 2.0


# ---------------------------------------------------------------- scenarios

def say(party, text, after, dead_air=False):
    return {"kind": "say", "party": party, "text": text, "after": after,
            "deadAir": dead_air, "style": "normal"}


def raised(party, text, after):
    return {"kind": "say", "party": party, "text": text, "after": after,
            "deadAir": False, "style": "raised"}


def backchannel(party, text, into):
    return {"kind": "backchannel", "party": party, "text": text, "into": into,
            "style": "backchannel"}


def interrupt(party, text, into, cut):
    return {"kind": "interrupt", "party": party, "text": text, "into": into,
            "cut": cut, "style": "interrupter"}


def overlap(party, text, into):
    return {"kind": "overlap", "party": party, "text": text, "into": into,
            "style": "normal"}


A, C = ADVISOR, CUSTOMER

CALM = [
    say(A, "Northwind Energy, Daniel speaking, how can I help?",
        after=LEAD_SECONDS),
    say(C, "Hi Daniel. I've just moved house, and I'd like to move my account "
           "to the new address, please.", after=1.0),
    backchannel(A, "Mm-hm.", into=1.8),
    say(A, "Of course. Can I take your account number?", after=1.0),
    say(C, "It's four seven two, nine one eight.", after=1.2),
    say(A, "Thanks, let me bring up the form.", after=0.9),
    say(A, "Thanks for waiting. What's the new address?", after=4.5, dead_air=True),
    say(C, "It's forty Mill Road in Bath, and we got the keys on Friday "
           "morning, so", after=1.1),
    interrupt(A, "Sorry to jump in, do you have the postcode?", into=2.1, cut=0.7),
    say(C, "It's B A two, four H Q.", after=0.9),
    say(C, "Will my direct debit still come out on the same date every month?",
        after=2.0),
    overlap(A, "So the next thing I need is", into=0.4),
    say(A, "Sorry, go ahead. Yes, it stays on the fifteenth of each month, "
           "as before.", after=1.0),
    backchannel(C, "Okay.", into=1.8),
    say(C, "Perfect, thank you.", after=1.0),
    say(A, "You're welcome, goodbye.", after=0.9),
]

HEATED = [
    say(A, "Northwind Energy, Daniel speaking.", after=LEAD_SECONDS),
    say(C, "My bill has doubled since last month, and nobody has bothered to "
           "tell me why.", after=0.6),
    backchannel(A, "Mm-hm.", into=1.6),
    say(A, "I'm sorry to hear that. First I need to ask you some security "
           "questions.", after=0.6),
    interrupt(C, "I've done security twice today, I want an answer.",
              into=2.0, cut=0.6),
    say(A, "Right, the last two readings were estimated, which is why it "
           "went up.", after=4.5, dead_air=True),
    interrupt(C, "Estimated? I sent you a reading in March!", into=2.0, cut=0.6),
    raised(C, "This is the third time I've called!", after=0.75),
    say(A, "I do apologise. If you give me today's reading, I can correct "
           "the bill right now.", after=0.6),
    backchannel(C, "Mm-hm.", into=1.6),
    say(C, "It's four five six seven, and I'm thinking of switching supplier.",
        after=0.6),
    interrupt(A, "I understand, I'll sort the refund today.", into=2.0, cut=0.6),
    raised(C, "You said that last time!", after=0.6),
    say(A, "Let me check, please hold.", after=0.6),
    say(A, "Thanks for holding. The refund takes three to five days.",
        after=6.0, dead_air=True),
    raised(C, "Three to five days? This is ridiculous!", after=0.6),
]

SCENARIOS = {"calm": CALM, "heated": HEATED}

# what the truth of each scenario must contain (checked by verify)
EXPECTED_EVENTS = {
    "calm": {"overtalk": 4, "interruption": 1, "backchannel": 2, "deadAir": 1, "energySpike": 0},
    "heated": {"overtalk": 5, "interruption": 3, "backchannel": 2, "deadAir": 2, "energySpike": 3},
}

# ---------------------------------------------------------------- conditions

def condition(stem, scenario, name, notes, rate=8000, layout="stereo",
              snr=None, bleed=False, mulaw=False, hum=False):
    return {"stem": stem, "scenario": scenario, "name": name, "notes": notes,
            "rate": rate, "layout": layout, "snr": snr, "bleed": bleed,
            "mulaw": mulaw, "hum": hum}


BLEED_DB = -20.0
ECHO_DELAY_SECONDS = 0.040
BLEED_LOWPASS_HZ = 3000
# Which frames define P_speech for the SNR: "allActive" (the brief's definition:
# every truth-active frame, raised phrases included) or "normalLevel" (only the
# frames of utterances that are not raised).
SNR_REFERENCE = "allActive"
HUM_DBFS = -40.0
HUM_HARMONICS = ((1, 1.0), (2, 0.5), (3, 0.35), (4, 0.2), (5, 0.15))
DC_OFFSET = 0.02
CLICKS_PER_CHANNEL = 6
CLICK_AMPLITUDE = 0.5

TEL = "telephone band 300-3400 Hz"
CONDITIONS = [
    condition("heated-clean", "heated", "clean", f"{TEL}, 8 kHz, stereo FLAC 16-bit"),
    condition("heated-snr25", "heated", "snr25", f"{TEL}, 8 kHz, white noise (band-limited) at 25 dB SNR per channel", snr=25),
    condition("heated-snr15", "heated", "snr15", f"{TEL}, 8 kHz, white noise (band-limited) at 15 dB SNR per channel", snr=15),
    condition("heated-snr10", "heated", "snr10", f"{TEL}, 8 kHz, white noise (band-limited) at 10 dB SNR per channel", snr=10),
    condition("heated-bleed", "heated", "bleed",
              f"{TEL}, 8 kHz; each channel also carries the other channel's clean signal at -20 dB, "
              f"delayed 40 ms and low-passed at 3 kHz (crosstalk/echo), plus noise at 30 dB SNR", snr=30, bleed=True),
    condition("heated-mulaw", "heated", "mulaw",
              f"{TEL}, 8 kHz, noise at 30 dB SNR, stored as stereo G.711 mu-law WAV", snr=30, mulaw=True),
    condition("heated-16k", "heated", "16k",
              f"{TEL} kept at 16 kHz, stereo FLAC 16-bit; same call as heated-clean", rate=16000),
    condition("heated-hum", "heated", "hum",
              f"{TEL}, 8 kHz; + 50 Hz hum with harmonics at -40 dBFS RMS, DC offset +0.02, "
              f"6 single-sample +-0.5 clicks per channel, noise at 30 dB SNR", snr=30, hum=True),
    condition("calm-clean", "calm", "clean", f"{TEL}, 8 kHz, stereo FLAC 16-bit"),
    condition("calm-snr10", "calm", "snr10", f"{TEL}, 8 kHz, white noise (band-limited) at 10 dB SNR per channel", snr=10),
    condition("calm-bleed", "calm", "bleed",
              f"{TEL}, 8 kHz; each channel also carries the other channel's clean signal at -20 dB, "
              f"delayed 40 ms and low-passed at 3 kHz (crosstalk/echo), plus noise at 30 dB SNR", snr=30, bleed=True),
    condition("calm-twoleg", "calm", "twoleg", f"{TEL}, 8 kHz, two mono FLAC legs", layout="twoLeg"),
    condition("calm-mono", "calm", "mono",
              f"both clean channels summed (0.7 each) into one mono channel, {TEL}, 8 kHz mono FLAC",
              layout="mono"),
]


# ---------------------------------------------------------------- helpers

def fail(message):
    raise SystemExit(f"make_fixtures: FAILED: {message}")


def run(cmd):
    result = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if result.returncode != 0:
        fail(f"{' '.join(cmd)}\n{result.stderr.decode(errors='replace')}")
    return result.stdout.decode(errors="replace")


class Tmp:
    """Numbered scratch files in one temporary directory."""

    def __init__(self, root):
        self.root, self.n = root, 0

    def path(self, suffix):
        self.n += 1
        return os.path.join(self.root, f"t{self.n:05d}{suffix}")


def write_f32(path, x):
    a = array.array("f", x)
    if sys.byteorder == "big":
        a.byteswap()
    with open(path, "wb") as f:
        f.write(a.tobytes())


def read_f32(path):
    a = array.array("f")
    with open(path, "rb") as f:
        a.frombytes(f.read())
    if sys.byteorder == "big":
        a.byteswap()
    return list(a)


RAW_F32 = ["-t", "raw", "-e", "floating-point", "-b", "32", "-L"]


def sox_samples(tmp, x, rate, effects):
    """Run mono float samples through sox effects; returns float samples."""
    src, dst = tmp.path(".f32"), tmp.path(".f32")
    write_f32(src, x)
    run(["sox", "-R", "-D", "-V1"] + RAW_F32 + ["-c", "1", "-r", str(rate), src]
        + RAW_F32 + [dst] + effects)
    return read_f32(dst)


def db(power):
    return 10.0 * math.log10(power) if power > 0 else -200.0


def frame_powers(x, n):
    return [math.fsum(v * v for v in x[i:i + n]) / n
            for i in range(0, len(x) - n + 1, n)]


def truth_active(x, rate):
    """Per 10 ms frame: is it active by the truth rule (see docstring)."""
    levels = [db(p) for p in frame_powers(x, int(rate * FRAME_SECONDS))]
    above = [lv for lv in levels if lv > FLOOR_DBFS]
    if not above:
        return [False] * len(levels)
    ref = statistics.median(above)
    return [lv >= ref - ACTIVE_BELOW_REF_DB for lv in levels]


def runs_of(flags):
    """[start, end) index runs where flags is true."""
    out, start = [], None
    for i, f in enumerate(flags):
        if f and start is None:
            start = i
        elif not f and start is not None:
            out.append([start, i])
            start = None
    if start is not None:
        out.append([start, len(flags)])
    return out


def merge_runs(runs):
    merged = []
    for s, e in runs:
        if merged and s - merged[-1][1] < MERGE_GAP_FRAMES:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return [r for r in merged if r[1] - r[0] >= MIN_SEGMENT_FRAMES]


def intersect(a, b):
    out, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        s, e = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if s < e:
            out.append([s, e])
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def union(a, b):
    out = []
    for s, e in sorted(a + b):
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return out


def containing(segs, frame):
    for seg in segs:
        if seg[0] <= frame < seg[1]:
            return seg
    return None


def sec(frames):
    return round(frames * FRAME_SECONDS, 3)


# ---------------------------------------------------------------- speech clips

def espeak_version():
    """'eSpeak NG text-to-speech: 1.51  Data at: ...' -> '1.51'."""
    text = run(["espeak-ng", "--version"])
    m = re.search(r"text-to-speech:\s*(\S+)", text)
    if not m:
        fail(f"cannot read the espeak-ng version from {text!r}")
    return m.group(1)


def synthesize(tmp, item):
    """espeak-ng -> band-limited 16 kHz float samples (unnormalised)."""
    wav = tmp.path(".wav")
    is_raised = item["style"] == "raised"
    cmd = ["espeak-ng", "-v", VOICES[item["party"]],
           "-s", str(RAISED_WPM if is_raised else WPM), "-w", wav]
    if is_raised:
        cmd += ["-p", str(RAISED_PITCH)]
    run(cmd + [item["text"]])
    dst = tmp.path(".f32")
    run(["sox", "-R", "-D", "-V1", wav] + RAW_F32 + [dst]
        + ["vol", "0.5", "sinc", "300-3400", "rate", "-v", str(MASTER_RATE)])
    return read_f32(dst)


def clip_active_rms_db(x, target_db):
    """Active-speech RMS of a clip (in its own scale) as the truth will see it
    once the clip is scaled to ``target_db``: the frames that will then lie
    above about the channel's truth threshold (normal level - 37 dB)."""
    n = int(MASTER_RATE * FRAME_SECONDS)
    powers = frame_powers(x, n)
    gate_db = NORMAL_DBFS - ACTIVE_BELOW_REF_DB - 2.0
    level = db(max(powers)) - 10.0
    for _ in range(6):
        gain_db = target_db - level
        active = [p for p in powers if db(p) + gain_db >= gate_db]
        level = db(math.fsum(active) / len(active))
    return level


def scale(x, gain):
    return [v * gain for v in x]


def limit_peaks(x, ceiling):
    """Block peak limiter: gain per 10 ms block = the smallest gain any sample
    in that block or its neighbours needs; linear interpolation between block
    centres, so no sample ends above the ceiling."""
    n = int(MASTER_RATE * FRAME_SECONDS)
    nb = (len(x) + n - 1) // n
    need = [min([1.0] + [ceiling / abs(v) for v in x[b * n:(b + 1) * n] if v]) for b in range(nb)]
    g = [min(need[max(0, b - 1):b + 2]) for b in range(nb)]
    out = []
    for i, v in enumerate(x):
        pos = (i - n / 2) / n
        b0 = max(0, min(nb - 1, math.floor(pos)))
        b1 = min(nb - 1, b0 + 1)
        t = min(1.0, max(0.0, pos - b0))
        out.append(v * (g[b0] * (1 - t) + g[b1] * t))
    return out


def to_level(x, target_db):
    return scale(x, 10 ** ((target_db - clip_active_rms_db(x, target_db)) / 20))


def normalise(tmp, x, target_db, raised_voice):
    """Scale to the target active level.  A raised clip is peak-limited and
    band-limited again a few times, so it reaches +12 dB without clipping."""
    x = to_level(x, target_db)
    if raised_voice:
        for _ in range(4):
            x = limit_peaks(x, LIMITER_CEILING)
            x = sox_samples(tmp, x, MASTER_RATE, ["sinc", "300-3400"])
            x = to_level(x, target_db)
    return x


def trim(x, threshold=1e-4):
    idx = [i for i, v in enumerate(x) if abs(v) >= threshold]
    return x[idx[0]:idx[-1] + 1]


def shorten_pauses(x, quiet_dbfs=-50.0, longest=20, keep_head=8, keep_tail=7):
    """Inside a clip, quiet runs (frames < -50 dBFS) longer than 200 ms are
    cut down to 150 ms, so one utterance stays one truth segment."""
    n = int(MASTER_RATE * FRAME_SECONDS)
    quiet = [db(p) < quiet_dbfs for p in frame_powers(x, n)]
    drop = set()
    for s, e in runs_of(quiet):
        if s > 0 and e < len(quiet) and e - s > longest:
            drop.update(range(s + keep_head, e - keep_tail))
    out = []
    for f in range(0, (len(x) + n - 1) // n):
        if f not in drop:
            out.extend(x[f * n:(f + 1) * n])
    return out


def make_clip(tmp, item):
    x = synthesize(tmp, item)
    is_raised = item["style"] == "raised"
    target = NORMAL_DBFS + (RAISED_GAIN_DB if is_raised else 0.0)
    x = normalise(tmp, x, target, is_raised)
    x = shorten_pauses(trim(x))
    peak = max(abs(v) for v in x)
    if peak >= PEAK_LIMIT:
        fail(f"clip peak {db(peak * peak):.1f} dBFS >= -1 dBFS: {item['text']!r}")
    return x


def cut_with_fade(x, at):
    fade = int(FADE_SECONDS * MASTER_RATE)
    out = x[:at]
    for k in range(fade):
        i = at - fade + k
        out[i] *= 0.5 * (1 + math.cos(math.pi * (k + 1) / fade))
    return out


def choose_cut(x, offset, nominal):
    """Sample index to cut the interrupted clip: as close to ``nominal`` s
    after the interrupter's start as possible (0.5-1.0 s) where the 50 ms
    before the cut are speech, so the truncation really ends a word."""
    n = int(MASTER_RATE * FRAME_SECONDS)
    candidates = sorted((round(0.5 + 0.05 * k, 2) for k in range(11)),
                        key=lambda c: (abs(c - nominal), c))
    for c in candidates:
        at = offset + int(round(c * MASTER_RATE))
        at -= at % n
        if at <= len(x) and all(db(p) > -40 for p in frame_powers(x[at - 5 * n:at], n)):
            return at, c
    fail("no usable cut point for an interruption")


# ---------------------------------------------------------------- timeline

def build_scenario(tmp, name, items):
    """Place every utterance on the 16 kHz master timeline.  Returns the two
    clean telephone-band channels and the list of placed utterances."""
    placed = []                           # dicts with item, start, samples
    current = {ADVISOR: None, CUSTOMER: None}   # last main utterance per party
    cursor = 0
    for item in items:
        clip = make_clip(tmp, item)
        party, other = item["party"], (CUSTOMER if item["party"] == ADVISOR else ADVISOR)
        if item["kind"] == "say":
            start = cursor + int(round(item["after"] * MASTER_RATE))
        else:
            ref = current[other]
            if ref is None:
                fail(f"{name}: {item['kind']} with no utterance of the {other} to refer to")
            start = ref["start"] + int(round(item["into"] * MASTER_RATE))
            start -= start % int(MASTER_RATE * FRAME_SECONDS)
            if item["kind"] == "interrupt":
                at, used = choose_cut(ref["samples"], start - ref["start"], item["cut"])
                ref["samples"] = cut_with_fade(ref["samples"], at)
                ref["style"] = "interrupted"
                item = dict(item, cutUsed=used)
        start -= start % int(MASTER_RATE * FRAME_SECONDS)     # frame aligned
        entry = {"item": item, "party": party, "start": start, "samples": clip,
                 "style": item["style"]}
        placed.append(entry)
        if item["kind"] != "backchannel":
            current[party] = entry
        cursor = max(p["start"] + len(p["samples"]) for p in placed)
    frame = int(MASTER_RATE * FRAME_SECONDS)
    total = cursor + int(TAIL_SECONDS * MASTER_RATE)
    total += (-total) % frame
    channels = {}
    for party in PARTIES:
        x = [0.0] * total
        for p in placed:
            if p["party"] == party:
                for i, v in enumerate(p["samples"]):
                    x[p["start"] + i] += v
        channels[party] = sox_samples(tmp, x, MASTER_RATE, ["sinc", "300-3400"])
    return channels, placed


# ---------------------------------------------------------------- truth

def compute_truth(name, channels, placed):
    rate = MASTER_RATE
    frame = int(rate * FRAME_SECONDS)
    n_frames = len(channels[ADVISOR]) // frame
    active = {p: truth_active(channels[p], rate) for p in PARTIES}
    segs = {p: merge_runs(runs_of(active[p])) for p in PARTIES}
    overlaps = intersect(segs[ADVISOR], segs[CUSTOMER])
    everyone = union(segs[ADVISOR], segs[CUSTOMER])
    silences = [[everyone[i][1], everyone[i + 1][0]] for i in range(len(everyone) - 1)]

    utterances = []
    for p in placed:
        s, e = p["start"], p["start"] + len(p["samples"])
        utterances.append({"party": p["party"], "text": p["item"]["text"], "style": p["style"],
                           "startSeconds": round(s / rate, 3), "endSeconds": round(e / rate, 3),
                           "_frames": [s // frame, -(-e // frame)], "_item": p["item"]})
    for u in utterances:          # active-speech level of each utterance
        fs, fe = u["_frames"]
        act = [f for f in range(fs, min(fe, n_frames)) if active[u["party"]][f]]
        x = channels[u["party"]]
        u["_level"] = db(math.fsum(math.fsum(v * v for v in x[f * frame:(f + 1) * frame])
                                   for f in act) / (frame * max(1, len(act))))

    events = []
    for s, e in overlaps:
        if e - s >= OVERTALK_MIN_FRAMES:
            a, c = containing(segs[ADVISOR], s), containing(segs[CUSTOMER], s)
            if a[0] == c[0]:
                fail(f"{name}: overtalk at {sec(s)} s has no initiator (both start together)")
            events.append({"type": "overtalk", "initiator": ADVISOR if a[0] > c[0] else CUSTOMER,
                           "startSeconds": sec(s), "endSeconds": sec(e), "_frames": [s, e]})
    for s, e in silences:
        if e - s >= DEAD_AIR_MIN_FRAMES:
            events.append({"type": "deadAir", "startSeconds": sec(s), "endSeconds": sec(e),
                           "_frames": [s, e]})
    for u in utterances:
        kind, (fs, fe) = u["_item"]["kind"], u["_frames"]
        if kind == "interrupt":
            run_ = next((o for o in overlaps if o[0] <= fs + 5 and o[1] > fs), None)
            if run_ is None:
                fail(f"{name}: interruption {u['text']!r} makes no overtalk")
            events.append({"type": "interruption", "party": u["party"],
                           "startSeconds": sec(run_[0]), "endSeconds": sec(run_[1]), "_frames": run_})
        elif kind == "backchannel":
            seg = containing(segs[u["party"]], fs + 2)
            if seg is None:
                fail(f"{name}: backchannel {u['text']!r} has no segment")
            events.append({"type": "backchannel", "party": u["party"],
                           "startSeconds": sec(seg[0]), "endSeconds": sec(seg[1]), "_frames": seg})
        elif u["style"] == "raised":
            act = [f for f in range(fs, min(fe, n_frames)) if active[u["party"]][f]]
            events.append({"type": "energySpike", "party": u["party"],
                           "startSeconds": sec(act[0]), "endSeconds": sec(act[-1] + 1),
                           "_frames": [act[0], act[-1] + 1]})
    order = {"overtalk": 0, "interruption": 1, "backchannel": 2, "deadAir": 3, "energySpike": 4}
    events.sort(key=lambda ev: (ev["startSeconds"], order[ev["type"]]))
    return {"nFrames": n_frames, "active": active, "segments": segs, "overlaps": overlaps,
            "silences": silences, "events": events, "utterances": utterances,
            "overtalkFrames": sum(e - s for s, e in overlaps)}


# ---------------------------------------------------------------- verification

def check_edges_and_peaks(truth, channels):
    segs, n_frames, out = truth["segments"], truth["nFrames"], []
    for p in PARTIES:
        if segs[p][0][0] < 40:
            out.append(f"{p} starts before 0.4 s")
        if n_frames - segs[p][-1][1] < 50:
            out.append(f"{p} ends less than 0.5 s before the end of the call")
        peak = max(abs(v) for v in channels[p])
        if peak >= PEAK_LIMIT:
            out.append(f"{p} channel peaks at {20 * math.log10(peak):.2f} dBFS (>= -1 dBFS)")
    return out


def check_one_segment_per_utterance(truth):
    segs, out = truth["segments"], []
    for u in truth["utterances"]:
        fs, fe = u["_frames"]
        inside = [sg for sg in segs[u["party"]] if sg[0] < fe and sg[1] > fs]
        if not (len(inside) == 1 and inside[0][0] <= fs + 3 and inside[0][1] >= fe - 3):
            out.append(f"utterance {u['text']!r} is not one segment: {inside} vs {fs}-{fe}")
    for p in PARTIES:
        for sg in segs[p]:
            if not any(u["party"] == p and u["_frames"][0] < sg[1] and u["_frames"][1] > sg[0]
                       for u in truth["utterances"]):
                out.append(f"stray {p} segment {sg}")
    return out


def overtalk_facts(segs, run_):
    """initiator, initiator's segment, other's segment, seconds the other had
    talked, seconds until the other stops, length of the initiator's burst."""
    s = run_[0]
    a, c = containing(segs[ADVISOR], s), containing(segs[CUSTOMER], s)
    initiator = ADVISOR if a[0] > c[0] else CUSTOMER
    mine, theirs = (a, c) if initiator == ADVISOR else (c, a)
    return (initiator, mine, theirs, (s - theirs[0]) * FRAME_SECONDS,
            (theirs[1] - s) * FRAME_SECONDS, (mine[1] - mine[0]) * FRAME_SECONDS)


def check_overtalk(truth):
    """Every overlap run is designed; designed interruptions meet the DESIGN
    interruption rule with margin, every other run misses it with margin."""
    segs, out, designed = truth["segments"], [], {}
    for u in truth["utterances"]:
        kind = u["_item"]["kind"]
        if kind in ("interrupt", "backchannel", "overlap"):
            run_ = next((o for o in truth["overlaps"]
                         if o[0] <= u["_frames"][0] + 5 and o[1] > u["_frames"][0]), None)
            if run_ is None:
                out.append(f"{kind} {u['text']!r} makes no overtalk")
            else:
                designed[tuple(run_)] = (kind, u)
        if kind == "backchannel" and (u["_frames"][1] - u["_frames"][0]) * FRAME_SECONDS >= 0.8:
            out.append(f"backchannel clip {u['text']!r} is 0.8 s or longer")
    for run_ in truth["overlaps"]:
        at = f"overtalk {sec(run_[0])}-{sec(run_[1])} s"
        if tuple(run_) not in designed:
            out.append(f"{at} is not designed")
            continue
        if run_[1] - run_[0] < 40:
            out.append(f"{at} is shorter than 0.4 s (too close to the 0.3 s event minimum)")
        kind, u = designed[tuple(run_)]
        initiator, mine, theirs, talked, stops, burst = overtalk_facts(segs, run_)
        rule = (talked >= INTERRUPT_RULE_TALKED and stops <= INTERRUPT_RULE_STOPS
                and burst >= BACKCHANNEL_RULE_MAX)
        if u["party"] != initiator:
            out.append(f"{at}: initiator is {initiator}, designed {u['party']}")
        if kind == "interrupt":
            if not (rule and talked >= 1.5 and 0.4 <= stops <= 1.5
                    and (mine[1] - run_[0]) * FRAME_SECONDS >= 1.5):
                out.append(f"{at}: interruption without margin (other talked {talked:.2f} s, "
                           f"stops after {stops:.2f} s, interrupter {burst:.2f} s)")
        elif rule or not (talked <= 0.6 or stops >= 2.5):
            out.append(f"{at} ({kind}) is too close to the interruption rule")
        if kind == "backchannel" and not (burst < 0.8 and theirs[0] <= mine[0] - 150
                                          and theirs[1] >= mine[1] + 150):
            out.append(f"{at}: backchannel {burst:.2f} s not 1.5 s inside the other's segment")
        if kind == "overlap" and burst < 1.2:
            out.append(f"{at}: burst {burst:.2f} s is too close to a backchannel")
    return out


def check_silences(truth, items):
    out = []
    dead = [sl for sl in truth["silences"] if sl[1] - sl[0] >= DEAD_AIR_MIN_FRAMES]
    n_dead = sum(1 for it in items if it.get("deadAir"))
    if len(dead) != n_dead:
        out.append(f"{len(dead)} dead airs, designed {n_dead}")
    for s, e in truth["silences"]:
        d = (e - s) * FRAME_SECONDS
        if not (d >= 3.5 or d < MAX_ORDINARY_SILENCE):
            out.append(f"silence {sec(s)}-{sec(e)} s ({d:.2f} s) is neither ordinary nor dead air")
    return out


def check_levels(truth):
    """Normal utterances steady near -26 dBFS, raised ones 12 dB above."""
    out = []
    for u in truth["utterances"]:
        lvl = u["_level"]
        if u["style"] == "raised":
            if abs(lvl - (NORMAL_DBFS + RAISED_GAIN_DB)) > 1.5:
                out.append(f"raised {u['text']!r} at {lvl:.1f} dBFS")
            if u["endSeconds"] - u["startSeconds"] < 1.0:
                out.append(f"raised {u['text']!r} shorter than 1 s")
        elif u["style"] != "interrupted" and abs(lvl - NORMAL_DBFS) > 2.0:
            out.append(f"{u['text']!r} at {lvl:.1f} dBFS, not about {NORMAL_DBFS}")
    return out


def check_separation(truth):
    """Separate events at least 2 s apart (an interruption or backchannel and
    its own overtalk event are one incident)."""
    events = truth["events"]
    incidents = [ev for ev in events if ev["type"] != "overtalk"]
    incidents += [ev for ev in events if ev["type"] == "overtalk"
                  and not any(o["_frames"] == ev["_frames"] for o in incidents)]
    incidents.sort(key=lambda ev: ev["_frames"][0])
    out = []
    for a, b in zip(incidents, incidents[1:]):
        gap = (b["_frames"][0] - a["_frames"][1]) * FRAME_SECONDS
        if gap < EVENT_SEPARATION:
            out.append(f"{a['type']} at {a['startSeconds']} s and {b['type']} at "
                       f"{b['startSeconds']} s are only {gap:.2f} s apart")
    return out


def check_counts(name, truth):
    counts = {k: 0 for k in EXPECTED_EVENTS[name]}
    for ev in truth["events"]:
        counts[ev["type"]] = counts.get(ev["type"], 0) + 1
    return [] if counts == EXPECTED_EVENTS[name] else \
        [f"event counts {counts}, expected {EXPECTED_EVENTS[name]}"]


def verify(name, items, channels, truth):
    """Fail loudly if the construction does not meet the fixture rules."""
    problems = (check_edges_and_peaks(truth, channels) + check_one_segment_per_utterance(truth)
                + check_overtalk(truth) + check_silences(truth, items) + check_levels(truth)
                + check_separation(truth) + check_counts(name, truth))
    if problems:
        fail(f"scenario {name}:\n  " + "\n  ".join(problems))


# ---------------------------------------------------------------- rendering the conditions

def resample(tmp, x, rate):
    if rate == MASTER_RATE:
        return list(x)
    return sox_samples(tmp, x, MASTER_RATE, ["rate", "-v", str(rate)])


def speech_power(x, active, rate):
    frame = int(rate * FRAME_SECONDS)
    frames = [f for f in range(min(len(active), len(x) // frame)) if active[f]]
    return math.fsum(math.fsum(v * v for v in x[f * frame:(f + 1) * frame]) for f in frames) \
        / (frame * len(frames))


def normal_frames(truth, party, active):
    """Truth-active frames of the party's utterances that are not raised."""
    keep = [False] * len(active)
    for u in truth["utterances"]:
        if u["party"] == party and u["style"] != "raised":
            fs, fe = u["_frames"]
            for f in range(fs, min(fe, len(active))):
                keep[f] = active[f]
    return keep


def seed_for(*parts):
    return SEED ^ zlib.crc32("/".join(parts).encode())


def band_noise(tmp, n, rate, seed):
    rng = random.Random(seed)
    white = [rng.gauss(0.0, 0.1) for _ in range(n)]
    return sox_samples(tmp, white, rate, ["sinc", "300-3400"])


def add_noise(tmp, y, clean, active, normal, rate, snr_db, seed):
    """Add band-limited white noise to ``y`` so that the power of ``clean``
    over the truth-active frames is ``snr_db`` above the noise power."""
    p_normal = db(speech_power(clean, normal, rate))
    p_speech = db(speech_power(clean, active, rate)) if SNR_REFERENCE == "allActive" else p_normal
    noise = band_noise(tmp, len(y), rate, seed)
    p_noise = math.fsum(v * v for v in noise) / len(noise)
    g = math.sqrt(10 ** ((p_speech - snr_db) / 10) / p_noise)
    note = (f"speech {p_speech:.2f} dBFS, noise {p_speech - snr_db:.2f} dBFS (its normal-level "
            f"speech {p_normal:.2f} dBFS is {p_normal - p_speech + snr_db:.1f} dB above the noise)")
    return [v + g * w for v, w in zip(y, noise)], note


def with_bleed(tmp, own, other):
    """own + the other channel at BLEED_DB, ECHO_DELAY_SECONDS late, low-passed."""
    delay = int(round(ECHO_DELAY_SECONDS * MASTER_RATE))
    late = [0.0] * delay + other[:len(other) - delay]
    low = sox_samples(tmp, late, MASTER_RATE, ["sinc", f"-{BLEED_LOWPASS_HZ}"])
    g = 10 ** (BLEED_DB / 20)
    return [a + g * b for a, b in zip(own, low)]


def add_hum_dc_clicks(x, rate, seed):
    """Mains hum (50 Hz and harmonics, HUM_DBFS RMS), DC offset and single-
    sample clicks; returns the samples and the (index, sign) of each click."""
    rng = random.Random(seed)
    phases = [rng.uniform(0, 2 * math.pi) for _ in HUM_HARMONICS]
    norm = math.sqrt(math.fsum(a * a / 2 for _, a in HUM_HARMONICS))
    amp = 10 ** (HUM_DBFS / 20) / norm
    w = 2 * math.pi * 50.0 / rate
    out = [v + DC_OFFSET + amp * math.fsum(a * math.sin(w * k * i + ph)
                                           for (k, a), ph in zip(HUM_HARMONICS, phases))
           for i, v in enumerate(x)]
    clicks = []
    margin = int(0.3 * rate)
    span = (len(out) - 2 * margin) // CLICKS_PER_CHANNEL
    for k in range(CLICKS_PER_CHANNEL):          # one click in each sixth of the call
        i = margin + k * span + rng.randrange(span)
        sign = rng.choice((-1.0, 1.0))
        if abs(out[i] + sign * CLICK_AMPLITUDE) >= 0.99:
            sign = -sign
        out[i] += sign * CLICK_AMPLITUDE
        clicks.append((i, sign))
    return out, sorted(clicks)


def to_pcm16(channels, stem):
    peak = max(abs(v) for ch in channels for v in ch)
    if peak >= 1.0:
        fail(f"{stem}: signal clips (peak {peak:.3f})")
    pcm = array.array("h", [0]) * (len(channels[0]) * len(channels))
    k = len(channels)
    for c, ch in enumerate(channels):
        for i, v in enumerate(ch):
            pcm[i * k + c] = max(-32768, min(32767, int(round(v * 32768))))
    if sys.byteorder == "big":
        pcm.byteswap()
    return pcm.tobytes()


def write_audio(tmp, path, channels, rate, stem, mulaw=False):
    src = tmp.path(".wav")
    with wave.open(src, "wb") as w:
        w.setnchannels(len(channels))
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(to_pcm16(channels, stem))
    comment = ["--comment", f"Attune test fixture {stem}"]
    if mulaw:
        enc = ["-e", "u-law", "-b", "8"]
    else:
        enc = ["-e", "signed-integer", "-b", "16", "-C", "8"]
    run(["sox", "-R", "-D", "-V1", src] + comment + enc + [path])


def render_condition(tmp, cond, channels, truth):
    """Derive one condition from the clean 16 kHz channels.  Returns
    ({file name: [channel sample lists]}, [extra notes for the truth file])."""
    rate, stem = cond["rate"], cond["stem"]
    adv, cus = channels[ADVISOR], channels[CUSTOMER]
    notes = []
    if cond["layout"] == "mono":
        mixed = sox_samples(tmp, [0.7 * a + 0.7 * b for a, b in zip(adv, cus)],
                            MASTER_RATE, ["sinc", "300-3400", "rate", "-v", str(rate)])
        return {f"{stem}.flac": [mixed]}, notes
    if cond["bleed"]:
        adv, cus = with_bleed(tmp, adv, cus), with_bleed(tmp, cus, adv)
    out = []
    for party, x in ((ADVISOR, adv), (CUSTOMER, cus)):
        y = resample(tmp, x, rate)
        active = truth["active"][party]
        if cond["hum"]:
            y, clicks = add_hum_dc_clicks(y, rate, seed_for(stem, party, "hum"))
            notes.append(f"{party} clicks at " + ", ".join(
                f"{i / rate:.4f} s ({'+' if s > 0 else '-'})" for i, s in clicks))
        if cond["snr"] is not None:
            clean = resample(tmp, channels[party], rate)
            y, note = add_noise(tmp, y, clean, active, normal_frames(truth, party, active),
                                rate, cond["snr"], seed_for(stem, party, "noise"))
            notes.append(f"{party} {note}")
        out.append(y)
    if cond["layout"] == "twoLeg":
        return {f"{stem}.advisor.flac": [out[0]], f"{stem}.customer.flac": [out[1]]}, notes
    ext = "wav" if cond["mulaw"] else "flac"
    return {f"{stem}.{ext}": out}, notes


# ---------------------------------------------------------------- truth file

def truth_document(cond, truth, files, version):
    rate = MASTER_RATE
    frame = int(rate * FRAME_SECONDS)
    segs = {p: [[sec(s), sec(e)] for s, e in truth["segments"][p]] for p in PARTIES}
    if cond["layout"] == "mono":
        mixed = merge_runs(union(truth["segments"][ADVISOR], truth["segments"][CUSTOMER]))
        segs["mixed"] = [[sec(s), sec(e)] for s, e in mixed]
    strip = lambda d: {k: v for k, v in d.items() if not k.startswith("_")}
    frames = ("its truth-active frames" if SNR_REFERENCE == "allActive"
              else "the truth-active frames of its utterances that are not raised")
    snr_note = ("SNR = 10*log10(mean power of the channel's clean telephone-band speech over "
                f"{frames} / mean power of the added noise)")
    notes = cond["notes"]
    if cond["snr"] is not None:
        notes += ". " + snr_note
    if cond["extraNotes"]:
        notes += ". " + "; ".join(cond["extraNotes"])
    doc = {
        "schema": "attune.truth/1",
        "callId": cond["stem"],
        "scenario": cond["scenario"],
        "condition": {"name": cond["name"], "snrDb": cond["snr"],
                      "bleedDb": BLEED_DB if cond["bleed"] else None,
                      "echoDelaySeconds": ECHO_DELAY_SECONDS if cond["bleed"] else None,
                      "mulaw": cond["mulaw"], "sampleRateHz": cond["rate"], "notes": notes},
        "audio": {"layout": cond["layout"], "files": files,
                  "advisorChannel": None if cond["layout"] == "mono" else 0},
        "durationSeconds": round(truth["nFrames"] * frame / rate, 3),
        "calm": cond["scenario"] == "calm",
        "segments": segs,
        "overtalkSeconds": sec(truth["overtalkFrames"]),
        "events": [strip(ev) for ev in truth["events"]],
        "utterances": [strip(u) for u in truth["utterances"]],
        "generator": {"script": "Scripts/make_fixtures.py", "espeakVersion": version, "seed": SEED},
    }
    return json.dumps(round_floats(doc), indent=2, sort_keys=True) + "\n"


def round_floats(obj):
    if isinstance(obj, float):
        return round(obj, 3)
    if isinstance(obj, dict):
        return {k: round_floats(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [round_floats(v) for v in obj]
    return obj


# ---------------------------------------------------------------- main

def summary(name, truth):
    counts = {}
    for ev in truth["events"]:
        counts[ev["type"]] = counts.get(ev["type"], 0) + 1
    talk = {p: sec(sum(e - s for s, e in truth["segments"][p])) for p in PARTIES}
    return (f"{name}: {sec(truth['nFrames'])} s, talk advisor {talk[ADVISOR]} s, customer "
            f"{talk[CUSTOMER]} s, overtalk {sec(truth['overtalkFrames'])} s, events "
            + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))


def print_scenario(truth):
    for u in truth["utterances"]:
        cut = u["_item"].get("cutUsed")
        print(f"    {u['party']:8} {u['startSeconds']:7.2f}-{u['endSeconds']:7.2f} "
              f"{u['style']:11} {u['_level']:6.1f} dBFS  {u['text']}"
              + (f"  [other party cut {cut} s after this starts]" if cut else ""))
    for p in PARTIES:
        print(f"    {p} segments: {[[sec(s), sec(e)] for s, e in truth['segments'][p]]}")


def write_call(tmp, out_dir, cond, channels, truth, version):
    """Render one condition, write its audio and truth file; returns paths."""
    outputs, extra = render_condition(tmp, cond, channels, truth)
    cond = dict(cond, extraNotes=extra)
    paths = []
    for fname, chans in outputs.items():
        paths.append(os.path.join(out_dir, fname))
        write_audio(tmp, paths[-1], chans, cond["rate"], cond["stem"], mulaw=cond["mulaw"])
    paths.append(os.path.join(out_dir, f"{cond['stem']}.truth.json"))
    with open(paths[-1], "w") as f:
        f.write(truth_document(cond, truth, list(outputs), version))
    return paths


def main():
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(repo, "fixtures", "calls"),
                    help="output folder (default: fixtures/calls of this repository)")
    ap.add_argument("--verbose", action="store_true", help="list utterances and segments")
    ap.add_argument("--keep-temp", action="store_true", help="keep the scratch folder")
    args = ap.parse_args()
    for tool in ("espeak-ng", "sox"):
        if shutil.which(tool) is None:
            fail(f"{tool} not found")
    version = espeak_version()
    os.makedirs(args.out, exist_ok=True)
    root = tempfile.mkdtemp(prefix="attune-fixtures-")
    tmp = Tmp(root)
    try:
        built = {}
        for name, items in SCENARIOS.items():
            channels, placed = build_scenario(tmp, name, items)
            truth = compute_truth(name, channels, placed)
            print(summary(name, truth), flush=True)
            if args.verbose:
                print_scenario(truth)
            verify(name, items, channels, truth)
            built[name] = (channels, truth)
        written = []
        for cond in CONDITIONS:
            channels, truth = built[cond["scenario"]]
            for path in write_call(tmp, args.out, cond, channels, truth, version):
                print(f"  wrote {path} ({os.path.getsize(path)} bytes)", flush=True)
                written.append(path)
        total = sum(os.path.getsize(p) for p in written)
        print(f"{len(written)} files, {total} bytes in {args.out}")
        names = {os.path.basename(p) for p in written}
        for stale in sorted(set(os.listdir(args.out)) - names):
            print(f"  note: {stale} in {args.out} was not made by this script")
    finally:
        if args.keep_temp:
            print(f"temporary files kept in {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
