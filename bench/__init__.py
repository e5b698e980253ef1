"""Benchmarks of publish against Pandoc on synthetic French books (not part of the test suite)."""
