#!/usr/bin/env python3
"""Steady HTTP load for the rollout benchmarks: GET URL at a fixed rate from a few connections
(most keep-alive, some a new connection per request) until SIGTERM/SIGINT, the stop file, or the
time limit. Every request counts: a 2xx is ok; anything else fails -- a non-2xx status, a
refused/reset/closed connection, a malformed answer, no answer within --timeout. Nothing is
retried. At the end writes a JSON summary to --out:

  {"requests": N, "ok": N, "failed": N, "by_kind": {"HTTP 502": 3, "reset": 1, ...},
   "failures": [{"t_ms": wall ms, "kind": ..., "detail": ..., "version": X-Version or "",
                 "conn": "keep-alive"|"close", "sent_ms": wall ms}, ...]  (the first 50000),
   "versions": {"v2": {"requests": N, "failed": N, "first_ms": .., "last_ms": ..}, ...},
   "start_ms": .., "end_ms": .., "rate": .., "conns": ..}

Times are wall-clock milliseconds (time.time()), the clock gantry stamps its events with.
t_ms is when the client saw the answer (or the error); "version" is the X-Version header the
example app sets, so a failure can be told apart: the app's own 500 carries the version, a
proxy-made 502/503 does not.

usage: loadgen.py URL --out FILE [--rate R] [--conns C] [--close-conns K] [--timeout S]
                  [--max-seconds S] [--stop-file F]
"""
import argparse
import asyncio
import json
import os
import signal
import sys
import time
import urllib.parse

MAX_FAILURES_KEPT = 50000


class Stats:
    def __init__(self):
        self.requests = 0
        self.ok = 0
        self.failed = 0
        self.by_kind = {}
        self.failures = []
        self.versions = {}

    def record(self, sent, done, status, version, kind, detail, conn):
        self.requests += 1
        t_ms = done * 1000.0
        if version:
            v = self.versions.setdefault(version, {"requests": 0, "failed": 0, "first_ms": t_ms, "last_ms": t_ms})
            v["requests"] += 1
            v["last_ms"] = t_ms
        if kind is None:
            self.ok += 1
            return
        self.failed += 1
        if version:
            self.versions[version]["failed"] += 1
        self.by_kind[kind] = self.by_kind.get(kind, 0) + 1
        if len(self.failures) < MAX_FAILURES_KEPT:
            self.failures.append({"t_ms": round(t_ms, 1), "sent_ms": round(sent * 1000.0, 1), "kind": kind,
                                  "detail": detail, "version": version, "conn": conn})


class BadAnswer(Exception):
    pass


