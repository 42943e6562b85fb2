"""The benchmark: a generated clinic, load scenarios against a ceiling, page weight."""
