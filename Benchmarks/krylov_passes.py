"""How many block-Krylov passes a kernel's top energy needs, per block size: the data behind the stopping rule of
NearestKronecker's truncated method (Docs/benchmarks.md, "Targets of issue 5").

    python Benchmarks/krylov_passes.py --kernel out/bench/kernel_random_4096x25088.f32 --dout 4096 --din 25088 \\
        [--scale 4] [--blocks 8,12,16,24] [--passes 24]
Prints, per block size, `|Σ_{k<s} σk² − reference| / reference` after each pass, the reference being scipy's svds
(ARPACK, float64). The iteration is factor_peer.py's (`krylov_bases`), without its stopping rule. Kernels: Benchmarks/make_weights.py.
"""
import argparse
import itertools

import numpy as np
from scipy.sparse.linalg import svds

from factor_peer import krylov_bases, rearranged


def energy_errors(r, components, block, passes, reference):
    errors = []
    for b in itertools.islice(krylov_bases(r, block), passes):
        s = np.linalg.svd(b, compute_uv=False)
        errors.append(abs(float(np.sum(s[:components].astype(np.float64) ** 2)) - reference) / reference)
    return errors


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--kernel", required=True)
    parser.add_argument("--dout", type=int, required=True)
    parser.add_argument("--din", type=int, required=True)
    parser.add_argument("--scale", type=int, default=4)
    parser.add_argument("--blocks", default="8,12,16,24")
    parser.add_argument("--passes", type=int, default=24)
    args = parser.parse_args()
    k = np.fromfile(args.kernel, dtype="<f4").reshape(args.din, args.dout)
    r = rearranged(k, args.din, args.dout)
    top = svds(r.astype(np.float64), k=args.scale, tol=1e-10, return_singular_vectors=False)
    reference = float(np.sum(np.asarray(top, np.float64) ** 2))
    print(f"# {args.dout}×{args.din}, top {args.scale}: energy error after each pass (pass 1 first)")
    for block in (int(b) for b in args.blocks.split(",")):
        errors = energy_errors(r, args.scale, block, args.passes, reference)
        first = next((i + 1 for i, e in enumerate(errors) if e <= 1e-3), None)
        print(f"block {block:3d}: within 1e-3 after {first} passes: " + " ".join(f"{e:.1e}" for e in errors))


if __name__ == "__main__":
    main()
