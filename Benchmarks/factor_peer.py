"""The numpy/scipy side of the factorisation benchmark: the nearest-Kronecker factors of a dense kernel.

    python factor_peer.py --kernel PATH --dout M --din N --scale S --method full|krylov|svds [--repeats R]
`full`: rearrange R and take numpy's full SVD (LAPACK gesdd), the textbook method. `krylov`: the same randomised block
Krylov iteration as bilin-convert's truncated path (same block, passes and stopping rule), on R materialised with
numpy. `svds`: scipy.sparse.linalg.svds (ARPACK) on R, a tight reference for the top singular values.
Threads: OPENBLAS_NUM_THREADS as run.sh sets it. Prints one JSON object.
"""
import argparse
import json
import math
import time

import numpy as np


def most_square(n):
    rows = int(math.isqrt(n))
    while rows > 1 and n % rows:
        rows -= 1
    return rows, n // rows


def rearranged(k, din, dout):
    (d1, d2), (u1, u2) = most_square(din), most_square(dout)
    w = k.T  # (Dout, Din)
    return np.ascontiguousarray(w.reshape(u1, u2, d1, d2).transpose(0, 2, 1, 3).reshape(u1 * d1, u2 * d2))


def krylov_bases(r, block):
    """Block Krylov on RᵀR, started in R's row space: yields B = R [Q0 … Qp] = [Y0 … Yp] after each pass, and on
    resumption makes the next block (RᵀR Q_p, orthogonal to every block so far, twice for round-off)."""
    rows, _ = r.shape
    rng = np.random.default_rng(0)
    q, _ = np.linalg.qr(r.T @ rng.uniform(-1, 1, (rows, block)).astype(np.float32))
    basis, ys = [], []
    while True:
        basis.append(q)
        y = r @ q
        ys.append(y)
        yield np.hstack(ys)
        z = r.T @ y
        qs = np.hstack(basis)
        for _ in range(2):
            z -= qs @ (qs.T @ z)
        q, _ = np.linalg.qr(z)


def krylov(r, components, oversampling=8, max_passes=24, tolerance=5e-4, round_off=1e-6):
    """bilin-convert's truncated method: passes until the extrapolated missing top energy is below `tolerance` of it
    (NearestKronecker.energyTolerance). Returns the top singular values and the passes made."""
    rows, columns = r.shape
    block = min(components + oversampling, rows, columns)
    passes = max(1, min(max_passes, min(rows, columns) // block))
    previous, gains = 0.0, []
    for p, b in enumerate(krylov_bases(r, block)):
        ritz = np.sort(np.linalg.eigvalsh(b.T @ b))[::-1]
        energy = float(np.sum(np.maximum(ritz[:components], 0)))
        gain = energy - previous
        previous = energy
        if p > 0:
            gains.append(gain)
        missing = math.inf
        if len(gains) >= 3 and gain < gains[-3]:
            ratio = math.sqrt(gain / gains[-3])
            missing = gain * ratio / (1 - ratio)
        settled = p > 0 and (gain <= round_off * energy or missing <= tolerance * energy)
        if settled or p == passes - 1:
            s = np.linalg.svd(b, compute_uv=False)
            return s[:components], p + 1


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--kernel", required=True)
    parser.add_argument("--dout", type=int, required=True)
    parser.add_argument("--din", type=int, required=True)
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--method", default="full", choices=["full", "krylov", "svds"])
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    k = np.fromfile(args.kernel, dtype="<f4").reshape(args.din, args.dout)
    total = float(np.sum(k.astype(np.float64) ** 2))
    times, cpu_times = [], []
    passes = None
    for _ in range(args.repeats):
        start, cpu_start = time.perf_counter(), time.process_time()
        r = rearranged(k, args.din, args.dout)
        if args.method == "full":
            u, s, vt = np.linalg.svd(r, full_matrices=False)
            s = s[:args.scale]
        elif args.method == "krylov":
            s, passes = krylov(r, args.scale)
        else:
            from scipy.sparse.linalg import svds
            s = np.sort(svds(r.astype(np.float64), k=args.scale, tol=1e-10, return_singular_vectors=False))[::-1]
        times.append(time.perf_counter() - start)
        cpu_times.append(time.process_time() - cpu_start)
        del r
    top = float(np.sum(np.asarray(s, np.float64) ** 2))
    print(json.dumps({"kind": "factor", "peer": "numpy", "method": args.method, "dout": args.dout, "din": args.din,
                      "scale": args.scale, "seconds": float(np.median(times)), "cpu_seconds": float(np.median(cpu_times)), "energy_top": top, "energy_total": total,
                      "relative_error": math.sqrt(max(total - top, 0) / total), "passes": passes,
                      "singular_values": [float(x) for x in s]}))


if __name__ == "__main__":
    main()
