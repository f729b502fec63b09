#!/usr/bin/env python3
"""The report as a person sees it: report.html of a fixture run, rendered by
`wimm plot`, opened in headless Chromium. Checks the page title, that every
figure is there and drawn (an inline SVG with a size and shapes in it), and
that a screenshot is not a blank page.

usage: report_browser.py WIMM FIXTURE_RUN_DIR
Prints TAP. Without chromium (scripts/deps.sh --test installs it) the browser
checks are skipped with the reason; a test never installs anything.
"""
import glob
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

from taplib import check, finish, skip

WIMM, FIXTURE = sys.argv[1], sys.argv[2]


def find_chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path, None
    return None, "chromium is not installed (scripts/deps.sh --test installs it)"


def chromium(browser, profile, *args):
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--disable-dev-shm-usage", f"--user-data-dir={profile}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=90)


def png_pixels(path):
    """Width, height and RGB rows of an 8-bit RGB or RGBA PNG (zlib only)."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            if depth != 8 or colour not in (2, 6):
                raise ValueError(f"unsupported PNG (depth {depth}, colour type {colour})")
            bpp = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw, stride, rows, prev = zlib.decompress(idat), width * bpp, [], bytearray(width * bpp)
    for y in range(height):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if f == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 255
        elif f == 2:
            line = bytearray((a + b) & 255 for a, b in zip(line, prev))
        elif f == 3:
            for i in range(stride):
                line[i] = (line[i] + ((line[i - bpp] if i >= bpp else 0) + prev[i]) // 2) & 255
        elif f == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b, c = prev[i], prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line[k] for k in range(stride) if k % bpp < 3))
        prev = line
    return width, height, rows


def main():
    work = tempfile.mkdtemp(prefix="wimm-browser-")
    run = os.path.join(work, "run")
    shutil.copytree(FIXTURE, run)
    for old in ("plots", "report.md", "report.html"):
        shutil.rmtree(os.path.join(run, old), ignore_errors=True)
        if os.path.exists(os.path.join(run, old)):
            os.unlink(os.path.join(run, old))
    if not shutil.which("gnuplot"):
        skip("the report in a browser", "gnuplot is not installed (scripts/deps.sh installs it)")
        return
    r = subprocess.run([WIMM, "plot", run], capture_output=True, text=True, timeout=120)
    if not check(r.returncode == 0, f"wimm plot renders the fixture (exit {r.returncode}: "
                                   f"{r.stderr[-300:]})"):
        return
    html = os.path.join(run, "report.html")
    run_id = json.load(open(os.path.join(run, "meta.json")))["run_id"]
    nfig = len(glob.glob(os.path.join(run, "plots", "*.vars")))

    browser, why = find_chromium()
    if not browser:
        skip("report.html in headless Chromium", why)
        return
    # A copy of the page that measures its own figures once laid out and
    # writes the result into the DOM, where --dump-dom shows it.
    probe = os.path.join(run, "report-probe.html")
    page = open(html).read()
    script = ("<script>document.body.setAttribute('data-figures', JSON.stringify("
              "[...document.querySelectorAll('figure.wimm-figure')].map(f => {"
              "const s = f.querySelector('svg'); if (!s) return null;"
              "const r = s.getBoundingClientRect();"
              "return [Math.round(r.width), Math.round(r.height),"
              "s.querySelectorAll('path, polyline, polygon, rect, line, text').length];})));"
              "</script>")
    open(probe, "w").write(page.replace("</body>", script + "</body>"))
    r = chromium(browser, os.path.join(work, "profile-dom"), "--window-size=1400,1000",
                 "--virtual-time-budget=5000", "--dump-dom", "file://" + probe)
    dom = r.stdout
    if not check(r.returncode == 0 and "<html" in dom,
                 f"chromium loads report.html (exit {r.returncode}: {r.stderr[-200:]})"):
        return
    m = re.search(r"<title>(.*?)</title>", dom, re.S)
    check(m and m.group(1).strip() == f"wimm report: run {run_id}",
          f"the page title names the run (got {m.group(1) if m else None!r})")
    m = re.search(r"data-figures=\"([^\"]*)\"", dom)
    figures = json.loads(m.group(1).replace("&quot;", '"')) if m else None
    check(figures is not None and len(figures) == nfig,
          f"every figure is in the page: {len(figures) if figures else 0} of {nfig}")
    for i, f in enumerate(figures or []):
        check(f is not None and f[0] > 400 and f[1] > 200 and f[2] > 50,
              f"figure {i + 1} is drawn: an SVG of {f[0] if f else 0}x{f[1] if f else 0} px "
              f"with {f[2] if f else 0} shapes")
    check("<script" not in page, "report.html itself has no script")

    shot = os.path.join(work, "shot.png")
    r = chromium(browser, os.path.join(work, "profile-shot"), "--window-size=1200,2400",
                 "--force-device-scale-factor=0.5", "--hide-scrollbars",
                 f"--screenshot={shot}", "file://" + html)
    if not check(r.returncode == 0 and os.path.exists(shot),
                 f"chromium takes a screenshot (exit {r.returncode}: {r.stderr[-200:]})"):
        return
    width, height, rows = png_pixels(shot)
    pixels = [row[i:i + 3] for row in rows[::2] for i in range(0, len(row), 6)]
    colours = {}
    for p in pixels:
        colours[p] = colours.get(p, 0) + 1
    top = max(colours.values())
    check(width > 100 and height > 100, f"the screenshot has a size ({width}x{height})")
    check(top < 0.97 * len(pixels) and len(colours) > 20,
          f"the screenshot is not blank: {len(colours)} colours, the commonest "
          f"covers {100 * top / len(pixels):.1f}%")
    # An allocator's colour in the picture: the figures were painted, not
    # only the text. Colours are blended by anti-aliasing: allow a margin.
    meta = json.load(open(os.path.join(run, "meta.json")))
    wanted = [a.get("colour") for a in meta["allocators"] if a.get("colour")]
    seen = []
    for c in wanted:
        rgb = tuple(int(c[k:k + 2], 16) for k in (1, 3, 5))
        # as drawn: lines in the colour itself, bars filled at 85% on white
        shades = (rgb, tuple(round(0.85 * v + 0.15 * 255) for v in rgb))
        n = sum(v for p, v in colours.items()
                if any(all(abs(p[k] - s[k]) <= 16 for k in range(3)) for s in shades))
        if n >= 20:
            seen.append(c)
    check(len(seen) >= 2, f"the screenshot shows the allocators' colours ({seen} of {wanted})")


if __name__ == "__main__":
    main()
    finish()
