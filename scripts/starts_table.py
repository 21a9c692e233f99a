"""Prints a markdown table from bilin-convert JSON reports: scale, start, parameters, bytes, accuracy per epoch, minutes."""
import json
import sys

rows = []
for path in sys.argv[1:]:
    with open(path) as f:
        r = json.load(f)
    start = r["initialization"] + ("" if r["initialization"] == "random" else f" / {r['widening']}")
    history = " / ".join(f"{h['testAccuracy'] * 100:.2f}" for h in r["history"])
    rows.append((r["scale"], start, r["converted"]["params"], r["converted"]["bytes"], history, r["seconds"] / 60))
rows.sort()
print("| scale | start | parameters | bytes | test accuracy % after conversion / each epoch | minutes |")
print("|---|---|---|---|---|---|")
for scale, start, params, size, history, minutes in rows:
    print(f"| {scale} | {start} | {params} | {size} | {history} | {minutes:.1f} |")
