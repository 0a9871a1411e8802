#!/usr/bin/env python3
"""Generate Attune's labelled test calls (audio + truth) into fixtures/calls/,
and the effort/distress calibration set into fixtures/calibration/.

Usage:  python3 Scripts/make_fixtures.py [--out DIR] [--calibration-out DIR]
            [--calibration-only | --no-calibration] [--calibration-calls STEMS]
            [--verbose] [--keep-temp]
        (or Scripts/make-fixtures.sh).  Needs python3, espeak-ng and sox (with
        libsox-fmt-all for FLAC); the test calls take well under a minute, the
        calibration set about three minutes.

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

Calibration set (fixtures/calibration/, see ``make_calibration``)
-----------------------------------------------------------------
48 short calls ``cal-01`` .. ``cal-48`` for calibrating effort and distress
scores: ``cal-NN.flac`` (stereo, advisor channel 0, 8 kHz 16-bit FLAC,
telephone band, no added noise) and ``cal-NN.truth.json``.  Each lasts
25-40 s.  They are built, truthed and checked with the same machinery as the
test calls (build_scenario, compute_truth and every check of ``verify``, the
expected event counts coming from each call's design), plus
``check_calibration``: interruptions by the designed party, each dead air
>= 3.5 s and <= 14 s in total, the confused customer answered after 2.0-2.6 s
(truth) and every other gap < 2 s, the customer's longest turn 3-12 s, the
call 25-40 s.  A plan whose truth breaks a rule is replaced by the next seeded
plan (``labels.design.planAttempt``).

Intensities of a call (all in ``labels.intensities``, measured on the truth):
  deadAirSeconds         total dead air, 0-14 s, in 0-2 holds of >= 3.5 s
  advisorInterruptions   0-3, by the advisor (the customer had talked >= 1.5 s
                         and is cut 0.5-0.85 s after the advisor starts)
  customerInterruptions  0-2, by the customer (same timing)
  raisedPhrases          0-3 customer phrases at +12 dB, espeak pitch +25,
                         205 wpm, each >= 1 s (only with high distress)
  confusion              0/1: the advisor answers in jargon and the customer
                         says 3-4 short confused turns ("Sorry?", "Which
                         one?"), each answered after 2.05-2.45 s; ordinary
                         gaps are 0.4-1.0 s (calm callers 0.7-1.0, agitated
                         0.4-0.85), the advisor's own working pauses 1.5-1.85 s
  monologueSeconds       the customer's longest turn (the opening complaint),
                         3-12 s
  customerDistress       0 none, 1 elevated (the customer's normal-level speech
                         from the call's estimated midpoint on: espeak pitch
                         +15, 195 instead of 180 wpm; from earlier, but never
                         in the opening complaint, when the customer would say
                         less than 3 s after the midpoint), 2 high (elevated,
                         plus 1-3 raised phrases)
Customers use 8 voices (four female-range, ``-p 65-75``; three low male,
``-p 28-35``; ``en-sc -p 45``), each in 6 calls spread over easy and hard
ones; the advisor is ``en-us+m3`` at 180 wpm.  Texts come from five service
domains (energy, broadband, bank, mobile, home insurance).  Clips lose their
leading and trailing 10 ms frames more than 30 dB below their level (espeak's
faint tails would otherwise outlast the truth segment).

Effort (1-7, higher = more effort) is the ground truth, from the measured
intensities:  effort = 1 + 6 * min(1, S / 0.40) with
  S = 0.20*dead/14 + 0.20*advInt/3 + 0.10*custInt/2 + 0.15*raised/3
      + 0.15*confusion + 0.10*clamp((mono-3)/9, 0, 1) + 0.10*distress/2
(``EFFORT_WEIGHTS``, ``EFFORT_FULL_LOAD``).  Weights: waiting in silence on
hold and being talked over by the advisor are the drivers customers report
most (0.20 each); having to shout, and not understanding the advisor, are
strong signs of a hard call (0.15 each); the customer cutting in, a long
complaint and the customer's own distress add less (0.10 each).  Dividing by
0.40: a 25-40 s call cannot hold every driver at its maximum (that would be a
60-70 s call); about 40 % of the full load is the most one can carry, and that
is the hardest call (7).  CES (CES 2.0 survey answer, 1-7, higher = easier) is
drawn from it:  ces = clamp(round(8 - effort + N(0, 0.7)), 1, 7), Python round,
N from ``random.Random(seed_for(callId, "ces"))``.  distress = 1 if
customerDistress >= 1 else 0; distressLevel none/elevated/high.

How the 48 designs are drawn (``cal_targets``, ``plan_call``): the designed
loads S are 48 evenly spaced values over 0-0.40 (so effort spreads evenly over
1-7), dealt to the calls in a seeded order.  Flavours (one or two holds, or
confusion) and requirements (a fixed value of an intensity, e.g. three advisor
interruptions) are dealt to calls whose load and length have room, so every
intensity spans its range.  Then intensities are drawn (distress first;
raised phrases and interruptions biased by it and by the load) until the
designed load is within 0.015 of the target and the planned call is 25.8-37 s
long.  Speech is what the FLAC size follows (about 9.7 kB per second of
speech; silence is nearly free), so the first plan with at most 18 s of speech
is taken, or the one with the least: the folder stays under 9 MB, and the
speech-costly intensities (interruptions, raised phrases, long complaints)
are rarer than dead air and distress.  The script fails if the folder takes
more than 9,000,000 bytes in 4 KiB blocks.

Each truth file is attune.truth/1 as above (``scenario`` and ``condition.name``
``calibration``; ``calm`` true when the call has neither raised phrases nor
distress) plus ``labels``: scenario, intensities, effort, effortScale,
effortFormula, ces, cesScale, cesFormula, distress, distressLevel,
customerVoice, and ``design`` (target and designed load, the designed values,
the flavour and requirements dealt and kept, when the customer became
elevated and for how many seconds of speech).
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
    """espeak-ng -> band-limited 16 kHz float samples (unnormalised).  An item
    may carry its own ``voice``, ``wpm`` and ``pitch`` (the calibration set's
    customers); without them the party's voice and the style's rate/pitch."""
    wav = tmp.path(".wav")
    is_raised = item["style"] == "raised"
    cmd = ["espeak-ng", "-v", item.get("voice") or VOICES[item["party"]],
           "-s", str(item.get("wpm") or (RAISED_WPM if is_raised else WPM)), "-w", wav]
    pitch = item.get("pitch", RAISED_PITCH if is_raised else None)
    if pitch is not None:
        cmd += ["-p", str(pitch)]
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


def trim_frames(x, floor_dbfs):
    """Drop leading and trailing 10 ms frames quieter than ``floor_dbfs``."""
    n = int(MASTER_RATE * FRAME_SECONDS)
    loud = [f for f, p in enumerate(frame_powers(x, n)) if db(p) >= floor_dbfs]
    if not loud:
        return x
    return x[loud[0] * n:min(len(x), (loud[-1] + 1) * n)]


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
    x = trim(x)
    if "trimBelowDb" in item:          # calibration set: no faint tail beyond the truth segment
        x = trim_frames(x, target + item["trimBelowDb"])
    x = shorten_pauses(x)
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


# ---------------------------------------------------------------- calibration set

CAL_CALLS = 48
CAL_RATE = 8000
CAL_SECONDS = (25.0, 40.0)              # every calibration call lasts 25-40 s
CAL_PLAN_SECONDS = (25.8, 37.0)         # planned (estimated) length window
CAL_MAX_BYTES = 9_000_000               # the whole folder (audio + truth, in 4 KiB blocks)
CAL_LOAD_RANGE = (0.0, 0.40)            # designed weighted load S the 48 calls are spread over
CAL_LOAD_TOLERANCE = 0.015              # designed load within this of the call's target
CAL_DRAWS = 6000                        # intensity draws tried per plan configuration
CAL_SPEECH_TARGET = 18.0                # first plan with at most this much speech (s) is taken
CAL_BUILDS = 8                          # plans built per call before giving up
CAL_RESPONSE_GAP = (0.4, 1.0)           # ordinary gaps between turns, drawn by distress from:
CAL_PACE = ((0.7, 1.0), (0.5, 0.95), (0.4, 0.85))   # agitated callers answer faster
CAL_CONFUSED_GAP = (2.05, 2.45)         # the advisor's answer to a confused customer
CAL_WORK_PAUSE = (1.5, 1.85)            # the advisor pausing between two of their own lines
CAL_INTERRUPT_INTO = (1.7, 2.05)        # interrupter starts this far into the other's turn ...
CAL_INTERRUPT_CUT = (0.5, 0.85)         # ... which is cut about this long after (choose_cut)
CAL_DEAD_AIR_RUN = (3.6, 13.8)          # one designed dead-air run (designed gap)
CAL_DEAD_AIR_MAX = 13.8                 # designed total (truth adds a few frames; <= 14 s)
CAL_TRIM_BELOW_DB = -30.0               # clips lose leading/trailing frames 30 dB below their level:
                                        # espeak's faint tails would outlast the truth segment

# Effort = 1 + 6 * min(1, S / EFFORT_FULL_LOAD); S = sum of weight * clamp((value - lo) / (hi - lo), 0, 1).
# (intensity, weight, lo, hi): relative weights, summing to 1.  EFFORT_FULL_LOAD: the heaviest
# load a 25-40 s call can carry (about 40 % of every driver at its maximum) is the top of the scale.
EFFORT_WEIGHTS = (
    ("deadAirSeconds", 0.20, 0.0, 14.0),
    ("advisorInterruptions", 0.20, 0.0, 3.0),
    ("customerInterruptions", 0.10, 0.0, 2.0),
    ("raisedPhrases", 0.15, 0.0, 3.0),
    ("confusion", 0.15, 0.0, 1.0),
    ("monologueSeconds", 0.10, 3.0, 12.0),
    ("customerDistress", 0.10, 0.0, 2.0),
)
EFFORT_FULL_LOAD = 0.40
EFFORT_FORMULA = ("effort = 1 + 6*min(1, (0.20*dead/14 + 0.20*advInt/3 + 0.10*custInt/2 + 0.15*raised/3 "
                  "+ 0.15*confusion + 0.10*clamp((mono-3)/9, 0, 1) + 0.10*distress/2) / 0.40), from the truth-"
                  "measured intensities (dead = total deadAir event seconds, capped at 14; mono = the "
                  "customer's longest truth segment)")
CES_NOISE_SD = 0.7
CES_FORMULA = ("ces = clamp(round(8 - effort + N(0, 0.7)), 1, 7) with effort as stored (2 decimals); "
               "Python round (half to even), N = random.Random(seed_for(callId, 'ces')).gauss(0, 0.7)")
DISTRESS_LEVELS = ("none", "elevated", "high")

# Customer voices: (espeak voice, base pitch -p).  Four female-range (-p 65-75),
# three low male (-p 28-35) and one mid male voice.
CUSTOMER_VOICES = (
    ("en-us+f4", 75), ("en-gb+f3", 70), ("en-us+f2", 65), ("en-029+f1", 72),
    ("en-us+m7", 30), ("en-gb-x-rp+m2", 28), ("en-us+m1", 35), ("en-sc", 45),
)
CUSTOMER_WPM = 180
CAL_ADVISOR_WPM = 180                   # the advisor (en-us+m3) a little faster than in the test calls
ELEVATED_PITCH_STEP = 15                # elevated distress: pitch +15 ...
ELEVATED_WPM = 195                      # ... and 195 wpm, in the call's second half
CAL_MIN_ELEVATED = 3.0                  # seconds of elevated speech (estimate) at least
CAL_RAISED_PITCH_STEP = 25              # raised phrase: base pitch +25 (at most 99) ...
CAL_RAISED_WPM = 205                    # ... and 205 wpm, at +12 dB


def voice_label(voice):
    return f"{voice[0]} -p {voice[1]}"


# Texts.  Each domain: company, the customer's complaint
# (openers of about 3.5 s and clauses of 2-3 s), confusing advisor statements
# with five clarifications each, and small question/answer exchanges.
CAL_DOMAINS = [
    {"company": "Northwind Energy",
     "openers": ["Hi, my energy bill is far too high.",
                 "Hi, yes, I'm calling about my latest bill, it's far too high.",
                 "Hello, I've just opened my energy bill and something is badly wrong."],
     "clauses": ["It has gone up by nearly two hundred pounds since last month.",
                 "Nothing in the house has changed, we use exactly the same amount of gas.",
                 "I sent you a meter reading in March, and it looks like nobody used it.",
                 "The letter says the readings were estimated, but I never asked for that.",
                 "I've got two small kids at home and I really can't afford this right now.",
                 "I tried to sort it out on the app, but it keeps telling me to call you.",
                 "When I rang on Monday I was told it would be fixed within a week.",
                 "So now I'm paying for energy I didn't use, and nobody can tell me why."],
     "jargon": [("Your deemed tariff is reconciled at the next statement.",
                 ["Your price per unit.", "The price for your gas.", "Your next bill.", "It gets corrected then.",
                  "So, it's fixed next month."]),
                ("You need to submit an opening read via the portal.",
                 ["A meter reading.", "The number on your meter.", "On our website.", "Under my account.",
                  "Or just tell me now."])],
     "fillers": [("Can I pay it off in instalments?", "Yes, over six months."),
                 ("Will my direct debit change?", "No, it stays the same."),
                 ("Do you need a meter reading?", "Yes, send it online."),
                 ("Is the account still in my name?", "Yes, it is.")]},
    {"company": "Bluebell Broadband",
     "openers": ["Hello, my internet keeps cutting out.",
                 "Hello, my internet has been dropping out every single day this week.",
                 "Hi, I'm ringing because my broadband keeps cutting out on me."],
     "clauses": ["It goes off every evening at about seven, right when I need it for work.",
                 "I've restarted the router more times than I can count.",
                 "The lights on the box go orange and then it just stops working.",
                 "My son has exams coming up and he can't even get onto his school website.",
                 "I'm paying for the fastest package and I'm getting almost nothing.",
                 "An engineer was supposed to come on Tuesday, and nobody turned up.",
                 "I waited in all day for him, and I had to take the day off work.",
                 "Your website says there are no problems in my area, which is simply not true."],
     "jargon": [("It's a sync issue, so we'll run a DLM reset.",
                 ["Your line's connection.", "The cable to the exchange.", "A reset from our side.",
                  "It fixes the speed.", "I'll do it from here."]),
                ("Your router needs a firmware push and a re-pair.",
                 ["A software update.", "For your router box.", "Then connect again.", "Your laptop, to the box.",
                  "I'll text you the steps."])],
     "fillers": [("Will I pay for the engineer?", "No, the visit is free."),
                 ("Can I get money back for this week?", "Yes, as a credit."),
                 ("Do I need to be at home?", "No, we test it remotely."),
                 ("Should I leave the router on?", "Yes, for the next hour.")]},
    {"company": "Harbour Bank",
     "openers": ["Hi, there's a payment I didn't make.",
                 "Hi, there's a payment on my card this morning that I definitely didn't make.",
                 "Hello, I've just checked my account and there's money missing from it."],
     "clauses": ["It's for three hundred and forty pounds to some online shop I've never heard of.",
                 "My card has been in my wallet the whole time, I haven't lost it.",
                 "I only noticed because the bank app sent me a notification at six in the morning.",
                 "My rent is due on Friday and now I don't have enough to cover it.",
                 "I've already frozen the card in the app, but the money is still gone.",
                 "I tried the online chat first, but it just kept sending me links.",
                 "This happened to my mother last year and it took months to get it back.",
                 "I just want to know that I'm going to get my money back."],
     "jargon": [("I'll raise a chargeback under the scheme rules.",
                 ["We ask for the money back.", "From the shop.", "The card company rules.", "It takes a few days.",
                  "You'll get it back."]),
                ("It's pending authorisation, so it can't be disputed yet.",
                 ["It hasn't gone through yet.", "The payment, I mean.", "Wait two or three days.",
                  "Then we can dispute it.", "I'll add a note."])],
     "fillers": [("Will I get a new card?", "Yes, within five days."),
                 ("Can I still use online banking?", "Yes, as normal."),
                 ("Do I need to call the police?", "No, we'll handle it."),
                 ("Will my direct debits still go out?", "Yes, they're not affected.")]},
    {"company": "Summit Mobile",
     "openers": ["Hi, I've been charged for roaming.",
                 "Hi, I've been charged for roaming, but I haven't left the country.",
                 "Hello, my phone bill this month is three times what it normally is."],
     "clauses": ["There's a charge of ninety pounds for data used in France.",
                 "I was at home in Leeds the whole month, I can prove it.",
                 "I've been with you for eight years and I've never had a bill like this.",
                 "I turned off data roaming on the phone ages ago.",
                 "Your text message said I'd reached my limit, which makes no sense.",
                 "I'm on a fixed plan because I wanted to avoid exactly this.",
                 "The last time I called, I was told I'd get a refund, and it never came.",
                 "If this isn't sorted I'll be moving my whole family to another network."],
     "jargon": [("It's a border cell handover, billed under the roaming cap.",
                 ["A foreign phone mast.", "Your phone picked it up.", "The usual roaming charge.",
                  "The limit we can charge.", "I'll remove the charges."]),
                ("You'd need a PAC and a bolt-on removal first.",
                 ["A code to move your number.", "The extra on your plan.", "Before the bill date.",
                  "The twentieth of the month.", "I can do both now."])],
     "fillers": [("Will this affect my contract?", "No, it stays the same."),
                 ("Can you stop this happening again?", "Yes, I've added a cap."),
                 ("When will I see the refund?", "On your next bill."),
                 ("Do I need to restart my phone?", "Yes, once after this call.")]},
    {"company": "Cedar Home Insurance",
     "openers": ["Hello, my claim still isn't sorted.",
                 "Hello, I made a claim for a leak in my kitchen six weeks ago.",
                 "Hi, I'm calling about my home insurance claim, it's still not sorted."],
     "clauses": ["The water came through the ceiling and ruined the floor and two cupboards.",
                 "Your assessor came out once, took some photos, and I haven't heard a thing since.",
                 "We've been cooking on a camping stove in the living room for a month.",
                 "I've sent the receipts three times now, by email and by post.",
                 "Every time I call, I get a different person and I have to start again.",
                 "The builder can't start until you approve the quote, and he's booked up soon.",
                 "My policy says claims are dealt with in ten working days.",
                 "I pay every month without fail, and when I need you, nobody helps."],
     "jargon": [("It's with the loss adjuster, pending scope validation.",
                 ["Someone checks the cost.", "Of the repair work.", "The builder's quote.", "Against your policy.",
                  "Next, we approve the quote."]),
                ("We'd settle on an indemnity basis, less betterment.",
                 ["We pay for the damage.", "Minus any upgrade.", "Like newer cupboards.", "Not like for like.",
                  "I'll email the options."])],
     "fillers": [("Do you need more photos from me?", "No, we have them all."),
                 ("Can I use my own builder?", "Yes, once the quote is approved."),
                 ("Will this put my premium up?", "Not before renewal."),
                 ("Who do I call if it leaks again?", "The emergency line.")]},
]

CAL_OPEN = ["Hello, {company}.", "{company}, hello.", "{company}, good morning."]
CAL_REPLY = ["Let me have a look.", "Okay, let me check.", "Right, one second.", "Sorry, let me see."]
CAL_CUST_LONG = [   # customer turns the advisor cuts into (2.2-3.3 s are heard)
    "I was told last week that someone would ring me back about this, but nobody ever did.",
    "The thing is, I've already explained all of this twice to two different people on your side.",
    "What I don't understand is why the payment went out when I cancelled it at the start of the month.",
    "I've got the letter here in front of me and it says something completely different to what you're saying.",
    "Every time I log in to the website it just shows an error and sends me back to the start.",
    "My neighbour is with you as well and she never has any of these problems with her account.",
    "I was on hold for forty minutes yesterday and then the line just went dead on me.",
    "So I filled in the form online like it said, and then I got an email saying it had been rejected."]
CAL_ADV_LONG = [    # advisor turns the customer cuts into
    "So what I'm going to do is raise a ticket with the team, and they'll review the account within ten working days.",
    "What normally happens in these cases is that the system recalculates everything at the end of the period.",
    "Before I can make any changes I'll need to confirm a few details, starting with your full postcode.",
    "I can see a note from the previous call saying that the request was passed over to our back office.",
    "Our policy is that any adjustment has to be approved by a team leader, which can take a couple of days.",
    "If you'd like, I can book someone to look at it, but the earliest appointment we have is next Thursday.",
    "The reason this happened is that the account was moved onto a new system during the upgrade last month."]
CAL_ADV_INTERRUPTER = [
    "Sorry to jump in, I can see the problem now.",
    "Let me stop you there, I need one thing first.",
    "Sorry, can I just check, was that this month?",
    "If I can just come in, I know what's happened.",
    "Sorry, I'll need your account number first, please.",
    "Okay, let me stop you, that's another department."]
CAL_CUST_INTERRUPTER = [
    "No, hang on, I gave you all that last time.",
    "No, that's exactly what the last person said.",
    "Wait, that long? I need this sorted today.",
    "No, listen, I never asked for any of this.",
    "Hold on, nobody ever told me about that.",
    "Excuse me, I've been with you for twelve years."]
CAL_RAISED = [
    "This is absolutely ridiculous, honestly!",
    "I have been waiting for three whole weeks!",
    "Why does nobody ever call me back?",
    "I want to speak to a manager, right now!",
    "That is just not good enough!",
    "You people never listen to a word I say!",
    "I am not paying a penny more for this!",
    "How many times do I have to explain this?"]
CAL_RAISED_REPLY = ["I understand, I'm sorry.", "I hear you, I'll fix it.", "I'm sorry, that's frustrating.",
                    "Okay, let's fix this now."]
CAL_HOLD_START = ["One moment, please.", "Let me check, one moment.", "Bear with me, please.", "Just a moment."]
CAL_HOLD_ACK = ["Okay.", "Sure.", "Fine."]
CAL_HOLD_ACK_UPSET = ["Fine, but please be quick.", "Again? Okay, go on.", "Sure, if I must."]
CAL_CHECK = ["Let me check.", "One second.", "Let me see."]
CAL_UPDATE = [("Bear with me.", "Nearly there.", "Okay, done."),
              ("Let me add a note.", "Just typing it up.", "Saved."),
              ("I'll confirm that.", "One second.", "Yes, that's fine."),
              ("Let me put that through.", "Almost done.", "It's gone through.")]
CAL_HOLD_END = ["Thanks for holding.", "Sorry for the wait.", "Thanks for waiting.", "Right, I'm back."]
CAL_CONFUSED = ["Sorry?", "What do you mean?", "I don't understand.", "Which one?",
                "Sorry, say that again?", "Meaning what, exactly?", "I'm lost, sorry.", "What's that?"]
CAL_BACKCHANNEL = ["Mm-hm.", "Oh, right."]       # 0.7-0.8 s: overtalk >= 0.4 s, burst < 0.8 s
CAL_CLOSE_CALM = ["Okay, thanks.", "Great, thank you.", "Lovely, thanks."]
CAL_CLOSE_UPSET = ["Fine. Just get it sorted this time.", "Right. We'll see, won't we.",
                   "Okay. I really hope so this time."]
CAL_GOODBYE = ["Okay, goodbye.", "Thanks, goodbye.", "Take care, bye."]


# Flavours: which of the time-costly drivers a call has.  Each needs a load
# range it can reach within 40 s (confusion alone is a load of 0.15; a dead air
# is at least 3.6 s); (flavour, loads from, loads to, calls).  The rest are plain.
CAL_FLAVOURS = (("confusion", 0.16, 0.36, 10), ("deadAir2", 0.13, 0.34, 5), ("deadAir", 0.06, 0.40, 16))
CAL_FALLBACK = {"deadAir2": "deadAir", "deadAir": "plain", "confusion": "plain"}
FLAVOUR_LOAD = {"plain": 0.0, "deadAir": 0.052, "deadAir2": 0.103, "confusion": 0.15}
FLAVOUR_SECONDS = {"plain": 0.0, "deadAir": 8.5, "deadAir2": 15.0, "confusion": 15.0}
CAL_SPARE_SECONDS = 22.0                # a call's time beyond greeting, complaint and goodbye
# Requirements, so that every intensity spans its range although speech is
# scarce (the set must stay under 9 MB, and dead air and distress cost no
# speech): (intensity, value, load it adds, seconds it takes, calls).  A
# required value is exact; a call without one draws it (and then mostly gets
# the cheap end).  A call takes requirements while its load and its spare
# seconds (CAL_SPARE_SECONDS, after its flavour) have room.
CAL_REQUIREMENTS = (
    ("advisorInterruptions", 3, 0.20, 12.0, 3), ("raisedPhrases", 3, 0.25, 9.0, 2),
    ("customerInterruptions", 2, 0.10, 9.0, 3), ("monologue", "long", 0.075, 6.0, 5),
    ("raisedPhrases", 2, 0.20, 6.0, 2), ("advisorInterruptions", 2, 0.133, 8.0, 4),
    ("raisedPhrases", 1, 0.15, 3.0, 3), ("customerDistress", 2, 0.15, 3.0, 4),
    ("customerDistress", 1, 0.05, 0.0, 14),
    ("customerInterruptions", 1, 0.05, 4.5, 6), ("advisorInterruptions", 1, 0.067, 4.0, 7),
    ("monologue", "medium", 0.04, 3.0, 5), ("confusionTurns", 4, 0.0, 4.5, 2),
)
MONOLOGUE_BANDS = {"short": (3.5, 5.5), "medium": (6.0, 9.0), "long": (10.8, 13.0)}


def cal_targets():
    """Per call: {load, voice, flavour, require}.  The designed loads S are
    CAL_CALLS evenly spaced values over CAL_LOAD_RANGE, dealt to the calls in a
    seeded order.  Each block of 8 neighbouring loads gets every voice once, in
    a seeded order, so every voice has easy and hard calls.  Flavours and
    requirements are dealt (seeded, spread over the loads) to calls whose load
    has room for them."""
    lo, hi = CAL_LOAD_RANGE
    loads = [lo + (hi - lo) * (k + 0.5) / CAL_CALLS for k in range(CAL_CALLS)]
    rng = random.Random(seed_for("calibration", "targets"))
    order = list(range(CAL_CALLS))
    rng.shuffle(order)                       # order[k]: the call that gets loads[k]
    voice = [None] * CAL_CALLS
    for block in range(0, CAL_CALLS, len(CUSTOMER_VOICES)):
        voices = list(CUSTOMER_VOICES)
        rng.shuffle(voices)
        for j, k in enumerate(range(block, min(CAL_CALLS, block + len(CUSTOMER_VOICES)))):
            voice[k] = voices[j]
    flavour = ["plain"] * CAL_CALLS
    for name, a, b, count in CAL_FLAVOURS:
        free = [k for k in range(CAL_CALLS) if flavour[k] == "plain" and a <= loads[k] <= b]
        # evenly over the eligible loads: one pick in each of `count` strata
        for j in range(count):
            stratum = free[len(free) * j // count:len(free) * (j + 1) // count]
            if stratum:
                flavour[rng.choice(stratum)] = name
    require = [{} for _ in range(CAL_CALLS)]
    used = [FLAVOUR_LOAD[f] for f in flavour]
    seconds = [FLAVOUR_SECONDS[f] for f in flavour]
    for name, value, adds, takes, count in CAL_REQUIREMENTS:
        def room(k):
            return (name not in require[k] and used[k] + adds <= loads[k] - 0.01
                    and seconds[k] + takes <= CAL_SPARE_SECONDS
                    and (flavour[k] == "confusion" or name != "confusionTurns"))
        free = [k for k in range(CAL_CALLS) if room(k)]
        for j in range(count):
            # one pick in each of `count` strata of the eligible loads (or anywhere left)
            stratum = [k for k in free[len(free) * j // count:len(free) * (j + 1) // count] if room(k)]
            stratum = stratum or [k for k in free if room(k)]
            if stratum:
                k = rng.choice(stratum)
                require[k][name] = value
                if name == "raisedPhrases":           # raised phrases come with high distress
                    require[k]["customerDistress"] = 2
                used[k] += adds
                seconds[k] += takes
    plan = [None] * CAL_CALLS
    for k in range(CAL_CALLS):
        plan[order[k]] = {"load": loads[k], "voice": voice[k], "flavour": flavour[k], "require": require[k]}
    return plan


def effort_load(x):
    return math.fsum(w * min(1.0, max(0.0, (x[k] - lo) / (hi - lo))) for k, w, lo, hi in EFFORT_WEIGHTS)


def effort_of(x):
    return 1.0 + 6.0 * min(1.0, effort_load(x) / EFFORT_FULL_LOAD)


def ces_of(effort, stem):
    noise = random.Random(seed_for(stem, "ces")).gauss(0.0, CES_NOISE_SD)
    return int(min(7, max(1, round(8.0 - effort + noise))))


def est_seconds(item):
    """Rough clip length (trimmed, long pauses shortened) for planning: a fit
    to espeak-ng 1.51 clips of these texts (rms error about 0.2 s)."""
    text = item["text"]
    wpm = item.get("wpm") or (RAISED_WPM if item["style"] == "raised" else WPM)
    letters = len(re.findall(r"[A-Za-z0-9]", text))
    words = len(re.findall(r"[A-Za-z0-9']+", text))
    pauses = len(re.findall(r"[,.?!;]\s", text))
    return 0.17 + (0.044 * letters + 0.073 * words) * 170.0 / wpm + 0.30 * pauses


def est_timeline(items):
    """Estimated start and length of every item, placed as build_scenario
    places them; and the estimated call length."""
    spans, current, cursor = [], {ADVISOR: None, CUSTOMER: None}, 0.0
    for item in items:
        length = est_seconds(item)
        other = CUSTOMER if item["party"] == ADVISOR else ADVISOR
        if item["kind"] == "say":
            start = cursor + item["after"]
        else:
            ref = current[other]
            start = ref[0] + item["into"]
            if item["kind"] == "interrupt":
                ref[1] = min(ref[1], item["into"] + item["cut"])
        span = [start, length]
        spans.append(span)
        if item["kind"] != "backchannel":
            current[item["party"]] = span
        cursor = max(s + n for s, n in spans)
    return spans, cursor + TAIL_SECONDS


def draw_intensities(rng, load, flavour, require):
    """One seeded draw of a call's design, mildly biased by its target load u
    in [0, 1] (the load itself is matched by rejection): distress first, then
    raised phrases and interruptions biased by it.  The flavour fixes the
    number of dead-air runs and whether there is confusion; ``require`` fixes
    some intensities (see CAL_REQUIREMENTS)."""
    lo, hi = CAL_LOAD_RANGE
    u = (load - lo) / (hi - lo)
    distress = rng.choices((0, 1, 2), weights=(1.0 - 0.8 * u, 1.0, 0.3 + 0.9 * u))[0]
    distress = require.get("customerDistress", distress)
    raised = require.get("raisedPhrases", rng.randint(1, 3)) if distress == 2 else 0
    cust = rng.choices((0, 1, 2), weights=(1.6 - u, 0.6 + 0.2 * distress, 0.2 + 0.2 * distress + 0.4 * u))[0]
    cust = require.get("customerInterruptions", cust)
    adv = rng.choices((0, 1, 2, 3), weights=(1.4 - u, 1.0, 0.4 + 0.4 * u + 0.1 * distress, 0.1 + 0.5 * u))[0]
    adv = require.get("advisorInterruptions", adv)
    confusion = 1 if flavour == "confusion" else 0
    turns = require.get("confusionTurns", rng.randint(3, 5)) if confusion else 0
    runs = {"deadAir": 1, "deadAir2": 2}.get(flavour, 0)
    if runs == 1:
        dead = [rng.uniform(CAL_DEAD_AIR_RUN[0], CAL_DEAD_AIR_RUN[1])]
    elif runs == 2:
        first = rng.uniform(CAL_DEAD_AIR_RUN[0], CAL_DEAD_AIR_MAX - CAL_DEAD_AIR_RUN[0])
        dead = [first, rng.uniform(CAL_DEAD_AIR_RUN[0], CAL_DEAD_AIR_MAX - first)]
    else:
        dead = []
    mono = rng.uniform(*MONOLOGUE_BANDS[require.get("monologue", "short")])
    return {"deadAirRuns": [round(d, 2) for d in dead], "advisorInterruptions": adv,
            "customerInterruptions": cust, "raisedPhrases": raised, "confusion": confusion,
            "confusionTurns": turns, "monologueTarget": round(mono, 2), "customerDistress": distress}


def design_load(d, mono):
    return effort_load({"deadAirSeconds": math.fsum(d["deadAirRuns"]),
                        "advisorInterruptions": d["advisorInterruptions"],
                        "customerInterruptions": d["customerInterruptions"],
                        "raisedPhrases": d["raisedPhrases"], "confusion": d["confusion"],
                        "monologueSeconds": mono, "customerDistress": d["customerDistress"]})


def plan_items(rng, d, domain):
    """The utterances of one call as beats: opening, the customer's complaint
    (the monologue; the first advisor interruption may cut into it), shuffled
    middle beats (interruptions, raised phrases, holds, a confusion exchange,
    small talk), closing.  Returns (items, designed monologue seconds)."""
    fill = lambda text: text.format(company=domain["company"])
    pace = CAL_PACE[d["customerDistress"]]      # calm callers leave longer gaps
    gap = lambda: round(rng.uniform(*pace), 2)
    pick = lambda pool, used: next(t for t in rng.sample(pool, len(pool)) if t not in used)
    used = []

    def take(pool):
        t = pick(pool, used)
        used.append(t)
        return t

    items = [say(A, fill(rng.choice(CAL_OPEN)), after=LEAD_SECONDS)]
    # complaint: opener + clauses, the prefix whose estimated length is closest to the target
    adv_left = d["advisorInterruptions"]
    cut_complaint = adv_left > 0 and d["monologueTarget"] >= 4.0 and rng.random() < 0.5
    clauses = rng.sample(domain["clauses"], len(domain["clauses"]))
    need = d["monologueTarget"] + (1.4 if cut_complaint else 0.0)
    best = None
    for opener in domain["openers"]:
        for k in range(len(clauses) + 1):
            cand = " ".join([opener] + clauses[:k])
            length = est_seconds(say(C, cand, after=0))
            if length >= max(3.4, need - (0.0 if cut_complaint else 0.8)) and (
                    best is None or abs(length - need) < abs(best[1] - need)):
                best = (cand, length)
    complaint = say(C, best[0], after=gap())
    items.append(complaint)
    mono = best[1]
    bc_into = round(rng.uniform(1.6, 2.1), 2)
    if cut_complaint:
        cut = round(rng.uniform(*CAL_INTERRUPT_CUT), 2)
        into = round(min(d["monologueTarget"], best[1] - 1.4) - cut, 2)
        if rng.random() < 0.5 and into - bc_into >= 3.2:
            items.append(backchannel(A, rng.choice(CAL_BACKCHANNEL), into=bc_into))
        items.append(interrupt(A, take(CAL_ADV_INTERRUPTER), into=into, cut=cut))
        mono = into + cut
        adv_left -= 1
    else:
        if rng.random() < 0.5 and mono - bc_into >= 3.0:
            items.append(backchannel(A, rng.choice(CAL_BACKCHANNEL), into=bc_into))
        if not d["confusion"]:
            items.append(say(A, take(CAL_REPLY), after=gap()))
    if d["confusion"]:
        # the advisor answers the complaint in jargon; each confused question is
        # answered after a long response gap
        statement, answers = rng.choice(domain["jargon"])
        items.append(say(A, statement, after=gap()))
        for k in range(d["confusionTurns"]):
            items.append(say(C, take(CAL_CONFUSED), after=gap()))
            items.append(dict(say(A, answers[k], after=round(rng.uniform(*CAL_CONFUSED_GAP), 2)),
                              confusedAnswer=True))

    beats = []                 # (kind, items, advisor reply if a raised phrase needs one)
    into = lambda: round(rng.uniform(*CAL_INTERRUPT_INTO), 2)
    cut_at = lambda: round(rng.uniform(*CAL_INTERRUPT_CUT), 2)
    for _ in range(adv_left):
        beats.append(("advInt", [say(C, take(CAL_CUST_LONG), after=gap()),
                                 interrupt(A, take(CAL_ADV_INTERRUPTER), into=into(), cut=cut_at())], None))
    for _ in range(d["customerInterruptions"]):
        beats.append(("custInt", [say(A, take(CAL_ADV_LONG), after=gap()),
                                  interrupt(C, take(CAL_CUST_INTERRUPTER), into=into(), cut=cut_at())], None))
    for run_ in d["deadAirRuns"]:
        beat = [say(A, take(CAL_HOLD_START), after=gap())]
        if rng.random() < 0.5:
            beat.append(say(C, take(CAL_HOLD_ACK_UPSET if d["customerDistress"] else CAL_HOLD_ACK), after=gap()))
        beat.append(say(A, take(CAL_HOLD_END), after=run_, dead_air=True))
        beats.append(("deadAir", beat, None))
    fillers = rng.sample(domain["fillers"], len(domain["fillers"]))
    rng.shuffle(beats)
    if rng.random() < 0.75:            # mostly the advisor checks (holds) right after the complaint
        beats.sort(key=lambda beat: beat[0] != "deadAir")
    # raised phrases go into the later half of the middle beats, never straight
    # after a hold (the advisor's short line after it leaves < 2 s to the next event)
    for _ in range(d["raisedPhrases"]):
        spots = [i for i in range(len(beats) + 1) if i == 0 or beats[i - 1][0] != "deadAir"]
        later = [i for i in spots if i >= (len(beats) + 1) // 2]
        at = rng.choice(later or spots)
        beats.insert(at, ("raised", [raised(C, take(CAL_RAISED), after=round(rng.uniform(0.6, 0.9), 2))],
                          say(A, take(CAL_RAISED_REPLY), after=gap())))
    upset = d["customerDistress"] > 0 or d["raisedPhrases"] > 0
    closing_c = say(C, take(CAL_CLOSE_UPSET if upset else CAL_CLOSE_CALM), after=gap())
    closing_a = say(A, fill(rng.choice(CAL_GOODBYE)), after=gap())

    def assemble(beats):
        out = list(items)
        for i, (kind, beat, reply) in enumerate(beats):
            out += beat
            nxt = beats[i + 1][0] if i + 1 < len(beats) else "close"
            # an advisor line after a raised phrase unless the next beat opens
            # with the advisor well before its first incident
            if kind == "raised" and nxt != "custInt":
                out.append(reply)
        # the call ends with one line by the party who did not speak last
        out.append(closing_c if out[-1]["party"] == ADVISOR else closing_a)
        # the advisor pauses (working) between two of their own lines
        prev = None
        for item in out:
            if (prev is not None and prev["party"] == item["party"] == ADVISOR and item["kind"] == "say"
                    and not item["deadAir"] and not item.get("confusedAnswer")):
                item["after"] = round(rng.uniform(*CAL_WORK_PAUSE), 2)
            if item["kind"] != "backchannel":
                prev = item
        return out

    # padding up to the shortest planned length: the advisor updating the
    # account (three short lines with working pauses between them), then small
    # talk (a question; the advisor checks, answers).  With distress, small talk
    # first and at the end, so that the customer talks in the call's second half.
    updates = rng.sample(CAL_UPDATE, len(CAL_UPDATE))
    out = assemble(beats)
    while True:
        short = CAL_PLAN_SECONDS[0] - est_timeline(out)[1]
        if short <= 0 or not (fillers or updates):
            break
        if fillers and (d["customerDistress"] or not updates):
            q, a = fillers.pop()
            beat = [say(C, q, after=gap()), say(A, rng.choice(CAL_CHECK), after=gap()), say(A, a, after=gap())]
        else:
            beat = [say(A, line, after=gap()) for line in updates.pop()]
        at = len(beats) if d["customerDistress"] else rng.randint(0, len(beats))
        beats.insert(at, ("filler", beat, None))
        out = assemble(beats)
    return out, mono


def apply_customer_voice(items, voice, distress):
    """Customer items get the call's voice and CUSTOMER_WPM.  With distress, the
    customer's normal-level speech is elevated (ELEVATED_PITCH_STEP,
    ELEVATED_WPM) from the call's (estimated) midpoint on, or from earlier
    (never in the opening complaint) when less than CAL_MIN_ELEVATED s of it
    would follow the midpoint.  Raised phrases get CAL_RAISED_PITCH_STEP (at
    most 99) and CAL_RAISED_WPM.  Returns the estimated time from which the
    customer is elevated: None without distress, False if the customer says
    too little after the complaint."""
    name, pitch = voice

    def dress(elevated_from):
        spans, total = est_timeline(items)
        for item, (start, _) in zip(items, spans):
            if item["party"] != CUSTOMER:
                continue
            item["voice"] = name
            if item["style"] == "raised":
                item["pitch"], item["wpm"] = min(99, pitch + CAL_RAISED_PITCH_STEP), CAL_RAISED_WPM
            elif elevated_from is not None and start >= elevated_from:
                item["pitch"], item["wpm"] = pitch + ELEVATED_PITCH_STEP, ELEVATED_WPM
            else:
                item["pitch"], item["wpm"] = pitch, CUSTOMER_WPM
        return spans, total

    spans, total = dress(None)
    if distress == 0:
        return None
    onset = None
    for _ in range(3):                     # faster speech shortens the call a little
        later = [(start, length) for item, (start, length) in zip(items, spans)
                 if item["party"] == CUSTOMER and item["style"] != "raised"][1:]   # after the complaint
        onset, talk = total / 2, 0.0
        for start, length in reversed(later):
            if start < total / 2 and talk >= CAL_MIN_ELEVATED:
                break
            onset, talk = min(onset, start), talk + length
        if talk < CAL_MIN_ELEVATED:
            return False
        spans, total = dress(onset)
    return onset


def plan_speech(items):
    """Estimated seconds of speech, both channels (what the FLAC size follows)."""
    return math.fsum(length for _, length in est_timeline(items)[0])


def plan_configs(target):
    """(flavour, requirements) to try, in order: as dealt; then dropping the
    requirements one by one, the last-dealt kind first; then the same with the
    flavour's fallback."""
    configs, flavour = [], target["flavour"]
    while True:
        require = dict(target["require"])
        configs.append((flavour, dict(require)))
        for name in sorted(require, key=lambda n: -max(i for i, r in enumerate(CAL_REQUIREMENTS) if r[0] == n)):
            del require[name]
            configs.append((flavour, dict(require)))
        if flavour not in CAL_FALLBACK:
            return configs
        flavour = CAL_FALLBACK[flavour]


