"""Latency and throughput of the two hops every request crosses, beside bare baselines.

Run with `python -m bench.hops`; see bench/README.md.
"""
