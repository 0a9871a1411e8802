#!/usr/bin/env python3
"""Hostile-audio campaign (issue 14 item 5): mutated recordings through `attune analyze` and
`attune batch`, counting what must never happen.

    python3 Scripts/fuzz/campaign.py --attune .build/release/attune --files 10000 --out /tmp/attune-fuzz

Seeds: one short stereo call per encoding Attune reads (WAV PCM16, float, mu-law, A-law, FLAC, OGG
Vorbis, AU, AIFF), made with sox. Each file is a seed with one mutation, chosen and applied from
--seed, so the same command makes the same files (the mutation is in the file's name):

    bitFlips        1-8 bits flipped anywhere
    headerBitFlips  1-4 bits flipped in the first 64 bytes
    headerField     a 32-bit field in the first 64 bytes set to a boundary value, either byte order
    sampleRate      the container's rate field set to a hostile value (0, 7999, 192001, 384000,
                    67108864, 1073741824, 2147483640, 0xFFFFFFFF...; AIFF: also infinity, NaN, ...)
    channelCount    the container's channel field set to 0, 3, 6, 255, 0xFFFF or 0x7FFFFFFF
    chunkSize       a chunk (or AU data) size set to 0, 1, 0xFFFFFFFF, half, double, +-1 ...
    truncation      the file cut short
    floatExponent   an exponent bit of a 32-bit word in the audio data flipped (1e18-like floats)

Ogg pages get their checksums recomputed after a mutation, so the damage reaches the decoder.

Every file goes through `attune analyze --json FILE` (timeout --timeout s, under /usr/bin/time for
peak RSS). Then the files are split into folders of --batch-size and each folder goes through
`attune batch FOLDER --db NEW.db --jobs 2`. Counted, each target 0:

    crashes         killed by a signal (abort, SIGILL, SIGSEGV, ...)
    hangs           still running after the timeout (killed)
    over memory     peak RSS above --memory-mb (100 MB)
    bad exits       exit status other than 0 or 1 (analyze) / 0 or 1 (batch)
    anonymous       stderr lines that do not name the file (analyze: anything but exactly one
                    "attune: error: FILE: reason" line on failure and nothing on success; batch:
                    anything but "progress: ..." and "attune: failed: FILE..." naming a file of the
                    folder)
    lost (batch)    files neither stored nor listed as failed, or a batch whose stored count
                    differs from the files `attune analyze` accepted

Each run's address space is capped (--max-address-space-gb, default 4): a build without the
limits of AudioLimits asks for up to 23 GB for one file, which would take a shared machine's
memory; under the cap such an allocation aborts and counts as a crash. Run it from the checkout
(the default scoring model is read from models/default.json by builds that do not carry it).

A summary is printed and written to OUT/summary.json (every offending file listed), every analyze
outcome to OUT/analyze.jsonl. Exit 0 when every count is 0.

Issue 14's figures (2 cores, beside other builds):
    after:  python3 Scripts/fuzz/campaign.py --attune .build/release/attune --files 10000 --out /tmp/fuzz-after
    before: python3 Scripts/fuzz/campaign.py --attune /tmp/c524-attune --files 2000 --batch-files 500 --out /tmp/fuzz-before
"""

import argparse
import collections
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

