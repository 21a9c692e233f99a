"""Runs every benchmark of Benchmarks/run.sh, interleaving our runs with the peers', and prints the tables.

Figures are medians over rounds; ratios are computed from the medians of the same run. See Docs/benchmarks.md.
"""
import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


PIN = []


def run_json(command, env=None):
    result = subprocess.run(PIN + command, capture_output=True, text=True, env=env, cwd=ROOT)
    if result.returncode != 0:
        sys.stderr.write(result.stderr[-3000:])
        raise SystemExit(f"failed: {' '.join(command)}")
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bench", required=True, help="the bilin-bench binary")
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--weights", default=os.path.join(ROOT, "out", "bench"))
    parser.add_argument("--full-svd-big", action="store_true", help="also numpy's full SVD of the 4096×25088 layer (minutes)")
    parser.add_argument("--only", default="sgemm,train,infer,factor")
    parser.add_argument("--factor-threads", type=int, default=os.cpu_count(),
                        help="threads for the factorisation on both sides: our workers, numpy's OpenBLAS (default: all cores)")
    args = parser.parse_args()
    only = set(args.only.split(","))
    threads = str(args.threads)

    env = dict(os.environ)
    env["OPENBLAS_NUM_THREADS"] = threads
    env["XLA_FLAGS"] = f"--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads={threads}"
    env["JAX_PLATFORMS"] = "cpu"
    # numpy's own OpenBLAS is slowed by a forced core type (see the environment notes); unset both together, for the
    # numpy peer only. bilin-bench and JAX keep the environment as it is.
    numpy_env = {k: v for k, v in env.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    ours = [args.bench, "--threads", threads]
    # The thread flags do not bound JAX 0.10.2's CPU use (measured on an idle machine: 15.5 s user in 10.2 s wall with
    # intra_op_parallelism_threads=1), so every process, ours and the peers', is also pinned to the same cores.
    PIN[:] = ["taskset", "-c", ",".join(str(cpu) for cpu in range(args.threads))]

    print(f"# bilin-convert benchmarks, {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC")
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
    print(f"# machine: {cpu}, {os.cpu_count()} cores; threads: OpenBLAS {threads} (bilin-bench, numpy), "
          f"XLA intra-op {threads} with multi-threaded Eigen off (JAX); "
          f"every process pinned with `{' '.join(PIN)}`; rounds: {args.rounds} (medians)")
    print(f"# OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')} for bilin-bench and JAX; unset for numpy")
    print()

    roofline = None
    if "sgemm" in only:
        rates = {}
        for _ in range(args.rounds):
            for r in run_json([*ours[:1], "sgemm", *ours[1:]], env):
                rates.setdefault((r["m"], r["n"], r["k"]), []).append(r["gflops"])
        print("## sgemm roofline (bilin-bench, OpenBLAS)")
        print(f"{'m×n×k':>18} {'GFLOP/s':>9}")
        for shape, values in rates.items():
            print(f"{'×'.join(map(str, shape)):>18} {statistics.median(values):9.1f}")
        roofline = max(statistics.median(v) for v in rates.values())
        print(f"roofline (best median): {roofline:.1f} GFLOP/s")
        print()

    if "train" in only:
        networks = [("dense", 1), ("bilinear", 1), ("bilinear", 2), ("bilinear", 4), ("cnn", 1), ("resnet", 1)]
        results = {}
        for round_index in range(args.rounds):
            for network, scale in networks:
                steps = {("bilinear", 4): "20", ("cnn", 1): "15", ("resnet", 1): "15"}.get((network, scale), "40")
                ours_cmd = [args.bench, "train", "--network", network, "--scale", str(scale), "--steps", steps, "--threads", threads]
                peer_cmd = [args.python, os.path.join(HERE, "jax_peer.py"), "train", "--network", network, "--scale", str(scale), "--steps", steps]
                order = [("ours", ours_cmd), ("jax", peer_cmd)]
                if round_index % 2:
                    order.reverse()
                for who, command in order:
                    r = run_json(command, env)[0]
                    results.setdefault((network, scale, who), []).append(r)
        print("## fine-tuning throughput, batch 128, Adam (samples/s; steady-state step time, median)")
        print(f"{'network':>12} {'ours':>9} {'JAX':>9} {'ours/JAX':>9} {'ours GFLOP/s':>13} {'of roofline':>12}")
        for network, scale in networks:
            o = statistics.median(r["samples_per_second"] for r in results[(network, scale, "ours")])
            j = statistics.median(r["samples_per_second"] for r in results[(network, scale, "jax")])
            macs = results[(network, scale, "ours")][0]["multiply_adds_per_sample"]
            gflops = 2 * macs * o / 1e9
            name = network if network in ("dense", "cnn", "resnet") else f"bilinear s={scale}"
            fraction = f"{100 * gflops / roofline:11.0f}%" if roofline else f"{'':>12}"
            print(f"{name:>12} {o:9.0f} {j:9.0f} {o / j:8.2f}× {gflops:13.1f} {fraction}")
        print()

    if "infer" in only:
        cases = [("dense", 1), ("bilinear", 1), ("bilinear", 2), ("bilinear", 4)]
        results = {}
        for round_index in range(args.rounds):
            for batch in (1, 128):
                for layer in ("yes", "no"):
                    for network, scale in cases:
                        if layer == "yes" and scale != 1:
                            continue
                        common = ["--network", network, "--scale", str(scale), "--batch", str(batch), "--layer", layer, "--repeats", "30"]
                        order = [("ours", [args.bench, "infer", *common, "--threads", threads]),
                                 ("jax", [args.python, os.path.join(HERE, "jax_peer.py"), "infer", *common])]
                        if round_index % 2:
                            order.reverse()
                        for who, command in order:
                            r = run_json(command, env)[0]
                            results.setdefault((batch, layer, network, scale, who), []).append(r["seconds_per_batch"])
        print("## inference latency per batch (µs), dense vs bilinear; first layer alone (784→1024 or its replacement) and whole network")
        print(f"{'what':>28} {'batch':>5} {'ours µs':>9} {'JAX µs':>9} {'JAX/ours':>9} {'dense/this (ours)':>18}")
        for layer in ("yes", "no"):
            for batch in (1, 128):
                dense = statistics.median(results[(batch, layer, "dense", 1, "ours")])
                for network, scale in cases:
                    key = (batch, layer, network, scale)
                    if key + ("ours",) not in results:
                        continue
                    o = statistics.median(results[key + ("ours",)])
                    j = statistics.median(results[key + ("jax",)])
                    what = ("layer " if layer == "yes" else "network ") + ("dense" if network == "dense" else f"bilinear s={scale}")
                    print(f"{what:>28} {batch:5d} {o * 1e6:9.1f} {j * 1e6:9.1f} {j / o:8.2f}× {dense / o:17.1f}×")
        print()

    if "factor" in only:
        subprocess.run([args.python, os.path.join(HERE, "make_weights.py"), "--out", args.weights], check=True,
                       capture_output=True, env=numpy_env)
        sizes = [(1024, 784), (4096, 4096), (4096, 25088)]
        scale = 4
        # Our truncated passes run one worker per thread, each with a one-thread OpenBLAS; numpy's OpenBLAS gets as
        # many threads. Both pinned to the same cores.
        workers = str(args.factor_threads)
        numpy_env = dict(numpy_env, OPENBLAS_NUM_THREADS=workers)
        PIN[:] = ["taskset", "-c", ",".join(str(cpu) for cpu in range(args.factor_threads))]
        print(f"## factorisation at scale {scale}: nearest Kronecker product, top {scale} components")
        print(f"# threads: {workers} on both sides (our workers with one OpenBLAS thread each; numpy's OpenBLAS), pinned with `{' '.join(PIN)}`")
        print("# energy error = |Σ_{k<s} σk² − reference| / reference, reference = scipy svds (ARPACK, float64, tol 1e-10)")
        print("# seconds: wall, median; cpu: process CPU seconds (robust to other load); passes: Krylov blocks used")
        print(f"{'layer (Dout×Din)':>18} {'weights':>10} {'method':>24} {'seconds':>8} {'cpu s':>7} {'passes':>6} {'rel. error':>10} {'energy err':>10} {'numpy full / this':>18}")
        for dout, din in sizes:
            for kind in ("random", "structured", "trained"):
                path = os.path.join(args.weights, f"kernel_{kind}_{dout}x{din}.f32")
                if not os.path.exists(path):  # trained kernels exist for some sizes only (make_weights.py)
                    continue
                common = ["--kernel", path, "--dout", str(dout), "--din", str(din), "--scale", str(scale)]
                reference = run_json([args.python, os.path.join(HERE, "factor_peer.py"), *common, "--method", "svds"], numpy_env)[0]
                rows = []
                big = dout * din > 50_000_000
                repeats = "1" if big else "3"
                for _ in range(1 if big else args.rounds):
                    rows.append(("ours truncated (Krylov)", run_json([args.bench, "factor", *common, "--method", "truncated", "--repeats", repeats, "--threads", "1", "--workers", workers], env)[0]))
                    rows.append(("numpy same Krylov", run_json([args.python, os.path.join(HERE, "factor_peer.py"), *common, "--method", "krylov", "--repeats", repeats], numpy_env)[0]))
                if dout * din <= 1024 * 1024:
                    rows.append(("ours exact (sgesdd)", run_json([args.bench, "factor", *common, "--method", "exact", "--repeats", "1", "--threads", workers], env)[0]))
                if not big or args.full_svd_big:
                    rows.append(("numpy full SVD (gesdd)", run_json([args.python, os.path.join(HERE, "factor_peer.py"), *common, "--method", "full"], numpy_env)[0]))
                rows.append(("scipy svds (reference)", reference))
                merged = {}
                for name, r in rows:
                    merged.setdefault(name, []).append(r)
                full = merged.get("numpy full SVD (gesdd)")
                for name, rs in merged.items():
                    seconds = statistics.median(r["seconds"] for r in rs)
                    r = rs[0]
                    energy_error = abs(r["energy_top"] - reference["energy_top"]) / reference["energy_top"]
                    versus = f"{statistics.median(x['seconds'] for x in full) / seconds:17.1f}×" if full else f"{'':>18}"
                    cpu = statistics.median(x.get("cpu_seconds", float("nan")) for x in rs)
                    passes = r.get("passes") or ""
                    print(f"{f'{dout}×{din}':>18} {kind:>10} {name:>24} {seconds:8.3f} {cpu:7.2f} {passes!s:>6} {r['relative_error']:10.5f} {energy_error:10.1e} {versus}")
        print()


if __name__ == "__main__":
    main()
