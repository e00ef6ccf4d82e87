#!/usr/bin/env python3
"""Memory benchmark: the double's resident memory under a client that sends 900 KB bodies
without pause, read from /proc/<pid>/status (Linux only).

    python3 benches/memory.py target/release/exchange-um-mock
    python3 benches/memory.py BINARY --requests 2000 --connections 4 -- --max-journal-bytes 8388608

Starts BINARY on 127.0.0.1:0 (arguments after `--` are passed on), prints VmRSS idle, then
sends REQUESTS ResetPIN envelopes of BODY bytes as alice over CONNECTIONS keep-alive
connections (one thread each, no pause between requests) and prints VmRSS and VmHWM (the peak)
after every quarter and at the end. The bound the double promises: --max-journal-bytes
+ 48 MiB (a default 64 MiB cap: 112 MiB; an 8 MiB cap: 56 MiB).
"""

import argparse
import base64
import http.client
import subprocess
import sys
import threading

ENVELOPE = (
    '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header><Pad>{pad}</Pad>'
    '</s:Header><s:Body><ResetPIN xmlns="http://schemas.microsoft.com/exchange/services/2006/messages"/>'
    "</s:Body></s:Envelope>"
)


def status(pid):
    """VmRSS and VmHWM of `pid` in MiB."""
    values = {}
    with open(f"/proc/{pid}/status") as file:
        for line in file:
            name, _, rest = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                values[name] = int(rest.split()[0]) / 1024
    return values["VmRSS"], values["VmHWM"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--body", type=int, default=900_000)
    argv = sys.argv[1:]
    split = argv.index("--") if "--" in argv else len(argv)
    args = parser.parse_args(argv[:split])
    extra = argv[split + 1 :]

    child = subprocess.Popen(
        [args.binary, "--listen", "127.0.0.1:0", "--seed", "7", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        line = child.stdout.readline().strip()
        if not line.startswith("listening on http://"):
            sys.exit(f"unexpected ready line {line!r}")
        host, port = line.removeprefix("listening on http://").rsplit(":", 1)
        empty = len(ENVELOPE.format(pad=""))
        body = ENVELOPE.format(pad="x" * max(0, args.body - empty)).encode()
        headers = {
            "Content-Type": "text/xml; charset=utf-8",
            "Authorization": "Basic " + base64.b64encode(b"CONTOSO\\alice:pw").decode(),
        }
        print(f"flags: {' '.join(extra) or '(defaults)'}; body {len(body)} bytes")
        print("idle: VmRSS %.1f MiB, VmHWM %.1f MiB" % status(child.pid))

        sent = [0]
        lock = threading.Lock()
        quarter = max(1, args.requests // 4)

        def client():
            conn = http.client.HTTPConnection(host, int(port), timeout=30)
            while True:
                with lock:
                    if sent[0] >= args.requests:
                        break
                    sent[0] += 1
                    n = sent[0]
                conn.request("POST", "/EWS/UM2007Legacy.asmx", body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                if n % quarter == 0:
                    rss, hwm = status(child.pid)
                    print(f"after {n}: VmRSS {rss:.1f} MiB, VmHWM {hwm:.1f} MiB", flush=True)
            conn.close()

        threads = [threading.Thread(target=client) for _ in range(args.connections)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        print("end: VmRSS %.1f MiB, VmHWM %.1f MiB" % status(child.pid))
    finally:
        child.kill()
        child.wait()


if __name__ == "__main__":
    main()
