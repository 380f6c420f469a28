"""Benchmarks: trayapp measured side by side with a minimal pystray script (`perf.py`)."""