async def read_answer(reader):
    """Reads one HTTP/1.1 response; returns (status, headers dict lower-cased, body bytes)."""
    line = await reader.readline()
    if not line:
        raise ConnectionResetError("closed before the status line")
    parts = line.decode("latin-1").split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1."):
        raise BadAnswer(f"bad status line {line[:60]!r}")
    try:
        status = int(parts[1])
    except ValueError:
        raise BadAnswer(f"bad status line {line[:60]!r}")
    headers = {}
    while True:
        h = await reader.readline()
        if not h:
            raise ConnectionResetError("closed inside the headers")
        if h in (b"\r\n", b"\n"):
            break
        k, _, v = h.decode("latin-1").partition(":")
        headers[k.strip().lower()] = v.strip()
    body = b""
    if headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size_line = await reader.readline()
            if not size_line:
                raise ConnectionResetError("closed inside a chunked body")
            size = int(size_line.split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while True:  # trailers
                    t = await reader.readline()
                    if not t:
                        raise ConnectionResetError("closed inside the trailers")
                    if t in (b"\r\n", b"\n"):
                        break
                break
            body += (await reader.readexactly(size + 2))[:-2]
    elif "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif status not in (204, 304) and not (100 <= status < 200):
        body = await reader.read()  # until the server closes
        headers["connection"] = "close"
    return status, headers, body


async def worker(idx, host, port, request, keep_alive, period, phase, stats, stop, timeout):
    conn_kind = "keep-alive" if keep_alive else "close"
    reader = writer = None
    next_t = time.monotonic() + phase
    while not stop.is_set():
        now = time.monotonic()
        if next_t > now:
            try:
                await asyncio.wait_for(stop.wait(), next_t - now)
                break
            except asyncio.TimeoutError:
                pass
        # A fixed schedule; when a slow answer made us late by more than one period, start again
        # from now rather than bursting to catch up.
        next_t = max(next_t + period, time.monotonic() - period)
        sent = time.time()
        status, version, kind, detail = None, "", None, ""
        try:
            async def one():
                nonlocal reader, writer
                if writer is None:
                    reader, writer = await asyncio.open_connection(host, port)
                writer.write(request)
                await writer.drain()
                return await read_answer(reader)
            status, headers, body = await asyncio.wait_for(one(), timeout)
            version = headers.get("x-version", "")
            if not 200 <= status < 300:
                kind = f"HTTP {status}"
                detail = body[:160].decode("utf-8", "replace").strip().replace("\n", " ")
            if not keep_alive or headers.get("connection", "").lower() == "close":
                writer.close()
                reader = writer = None
        except asyncio.TimeoutError:
            kind, detail = "timeout", f"no answer within {timeout:g} s"
        except ConnectionRefusedError as e:
            kind, detail = "refused", str(e)
        except (ConnectionResetError, BrokenPipeError, asyncio.IncompleteReadError) as e:
            kind, detail = "reset", f"{type(e).__name__}: {e}"
        except BadAnswer as e:
            kind, detail = "bad answer", str(e)
        except OSError as e:
            kind, detail = "socket error", f"{type(e).__name__}: {e}"
        if kind is not None and kind in ("timeout", "refused", "reset", "bad answer", "socket error"):
            if writer is not None:
                writer.close()
            reader = writer = None
        stats.record(sent, time.time(), status, version, kind, detail, conn_kind)
    if writer is not None:
        writer.close()


async def main_async(a):
    u = urllib.parse.urlsplit(a.url)
    host, port = u.hostname, u.port or 80
    path = (u.path or "/") + (("?" + u.query) if u.query else "")
    stats = Stats()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    async def watch():
        deadline = time.monotonic() + a.max_seconds
        while not stop.is_set():
            if time.monotonic() >= deadline or (a.stop_file and os.path.exists(a.stop_file)):
                stop.set()
                break
            await asyncio.sleep(0.05)

    period = a.conns / a.rate  # each connection's share of the rate
    tasks = []
    start = time.time()
    for i in range(a.conns):
        keep_alive = i >= a.close_conns
        req = (f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUser-Agent: gantry-bench-loadgen\r\n"
               + ("" if keep_alive else "Connection: close\r\n") + "\r\n").encode()
        tasks.append(asyncio.create_task(
            worker(i, host, port, req, keep_alive, period, period * i / a.conns, stats, stop, a.timeout)))
    tasks.append(asyncio.create_task(watch()))
    if a.ready_file:
        with open(a.ready_file, "w") as f:
            f.write(str(os.getpid()))
    await asyncio.gather(*tasks)
    end = time.time()
    out = {"requests": stats.requests, "ok": stats.ok, "failed": stats.failed, "by_kind": stats.by_kind,
           "failures": stats.failures, "versions": stats.versions, "start_ms": start * 1000.0,
           "end_ms": end * 1000.0, "rate": a.rate, "conns": a.conns, "close_conns": a.close_conns}
    tmp = a.out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(out, f)
    os.replace(tmp, a.out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("url")
    ap.add_argument("--out", required=True)
    ap.add_argument("--rate", type=float, default=200, help="requests per second, all connections together")
    ap.add_argument("--conns", type=int, default=8)
    ap.add_argument("--close-conns", type=int, default=2, help="of --conns, how many open a connection per request")
    ap.add_argument("--timeout", type=float, default=2.0)
    ap.add_argument("--max-seconds", type=float, default=300)
    ap.add_argument("--stop-file", default="")
    ap.add_argument("--ready-file", default="")
    a = ap.parse_args()
    if a.rate <= 0 or a.conns < 1 or not 0 <= a.close_conns <= a.conns:
        ap.error("need --rate > 0, --conns >= 1, 0 <= --close-conns <= --conns")
    asyncio.run(main_async(a))
    return 0


if __name__ == "__main__":
    sys.exit(main())
