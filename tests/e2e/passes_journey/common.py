"""What several browser tests of the passes pages share."""

from __future__ import annotations


def _post_to(path_end: str):
    """A predicate for page.expect_response: a POST whose URL ends with `path_end`."""
    return lambda response: (
        response.request.method == "POST" and response.url.split("?")[0].endswith(path_end)
    )