def plan_call(stem, target, attempt):
    """Draw intensities until the designed load is within tolerance of the
    target, the planned call fits the length window and has at most
    CAL_SPEECH_TARGET s of speech (the FLAC size follows the speech: the set
    must stay small); if no draw has so little speech, the fitting plan with the
    least.  A flavour or requirement that cannot be met is given up
    (plan_configs)."""
    load, voice = target["load"], target["voice"]
    rng = random.Random(seed_for("calibration", stem, str(attempt)))
    for flavour, require in plan_configs(target):
        best = None
        for _ in range(CAL_DRAWS):
            d = draw_intensities(rng, load, flavour, require)
            domain = rng.choice(CAL_DOMAINS)
            items, mono = plan_items(rng, d, domain)
            if abs(design_load(d, mono) - load) > CAL_LOAD_TOLERANCE:
                continue
            items = [dict(it, trimBelowDb=CAL_TRIM_BELOW_DB,
                          **({"wpm": CAL_ADVISOR_WPM} if it["party"] == ADVISOR else {}))
                     for it in items]
            elevated_from = apply_customer_voice(items, voice, d["customerDistress"])
            if elevated_from is False:       # a distressed customer must talk after the complaint
                continue
            total = est_timeline(items)[1]
            if not CAL_PLAN_SECONDS[0] <= total <= CAL_PLAN_SECONDS[1]:
                continue
            speech = plan_speech(items)
            plan = {"design": d, "items": items, "domain": domain["company"], "flavour": flavour,
                    "require": require, "elevatedFrom": elevated_from, "plannedSeconds": total,
                    "plannedMono": mono, "plannedSpeech": speech}
            if speech <= CAL_SPEECH_TARGET:
                return plan
            if best is None or speech < best["plannedSpeech"]:
                best = plan
        if best is not None:
            return best
        print(f"  {stem}: no {flavour} design with {require} for load {load:.3f}")
    fail(f"{stem}: no design within {CAL_LOAD_TOLERANCE} of load {load:.3f} in {CAL_DRAWS} draws")


