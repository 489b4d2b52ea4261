"""Security helpers that every layer may use (standard library only): secret redaction at the sinks."""

from evalkit.security.redact import (
    MARK,
    RedactingStream,
    env_references,
    redact,
    redact_bytes,
    redact_value,
    redacting,
    watch_env,
    watch_references,
    watch_value,
)

__all__ = [
    "MARK",
    "RedactingStream",
    "env_references",
    "redact",
    "redact_bytes",
    "redact_value",
    "redacting",
    "watch_env",
    "watch_references",
    "watch_value",
]
