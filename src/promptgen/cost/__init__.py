"""Tokens, prices and model selection."""
