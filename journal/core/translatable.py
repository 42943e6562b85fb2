"""Marking words for translation where no request, and so no language, exists yet.

Labels in registries, scales and audit tables are built once at import, before any
request has a language. `N_` only marks them so that `make messages` extracts them;
they stay English in what is stored and exported, and the page translates them with
`_()` when it shows them.
"""


def N_(message: str) -> str:
    """Return `message` unchanged; its only job is to be found by the extractor."""
    return message
