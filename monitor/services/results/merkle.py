"""The Merkle tree of RFC 6962 / RFC 9162 (section 2.1), as pure functions.

A leaf's hash is SHA-256(0x00 || data) and an interior node's SHA-256(0x01 || left ||
right): the distinct prefixes make a leaf impossible to pass off as a node. The tree over
n leaves splits at k, the largest power of two smaller than n.

The log stores the hash of every *complete* subtree, node (level, index) covering leaves
[index * 2**level, (index + 1) * 2**level); any other range is the combination of at most
log2(n) of them (`decompose`). A proof is therefore a list of ranges, known before anything
is read, fetched in one query and combined here.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

# The hashes and the checks of proofs have one definition: the standalone verify.py's, which
# the open dataset ships (it imports nothing of monitor; monitor imports it).
from .verify_script import (  # noqa: F401  (re-exported)
    leaf_hash,
    node_hash,
    verify_consistency,
    verify_inclusion,
)

Range = tuple[int, int]  # [start, end)


EMPTY_ROOT = hashlib.sha256(b"").digest()


def node_key(level: int, position: int) -> int:
    """The stored node's one integer key."""
    return level << 48 | position


def split(n: int) -> int:
    """The largest power of two smaller than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def root_of(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]) from the leaf hashes, iteratively (the bulk rebuild of `receipts
    verify`): pair from the left, carry an odd last node up unchanged."""
    if not leaves:
        return EMPTY_ROOT
    level = list(leaves)
    while len(level) > 1:
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


# --- appending: the frontier -------------------------------------------------------------


def append_to_frontier(frontier: list[bytes], size: int, leaf: bytes
                       ) -> tuple[list[bytes], list[tuple[int, int, bytes]]]:
    """Add leaf number `size` to a tree of `size` leaves.

    `frontier` holds the roots of the complete subtrees the tree's size decomposes into,
    largest first (one per 1-bit of `size`). Returns the new frontier and the complete
    nodes created, as (level, index, hash): the leaf and each node it completes. O(log n).
    """
    frontier = list(frontier)
    created = [(0, size, leaf)]
    node, level, index = leaf, 0, size
    while index & 1:  # the node completes a pair: merge with the frontier's last root
        node = node_hash(frontier.pop(), node)
        level, index = level + 1, index >> 1
        created.append((level, index, node))
    frontier.append(node)
    return frontier, created


def root_from_frontier(frontier: Sequence[bytes]) -> bytes:
    """MTH of the whole tree: its complete subtrees folded from the right."""
    if not frontier:
        return EMPTY_ROOT
    node = frontier[-1]
    for left in reversed(frontier[:-1]):
        node = node_hash(left, node)
    return node


# --- ranges as complete subtrees ----------------------------------------------------------


def decompose(start: int, end: int) -> list[tuple[int, int]]:
    """The complete subtrees (level, index) whose concatenation is [start, end), for a
    range that is a subtree of the RFC's recursive split (start aligned)."""
    out = []
    while start < end:
        size = 1
        while start % (size * 2) == 0 and start + size * 2 <= end:
            size *= 2
        out.append((size.bit_length() - 1, start // size))
        start += size
    return out


def range_hash(start: int, end: int, node: Callable[[int, int], bytes]) -> bytes:
    """MTH(D[start:end]) from the stored complete nodes (`node(level, index)`)."""
    parts = [node(level, index) for level, index in decompose(start, end)]
    result = parts[-1]
    for left in reversed(parts[:-1]):
        result = node_hash(left, result)
    return result


def inclusion_ranges(m: int, n: int) -> list[Range]:
    """PATH(m, D[n]) of RFC 9162 2.1.3.1 as ranges, the leaf's sibling first."""
    path: list[Range] = []
    start = 0
    while n - start > 1:
        k = split(n - start)
        if m < start + k:
            path.append((start + k, n))
            n = start + k
        else:
            path.append((start, start + k))
            start += k
    return list(reversed(path))


def consistency_ranges(m: int, n: int) -> list[Range]:
    """PROOF(m, D[n]) of RFC 9162 2.1.4.1 (SUBPROOF(m, D[n], true)) as ranges."""
    if not 0 < m <= n:
        raise ValueError("need 0 < m <= n")
    proof: list[Range] = []
    start, end, complete = 0, n, True
    while True:
        size = end - start
        if m == size:
            if not complete:
                proof.append((start, end))
            break
        k = split(size)
        if m <= k:
            proof.append((start + k, end))
            end = start + k
        else:
            proof.append((start, start + k))
            m -= k
            start += k
            complete = False
    return list(reversed(proof))


def ranges_hashes(ranges: list[Range], node: Callable[[int, int], bytes]) -> list[bytes]:
    return [range_hash(a, b, node) for a, b in ranges]


def nodes_needed(ranges: list[Range]) -> set[tuple[int, int]]:
    return {key for a, b in ranges for key in decompose(a, b)}
