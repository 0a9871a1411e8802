#!/usr/bin/env python3
"""Memory of `attune serve` across many refused absurd live streams (issue 15).

Starts the server (the binary given, default .build/release/attune) on a free port with an
in-memory-free configuration (no store), opens N native ingest sockets that each start with an
absurd sample rate, channel list or encoding, checks each is refused with an error message and a
policy-violation close, and prints the server's resident memory (VmRSS) after a warm-up of 100
streams and after all N. No growth is the goal.

    Scripts/bench/absurd-streams.py [--binary PATH] [--streams 10000]
"""
import argparse, base64, json, os, re, socket, struct, subprocess, sys, tempfile, time

TOKEN = "ingest-token-0123456789abcdef"
RATES = ["0", "1", "7999", "192001", "1000000000", "1000000000000", "4294967296"]
CHANNELS = ['[]', '["advisor","customer","mixed"]', "[" + ",".join(['"customer"'] * 255) + "]"]


def starts():
    def start(rate="8000", encoding="L16", channels='["advisor","customer"]'):
        return '{"type":"start","callId":"absurd","sampleRateHz":%s,"encoding":"%s","channels":%s}' % (rate, encoding, channels)
    return [start(rate=r) for r in RATES] + [start(channels=c) for c in CHANNELS] + [start(encoding="OPUS")]


def frame(opcode, payload):
    mask = os.urandom(4)
    header = bytes([0x80 | opcode])
    n = len(payload)
    header += bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + struct.pack(">H", n)
    return header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def refused(port, text):
    """Sends one absurd start; True when an error message and a 1008 close come back."""
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall(("GET /v1/ingest/native HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer %s\r\n\r\n" % (key, TOKEN)).encode())
    s.sendall(frame(0x1, text.encode()))
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
        if b"\x88" in data.split(b"\r\n\r\n", 1)[-1]:
            # a close frame arrived: answer it and stop
            s.sendall(frame(0x8, b"\x03\xe8"))
            break
    s.close()
    body = data.split(b"\r\n\r\n", 1)[-1]
    return data.startswith(b"HTTP/1.1 101") and b'"type":"error"' in body and b"\x88" in body and b"\x03\xf0" in body


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=".build/release/attune")
    parser.add_argument("--streams", type=int, default=10000)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="attune-absurd-")
    config = os.path.join(folder, "serve.json")
    with open(config, "w") as f:
        json.dump({"host": "127.0.0.1", "port": 0, "database": None, "tokens": [{"token": TOKEN, "role": "ingest"}]}, f)
    log_path = os.path.join(folder, "serve.log")
    log = open(log_path, "w")  # a file, not a pipe: an unread pipe would stall the server's logging
    server = subprocess.Popen([args.binary, "serve", "--config", config], stderr=log)
    port = None
    deadline = time.monotonic() + 60
    while port is None and time.monotonic() < deadline and server.poll() is None:
        m = re.search(r"url=http://127\.0\.0\.1:(\d+)", open(log_path).read())
        if m:
            port = int(m.group(1))
        else:
            time.sleep(0.05)
    if port is None:
        sys.exit("the server did not start: " + open(log_path).read()[-2000:])
    texts = starts()
    failures = 0
    started = time.monotonic()
    for i in range(args.streams):
        if not refused(port, texts[i % len(texts)]):
            failures += 1
        if i + 1 == 100:
            warm = rss_kib(server.pid)
    end = rss_kib(server.pid)
    elapsed = time.monotonic() - started
    server.terminate()
    server.wait()
    print("streams=%d notRefusedAsExpected=%d rssAfter100=%.1fMiB rssAfterAll=%.1fMiB growth=%.2fMiB seconds=%.1f"
          % (args.streams, failures, warm / 1024, end / 1024, (end - warm) / 1024, elapsed))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
