"""Shared pieces of the rollout benchmarks (bench/deploy-under-load, bench/bad-canary,
bench/deploy-latency): a gantry daemon in a temp state dir, deploys through the CLI, the events of
a deployment, the load generator (loadgen.py) as a child process, and cleanup on exit.

Everything binds 127.0.0.1 on free ports; every process started here is stopped by its pid when
the script exits (normally, on an error, or on SIGINT/SIGTERM)."""
import atexit
import datetime
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HERE = os.path.dirname(os.path.abspath(__file__))
QUICK = os.environ.get("BENCH_QUICK", "0") == "1"
KEEP = os.environ.get("BENCH_KEEP", "0") == "1"


class SetupError(Exception):
    pass


def now_ms():
    return time.time() * 1000.0


def parse_at(text):
    """'2026-12-01T21:58:40.831Z' -> wall-clock ms since the epoch."""
    d = datetime.datetime.strptime(text.rstrip("Z"), "%Y-%m-%dT%H:%M:%S.%f")
    return d.replace(tzinfo=datetime.timezone.utc).timestamp() * 1000.0


def free_ports(n):
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def median_spread(xs, fmt="{:.0f}"):
    xs = [x for x in xs if x is not None]
    if not xs:
        return "-"
    return f"{fmt.format(statistics.median(xs))} (spread {fmt.format(min(xs))}-{fmt.format(max(xs))}, n={len(xs)})"


def env_int(name, default):
    v = os.environ.get(name)
    if v is None or v == "":
        return default
    try:
        n = int(v)
    except ValueError:
        raise SetupError(f"{name}='{v}': use a whole number")
    if n < 1:
        raise SetupError(f"{name}='{v}': use a whole number >= 1")
    return n


class Bench:
    """One benchmark run: its temp dir, the processes it started, the build it uses."""

    def __init__(self, name, argv):
        self.name = name
        build = argv[1] if len(argv) > 1 else os.path.join(ROOT, "build")
        if not os.path.isabs(build) and not os.path.isdir(build):
            build = os.path.join(ROOT, build)
        self.build = os.path.abspath(build)
        self.gantry = os.path.join(self.build, "gantry")
        self.app = os.path.join(self.build, "examples", "example-app")
        for p in (self.gantry, self.app):
            if not os.access(p, os.X_OK):
                raise SetupError(f"no {p} (build it first: ninja -C {self.build} gantry example-app)")
        self.work = tempfile.mkdtemp(prefix=f"gantry-{name}-bench.")
        self.daemons = []   # Daemon objects to stop
        self.children = []  # Popen objects (load generators, bare apps) to stop
        atexit.register(self.cleanup)
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._on_signal)

    def say(self, text):
        print(f"{self.name}: {text}", flush=True)

    def _on_signal(self, signum, frame):
        sys.exit(130)

    def cleanup(self):
        for p in self.children:
            stop_popen(p)
        for d in self.daemons:
            d.stop()
        if KEEP:
            print(f"{self.name}: kept {self.work}", file=sys.stderr)
        else:
            shutil.rmtree(self.work, ignore_errors=True)

    def machine(self):
        model = "?"
        try:
            for line in open("/proc/cpuinfo"):
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
        except OSError:
            pass
        ver = subprocess.run([self.gantry, "--version"], capture_output=True, text=True).stdout.strip()
        return f"{os.cpu_count()} cores, {model}, Linux {os.uname().release}; {ver.splitlines()[0] if ver else 'gantry ?'}"

    def daemon(self, label, spec_text):
        d = Daemon(self, label, spec_text)
        self.daemons.append(d)
        d.start()
        return d

    def load(self, url, label, rate, conns, close_conns, timeout=2.0, max_seconds=600):
        lg = Load(self, url, label, rate, conns, close_conns, timeout, max_seconds)
        self.children.append(lg.proc)
        return lg


def stop_popen(p, grace=5.0):
    if p.poll() is not None:
        return
    try:
        p.terminate()
        p.wait(grace)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    except OSError:
        pass


def pid_alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False


def descendants(pid):
    """The pids under pid (children, grandchildren), from /proc."""
    kids = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        kids.setdefault(ppid, []).append(int(d))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        for c in kids.get(p, []):
            out.append(c)
            todo.append(c)
    return out


