"""What a record's scope means: "api", or "product:<name>" for a change in a product.

A product change (a model leaving ChatGPT while it stays in the API) is its own record, only
matched to teams that declare the product in teams.yml (`products: [chatgpt]`), and worded
"leaves ChatGPT on DATE; API unaffected". This module parses scopes and names products.
"""

from __future__ import annotations

API = "api"
PRODUCT_PREFIX = "product:"
# How products are written in messages; any other product is shown as configured.
PRODUCT_NAMES = {
    "chatgpt": "ChatGPT",
    "claude": "Claude apps",
    "gemini": "the Gemini app",
    "copilot": "Copilot",
}


def product_of(scope: str | None) -> str | None:
    """The product a scope names (lowercased), or None for the API."""
    if scope and scope.lower().startswith(PRODUCT_PREFIX):
        return scope[len(PRODUCT_PREFIX) :].strip().lower() or None
    return None


def product_scope(product: str) -> str:
    return PRODUCT_PREFIX + product.strip().lower()


def product_name(product: str) -> str:
    """A product as people write it: "chatgpt" -> "ChatGPT"."""
    return PRODUCT_NAMES.get(product.lower(), product)