SEEDS = [  # (name, extension, rate, sox output options)
    ("wav-pcm16", "wav", 8000, ["-b", "16", "-e", "signed-integer"]),
    ("wav-float", "wav", 16000, ["-b", "32", "-e", "floating-point"]),
    ("wav-ulaw", "wav", 8000, ["-b", "8", "-e", "u-law"]),
    ("wav-alaw", "wav", 8000, ["-b", "8", "-e", "a-law"]),
    ("flac", "flac", 16000, ["-b", "16"]),
    ("ogg", "ogg", 8000, []),
    ("au", "au", 8000, ["-b", "16", "-e", "signed-integer"]),
    ("aiff", "aiff", 11025, ["-b", "16", "-e", "signed-integer"]),
]
MUTATIONS = ["bitFlips", "headerBitFlips", "headerField", "sampleRate", "channelCount", "chunkSize", "truncation", "floatExponent"]
BOUNDARY32 = [0, 1, 0x7FFFFFFF, 0xFFFFFFFF, 0x80000000, 2147483640, 1073741824, 0x00010000, 0xFFFF]
HOSTILE_RATES = [0, 1, 7999, 12345, 192001, 384000, 67108864, 1073741824, 2147483640, 0x7FFFFFFF, 0xFFFFFFFF]
HOSTILE_CHANNELS = [0, 3, 6, 255, 0xFFFF, 0x7FFFFFFF]
AIFF_SPECIAL_RATES = [  # 80-bit extended: +inf, NaN, negative 8000, 2^31, the largest finite, zero
    bytes([0x7F, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0]), bytes([0x7F, 0xFF, 0xC0, 0, 0, 0, 0, 0, 0, 0]),
    bytes([0xC0, 0x0B, 0xFA, 0, 0, 0, 0, 0, 0, 0]), bytes([0x40, 0x1E, 0x80, 0, 0, 0, 0, 0, 0, 0]),
    bytes([0x7F, 0xFE] + [0xFF] * 8), bytes(10),
]


def make_seeds(directory):
    """One 1 s stereo call per encoding: a tone in each channel."""
    os.makedirs(directory, exist_ok=True)
    paths = []
    for name, extension, rate, options in SEEDS:
        path = os.path.join(directory, f"{name}.{extension}")
        subprocess.run(["sox", "-R", "-n", "-r", str(rate), "-c", "2", *options, path,
                        "synth", "1", "sine", "440", "sine", "620", "gain", "-8"],
                       check=True, capture_output=True)
        paths.append(path)
    return paths


def write32(data, offset, value, big_endian):
    if 0 <= offset and offset + 4 <= len(data):
        data[offset:offset + 4] = value.to_bytes(4, "big" if big_endian else "little")


def read32(data, offset, big_endian):
    return int.from_bytes(data[offset:offset + 4], "big" if big_endian else "little")


def extended80(value):
    if value == 0:
        return bytes(10)
    exponent = value.bit_length() - 1
    mantissa = value << (63 - exponent)
    return (16383 + exponent).to_bytes(2, "big") + mantissa.to_bytes(8, "big")


class Layout:
    """Where a container keeps its rate, channel count, sizes and samples."""

    def __init__(self, data):
        self.container, self.sizes, self.rate, self.channels, self.data = "other", [], None, None, None
        find = lambda tag, start=0: (lambda i: None if i < 0 else i)(data.find(tag, start))
        if data[:4] == b"RIFF":
            self.container, self.sizes = "wav", [(4, False)]
            fmt = find(b"fmt ")
            if fmt is not None:
                self.sizes.append((fmt + 4, False))
                self.channels, self.rate = fmt + 10, fmt + 12
            chunk = find(b"data", 12)
            if chunk is not None:
                self.sizes.append((chunk + 4, False))
                self.data = chunk + 8
        elif data[:4] == b".snd":
            self.container, self.sizes, self.rate, self.channels = "au", [(4, True), (8, True)], 16, 20
            self.data = read32(data, 4, True)
        elif data[:4] == b"FORM":
            self.container, self.sizes = "aiff", [(4, True)]
            comm = find(b"COMM")
            if comm is not None:
                self.sizes.append((comm + 4, True))
                self.channels, self.rate = comm + 8, comm + 16
            ssnd = find(b"SSND")
            if ssnd is not None:
                self.sizes.append((ssnd + 4, True))
                self.data = ssnd + 16
        elif data[:4] == b"fLaC":
            self.container, self.sizes, self.rate, self.channels = "flac", [(5, True)], 18, 20
        elif data[:4] == b"OggS" and find(b"vorbis") is not None:
            vorbis = find(b"vorbis")
            self.container, self.channels, self.rate, self.sizes = "ogg", vorbis + 10, vorbis + 11, [(vorbis + 6, False)]


OGG_TABLE = []
for index in range(256):
    r = index << 24
    for _ in range(8):
        r = ((r << 1) ^ 0x04C11DB7) if r & 0x80000000 else (r << 1)
    OGG_TABLE.append(r & 0xFFFFFFFF)


