"""The learned router's training (``make router-model``)."""
