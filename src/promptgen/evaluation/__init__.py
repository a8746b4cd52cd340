"""The quality harness behind `promptgen eval`: intent, retrieval, refusal, routing, our own
suite's probes, follow-ups, secrets and injection screening, and speed."""

# Here, not in harness.py, so that the CLI can name them without importing the harness.
TASKS = (
    "intent",
    "retrieval",
    "refusal",
    "routing",
    "probes",
    "followups",
    "secrets",
    "injection",
)