def measured_intensities(truth, design):
    dead = [ev for ev in truth["events"] if ev["type"] == "deadAir"]
    inter = [ev for ev in truth["events"] if ev["type"] == "interruption"]
    return {
        "deadAirSeconds": round(math.fsum(ev["endSeconds"] - ev["startSeconds"] for ev in dead), 2),
        "advisorInterruptions": sum(1 for ev in inter if ev["party"] == ADVISOR),
        "customerInterruptions": sum(1 for ev in inter if ev["party"] == CUSTOMER),
        "raisedPhrases": sum(1 for ev in truth["events"] if ev["type"] == "energySpike"),
        "confusion": design["confusion"],
        "monologueSeconds": sec(max(e - s for s, e in truth["segments"][CUSTOMER])),
        "customerDistress": design["customerDistress"],
    }


def check_calibration(plan, items, truth):
    """The calibration rules on the truth, beyond verify's checks."""
    d, out = plan["design"], []
    x = measured_intensities(truth, d)
    for key in ("advisorInterruptions", "customerInterruptions", "raisedPhrases"):
        if x[key] != d[key]:
            out.append(f"{key}: truth {x[key]}, designed {d[key]}")
    dead = [ev for ev in truth["events"] if ev["type"] == "deadAir"]
    if len(dead) != len(d["deadAirRuns"]) or any(ev["endSeconds"] - ev["startSeconds"] < 3.5 for ev in dead):
        out.append(f"dead airs {[(ev['startSeconds'], ev['endSeconds']) for ev in dead]}, designed {d['deadAirRuns']}")
    if x["deadAirSeconds"] > 14.0:
        out.append(f"dead air {x['deadAirSeconds']} s > 14 s")
    if not 3.0 <= x["monologueSeconds"] <= 12.0:
        out.append(f"longest customer turn {x['monologueSeconds']} s outside 3-12 s")
    duration = truth["nFrames"] * FRAME_SECONDS
    if not CAL_SECONDS[0] <= duration <= CAL_SECONDS[1]:
        out.append(f"call lasts {duration:.2f} s, outside {CAL_SECONDS}")
    # gaps: dead air >= 3.5 s; before a confused customer's answer 2.0-2.6 s;
    # otherwise < 2 s, and when the other party answers about 0.4-1.0 s
    answers = [u["_frames"][0] for u in truth["utterances"] if u["_item"].get("confusedAnswer")]
    segs = truth["segments"]
    for s, e in truth["silences"]:
        length = (e - s) * FRAME_SECONDS
        if length >= 3.5:
            continue
        ended = {p for p in PARTIES if any(seg[1] == s for seg in segs[p])}
        starts = {p for p in PARTIES if any(seg[0] == e for seg in segs[p])}
        if any(abs(e - f) <= 5 for f in answers):
            if not 2.0 <= length < MAX_ORDINARY_SILENCE:
                out.append(f"confusion gap {sec(s)}-{sec(e)} s is {length:.2f} s")
        elif length >= 2.0:
            out.append(f"ordinary gap {sec(s)}-{sec(e)} s is {length:.2f} s")
        elif ended != starts and not CAL_RESPONSE_GAP[0] - 0.1 <= length <= CAL_RESPONSE_GAP[1] + 0.15:
            out.append(f"response gap {sec(s)}-{sec(e)} s is {length:.2f} s")
    if len(answers) != d["confusionTurns"]:
        out.append(f"{len(answers)} confused answers, designed {d['confusionTurns']}")
    return out


