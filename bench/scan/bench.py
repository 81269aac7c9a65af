#!/usr/bin/env python3
"""Runs and scores bench/scan: round-robin timed runs of gantry scan and secretlint over trees
made by generate.py, each run's wall time, CPU time and peak RSS (RUSAGE_CHILDREN of a fresh
runner process per run), then recall and precision against the tree's truth.json / decoys.json. Called by
bench/scan.sh; python3 stdlib only. Prints figures; exits 1 only when a tool failed to run."""

import argparse
import json
import os
import statistics
import subprocess
import sys

MB = 1_000_000

# The planted kinds secretlint's recommended preset (13.1) has a rule for, from its rule list:
# aws, privatekey, npm, basicauth (URLs only), slack, sendgrid, shopify, stripe (sk_/rk_), github,
# gitlab (glpat- only), grafana, openai, anthropic, groq, huggingface, linear, notion, figma,
# database-connection-string (MongoDB, MySQL, PostgreSQL), hashicorp-vault, databricks, docker.
# None for the Authorization header, Redis URLs, GCP API keys (its gcp rule is for service-account
# key files), legacy 40-character Cloudflare tokens (it knows the cfut_/cfat_/cfk_ forms), and the rest.
SECRETLINT_KINDS = {
    "aws-access-key-id", "aws-secret-access-key", "private-key", "npm-token", "slack-bot-token",
    "slack-user-token", "slack-webhook-url", "sendgrid-api-key", "shopify-token", "stripe-secret-key",
    "stripe-restricted-key", "github-pat", "github-oauth", "github-app-token", "github-fine-grained-pat",
    "gitlab-pat", "grafana-service-account-token", "openai-api-key", "anthropic-api-key", "groq-api-key",
    "huggingface-token", "linear-api-key", "notion-token", "connection-string-password",
    "hashicorp-vault-token", "databricks-token", "docker-hub-pat", "slack-app-token", "figma-pat",
    "grafana-cloud-token", "github-refresh-token",
}


def secretlint_covers(entry):
    return entry["kind"] in SECRETLINT_KINDS and entry.get("variant") != "redis"


# ---- one measured run ----

# A fresh small process runs each command: the peak RSS that wait4/RUSAGE_CHILDREN reports for
# a child includes the memory of the process it was forked from (up to its exec), so forking from
# this script, which holds parsed outputs of hundreds of MB, would inflate it. The runner's own
# ~10 MB is the floor of the figure.
RUNNER = """
import json, os, resource, subprocess, sys, time
res, out, err, cwd, argv = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] or None, sys.argv[5:]
with open(out, "wb") as o, open(err, "wb") as e:
    t0 = time.monotonic()
    rc = subprocess.call(argv, stdout=o, stderr=e, cwd=cwd)
    wall = time.monotonic() - t0
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(res, "w") as f:
    json.dump({"wall": wall, "cpu": ru.ru_utime + ru.ru_stime, "rss_mb": ru.ru_maxrss / 1024, "rc": rc}, f)
"""


def run_once(cmd, cwd, out_path):
    """Runs cmd with stdout to out_path: {wall, cpu, rss_mb, rc, stderr}."""
    res = out_path + ".rusage"
    subprocess.run([sys.executable, "-S", "-c", RUNNER, res, out_path, out_path + ".stderr", cwd or "", *cmd],
                   check=True)
    with open(res) as f:
        r = json.load(f)
    with open(out_path + ".stderr", "rb") as f:
        r["stderr"] = f.read().decode(errors="replace")[-2000:]
    os.remove(res)
    os.remove(out_path + ".stderr")
    return r


# ---- parsing each tool's output into (path, line, rule, shown) ----

def parse_gantry(path, root):
    with open(path) as f:
        doc = json.load(f)
    out = [(x["path"], int(x["line"]), int(x.get("column", 0)), x["rule_id"], x.get("redacted", ""))
           for x in doc["findings"]]
    return out, doc.get("stats", {})


def parse_secretlint(path, root):
    with open(path) as f:
        doc = json.load(f)
    out = []
    for result in doc:
        rel = os.path.relpath(result["filePath"], root)
        for m in result["messages"]:
            out.append((rel, int(m["loc"]["start"]["line"]), int(m["loc"]["start"].get("column", -1)) + 1,
                        m["ruleId"].replace("@secretlint/secretlint-rule-", ""), m.get("message", "")[:80]))
    return out, {"files": len(doc)}


PARSERS = {"gantry": parse_gantry, "secretlint": parse_secretlint}


# ---- scoring ----

