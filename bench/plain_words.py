"""Benchmark: requests in plain words — the evaluation set's accuracy and the time per message.

Reads every phrasing of `tests/data/plain_words.yml` against its fleet (and, with `--fleet N`,
against that fleet padded to N servers, to see the name look-ups at scale), prints the accuracy
by kind and language, every miss, and the time one message takes (median and worst).

    .venv/bin/python bench/plain_words.py [--fleet 10000] [--rounds 20]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import Counter
from pathlib import Path

import yaml

from bot.catalog import load_catalog
from bot.plainwords import FleetNames, read
from bot.plainwords.evaluation import Case, judged

SET = Path(__file__).resolve().parent.parent / "tests" / "data" / "plain_words.yml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fleet", type=int, default=0, help="pad the fleet to this many names")
    parser.add_argument("--rounds", type=int, default=5, help="times each phrasing is read")
    args = parser.parse_args()
    data = yaml.safe_load(SET.read_text("utf-8"))
    names = list(data["fleet"])
    names += [f"node-{n:06d}" for n in range(max(0, args.fleet - len(names)))]
    fleet, catalog = FleetNames(names), load_catalog()
    cases = [Case.of(raw) for raw in data["cases"]]
    read("warm up: the lexicon is loaded once", fleet, catalog)
    right, total, times = Counter[str](), Counter[str](), []
    for case in cases:
        for _ in range(args.rounds):
            start = time.perf_counter()
            reading = read(case.words, fleet, catalog)
            times.append(time.perf_counter() - start)
        for key in (case.kind, case.lang, "all"):
            total[key] += 1
            right[key] += judged(case, reading)
        if not judged(case, reading):
            got = reading.command or reading.outcome + " " + " | ".join(reading.candidates)
            print(f"MISS  {case.words!r}: expected {case.expect!r}, got {got!r}")
    print(f"\n{len(names):,} servers in the fleet, {len(cases)} phrasings")
    for key in sorted(total, key=lambda k: (k == "all", k)):
        share = right[key] / total[key]
        print(f"  {key:14} {right[key]:4}/{total[key]:<4} {share:7.1%}")
    median, worst = statistics.median(times), max(times)
    print(f"time per message: median {median * 1000:.2f} ms, worst {worst * 1000:.2f} ms")


if __name__ == "__main__":
    main()
