"""Exception tree: every failure PromptGen reports carries a stable ``code`` and HTTP ``status``.

Every exception PromptGen raises on purpose is defined here, so the HTTP handler, the CLI and
the error test see the whole tree (tests/test_errors.py walks it through both edges).
"""

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


class RouterModelInvalid(PromptGenError):
    """The router model file is missing or unreadable."""

    code = "router_model_invalid"
    status = 500


class EmbedderUnavailable(PromptGenError):
    """The shipped embedding model is missing or damaged."""

    code = "embedder_unavailable"
    status = 500


class BackgroundInvalid(PromptGenError):
    """The shipped background table is missing or does not match its manifest."""

    code = "background_invalid"
    status = 500


class GroundingModelInvalid(PromptGenError):
    """The shipped grounding parameters are missing, malformed or do not match their manifest."""

    code = "grounding_model_invalid"
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
    """A file could not be ingested; the Library was left as it was."""

    code = "ingest_failed"
    status = 422


class ParseError(IngestFailed):
    """A file could not be turned into documents; the message says why and what to do."""

    code = "parse_error"


class UnreadableSet(InvalidInput):
    """An evaluation file that is not of the schema its task reads: skipped, with why."""

    code = "unreadable_set"


class RelabelledSetIncomplete(InvalidInput):
    """An evaluation label names a record the data folder does not hold."""

    code = "relabelled_set_incomplete"


class BudgetExceeded(PromptGenError):
    """No catalogued model fits the caller's budget."""

    code = "budget_exceeded"
    status = 422


class Unauthorized(PromptGenError):
    """A missing or wrong API key."""

    code = "unauthorized"
    status = 401


class Forbidden(PromptGenError):
    """The key is valid but its scope or Libraries do not cover the request."""

    code = "forbidden"
    status = 403


class KeyNotFound(PromptGenError):
    """No API key with that id in the keys file."""

    code = "key_not_found"
    status = 404


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


class ServeRefused(PromptGenError):
    """``promptgen serve`` would start in an unsafe configuration (e.g. open without keys)."""

    code = "serve_refused"
    status = 400


class PromptGenUnavailable(PromptGenError):
    """The engine could not be built; the server runs without it."""

    code = "promptgen_unavailable"
    status = 503
