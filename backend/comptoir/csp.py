"""Content-Security-Policy exceptions a page may ask for, typed for the views that use them."""

from collections.abc import Callable
from typing import ParamSpec, cast

from csp.constants import WASM_UNSAFE_EVAL
from csp.decorators import csp_update
from django.http import HttpResponse

P = ParamSpec("P")


def wasm_allowed(view: Callable[P, HttpResponse]) -> Callable[P, HttpResponse]:
    """The camera's barcode and QR decoder is WebAssembly: the page may compile it, nothing
    more (`'wasm-unsafe-eval'`, never `'unsafe-eval'`)."""
    decorate = csp_update({"script-src": [WASM_UNSAFE_EVAL]})
    return cast(Callable[P, HttpResponse], decorate(view))  # type: ignore[arg-type]
