"""Intent classification: the shipped model, its features and its trainer."""
