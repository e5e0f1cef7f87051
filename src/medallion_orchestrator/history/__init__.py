"""Run history and the per-layer run lock: Delta tables next to the execution table."""