def build_calibration_call(tmp, stem, target, verbose):
    """Plan, build, compute truth and check one call; a plan whose truth breaks a
    rule is replaced by the next seeded plan.  Returns (plan, channels, truth)."""
    problems = []
    for attempt in range(CAL_BUILDS):
        plan = plan_call(stem, target, attempt)
        items = plan["items"]
        try:                    # build_scenario/compute_truth stop via fail() (SystemExit)
            channels, placed = build_scenario(tmp, stem, items)
            truth = compute_truth(stem, channels, placed)
        except SystemExit as stop:
            problems = [str(stop)]
            print(f"  {stem}: attempt {attempt} rejected: {stop}", flush=True)
            continue
        counts = {"overtalk": 0, "interruption": 0, "backchannel": 0, "deadAir": 0, "energySpike": 0}
        for ev in truth["events"]:
            counts[ev["type"]] += 1
        d = plan["design"]
        n_bc = sum(1 for it in items if it["kind"] == "backchannel")
        EXPECTED_EVENTS[stem] = {
            "overtalk": d["advisorInterruptions"] + d["customerInterruptions"] + n_bc,
            "interruption": d["advisorInterruptions"] + d["customerInterruptions"],
            "backchannel": n_bc, "deadAir": len(d["deadAirRuns"]), "energySpike": d["raisedPhrases"]}
        problems = (check_edges_and_peaks(truth, channels) + check_one_segment_per_utterance(truth)
                    + check_overtalk(truth) + check_silences(truth, items) + check_levels(truth)
                    + check_separation(truth) + check_counts(stem, truth)
                    + check_calibration(plan, items, truth))
        if verbose:
            print(summary(f"{stem} (attempt {attempt})", truth))
            print_scenario(truth)
        if not problems:
            plan["attempt"] = attempt
            return plan, channels, truth
        print(f"  {stem}: attempt {attempt} rejected: " + "; ".join(problems), flush=True)
    fail(f"{stem}: no plan met the rules in {CAL_BUILDS} attempts:\n  " + "\n  ".join(problems))


