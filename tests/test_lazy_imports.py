"""bs4 imports soupsieve (~50 ms) that nothing here uses: it is imported on first use, and
CSS selectors still work when something does use them (issue 17)."""

from __future__ import annotations

import subprocess
import sys


def run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_an_html_page_read_by_bs4_does_not_import_soupsieve() -> None:
    code = (
        "import sys; from pipeline.parse import parse_document; "
        "doc = parse_document(b'<main><dl><dt>gpt-4</dt><dd>retires</dd></dl></main>', 'html'); "
        "print(bool(doc.notices), 'bs4' in sys.modules, 'soupsieve.css_parser' in sys.modules)"
    )
    assert run(code) == "True True False"


def test_css_selectors_still_work_after_the_deferral() -> None:
    code = (
        "from pipeline.parse.lazy_imports import defer_soupsieve; defer_soupsieve(); "
        "import bs4, soupsieve; "
        "soup = bs4.BeautifulSoup('<p class=a>x</p><p>y</p>', 'lxml'); "
        "print([t.text for t in soup.select('p.a')], soupsieve.__version__ != '', "
        "soupsieve.escape('a b'))"
    )
    assert run(code) == r"['x'] True a\ b"


def test_a_module_already_imported_is_left_alone() -> None:
    code = (
        "import soupsieve; real = soupsieve; import sys; "
        "from pipeline.parse.lazy_imports import defer_soupsieve; defer_soupsieve(); "
        "print(sys.modules['soupsieve'] is real)"
    )
    assert run(code) == "True"
