"""The intent classifier's training: our labelled prompts (``data/``), relabels and trainer."""