def calibration_labels(stem, plan, truth, voice):
    d = plan["design"]
    x = measured_intensities(truth, d)
    effort = effort_of(x)
    distress = d["customerDistress"]
    elevated = None
    if distress:
        starts = [u["startSeconds"] for u in truth["utterances"]
                  if u["party"] == CUSTOMER and u["_item"].get("wpm") == ELEVATED_WPM]
        elevated = min(starts) if starts else None
    elevated_talk = sec(sum(u["_frames"][1] - u["_frames"][0] for u in truth["utterances"]
                            if u["party"] == CUSTOMER and u["_item"].get("wpm") == ELEVATED_WPM))
    return {
        "scenario": "calibration",
        "intensities": x,
        "effort": round(effort, 2),
        "effortScale": {"min": 1, "max": 7, "higherIsMoreEffort": True},
        "effortFormula": EFFORT_FORMULA,
        "ces": ces_of(round(effort, 2), stem),
        "cesScale": {"min": 1, "max": 7, "higherIsEasier": True},
        "cesFormula": CES_FORMULA,
        "distress": 1 if distress >= 1 else 0,
        "distressLevel": DISTRESS_LEVELS[distress],
        "customerVoice": voice_label(voice),
        "design": {"targetLoad": round(plan["targetLoad"], 3), "designedLoad": round(plan["designedLoad"], 3),
                   "deadAirRunsSeconds": d["deadAirRuns"], "confusionTurns": d["confusionTurns"],
                   "monologueTargetSeconds": d["monologueTarget"], "company": plan["domain"],
                   "flavour": plan["flavour"], "required": plan["require"],
                   "dealt": {"flavour": plan["target"]["flavour"], "required": plan["target"]["require"]},
                   "plannedSeconds": round(plan["plannedSeconds"], 2),
                   "elevatedFromSeconds": elevated,
                   "elevatedCustomerSeconds": elevated_talk,
                   "elevated": ("customer's normal-level speech from elevatedFromSeconds on: espeak pitch "
                                f"+{ELEVATED_PITCH_STEP}, {ELEVATED_WPM} wpm (else {CUSTOMER_WPM})")
                   if distress else None,
                   "raisedVoice": (f"+{RAISED_GAIN_DB:g} dB, espeak pitch +{CAL_RAISED_PITCH_STEP} (at most 99), "
                                   f"{CAL_RAISED_WPM} wpm") if d["raisedPhrases"] else None,
                   "planAttempt": plan["attempt"]},
    }


