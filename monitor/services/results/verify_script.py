#!/usr/bin/env python3
"""verify.py: check a monitor open dataset, and proofs from its transparency log, offline.

Standard library only; it imports nothing of monitor (monitor ships this very file as
verify.py inside every open dataset).

    python verify.py DIR
        Recompute every published figure of the dataset in DIR (recommendations.csv,
        files.csv, plan.csv, datapackage.json) from its per-recommendation data, by the
        method in monitor's README, and compare. Prints how many figures were recomputed,
        how many differ and how many cannot be recomputed from what is published (and
        why); exits 1 if any differs. Also checks the signed tree head in the package
        against log_key.pub.
    python verify.py --proof PROOF.json [--key FILE]
        Check an inclusion proof: the receipt is leaf `leaf_index` of the tree whose
        signed head (size, root) the proof carries, and that head is signed by the key.
    python verify.py --consistency PROOF.json [--key FILE] [--kept HEAD.json]
        Check that the newer head extends the older one (nothing removed or altered);
        with --kept, the older head must be the one you kept.

The key is FILE, else log_key.pub beside this script; never a key carried in a proof.
"""
from __future__ import annotations

import argparse
import base64
import csv
import hashlib
import json
import math
import os
import sys
from fractions import Fraction

HEAD_PREFIX = "monitor-log-head-v1"
SCALE = (0, 25, 50, 75, 100)
TOLERANCE = 1e-9

# --- Ed25519 verification: RFC 8032, section 6 (the reference code, verification only) ---

P = 2 ** 255 - 19
Q = 2 ** 252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, P - 2, P) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)


def _add(a, b):
    e1, e2 = (a[1] - a[0]) * (b[1] - b[0]) % P, (a[1] + a[0]) * (b[1] + b[0]) % P
    c, d = 2 * a[3] * b[3] * D % P, 2 * a[2] * b[2] % P
    e, f, g, h = e2 - e1, d - c, d + c, e2 + e1
    return (e * f, g * h, f * g, e * h)


def _mul(s, point):
    result = (0, 1, 1, 0)
    while s > 0:
        if s & 1:
            result = _add(result, point)
        point = _add(point, point)
        s >>= 1
    return result


def _equal(a, b):
    return (a[0] * b[2] - b[0] * a[2]) % P == 0 and (a[1] * b[2] - b[1] * a[2]) % P == 0


def _recover_x(y, sign):
    if y >= P:
        return None
    x2 = (y * y - 1) * pow(D * y * y + 1, P - 2, P) % P
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P:
        x = x * SQRT_M1 % P
    if (x * x - x2) % P:
        return None
    return P - x if (x & 1) != sign else x


_GY = 4 * pow(5, P - 2, P) % P
_GX = _recover_x(_GY, 0)
G = (_GX, _GY, 1, _GX * _GY % P)


def _decompress(data):
    if len(data) != 32:
        return None
    y = int.from_bytes(data, "little")
    sign, y = y >> 255, y & ((1 << 255) - 1)
    x = _recover_x(y, sign)
    return None if x is None else (x, y, 1, x * y % P)


def ed25519_verify(public: bytes, message: bytes, signature: bytes) -> bool:
    if len(public) != 32 or len(signature) != 64:
        return False
    a, r = _decompress(public), _decompress(signature[:32])
    if a is None or r is None:
        return False
    s = int.from_bytes(signature[32:], "little")
    if s >= Q:
        return False
    h = int.from_bytes(hashlib.sha512(signature[:32] + public + message).digest(), "little") % Q
    return _equal(_mul(s, G), _add(r, _mul(h, a)))


