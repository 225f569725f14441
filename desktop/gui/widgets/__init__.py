"""Reusable widgets (the patient monitor)."""