def write_calibration_call(tmp, out_dir, stem, plan, channels, truth, version, voice):
    cond = {"stem": stem, "scenario": "calibration", "name": "calibration",
            "notes": f"{TEL}, 8 kHz, stereo FLAC 16-bit, no added noise; customer voice "
                     f"{voice_label(voice)} ({CUSTOMER_WPM} wpm), advisor {VOICES[ADVISOR]} ({CAL_ADVISOR_WPM} wpm)",
            "rate": CAL_RATE, "layout": "stereo", "snr": None, "bleed": False, "mulaw": False, "hum": False}
    outputs, extra = render_condition(tmp, cond, channels, truth)
    cond = dict(cond, extraNotes=extra)
    paths = []
    for fname, chans in outputs.items():
        paths.append(os.path.join(out_dir, fname))
        write_audio(tmp, paths[-1], chans, cond["rate"], stem)
    doc = json.loads(truth_document(cond, truth, list(outputs), version))
    labels = calibration_labels(stem, plan, truth, voice)
    doc["labels"] = labels
    # calm: no raised phrase and no distress (nothing an energy-spike detector should find)
    doc["calm"] = labels["intensities"]["raisedPhrases"] == 0 and labels["distress"] == 0
    paths.append(os.path.join(out_dir, f"{stem}.truth.json"))
    with open(paths[-1], "w") as f:
        f.write(json.dumps(round_floats(doc), indent=2, sort_keys=True) + "\n")
    return paths, labels


