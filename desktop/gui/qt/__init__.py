"""Qt plumbing: background workers and the garbage-collection guard."""
