"""Settings: every knob, read from ``PROMPTGEN_*`` environment variables once and validated."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///.promptgen/library.db"


class Settings(BaseSettings):
    """PromptGen configuration; the only reader of the environment."""

    model_config = SettingsConfigDict(env_prefix="PROMPTGEN_", extra="ignore", frozen=True)

    database_url: str = Field(
        DEFAULT_DATABASE_URL, description="sqlite:///path (default) or postgresql://..."
    )
    library: str = Field("default", min_length=1, max_length=64, description="Default Library.")
    max_text_chars: int = Field(20_000, ge=1, le=1_000_000, description="Longest draft accepted.")
    grounding_threshold: float = Field(
        0.5, ge=0.0, le=1.0, description="Grounding probability below which PromptGen refuses."
    )
    context_k: int = Field(5, ge=1, le=50, description="Most passages inserted as context.")
    max_context_tokens: int = Field(1200, ge=50, le=100_000, description="Context token budget.")
    catalog_path: Path | None = Field(
        None, description="Model catalog TOML overriding the shipped one."
    )
    intent_model_path: Path | None = Field(
        None, description="Intent model overriding the shipped one."
    )
    default_tokenizer: str = Field("o200k_base", description="Tokenizer for the token counts.")

    @field_validator("database_url")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        if not value.startswith(("sqlite:///", "postgresql://", "postgres://")):
            raise ValueError(
                "PROMPTGEN_DATABASE_URL must start with sqlite:/// or postgresql:// "
                f"(got {value!r})"
            )
        return value

    @field_validator("catalog_path", "intent_model_path")
    @classmethod
    def _file_exists(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"file not found: {value}")
        return value

    @property
    def sqlite_path(self) -> Path | None:
        """The SQLite file behind ``database_url``, or None for another store."""
        if self.database_url.startswith("sqlite:///"):
            return Path(self.database_url.removeprefix("sqlite:///"))
        return None