def load_public_key(path: str) -> bytes:
    """A PEM SubjectPublicKeyInfo Ed25519 key (as /log/key serves it), or 64 hex digits."""
    with open(path, encoding="ascii") as handle:
        text = handle.read().strip()
    if "BEGIN PUBLIC KEY" in text:
        body = "".join(line for line in text.splitlines() if "-----" not in line)
        der = base64.b64decode(body)
        if len(der) != 44 or der[:12] != bytes.fromhex("302a300506032b6570032100"):
            raise ValueError("not an Ed25519 public key")
        return der[12:]
    return bytes.fromhex(text)


# --- the Merkle tree of RFC 9162 ---------------------------------------------------------


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def verify_inclusion(leaf, index, size, path, root) -> bool:
    """RFC 9162 2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(m, n, first, second, proof) -> bool:
    """RFC 9162 2.1.4.2."""
    if m == n:
        return not proof and first == second
    if not 0 < m < n or not proof:
        return False
    path = list(proof)
    if m & (m - 1) == 0:
        path.insert(0, first)
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first and sr == second and sn == 0


def head_ok(head: dict, key: bytes) -> bool:
    """The signed head's signature, over monitor's head text, by `key`."""
    message = (f"{HEAD_PREFIX}\n{head['tree_size']}\n{head['root_hash']}\n"
               f"{head['timestamp']}\n").encode()
    try:
        return ed25519_verify(key, message, bytes.fromhex(head["signature"]))
    except (KeyError, ValueError):
        return False


def check_proof(proof: dict, key: bytes) -> list[str]:
    problems = []
    head = proof.get("signed_head") or {}
    if not head_ok(head, key):
        problems.append("the signed head's signature does not verify with this key")
    if head.get("tree_size") != proof.get("tree_size"):
        problems.append("the proof's tree size is not the signed head's")
    receipt = bytes.fromhex(proof["receipt"])
    if proof.get("nonce") and hashlib.sha256(
            bytes.fromhex(proof["content_hash"]) + bytes.fromhex(proof["nonce"])
    ).digest() != receipt:
        problems.append("the receipt is not SHA-256(content hash || nonce)")
    path = [bytes.fromhex(h) for h in proof["audit_path"]]
    if not verify_inclusion(leaf_hash(receipt), int(proof["leaf_index"]),
                            int(proof["tree_size"]), path, bytes.fromhex(head["root_hash"])):
        problems.append("the audit path does not lead from the receipt to the signed root")
    return problems


def check_consistency(proof: dict, key: bytes, kept: dict | None) -> list[str]:
    """With `kept` (a head you kept), the proof must extend *that* head: its size, root
    and signature, whatever the proof says the older head was."""
    old, new = kept or proof["from"], proof["to"]
    problems = [f"the head of size {h['tree_size']} is not signed by this key"
                for h in (old, new) if not head_ok(h, key)]
    if int(old["tree_size"]) != int(proof["from"]["tree_size"]):
        problems.append("the proof starts from another size than the head you kept")
    if not verify_consistency(int(old["tree_size"]), int(new["tree_size"]),
                              bytes.fromhex(old["root_hash"]), bytes.fromhex(new["root_hash"]),
                              [bytes.fromhex(h) for h in proof["proof"]]):
        problems.append("the newer tree does not extend the older one")
    return problems


# --- the method (monitor's README, "How the figures are computed") -------------------------


def median(dist: dict) -> float:
    """The middle score, or the mean of the two middle ones."""
    ordered = [s for s in SCALE for _ in range(dist[s])]
    n, half = len(ordered), len(ordered) // 2
    return float(ordered[half]) if n % 2 else (ordered[half - 1] + ordered[half]) / 2


def median_is_100(row: dict):
    """Whether a recommendation's median is exactly 100, when the published data decide it:
    from its distribution (5 NGOs or more), or from its mean: a mean of 100 means every NGO
    gave 100; a median of 100 needs more than half at 100, so a mean below 100 x (n//2+1)/n
    rules it out. None: undecidable from what is published."""
    if row["dist"] is not None:
        return median(row["dist"]) == 100
    n, mean = row["n"], row["independent"]
    if mean == 100:
        return True
    if mean < 100 * (n // 2 + 1) / n - TOLERANCE:
        return False
    return None


def alpha_ordinal(histograms: list) -> float | None:
    """Krippendorff's alpha, ordinal, from per-unit histograms (units with >= 2 values)."""
    units = [{v: c for v, c in h.items() if c} for h in histograms]
    units = [u for u in units if sum(u.values()) >= 2]
    marg: dict = {}
    for u in units:
        for v, c in u.items():
            marg[v] = marg.get(v, 0) + c
    values, n = sorted(marg), sum(marg.values())
    if n < 2 or len(values) < 2:
        return None
    cum, running = {}, 0
    for v in values:
        running += marg[v]
        cum[v] = running

    def delta(c, k):
        lo, hi = min(c, k), max(c, k)
        between = cum[hi] - cum[lo] + marg[lo]
        return Fraction((2 * between - marg[c] - marg[k]) ** 2, 4)

    expected = sum(marg[c] * marg[k] * delta(c, k) for c in values for k in values if c != k)
    if expected == 0:
        return None
    observed = sum(Fraction(u[c] * u[k], sum(u.values()) - 1) * delta(c, k)
                   for u in units for c in u for k in u if c != k)
    return float(1 - (n - 1) * observed / expected)


def _load(path):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def _num(text):
    return None if text in ("", None) else float(text)


def _read(path):
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


class Checker:
    def __init__(self) -> None:
        self.recomputed, self.differ, self.undecided = 0, [], []

    def same(self, where: str, name: str, published, computed) -> None:
        self.recomputed += 1
        if isinstance(published, float) or isinstance(computed, float):
            equal = (published is None and computed is None) or (
                published is not None and computed is not None
                and math.isclose(published, computed, rel_tol=TOLERANCE, abs_tol=TOLERANCE))
        else:
            equal = published == computed
        if not equal:
            self.differ.append(f"{where} {name}: published {published!r}, recomputed {computed!r}")


def check_dataset(folder: str) -> Checker:
    meta = _load(os.path.join(folder, "datapackage.json"))["monitor"]
    min_ngos, threshold = meta["settings"]["min_ngos"], meta["settings"]["divergence_threshold"]
    min_distribution = meta["settings"]["min_ngos_distribution"]
    check = Checker()
    recs = []
    for raw in _read(os.path.join(folder, "recommendations.csv")):
        where = f"recommendation {raw['code']}"
        dist = None if raw["n_0"] == "" else {s: int(raw[f"n_{s}"]) for s in SCALE}
        row = {"file": raw["file"], "n": None if raw["n_ngos"] == "" else int(raw["n_ngos"]),
               "independent": _num(raw["independent_value"]), "dist": dist,
               "evaluated": _num(raw["coverage"]) == 100}
        official, n = _num(raw["official_value"]), row["n"]
        if dist is not None:
            check.same(where, "n_ngos", n, sum(dist.values()))
            mean = sum(s * c for s, c in dist.items()) / n if n else None
            check.same(where, "independent_value", row["independent"], mean)
        elif n is not None and n >= min_distribution:
            check.differ.append(f"{where}: distribution withheld at {n} NGOs")
        withheld = "all" if n is None else ("distribution" if dist is None else "none")
        check.same(where, "withheld", raw["withheld"], withheld)
        gap = None if official is None or row["independent"] is None else (
            official - row["independent"])
        check.same(where, "gap", _num(raw["gap"]), gap)
        flag = gap is not None and abs(gap) >= threshold and (n or 0) >= min_ngos
        check.same(where, "flagged", raw["flagged"],
                   "" if n is None else ("true" if flag else "false"))
        recs.append(row)
    levels = [("file", r) for r in _read(os.path.join(folder, "files.csv"))]
    levels += [("plan", r) for r in _read(os.path.join(folder, "plan.csv"))]
    for kind, raw in levels:
        where = f"file {raw['file']}" if kind == "file" else "plan"
        members = recs if kind == "plan" else [r for r in recs if r["file"] == raw["file"]]
        _check_level(check, where, raw, members, min_ngos, threshold,
                     meta.get("alpha", {}).get(raw["file"] or "plan"))
    return check


def _check_level(check, where, raw, members, min_ngos, threshold, alpha) -> None:
    shown = [r for r in members if r["n"] is not None and r["n"] >= min_ngos]
    coverage = 100 * sum(r["evaluated"] for r in members) / len(members) if members else None
    check.same(where, "coverage", _num(raw["coverage"]), coverage)
    check.same(where, "withheld", raw["withheld"], "none" if shown else "all")
    n_ngos = max((r["n"] for r in shown), default=None)
    check.same(where, "n_ngos", None if raw["n_ngos"] == "" else int(raw["n_ngos"]), n_ngos)
    if raw["measure"] == "share_implemented":
        decided = [median_is_100(r) for r in shown]
        if None in decided:
            check.undecided.append(f"{where} independent_value: a median of 2-4 NGOs is not "
                                   "published")
            independent = _num(raw["independent_value"])
        else:
            independent = 100 * sum(decided) / len(decided) if decided else None
            check.same(where, "independent_value", _num(raw["independent_value"]), independent)
    else:
        independent = (math.fsum(r["independent"] for r in shown) / len(shown)) if shown else None
        check.same(where, "independent_value", _num(raw["independent_value"]), independent)
    official = _num(raw["official_value"])
    gap = None if official is None or independent is None else official - independent
    check.same(where, "gap", _num(raw["gap"]), gap)
    flag = gap is not None and abs(gap) >= threshold and (n_ngos or 0) >= min_ngos
    check.same(where, "flagged", raw["flagged"],
               "" if n_ngos is None else ("true" if flag else "false"))
    units = [r["dist"] for r in shown if r["n"] >= 2]
    if alpha is not None or units:
        if any(u is None for u in units):
            check.undecided.append(f"{where} alpha: distributions below 5 NGOs are not "
                                   "published")
        else:
            check.same(where, "alpha", alpha, alpha_ordinal(units))


# --- command line ------------------------------------------------------------------------------


def _key(args, folder: str) -> bytes:
    return load_public_key(args.key or os.path.join(folder, "log_key.pub"))


def main(argv=None) -> int:
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", default=here)
    parser.add_argument("--proof", help="an inclusion proof (JSON)")
    parser.add_argument("--consistency", help="a consistency proof (JSON)")
    parser.add_argument("--kept", help="the signed head you kept (JSON)")
    parser.add_argument("--key", help="the log's public key (default: log_key.pub here)")
    args = parser.parse_args(argv)
    if args.proof or args.consistency:
        key = _key(args, here if args.folder == here else args.folder)
        if args.proof:
            problems = check_proof(_load(args.proof), key)
        else:
            kept = _load(args.kept) if args.kept else None
            problems = check_consistency(_load(args.consistency), key, kept)
        for problem in problems:
            print("FAILED:", problem)
        print("The proof does not verify." if problems else "The proof verifies.")
        return 1 if problems else 0
    check = check_dataset(args.folder)
    head = _load(os.path.join(args.folder, "datapackage.json"))["monitor"].get("signed_head")
    key_path = args.key or os.path.join(args.folder, "log_key.pub")
    if head and os.path.exists(key_path):
        check.recomputed += 1
        if not head_ok(head, load_public_key(key_path)):
            check.differ.append("the signed tree head does not verify with the log key")
    for line in check.differ:
        print("DIFFERS:", line)
    for line in check.undecided:
        print("not recomputable:", line)
    print(f"{check.recomputed} figures recomputed, {len(check.differ)} differ, "
          f"{len(check.undecided)} not recomputable from the published data.")
    return 1 if check.differ else 0


if __name__ == "__main__":
    sys.exit(main())
