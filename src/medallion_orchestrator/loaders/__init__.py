"""Loaders: functions of (lakehouse, task) that write one target table in one Delta commit."""