class Daemon:
    def __init__(self, bench, label, spec_text):
        self.bench = bench
        self.label = label
        self.dir = os.path.join(bench.work, label)
        os.makedirs(self.dir, exist_ok=True)
        self.spec = os.path.join(self.dir, "gantry.yaml")
        self.state = os.path.join(self.dir, "state")
        with open(self.spec, "w") as f:
            f.write(spec_text)
        self.pid = None
        self.stopped = False

    def run(self, *args, check=False, timeout=600):
        cmd = [self.bench.gantry, *args]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        if check and r.returncode != 0:
            raise SetupError(f"{' '.join(args[:2])} exited {r.returncode}: {(r.stderr or r.stdout).strip()[-400:]}")
        return r

    def start(self):
        r = self.run("lint", "-f", self.spec)
        if r.returncode != 0:
            raise SetupError(f"gantry lint refused the bench's spec ({self.spec}):\n{r.stdout}{r.stderr}")
        out = os.path.join(self.dir, "up.out")
        with open(out, "w") as f:
            rc = subprocess.run([self.bench.gantry, "up", "-f", self.spec, "--state-dir", self.state, "--detach"],
                                stdout=f, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, timeout=60).returncode
        if rc != 0:
            raise SetupError(f"gantry up failed (exit {rc}): {open(out).read().strip()[-400:]}")
        with open(os.path.join(self.state, "daemon.pid")) as f:
            self.pid = int(f.read().strip())

    def status(self):
        r = self.run("status", "--state-dir", self.state, "--format", "json")
        if r.returncode != 0:
            return None
        try:
            return json.loads(r.stdout)
        except ValueError:
            return None

    def wait_ready(self, service, replicas, seconds=60):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            st = self.status()
            if st:
                for s in st.get("services", []):
                    if s.get("name") == service and s.get("ready", 0) >= replicas and s.get("routed", 0) >= replicas:
                        return s
            time.sleep(0.1)
        raise SetupError(f"{service}: not {replicas} ready replicas after {seconds} s "
                         f"(daemon log: {self.log_tail()})")

    def log_tail(self, n=3):
        try:
            with open(os.path.join(self.state, "daemon.log"), errors="replace") as f:
                return " | ".join(f.read().strip().splitlines()[-n:])
        except OSError:
            return "(no daemon.log)"

    def deploy(self, service, *args, rollback=False, timeout=300):
        """gantry deploy|rollback SERVICE ARGS --format json; returns (exit, deployment dict or None,
        start wall ms, end wall ms, stderr)."""
        cmd = ["rollback" if rollback else "deploy", service, *args, "--state-dir", self.state,
               "--format", "json", "--timeout", f"{timeout}s"]
        t0 = now_ms()
        r = self.run(*cmd, timeout=timeout + 30)
        t1 = now_ms()
        dep = None
        try:
            ds = json.loads(r.stdout).get("deployments") or []
            dep = ds[0] if ds else None
        except ValueError:
            pass
        return r.returncode, dep, t0, t1, r.stderr.strip()

    def events(self, deployment_id):
        r = self.run("show", deployment_id, "--state-dir", self.state, "--format", "json", check=True)
        evs = json.loads(r.stdout).get("events", [])
        for e in evs:
            e["t_ms"] = parse_at(e["at"])
        return evs

    def stop(self):
        if self.stopped or self.pid is None:
            return
        self.stopped = True
        kids = descendants(self.pid) if pid_alive(self.pid) else []
        try:
            self.run("stop", "--state-dir", self.state, "--timeout", "30s", timeout=60)
        except (subprocess.TimeoutExpired, OSError):
            pass
        # Whatever survived (a daemon that hung or crashed): by pid, the ones this daemon started.
        for pid in [self.pid] + kids:
            if pid_alive(pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass


class Load:
    """loadgen.py as a child process: started at once, stopped (SIGTERM) by finish()."""

    def __init__(self, bench, url, label, rate, conns, close_conns, timeout, max_seconds):
        self.out = os.path.join(bench.work, f"load-{label}.json")
        ready = self.out + ".ready"
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "loadgen.py"), url, "--out", self.out, "--rate", str(rate),
             "--conns", str(conns), "--close-conns", str(close_conns), "--timeout", str(timeout),
             "--max-seconds", str(max_seconds), "--ready-file", ready],
            stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not os.path.exists(ready):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise SetupError("the load generator did not start")
            time.sleep(0.02)

    def finish(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        try:
            with open(self.out) as f:
                return json.load(f)
        except (OSError, ValueError):
            raise SetupError(f"the load generator left no summary (exit {self.proc.returncode})")


def describe_failures(summary, limit=5):
    """A few lines about the failed requests: kinds, and the first ones."""
    lines = []
    if summary["failed"]:
        kinds = ", ".join(f"{k}: {n}" for k, n in sorted(summary["by_kind"].items(), key=lambda kv: -kv[1]))
        lines.append(f"failed by kind: {kinds}")
        for f in summary["failures"][:limit]:
            t = datetime.datetime.fromtimestamp(f["t_ms"] / 1000, datetime.timezone.utc).strftime("%H:%M:%S.%f")[:-3]
            lines.append(f"  {t}Z {f['kind']} ({f['conn']}, version '{f['version']}', "
                         f"{f['t_ms'] - f['sent_ms']:.0f} ms after sending) {f['detail']}")
    return lines