class Truth:
    def __init__(self, meta_dir):
        with open(os.path.join(meta_dir, "truth.json")) as f:
            self.secrets = json.load(f)
        with open(os.path.join(meta_dir, "decoys.json")) as f:
            self.decoys = json.load(f)
        with open(os.path.join(meta_dir, "tree.json")) as f:
            self.tree = json.load(f)
        self.by_path = {}
        for i, t in enumerate(self.secrets):
            self.by_path.setdefault(t["path"], []).append(i)
        self.decoys_by_path = {}
        for d in self.decoys:
            self.decoys_by_path.setdefault(d["path"], []).append(d)

    def secret_at(self, path, line, column, taken):
        """The truth entry a finding at path:line:column is about: the entry whose lines hold
        it; among several on one line (minified code), the nearest by column."""
        cands = []
        for i in self.by_path.get(path, ()):
            t = self.secrets[i]
            lo, hi = t.get("accept") or (t["line"], t["end_line"])
            if lo <= line <= hi:
                cands.append(i)
        if len(cands) <= 1:
            return cands[0] if cands else None
        def distance(i):
            t = self.secrets[i]
            lo = t.get("column", 0)
            hi = lo + t.get("length", 1) - 1
            return 0 if lo <= column <= hi else min(abs(column - lo), abs(column - hi))
        return min(cands, key=lambda i: (distance(i), i in taken))

    def decoy_at(self, path, line):
        for d in self.decoys_by_path.get(path, ()):
            if d["decoy"] == "binary-file" or d["line"] <= line <= d["end_line"]:
                return d
        return None


def score(truth, findings, covered=None):
    """Recall over all kinds (and over `covered` kinds), precision, misses, false positives."""
    matched, fps, ambiguous = set(), {}, set()
    for path, line, column, rule, shown in sorted(findings):
        i = truth.secret_at(path, line, column, matched)
        if i is not None:
            matched.add(i)
            continue
        d = truth.decoy_at(path, line)
        if d is not None and d["class"] == "ambiguous":
            ambiguous.add((path, line))
            continue
        fps.setdefault((path, line), (rule, d["decoy"] if d else "unplanned", shown))
    n = len(truth.secrets)
    res = {"recall": len(matched) / n if n else 1.0, "tp": len(matched), "fp": len(fps),
           "precision": len(matched) / (len(matched) + len(fps)) if matched or fps else 1.0,
           "findings": len(findings), "ambiguous": len(ambiguous), "fps": fps}
    if covered:
        idx = [i for i, t in enumerate(truth.secrets) if covered(t)]
        res["recall_covered"] = sum(1 for i in idx if i in matched) / len(idx) if idx else 1.0
        res["covered_kinds"] = len({truth.secrets[i]["kind"] for i in idx})
    misses = {}
    for i, t in enumerate(truth.secrets):
        if i not in matched:
            misses.setdefault(t["kind"], []).append(t)
    res["misses"] = misses
    res["per_kind_total"] = {}
    for t in truth.secrets:
        res["per_kind_total"][t["kind"]] = res["per_kind_total"].get(t["kind"], 0) + 1
    return res


# ---- the benchmark ----