def histogram(values, edges):
    counts = [0] * (len(edges) - 1)
    for v in values:
        for i in range(len(edges) - 1):
            if edges[i] <= v < edges[i + 1] or (i == len(edges) - 2 and v == edges[-1]):
                counts[i] += 1
    return counts


def make_calibration(tmp, out_dir, version, verbose, only=None):
    os.makedirs(out_dir, exist_ok=True)
    written, all_labels = [], []
    for n, target in enumerate(cal_targets(), start=1):
        load, voice = target["load"], target["voice"]
        stem = f"cal-{n:02d}"
        if only and stem not in only:
            continue
        plan, channels, truth = build_calibration_call(tmp, stem, target, verbose)
        plan["targetLoad"], plan["target"] = load, target
        plan["designedLoad"] = design_load(plan["design"], plan["plannedMono"])
        paths, labels = write_calibration_call(tmp, out_dir, stem, plan, channels, truth, version, voice)
        all_labels.append(labels)
        written += paths
        x = labels["intensities"]
        print(f"  {stem}: {sec(truth['nFrames'])} s, effort {labels['effort']} (target "
              f"{1 + 6 * load / EFFORT_FULL_LOAD:.2f}), ces {labels['ces']}, {labels['distressLevel']}, "
              f"{labels['customerVoice']}; dead {x['deadAirSeconds']} s, int A{x['advisorInterruptions']}"
              f"/C{x['customerInterruptions']}, raised {x['raisedPhrases']}, confusion {x['confusion']}, "
              f"mono {x['monologueSeconds']} s; {os.path.getsize(paths[0])} bytes", flush=True)
    total = sum(os.path.getsize(p) for p in written)
    on_disk = sum(-(-os.path.getsize(p) // 4096) * 4096 for p in written)
    print(f"{len(written)} files, {total} bytes ({on_disk} in 4 KiB blocks) in {out_dir}")
    if only is None and on_disk > CAL_MAX_BYTES:
        fail(f"calibration set takes {on_disk} bytes in 4 KiB blocks (> {CAL_MAX_BYTES})")
    efforts = sorted(lb["effort"] for lb in all_labels)
    if efforts:
        print(f"effort min {efforts[0]}, median {statistics.median(efforts)}, max {efforts[-1]}; "
              f"per unit from 1: {histogram(efforts, [1, 2, 3, 4, 5, 6, 7])}")
        print(f"ces 1-7: {[sum(1 for lb in all_labels if lb['ces'] == k) for k in range(1, 8)]}; distress "
              + ", ".join(f"{lv} {sum(1 for lb in all_labels if lb['distressLevel'] == lv)}" for lv in DISTRESS_LEVELS)
              + f"; {len({lb['customerVoice'] for lb in all_labels})} customer voices")
    names = {os.path.basename(p) for p in written}
    if only is None:
        for stale in sorted(set(os.listdir(out_dir)) - names):
            print(f"  note: {stale} in {out_dir} was not made by this script")


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
    ap.add_argument("--calibration-out", default=os.path.join(repo, "fixtures", "calibration"),
                    help="calibration set folder (default: fixtures/calibration of this repository)")
    group = ap.add_mutually_exclusive_group()
    group.add_argument("--calibration-only", action="store_true", help="build only the calibration set")
    group.add_argument("--no-calibration", action="store_true", help="build only the labelled test calls")
    ap.add_argument("--calibration-calls", metavar="STEMS",
                    help="comma-separated calibration calls to build (e.g. cal-01,cal-07), for debugging")
    ap.add_argument("--verbose", action="store_true", help="list utterances and segments")
    ap.add_argument("--keep-temp", action="store_true", help="keep the scratch folder")
    args = ap.parse_args()
    for tool in ("espeak-ng", "sox"):
        if shutil.which(tool) is None:
            fail(f"{tool} not found")
    version = espeak_version()
    root = tempfile.mkdtemp(prefix="attune-fixtures-")
    tmp = Tmp(root)
    try:
        if not args.calibration_only:
            make_calls(tmp, args.out, version, args.verbose)
        if not args.no_calibration:
            only = args.calibration_calls.split(",") if args.calibration_calls else None
            make_calibration(tmp, args.calibration_out, version, args.verbose, only)
    finally:
        if args.keep_temp:
            print(f"temporary files kept in {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)


def make_calls(tmp, out_dir, version, verbose):
    """The labelled test calls (SCENARIOS x CONDITIONS) into ``out_dir``."""
    os.makedirs(out_dir, exist_ok=True)
    built = {}
    for name, items in SCENARIOS.items():
        channels, placed = build_scenario(tmp, name, items)
        truth = compute_truth(name, channels, placed)
        print(summary(name, truth), flush=True)
        if verbose:
            print_scenario(truth)
        verify(name, items, channels, truth)
        built[name] = (channels, truth)
    written = []
    for cond in CONDITIONS:
        channels, truth = built[cond["scenario"]]
        for path in write_call(tmp, out_dir, cond, channels, truth, version):
            print(f"  wrote {path} ({os.path.getsize(path)} bytes)", flush=True)
            written.append(path)
    total = sum(os.path.getsize(p) for p in written)
    print(f"{len(written)} files, {total} bytes in {out_dir}")
    names = {os.path.basename(p) for p in written}
    for stale in sorted(set(os.listdir(out_dir)) - names):
        print(f"  note: {stale} in {out_dir} was not made by this script")


if __name__ == "__main__":
    main()
