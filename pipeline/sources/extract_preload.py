"""What the extraction fork server loads once, so every child it forks starts warm.

`multiprocessing`'s fork server imports its preload modules and nothing else: the parsers
(imported on first use of their format since issue 17) and the known-models catalogue (read
on the first page) would otherwise be loaded again by every child. Importing this module
imports every parser and reads the catalogue; children inherit both.
"""

from __future__ import annotations

import importlib
import logging

from pipeline.extract import catalogue
from pipeline.parse import PARSERS
from pipeline.parse.lazy_imports import defer_soupsieve

log = logging.getLogger(__name__)


def warm() -> None:
    """Import every parser and read the catalogue (never raises: a child would do it)."""
    try:
        PARSERS.load_all()
        defer_soupsieve()
        importlib.import_module("pipeline.parse.html")  # bs4: the odd pages html_tree hands on
        catalogue.known_ids()
    except Exception as exc:  # a broken parser or catalogue fails the page, not the server
        log.warning("extraction preload incomplete: %s", exc)


warm()
