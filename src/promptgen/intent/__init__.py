"""Intent classification: the shipped model, its features and our labels (trained in training/)."""
