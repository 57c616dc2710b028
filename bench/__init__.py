"""Benchmarks: each module reports ratios against a baseline measured in the same run.

Run all with `make bench` (or `python -m bench`), one with `python -m bench NAME [args]`.
"""
