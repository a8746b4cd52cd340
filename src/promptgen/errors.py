"""Exception tree: every failure PromptGen reports carries a stable ``code`` and HTTP ``status``."""

from __future__ import annotations


class PromptGenError(Exception):
    """Base class; an unexpected failure inside PromptGen."""

    code = "internal"
    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(PromptGenError):
    """The caller sent something PromptGen cannot work with."""

    code = "invalid_input"
    status = 400


class EmptyText(InvalidInput):
    """The draft is empty or only whitespace."""

    code = "empty_text"


class TextNotUnicode(InvalidInput):
    """The draft holds a lone surrogate (valid JSON, not valid Unicode text)."""

    code = "invalid_text"


class TextTooLong(InvalidInput):
    """The draft is longer than the configured limit."""

    code = "text_too_long"
    status = 413


class UnknownModel(PromptGenError):
    """A model id that the catalog does not list."""

    code = "unknown_model"
    status = 404


class CatalogInvalid(PromptGenError):
    """The model catalog file is missing, malformed or inconsistent."""

    code = "catalog_invalid"
    status = 500


class IntentModelInvalid(PromptGenError):
    """The intent model file is missing or unreadable."""

    code = "intent_model_invalid"
    status = 500


class TokenizerUnavailable(PromptGenError):
    """A vendored tokenizer file is missing or fails its checksum."""

    code = "tokenizer_unavailable"
    status = 500


class LibraryUnavailable(PromptGenError):
    """The Library's database cannot be opened or queried."""

    code = "library_unavailable"
    status = 503


class DocumentNotFound(PromptGenError):
    """No document with that id in the Library."""

    code = "document_not_found"
    status = 404


class IngestFailed(PromptGenError):
    """A file could not be parsed; the Library was left as it was."""

    code = "ingest_failed"
    status = 422


class BudgetExceeded(PromptGenError):
    """No catalogued model fits the caller's budget."""

    code = "budget_exceeded"
    status = 422


class Unauthorized(PromptGenError):
    """A missing or wrong API key."""

    code = "unauthorized"
    status = 401


class RateLimited(PromptGenError):
    """Too many requests for this key; ``retry_after`` says how many seconds to wait."""

    code = "rate_limited"
    status = 429

    def __init__(self, message: str, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class BodyTooLarge(PromptGenError):
    """The request body is over the configured limit."""

    code = "body_too_large"
    status = 413


class PromptGenUnavailable(PromptGenError):
    """The engine could not be built; the server runs without it."""

    code = "promptgen_unavailable"
    status = 503
