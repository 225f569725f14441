"""Torture suite: kills, faults, storage failures and hostile content (``make torture`` runs it in full)."""