def median_spread(xs):
    return statistics.median(xs), min(xs), max(xs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gantry", required=True)
    ap.add_argument("--secretlint", required=True, help="path to secretlint's bin script")
    ap.add_argument("--secretlintrc", required=True)
    ap.add_argument("--tree", required=True, help="the full tree (its truth.json is in its parent)")
    ap.add_argument("--small-tree", help="a smaller tree, same seed and mix, for secretlint if it is slow")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--secretlint-max-seconds", type=float, default=240)
    ap.add_argument("--work", required=True, help="where run outputs go (deleted by the caller)")
    a = ap.parse_args()

    trees = {"full": a.tree}
    if a.small_tree:
        trees["small"] = a.small_tree
    truths = {k: Truth(os.path.dirname(os.path.abspath(v))) for k, v in trees.items()}

    def cmd(tool, tree):
        """(argv, cwd). secretlint runs from the tree's root, as a user would: it reads the
        .gitignore files of its working directory's repository, not those of the globbed tree."""
        if tool == "gantry":
            return [a.gantry, "scan", trees[tree], "--format", "json"], None
        return ["node", a.secretlint, "--format", "json", "--no-color", "--secretlintrc", a.secretlintrc, "**/*"], trees[tree]

    failed = []

    def measure(tool, tree, label):
        out = os.path.join(a.work, f"{tool}-{tree}-{label}.json")
        r = run_once(*cmd(tool, tree), out)
        try:
            parsed, stats = PARSERS[tool](out, trees[tree])
        except (OSError, ValueError, KeyError, TypeError) as e:
            failed.append(f"{tool} on the {tree} tree: exit {r['rc']}, unreadable output ({e}); stderr: {r['stderr'].strip()[-400:]}")
            return None
        if r["rc"] not in (0, 1):
            failed.append(f"{tool} on the {tree} tree: exit {r['rc']}; stderr: {r['stderr'].strip()[-400:]}")
            return None
        r["findings"], r["stats"] = parsed, stats
        os.remove(out)  # holds masked/redacted findings only, but is large for secretlint
        return r

    # Warm-up (not measured): loads binaries and node modules; secretlint's decides its tree.
    sl_tree = "full"
    measure("gantry", "full", "warmup")
    if "small" in trees:
        probe = measure("secretlint", "small", "warmup")
        if probe:
            rate = truths["small"].tree["bytes"] / probe["wall"]
            predicted = truths["full"].tree["bytes"] / rate
            print(f"scan: secretlint warm-up on the {truths['small'].tree['size_mb']:g} MB tree: {probe['wall']:.1f} s; "
                  f"predicted on the full tree: {predicted:.0f} s "
                  f"({'over' if predicted > a.secretlint_max_seconds else 'within'} the {a.secretlint_max_seconds:.0f} s budget)")
            if predicted > a.secretlint_max_seconds:
                sl_tree = "small"
    else:
        measure("secretlint", "full", "warmup")
    if failed:
        print("\n".join("scan: FAILED: " + f for f in failed))
        return 1

    contenders = [("gantry", "full"), ("secretlint", sl_tree)]
    if sl_tree == "small":
        contenders.insert(1, ("gantry", "small"))
    runs = {c: [] for c in contenders}
    for rnd in range(a.rounds):
        order = contenders[rnd % len(contenders):] + contenders[:rnd % len(contenders)]
        for tool, tree in order:
            r = measure(tool, tree, f"r{rnd}")
            if r:
                runs[(tool, tree)].append(r)
                print(f"scan: round {rnd + 1}: {tool:<10} {truths[tree].tree['size_mb']:>5g} MB tree: {r['wall']:7.3f} s wall, "
                      f"{r['cpu']:7.3f} s CPU, {r['rss_mb']:6.1f} MB peak RSS, {len(r['findings'])} findings", flush=True)
    if failed:
        print("\n".join("scan: FAILED: " + f for f in failed))
        return 1
    report(truths, runs, contenders, sl_tree)
    return 0


def report(truths, runs, contenders, sl_tree):
    full = truths["full"].tree
    print()
    print(f"scan: seed {full['seed']}; throughput = bytes of the files not ignored by .gitignore "
          f"(binary files included: a scanner must open them to skip them) / wall time")
    for name, t in truths.items():
        tr = t.tree
        print(f"scan: {name} tree: {tr['size_mb']:g} MB = {tr['bytes']:,} bytes in {tr['files']} files "
              f"(+{tr['ignored_files']} ignored files, {tr['ignored_bytes']:,} bytes; {tr['binary_files']} binary files); "
              f"{tr['secrets']} secrets of {tr['kinds']} kinds, {tr['decoys']} decoys + {tr['lock_integrity_lines']} lock-file hashes")
    print()
    print(f"  {'tool':<11}{'tree':>7}  {'MB/s median (min-max)':<26}{'wall s':>8}{'CPU s':>8}{'MB/CPU-s':>10}"
          f"{'peak RSS':>10}{'recall':>8}{'precision':>11}{'findings':>10}")
    scores = {}
    for tool, tree in contenders:
        rs = runs[(tool, tree)]
        if not rs:
            continue
        nbytes = truths[tree].tree["bytes"]
        mbs = median_spread([nbytes / MB / r["wall"] for r in rs])
        wall = statistics.median(r["wall"] for r in rs)
        cpu = statistics.median(r["cpu"] for r in rs)
        rss = max(r["rss_mb"] for r in rs)
        s = score(truths[tree], rs[-1]["findings"], secretlint_covers if tool == "secretlint" else None)
        s["consistent"] = len({len(r["findings"]) for r in rs}) == 1
        scores[(tool, tree)] = s
        rate = f"{mbs[0]:.1f} ({mbs[1]:.1f}-{mbs[2]:.1f})" if mbs[0] < 100 else f"{mbs[0]:.0f} ({mbs[1]:.0f}-{mbs[2]:.0f})"
        print(f"  {tool:<11}{truths[tree].tree['size_mb']:>5g}MB  {rate:<26}{wall:>8.3f}{cpu:>8.3f}"
              f"{nbytes / MB / cpu:>10.0f}{rss:>7.0f} MB{s['recall']:>8.3f}{s['precision']:>11.3f}{s['findings']:>10}")
        if tool == "gantry" and rs[-1]["stats"]:
            st = rs[-1]["stats"]
            secs = statistics.median(r["stats"].get("seconds", 0) for r in rs)
            own = f" = {st.get('bytes', 0) / MB / secs:.0f} MB/s" if secs else ""
            print(f"  {'':<11}{'':>7}  gantry's own stats: {st.get('files', '?')} files, {st.get('bytes', 0):,} bytes read, "
                  f"walk+scan {secs:.3f} s{own} (median); the rest of the wall time, {wall - secs:.3f} s, is process "
                  f"start, loading the cached rules, report output and exit")
        if "recall_covered" in s:
            print(f"  {'':<11}{'':>7}  secretlint recall over the {s['covered_kinds']} planted kinds it has rules for: "
                  f"{s['recall_covered']:.3f} (over all {len(s['per_kind_total'])} kinds: {s['recall']:.3f})")
        if not s["consistent"]:
            print(f"  {'':<11}{'':>7}  note: finding counts differ between rounds: {[len(r['findings']) for r in rs]}")
    # Same-tree throughput ratio, per round.
    g, sl = runs.get(("gantry", sl_tree), []), runs.get(("secretlint", sl_tree), [])
    if g and sl:
        ratios = [b["wall"] / a["wall"] for a, b in zip(g, sl)]
        m, lo, hi = median_spread(ratios)
        print(f"\n  gantry / secretlint throughput on the same {truths[sl_tree].tree['size_mb']:g} MB tree, median of "
              f"same-round ratios: {m:.0f}x ({lo:.0f}-{hi:.0f})")
        if sl_tree == "small":
            print(f"  (secretlint was measured on the {truths['small'].tree['size_mb']:g} MB tree only: one run on the "
                  f"{full['size_mb']:g} MB tree would take over the time budget; gantry ran on both)")
    gs = scores.get(("gantry", "full"))
    grs = runs.get(("gantry", "full"), [])
    if gs and grs:
        mbs = statistics.median(full["bytes"] / MB / r["wall"] for r in grs)
        verdict = lambda ok: "OK" if ok else "MISS"  # noqa: E731
        print(f"\n  targets (gantry, {full['size_mb']:g} MB tree): throughput >= 1000 MB/s: {verdict(mbs >= 1000)} "
              f"({mbs:.0f}); recall >= 0.98: {verdict(gs['recall'] >= 0.98)} ({gs['recall']:.3f}); "
              f"precision >= 0.98: {verdict(gs['precision'] >= 0.98)} ({gs['precision']:.3f})")
    for (tool, tree), s in scores.items():
        details(tool, truths[tree], s)


def details(tool, truth, s):
    name = f"{tool} ({truth.tree['size_mb']:g} MB tree)"
    print(f"\n  {name}: missed {len(truth.secrets) - s['tp']} of {len(truth.secrets)} secrets"
          + (f"; {s['ambiguous']} findings on weak values (password123 ...: not counted)" if s["ambiguous"] else ""))
    uncovered = set()
    for kind in sorted(s["misses"], key=lambda k: (-len(s["misses"][k]), k)):
        ms = s["misses"][kind]
        if tool == "secretlint":
            uncovered |= {t["kind"] + (f" ({t['variant']})" if kind in SECRETLINT_KINDS else "")
                          for t in ms if not secretlint_covers(t)}
            ms = [t for t in ms if secretlint_covers(t)]
            if not ms:
                continue
        where = ", ".join(f"{t['path']}:{t['line']} ({t['context']}{'/' + t['variant'] if t.get('variant') else ''})"
                          for t in ms[:3])
        print(f"    miss {kind}: {len(ms)}/{s['per_kind_total'][kind]}  e.g. {where}")
    if uncovered:
        print(f"    (missed, no secretlint rule for them: {', '.join(sorted(uncovered))})")
    print(f"  {name}: {s['fp']} false positives (one per file:line)")
    by_decoy = {}
    for (path, line), (rule, decoy, shown) in sorted(s["fps"].items()):
        by_decoy.setdefault(decoy, []).append((path, line, rule, shown))
    for decoy in sorted(by_decoy, key=lambda d: -len(by_decoy[d])):
        xs = by_decoy[decoy]
        print(f"    fp on {decoy}: {len(xs)}")
        for path, line, rule, shown in xs[:4]:
            print(f"      {rule}  {path}:{line}  {shown}")


if __name__ == "__main__":
    sys.exit(main())
