"""Screenshots of the HTML e-mails and the dashboard in headless Chromium, and how far each
page overflows its viewport (0 px is the goal at every width).

    python benchmarks/screenshots.py emails DEMO_OUT/email --out shots/ [--widths 390,800]
    python benchmarks/screenshots.py dashboard DB --out shots/ [--widths 1280,390]

`emails` takes every `*.eml` in the folder (for instance `sunset demo --out DEMO_OUT`'s
`email/`), writes its HTML part and a PNG per width. `dashboard` starts `sunset serve` on a
free port and shoots the pages in DASHBOARD_PAGES. Needs `chromium` on PATH
(`apt-get install chromium`). Prints one line per page and width: the page's scroll width
against the viewport, so an overflow shows as a ratio above 1.00.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

# Headless Chromium will not make a window narrower than 500 px, so a page is shown in an
# iframe of the wanted width (its own viewport: media queries see that width); the page
# reports its scroll width to the frame's parent.
MEASURE = (
    "<script>addEventListener('load',()=>{parent.postMessage("
    "String(document.documentElement.scrollWidth),'*');});</script>"
)
FRAME = """<!DOCTYPE html><html><body style="margin:0;background:#888">
<iframe src="{url}" width="{width}" height="{height}"
style="border:0;display:block;background:#fff">
</iframe><script>addEventListener('message',e=>{{document.body.setAttribute(
'data-scroll-width',e.data);}});</script></body></html>"""
WINDOW_MIN = 500
DASHBOARD_PAGES = [
    ("home", "/"),
    ("database", "/sunset"),
    ("upcoming", "/sunset/home_upcoming"),
    ("record", "/sunset/records/1"),
    ("alerts", "/sunset/alert_trace"),
]


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        sys.exit("chromium not found on PATH (apt-get install chromium)")
    return found


def _run(args: list[str]) -> str:
    base = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
    done = subprocess.run([*base, *args], capture_output=True, text=True, timeout=60)
    return done.stdout


def _framed(url: str, width: int, height: int) -> str:
    frame = Path(tempfile.mkdtemp(prefix="sunset-frame-")) / "frame.html"
    frame.write_text(FRAME.format(url=url, width=width, height=height))
    return frame.as_uri()


def scroll_width(url: str, width: int) -> int:
    """The page's scroll width in a viewport this wide (needs MEASURE in the page)."""
    args = ["--allow-file-access-from-files", "--virtual-time-budget=3000", "--dump-dom"]
    window = f"--window-size={max(width, WINDOW_MIN)},900"
    dom = _run([window, *args, _framed(url, width, 900)])
    found = re.search(r'data-scroll-width="(\d+)"', dom)
    return int(found.group(1)) if found else -1


def shoot(url: str, png: Path, width: int, height: int = 1400) -> None:
    window = f"--window-size={max(width, WINDOW_MIN)},{height}"
    _run([window, "--virtual-time-budget=3000", f"--screenshot={png}", _framed(url, width, height)])


def emails(folder: Path, out: Path, widths: list[int]) -> None:
    for eml in sorted(folder.glob("*.eml")):
        message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
        html = message.get_body(preferencelist=("html",))
        if html is None:
            continue
        page = out / f"{eml.stem}.html"
        page.write_text(html.get_content().replace("</body>", MEASURE + "</body>"))
        for width in widths:
            shoot(page.resolve().as_uri(), out / f"{eml.stem}-{width}.png", width)
            measured = scroll_width(page.resolve().as_uri(), width)
            subject = str(message["Subject"])[:60]
            print(f"{eml.stem} {width:>5} px  scroll {measured:>5} px  "
                  f"ratio {measured / width:.2f}  {subject}")  # fmt: skip


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def dashboard(db: Path, out: Path, widths: list[int]) -> None:
    port = _free_port()
    sunset = Path(sys.executable).with_name("sunset")
    server = subprocess.Popen(
        [str(sunset), "serve", "--db", str(db), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/", timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        for _, path in DASHBOARD_PAGES:  # warm up: the first render of a page is slow
            urllib.request.urlopen(base + path, timeout=30).read()
        for name, path in DASHBOARD_PAGES:
            for width in widths:
                shoot(base + path, out / f"dashboard-{name}-{width}.png", width, 1600)
                print(f"dashboard-{name} {width:>5} px  {path}")
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["emails", "dashboard"])
    parser.add_argument("source", type=Path, help="e-mail folder, or the database")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--widths", default=None)
    args = parser.parse_args()
    default = "390,800" if args.what == "emails" else "1280,390"
    widths = [int(w) for w in (args.widths or default).split(",")]
    out = args.out or Path(tempfile.mkdtemp(prefix="sunset-shots-"))
    out.mkdir(parents=True, exist_ok=True)
    (emails if args.what == "emails" else dashboard)(args.source, out, widths)
    print(f"screenshots in {out}")


if __name__ == "__main__":
    main()
