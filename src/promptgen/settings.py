"""Settings: every knob, read from ``PROMPTGEN_*`` environment variables once and validated."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from promptgen.types import FlaggedMode

DEFAULT_DATABASE_URL = "sqlite:///.promptgen/library.db"


class Settings(BaseSettings):
    """PromptGen configuration; the only reader of the environment."""

    model_config = SettingsConfigDict(env_prefix="PROMPTGEN_", extra="ignore", frozen=True)

    database_url: str = Field(
        DEFAULT_DATABASE_URL, description="sqlite:///path (default) or postgresql://..."
    )
    library: str = Field("default", min_length=1, max_length=64, description="Default Library.")
    max_text_chars: int = Field(20_000, ge=1, le=1_000_000, description="Longest draft accepted.")
    max_history_turns: int = Field(
        20, ge=0, le=1000, description="Most earlier turns a request may send as history."
    )
    max_history_chars: int = Field(
        60_000, ge=0, description="Most characters of history (all turns together)."
    )
    # None: the shipped one, read by the engine with the grounding model (not here, so that a
    # damaged model file leaves Settings valid and the server degrades instead of failing).
    grounding_threshold: float | None = Field(
        None,
        ge=0.0,
        le=1.0,
        description="Grounding probability below which PromptGen refuses (default: the one "
        "training/grounding/fit.py chose with the model, models/grounding/params.json).",
    )
    grounding_min_terms: int = Field(
        2,
        ge=1,
        le=10,
        description="Fewest distinct searchable words a draft needs before it can be grounded.",
    )
    route_balanced_at: float = Field(
        0.45,
        ge=0.0,
        le=1.0,
        description="strong_benefit from which a draft needs at least a balanced-tier model.",
    )
    route_frontier_at: float = Field(
        0.7,
        ge=0.0,
        le=1.0,
        description="strong_benefit from which a draft needs a frontier-tier model.",
    )
    context_k: int = Field(5, ge=1, le=50, description="Most passages inserted as context.")
    max_context_tokens: int = Field(1200, ge=50, le=100_000, description="Context token budget.")
    flagged_context: FlaggedMode = Field(
        "rank_down",
        description="Passages screening flags (instructions to a model, hidden text): keep them "
        "in retrieval order, rank them after the unflagged ones, or leave them out.",
    )
    catalog_path: Path | None = Field(
        None, description="Model catalog TOML overriding the shipped one."
    )
    intent_model_path: Path | None = Field(
        None, description="Intent model overriding the shipped one."
    )
    router_model_path: Path | None = Field(
        None, description="Router model overriding the shipped one."
    )
    default_tokenizer: str = Field("o200k_base", description="Tokenizer for the token counts.")
    search_index: str = Field(
        "tantivy",
        pattern="^(tantivy|store)$",
        description="tantivy: a search index derived from the store, on local disk (fast); "
        "store: search the store of record itself (FTS5 or PostgreSQL full-text).",
    )
    cache_size: int = Field(
        2048, ge=0, le=1_000_000, description="Answers kept for exact repeats of a draft (0: off)."
    )
    index_dir: Path | None = Field(
        None,
        description="Where the derived search index lives (default: beside the SQLite file, "
        "or .promptgen/index/<database> for PostgreSQL).",
    )
    sqlite_busy_timeout: float = Field(
        5.0,
        ge=0.0,
        le=600.0,
        description="Seconds a write to a SQLite Library waits for another process's write "
        "to finish before it fails with library_unavailable (reads never wait).",
    )
    # Ingest bounds: a file beyond any of them is reported as failed (with the reason), and
    # the rest of the ingest goes on.
    max_file_bytes: int = Field(
        100_000_000, ge=1024, description="Largest file an ingest reads (bytes)."
    )
    max_pdf_pages: int = Field(2000, ge=1, description="Most pages of a PDF an ingest reads.")
    max_json_depth: int = Field(
        64,
        ge=4,
        le=500,
        description="Deepest nesting of lists and objects in a JSON or JSONL file (chat exports).",
    )
    max_file_text_chars: int = Field(
        50_000_000,
        ge=1000,
        description="Most characters of text one file may yield (a PDF's text layer, say).",
    )

    # HTTP service
    api_keys: str = Field(
        "",
        description="Comma-separated API keys (admin, every Library); set to require auth on "
        "/api/*. Prefer PROMPTGEN_API_KEYS_FILE: hashed keys with scopes and Libraries.",
    )
    api_keys_file: Path | None = Field(
        None,
        description="The keys file written by `promptgen keys create` (hashed keys, each with "
        "a scope and its Libraries); a file with one plain key per line also works.",
    )
    cors_origins: str = Field(
        "", description="Comma-separated origins allowed by CORS (off when empty)."
    )
    max_body_bytes: int = Field(262_144, ge=1024, description="Largest JSON request body.")
    max_upload_bytes: int = Field(20_000_000, ge=1024, description="Largest document upload.")
    rate_limit_per_minute: int = Field(
        600, ge=0, description="Requests per minute per key (0: off)."
    )
    rate_limit_shared: bool = Field(
        True,
        description="Count the rate limit in the Library's database, so that it holds across "
        "workers and replicas (false: each worker process counts on its own).",
    )
    upload_dir: Path = Field(
        Path(".promptgen/uploads"), description="Where uploaded documents are kept."
    )
    web_dir: Path | None = Field(
        None, description="Built web page to serve at / (default: web/dist)."
    )
    log_format: str = Field(
        "auto", pattern="^(auto|json|text)$", description="auto: JSON unless a TTY."
    )
    feature_typing_intelligence: bool = Field(
        True,
        validation_alias=AliasChoices(
            "FEATURE_TYPING_INTELLIGENCE", "PROMPTGEN_FEATURE_TYPING_INTELLIGENCE"
        ),
        description="Turns the web page's typing intelligence on or off (spec's rollback level 2).",
    )
    debounce_ms: int = Field(250, ge=0, le=5000, description="Web page debounce before precompute.")
    min_chars: int = Field(3, ge=1, le=100, description="Drafts shorter than this are not sent.")

    @field_validator("database_url")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        if not value.startswith(("sqlite:///", "postgresql://", "postgres://")):
            raise ValueError(
                "PROMPTGEN_DATABASE_URL must start with sqlite:/// or postgresql:// "
                f"(got {value!r})"
            )
        return value

    @model_validator(mode="after")
    def _route_thresholds_ordered(self) -> Settings:
        if self.route_balanced_at > self.route_frontier_at:
            raise ValueError(
                "PROMPTGEN_ROUTE_BALANCED_AT must not exceed PROMPTGEN_ROUTE_FRONTIER_AT "
                f"(got {self.route_balanced_at} > {self.route_frontier_at})"
            )
        return self

    @field_validator("catalog_path", "intent_model_path", "router_model_path", "api_keys_file")
    @classmethod
    def _file_exists(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"file not found: {value}")
        return value

    def plain_keys(self) -> frozenset[str]:
        """The keys given in PROMPTGEN_API_KEYS (admin keys for every Library)."""
        return frozenset(k.strip() for k in self.api_keys.split(",") if k.strip())

    @property
    def auth_required(self) -> bool:
        """True when keys are configured: plain ones, or a keys file (even one with none yet)."""
        return bool(self.plain_keys()) or self.api_keys_file is not None

    @property
    def origins(self) -> list[str]:
        """CORS origins allowed (empty: CORS off)."""
        return [o.strip() for o in self.cors_origins.split(",") if o.strip()]

    @property
    def sqlite_path(self) -> Path | None:
        """The SQLite file behind ``database_url``, or None for another store."""
        if self.database_url.startswith("sqlite:///"):
            return Path(self.database_url.removeprefix("sqlite:///"))
        return None
