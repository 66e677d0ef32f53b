"""The service's settings: where it listens, who may call it, and how much one request may ask.
Every field can come from an environment variable (AFFECTLAB_SERVE_<FIELD>, and AFFECTLAB_TOKEN
for the token), which is how the settings reach uvicorn's worker processes."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field, fields
from typing import Any

ENV_PREFIX = "AFFECTLAB_SERVE_"
TOKEN_ENV = "AFFECTLAB_TOKEN"


@dataclass
class ServeConfig:
    """Limits are per request: `max_body_mb` (the whole body, uploads included), `max_batch`
    (texts in one call), `timeout_s` (analysis time before a 504). `cors_origins` is empty (CORS
    off) unless origins are named; `token` (if set) must come as `Authorization: Bearer ...`."""

    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    token: str | None = None
    max_body_mb: float = 20.0
    max_batch: int = 256
    max_text_chars: int = 20_000
    timeout_s: float = 60.0
    cors_origins: list[str] = field(default_factory=list)
    text_model: str | None = None

    def __post_init__(self) -> None:
        if self.max_body_mb <= 0 or self.max_batch < 1 or self.timeout_s <= 0:
            raise ValueError("max_body_mb, max_batch and timeout_s must be positive")
        if self.workers < 1:
            raise ValueError(f"workers must be at least 1, got {self.workers}")

    @property
    def max_body(self) -> int:
        """The body limit in bytes."""
        return int(self.max_body_mb * 1024 * 1024)

    def to_env(self) -> dict[str, str]:
        """The settings as environment variables (for worker processes)."""
        out = {}
        for k, v in asdict(self).items():
            if v is None:
                continue
            out[ENV_PREFIX + k.upper()] = ",".join(v) if isinstance(v, list) else str(v)
        if self.token:
            out.pop(ENV_PREFIX + "TOKEN", None)
            out[TOKEN_ENV] = self.token
        return out

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> ServeConfig:
        """Settings from AFFECTLAB_SERVE_* (and AFFECTLAB_TOKEN); defaults for the rest."""
        env = dict(os.environ if env is None else env)
        kwargs: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(ENV_PREFIX + f.name.upper())
            if f.name == "token":
                raw = env.get(TOKEN_ENV, raw)
            if raw is None or raw == "":
                continue
            kind = type(getattr(cls(), f.name)) if f.name not in ("token", "text_model") else str
            if f.name == "cors_origins":
                kwargs[f.name] = [o.strip() for o in raw.split(",") if o.strip()]
            elif kind is bool:
                kwargs[f.name] = raw.lower() in ("1", "true", "yes")
            else:
                kwargs[f.name] = kind(raw)
        return cls(**kwargs)
