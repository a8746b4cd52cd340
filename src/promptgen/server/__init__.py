"""The HTTP service: a thin FastAPI layer over the same PromptGen the CLI uses."""

from promptgen.server.app import create_app

__all__ = ["create_app"]
