"""Reusable widgets (the patient monitor) and widget helpers (the model connection Test)."""
