"""The retecup benchmark: load time, search and booking over HTTP, and their SQL floor.

Run it with `bench/run` (see docs/benchmark.md). Nothing here is imported by the
product; the benchmark only drives it from outside, as a client and as psql would.
"""
