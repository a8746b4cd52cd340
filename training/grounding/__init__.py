"""The Refusal Contract's fit (``make grounding-model``) and its seed-Library drafts."""
