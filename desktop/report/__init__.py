"""Run reports: the data (``data``, no Qt) and its HTML and PDF renderings."""
