"""Benchmarks of crm-accounts on generated data; run from the repository root, never installed.

``python -m benchmarks.generate`` writes a large CSV source folder; ``python -m benchmarks.compute``
times reading, computing and exporting at several sizes (see docs/performance.md).
"""
