"""Serving over Streamable HTTP: settings, authentication, guards, metrics and health.

Only `settings` is imported when a config is read; the rest (and the HTTP
stack) loads when `serve --http` runs.
"""

__all__: list[str] = []
