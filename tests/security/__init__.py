"""Security checks: no secret in any file or log after a full session; private journal files."""