def fix_ogg_checksums(data):
    position = 0
    while position + 27 <= len(data) and data[position:position + 4] == b"OggS":
        segments = data[position + 26]
        if position + 27 + segments > len(data):
            return
        end = position + 27 + segments + sum(data[position + 27:position + 27 + segments])
        if end > len(data):
            return
        data[position + 22:position + 26] = b"\0\0\0\0"
        crc = 0
        for byte in data[position:end]:
            crc = ((crc << 8) & 0xFFFFFFFF) ^ OGG_TABLE[((crc >> 24) ^ byte) & 0xFF]
        data[position + 22:position + 26] = crc.to_bytes(4, "little")
        position = end


def mutate(original, mutation, rng):
    data = bytearray(original)
    layout = Layout(original)
    n = len(data)
    if mutation == "bitFlips":
        for _ in range(rng.randrange(1, 9)):
            data[rng.randrange(n)] ^= 1 << rng.randrange(8)
    elif mutation == "headerBitFlips":
        for _ in range(rng.randrange(1, 5)):
            data[rng.randrange(min(64, n))] ^= 1 << rng.randrange(8)
    elif mutation == "headerField":
        write32(data, rng.randrange(min(64, n) - 3), rng.choice(BOUNDARY32), rng.randrange(2) == 1)
    elif mutation == "sampleRate":
        rate, offset = rng.choice(HOSTILE_RATES), layout.rate
        if offset is None or offset + 10 > n:
            write32(data, 24, rate, False)
        elif layout.container in ("wav", "ogg", "other"):
            write32(data, offset, rate, False)
        elif layout.container == "au":
            write32(data, offset, rate, True)
        elif layout.container == "aiff":
            data[offset:offset + 10] = rng.choice(AIFF_SPECIAL_RATES) if rng.randrange(2) == 0 else extended80(rate)
        elif layout.container == "flac":
            value = rate & 0xFFFFF
            data[offset], data[offset + 1] = value >> 12, (value >> 4) & 0xFF
            data[offset + 2] = (data[offset + 2] & 0x0F) | ((value & 0xF) << 4)
    elif mutation == "channelCount":
        channels, offset = rng.choice(HOSTILE_CHANNELS), layout.channels
        if offset is None or offset + 4 > n:
            write32(data, 22, channels, False)
        elif layout.container == "wav":
            data[offset:offset + 2] = (channels & 0xFFFF).to_bytes(2, "little")
        elif layout.container == "au":
            write32(data, offset, channels, True)
        elif layout.container == "aiff":
            data[offset:offset + 2] = (channels & 0xFFFF).to_bytes(2, "big")
        elif layout.container == "flac":
            data[offset] = (data[offset] & 0xF1) | (((channels - 1) & 0x7) << 1)
        else:
            data[offset] = channels & 0xFF
    elif mutation == "chunkSize":
        if not layout.sizes:
            write32(data, 4, 0xFFFFFFFF, False)
        else:
            offset, big = rng.choice(layout.sizes)
            if offset + 4 <= n:
                current = int.from_bytes(data[offset:offset + 3], "big") if layout.container == "flac" else read32(data, offset, big)
                value = rng.choice([0, 1, 0xFFFFFFFF, 0x7FFFFFFF, 0x80000000, current // 2, current * 2 + 1, current - 1, current + 1]) & 0xFFFFFFFF
                if layout.container == "flac":
                    data[offset:offset + 3] = (value & 0xFFFFFF).to_bytes(3, "big")
                else:
                    write32(data, offset, value, big)
    elif mutation == "truncation":
        del data[n - rng.randrange(1, n):]
    elif mutation == "floatExponent":
        start = layout.data if layout.data is not None else n // 2
        words = (n - start) // 4
        if words <= 0:
            data[-1] ^= 0x40
        else:
            word = start + 4 * rng.randrange(words)
            bit = 30 if rng.randrange(2) == 0 else rng.randrange(23, 30)
            data[word + bit // 8] ^= 1 << (bit % 8)
    if layout.container == "ogg":
        fix_ogg_checksums(data)
    if data == original:
        data[-1] ^= 1
    return bytes(data)


def make_files(out, count, seed):
    seed_paths = make_seeds(os.path.join(out, "seeds"))
    originals = [open(p, "rb").read() for p in seed_paths]
    directory = os.path.join(out, "files")
    shutil.rmtree(directory, ignore_errors=True)
    os.makedirs(directory)
    files = []
    for index in range(count):
        which = index % len(SEEDS)
        mutation = MUTATIONS[(index // len(SEEDS)) % len(MUTATIONS)]
        rng = random.Random(f"{seed}-{index}")
        name, extension = SEEDS[which][0], SEEDS[which][1]
        path = os.path.join(directory, f"{index:05d}-{name}-{mutation}.{extension}")
        with open(path, "wb") as handle:
            handle.write(mutate(originals[which], mutation, rng))
        files.append(path)
    return files


ADDRESS_SPACE_LIMIT = [0]  # bytes; 0: none


def limit_address_space():
    if ADDRESS_SPACE_LIMIT[0]:
        resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_LIMIT[0], ADDRESS_SPACE_LIMIT[0]))


def timed(command, timeout, memory_file):
    """Runs command under /usr/bin/time; returns (status, signal, peak KiB, stdout, stderr, hung)."""
    process = subprocess.Popen(["/usr/bin/time", "-f", "%x %M", "-o", memory_file, *command],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                               preexec_fn=limit_address_space)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
        hung = False
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, 9)
        stdout, stderr = process.communicate()
        hung = True
    status, signal, peak = None, None, 0
    try:
        lines = open(memory_file).read().splitlines()
    except OSError:
        lines = []
    for line in lines:
        match = re.match(r"Command terminated by signal (\d+)", line)
        if match:
            signal = int(match.group(1))
        match = re.match(r"^(-?\d+) (\d+)$", line)
        if match:
            status, peak = int(match.group(1)), int(match.group(2))
    if signal is None and status is not None and status > 128 and not hung:
        signal = status - 128
    os.unlink(memory_file) if os.path.exists(memory_file) else None
    return status, signal, peak, stdout.decode("utf-8", "replace"), stderr.decode("utf-8", "replace"), hung


MESSAGES = [  # the reason a failure gives, grouped by its wording, for the summary
    ("sample rate", "unsupportedSampleRate"), ("channels", "unsupportedChannelCount"), ("truncated", "truncated"),
    ("non-finite", "nonFiniteSamples"), ("beyond ±", "outOfRangeSamples"), ("MPEG", "unsupportedEncoding"),
    ("not an audio file", "notAudio"), ("damaged audio header", "malformed"), ("decoding failed", "malformed (decoding)"),
    ("no audio samples", "empty"), ("empty", "empty"), ("declares", "tooLong/declared"), ("more than", "tooLong"),
    ("cannot open", "unreadable"),
]


def classify(line):
    for needle, name in MESSAGES:
        if needle in line:
            return name
    return "other: " + line[:80]


def process_problems(status, signal, peak, hung, memory_mb):
    """What went wrong with the process itself: a hang, a crash, an exit other than 0/1, too much memory."""
    problems = []
    if hung:
        problems.append("hang")
    elif signal is not None:
        problems.append("crash")
    elif status not in (0, 1):
        problems.append("badExit")
    if peak > memory_mb * 1024:
        problems.append("overMemory")
    return problems


def analyze_one(attune, path, timeout, memory_mb, scratch):
    status, signal, peak, stdout, stderr, hung = timed([attune, "analyze", "--json", path], timeout,
                                                       os.path.join(scratch, os.path.basename(path) + ".time"))
    lines = [line for line in stderr.splitlines() if line.strip()]
    record = {"path": path, "status": status, "signal": signal, "peakKiB": peak, "hung": hung}
    problems = process_problems(status, signal, peak, hung, memory_mb)
    prefix = f"attune: error: {path}: "
    if hung or signal is not None:
        record["outcome"] = "hang" if hung else f"signal {signal}"
        record["stderr"] = lines[-5:]
    elif status == 0:
        if lines:
            problems.append("anonymous")
        try:
            json.loads(stdout)
            record["outcome"] = "report"
        except ValueError:
            problems.append("badReport")
            record["outcome"] = "unparsable report"
    elif status == 1:
        if len(lines) != 1 or not lines[0].startswith(prefix):
            problems.append("anonymous")
        record["outcome"] = classify(lines[-1][len(prefix):] if lines and lines[-1].startswith(prefix) else (lines[-1] if lines else ""))
        record["stderr"] = lines[:20]
    else:
        record["outcome"] = f"exit {status}"
        record["stderr"] = lines[-5:]
    record["problems"] = problems
    return record


def batch_one(attune, folder, files, accepted, timeout, memory_mb, scratch):
    database = os.path.join(scratch, os.path.basename(folder) + ".db")
    status, signal, peak, stdout, stderr, hung = timed([attune, "batch", folder, "--db", database, "--jobs", "2"],
                                                       timeout, os.path.join(scratch, os.path.basename(folder) + ".time"))
    names = set(files)
    problems, anonymous = process_problems(status, signal, peak, hung, memory_mb), []
    failed_paths = set()
    for line in stderr.splitlines():
        if not line.strip() or line.startswith("progress: "):
            continue
        match = re.match(r"attune: failed: (.+?): ", line)
        named = [f for f in names if line.startswith(f"attune: failed: {f}: ")]
        if match and named:
            failed_paths.add(named[0])
        else:
            anonymous.append(line)
    if anonymous:
        problems.append("anonymous")
    summary = re.search(r"(\d+) analysed, (\d+) already stored, (?:(\d+) updated, )?(\d+) failed, of (\d+) call", stdout)
    counts = None
    if summary:
        analysed, skipped, updated, failed, total = (int(x or 0) for x in summary.groups())
        counts = {"analysed": analysed, "alreadyStored": skipped, "updated": updated, "failed": failed, "total": total}
        if analysed + skipped + updated + failed != total or total != len(files) or failed != len(failed_paths):
            problems.append("lost")
        if analysed + skipped + updated != accepted:
            problems.append("storedDiffersFromAnalyze")
    elif not hung and signal is None:
        problems.append("lost")
    return {"folder": folder, "status": status, "signal": signal, "peakKiB": peak, "hung": hung, "counts": counts,
            "acceptedByAnalyze": accepted, "anonymous": anonymous[:20], "problems": problems}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--attune", required=True, help="the attune binary")
    parser.add_argument("--files", type=int, default=10000)
    parser.add_argument("--seed", default="14")
    parser.add_argument("--jobs", type=int, default=2, help="analyze runs at once")
    parser.add_argument("--timeout", type=float, default=30, help="seconds before a run counts as hung")
    parser.add_argument("--memory-mb", type=float, default=100)
    parser.add_argument("--batch-size", type=int, default=250, help="files per batch folder (0: no batch runs)")
    parser.add_argument("--batch-timeout", type=float, default=900)
    parser.add_argument("--batch-files", type=int, default=0, help="only the first N files go through batch (0: all)")
    parser.add_argument("--max-address-space-gb", type=float, default=4,
                        help="address-space limit for each run (protects a shared machine: the unbounded filter of a build "
                             "without these limits takes up to 23 GB; an allocation beyond it aborts and counts as a crash); 0: none")
    parser.add_argument("--out", default=os.path.join(tempfile.gettempdir(), "attune-fuzz"))
    arguments = parser.parse_args()
    attune = os.path.abspath(arguments.attune)
    ADDRESS_SPACE_LIMIT[0] = int(arguments.max_address_space_gb * (1 << 30))
    os.makedirs(arguments.out, exist_ok=True)
    scratch = tempfile.mkdtemp(prefix="attune-fuzz-")

    files = make_files(arguments.out, arguments.files, arguments.seed)
    print(f"{len(files)} mutated files in {arguments.out}/files (seed {arguments.seed})", flush=True)
    records = []
    with ThreadPoolExecutor(max_workers=arguments.jobs) as pool:
        for index, record in enumerate(pool.map(lambda p: analyze_one(attune, p, arguments.timeout, arguments.memory_mb, scratch), files)):
            records.append(record)
            if (index + 1) % 500 == 0:
                so_far = collections.Counter(p for r in records for p in r["problems"])
                print(f"  analyze {index + 1}/{len(files)}: {dict(so_far) or 'no problems'}", flush=True)

    def tally(rows):
        problems = collections.Counter(p for r in rows for p in r["problems"])
        return {key: problems.get(key, 0) for key in ["crash", "hang", "overMemory", "badExit", "anonymous", "badReport", "lost", "storedDiffersFromAnalyze"]}

    peaks = sorted(r["peakKiB"] for r in records)
    result = {
        "attune": attune, "seed": arguments.seed, "files": len(files), "timeoutSeconds": arguments.timeout, "memoryLimitMB": arguments.memory_mb,
        "addressSpaceLimitGB": arguments.max_address_space_gb,
        "analyze": {
            "problems": tally(records),
            "outcomes": dict(collections.Counter(r["outcome"] for r in records).most_common()),
            "peakRSSMB": {"median": peaks[len(peaks) // 2] / 1024, "max": peaks[-1] / 1024},
            "offenders": [r for r in records if r["problems"]][:500],
        },
    }
    with open(os.path.join(arguments.out, "analyze.jsonl"), "w") as handle:
        handle.writelines(json.dumps(r) + "\n" for r in records)
    with open(os.path.join(arguments.out, "summary.json"), "w") as handle:
        json.dump(result, handle, indent=2)  # the analyze half, in case the batches are cut short
    if arguments.batch_size > 0:
        batch_files = files[:arguments.batch_files] if arguments.batch_files > 0 else files
        accepted_by_path = {r["path"]: r["status"] == 0 for r in records}
        batches = []
        folders = os.path.join(arguments.out, "batches")
        shutil.rmtree(folders, ignore_errors=True)
        for start in range(0, len(batch_files), arguments.batch_size):
            folder = os.path.join(folders, f"night-{start // arguments.batch_size:03d}")
            os.makedirs(folder)
            members = []
            for path in batch_files[start:start + arguments.batch_size]:
                target = os.path.join(folder, os.path.basename(path))
                os.link(path, target)
                members.append(target)
            accepted = sum(accepted_by_path[p] for p in batch_files[start:start + arguments.batch_size])
            batch = batch_one(attune, folder, members, accepted, arguments.batch_timeout, arguments.memory_mb, scratch)
            batches.append(batch)
            print(f"  batch {folder}: {batch['counts']} {batch['problems'] or 'ok'} peak {batch['peakKiB'] / 1024:.0f} MB", flush=True)
        batch_peaks = sorted(b["peakKiB"] for b in batches)
        result["batch"] = {
            "folders": len(batches), "filesPerFolder": arguments.batch_size, "files": len(batch_files),
            "problems": tally(batches),
            "stored": sum((b["counts"] or {}).get("analysed", 0) + (b["counts"] or {}).get("alreadyStored", 0) for b in batches),
            "failed": sum((b["counts"] or {}).get("failed", 0) for b in batches),
            "peakRSSMB": {"median": batch_peaks[len(batch_peaks) // 2] / 1024, "max": batch_peaks[-1] / 1024},
            "offenders": [b for b in batches if b["problems"]],
        }
    shutil.rmtree(scratch, ignore_errors=True)
    with open(os.path.join(arguments.out, "summary.json"), "w") as handle:
        json.dump(result, handle, indent=2)
    print(json.dumps({k: v for k, v in result.items() if k not in ("analyze", "batch")}, indent=2))
    print("analyze:", json.dumps({k: v for k, v in result["analyze"].items() if k != "offenders"}, indent=2))
    if "batch" in result:
        print("batch:", json.dumps({k: v for k, v in result["batch"].items() if k != "offenders"}, indent=2))
    print(f"details: {arguments.out}/summary.json")
    problems = sum(result["analyze"]["problems"].values()) + (sum(result["batch"]["problems"].values()) if "batch" in result else 0)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
