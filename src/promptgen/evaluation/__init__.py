"""The quality harness behind `promptgen eval`: intent, retrieval, refusal, routing, speed."""
