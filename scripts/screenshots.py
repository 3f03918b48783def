"""Photograph the mini-program's rendered pages and check them in the browser.

`scripts/screenshots` first renders every page and state to standalone HTML (the jest render test,
miniprogram/tests/render.test.js, with RENDER_HTML_DIR set), then runs this: Debian's Chromium, driven
by Playwright, opens each file at a phone's viewport (375x812 CSS px, device scale 2), saves a
full-page PNG named after the file, and checks what a phone user would suffer from:

- overflow: the page is wider than the screen, or an element clips its text (overflow hidden or an
  ellipsis with more content than room), at any font size, the largest included;
- touch-target: something tappable smaller than 44x44 CSS px. Tappable means an element the harness
  marked with data-tap (it has a bindtap/catchtap/longpress handler: j-component keeps the bound
  events on each node), or a built-in control (button, picker, switch, checkbox, radio, navigator,
  input, textarea);
- contrast: text whose colour against its effective background (the nearest ancestors' background
  colours, composed with their alpha and opacity) is below 4.5:1.

Offenders listed in miniprogram/tests/render/known-offenders.txt are printed but do not fail the run
(the pages are being fixed); any other offender fails it (exit status 1). `--strict` fails on every
offender; `--update-known` rewrites the list with the offenders found.
"""

import argparse
import asyncio
import concurrent.futures
import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KNOWN = ROOT / "miniprogram" / "tests" / "render" / "known-offenders.txt"
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# As tests/console/conftest.py: a closed network and a root user.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--font-render-hinting=none",
]
VIEWPORT = {"width": 375, "height": 812}
MIN_TARGET = 44
MIN_CONTRAST = 4.5

# Runs in the page; returns [{check, target, text, detail}].
CHECKS_JS = r"""
({minTarget, minContrast}) => {
  const out = [];
  const vw = document.documentElement.clientWidth;
  // A custom component's host (activity-card, t-button ...) is an inline element around block
  // children: its box is the union of theirs.
  const rect = (el) => {
    const r = el.getBoundingClientRect();
    const custom = el.tagName.includes('-') && !el.tagName.startsWith('WX-');
    if (!custom || getComputedStyle(el).display !== 'inline' || !el.children.length) return r;
    const boxes = Array.from(el.children).map((c) => c.getBoundingClientRect()).filter((b) => b.width && b.height);
    if (!boxes.length) return r;
    const left = Math.min(...boxes.map((b) => b.left)), top = Math.min(...boxes.map((b) => b.top));
    const right = Math.max(...boxes.map((b) => b.right)), bottom = Math.max(...boxes.map((b) => b.bottom));
    return { left, top, right, bottom, width: right - left, height: bottom - top };
  };
  const visible = (el) => {
    const r = rect(el);
    if (r.width === 0 || r.height === 0) return false;
    const cs = getComputedStyle(el);
    return cs.visibility !== 'hidden' && cs.display !== 'none';
  };
  const name = (el) => {
    const cls = Array.from(el.classList).filter((c) => !/--(active|on|primary|full|disabled)$/.test(c))[0];
    return el.tagName.toLowerCase() + (cls ? '.' + cls : '');
  };
  const target = (el) => {
    const parts = [];
    for (let n = el; n && n.tagName && parts.length < 3 && n.tagName !== 'WX-PAGE' && n.tagName !== 'MAIN'; n = n.parentElement) {
      parts.unshift(name(n));
    }
    return parts.join(' > ');
  };
  const textOf = (el) => (el.getAttribute('aria-label') || el.innerText || el.textContent || '').replace(/\s+/g, ' ').trim().slice(0, 16);
  const scope = Array.from(document.querySelectorAll('wx-page *, .frame-tabbar *'));

  // Overflow: wider than the screen, or clipped text.
  if (document.documentElement.scrollWidth > vw + 1) {
    out.push({ check: 'overflow', target: 'page', text: '', detail: `page ${document.documentElement.scrollWidth}px wide, screen ${vw}px` });
  }
  // Inside a scroller or a clipping box, an element past the screen's edge is scrolled or clipped
  // there (and a clipping box with text is checked itself).
  const inClipper = (el) => {
    for (let n = el.parentElement; n && n !== document.body; n = n.parentElement) {
      if (getComputedStyle(n).overflowX !== 'visible') return true;
    }
    return false;
  };
  // Vertically, a line box taller than its box is harmless until the glyphs themselves are clipped
  // (fonts differ in their line gap): compare the text's own boxes with the element's padding box.
  const glyphsCut = (el) => {
    const box = el.getBoundingClientRect();
    const cs = getComputedStyle(el);
    const top = box.top + parseFloat(cs.borderTopWidth), bottom = box.bottom - parseFloat(cs.borderBottomWidth);
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    const range = document.createRange();
    for (let t = walker.nextNode(); t; t = walker.nextNode()) {
      if (!t.data.trim()) continue;
      range.selectNodeContents(t);
      for (const r of range.getClientRects()) if (r.top < top - 1 || r.bottom > bottom + 1) return true;
    }
    return false;
  };
  for (const el of scope) {
    if (!visible(el) || el.tagName === 'WX-IMAGE' || el.tagName === 'IMG') continue;
    const text = (el.innerText || '').trim();
    if (!text) continue;
    // A typed value longer than its input scrolls inside it, as on a phone; a placeholder must fit.
    if ((el.tagName === 'WX-INPUT' || el.tagName === 'WX-TEXTAREA') && el.querySelector('.wx-input__value')) continue;
    const cs = getComputedStyle(el);
    const clipsX = ['hidden', 'clip'].includes(cs.overflowX) || cs.textOverflow === 'ellipsis';
    const clipsY = ['hidden', 'clip'].includes(cs.overflowY) || (cs.webkitLineClamp && cs.webkitLineClamp !== 'none');
    if (clipsX && el.scrollWidth > el.clientWidth + 1) {
      out.push({ check: 'overflow', target: target(el), text: textOf(el), detail: `text cut off: ${el.scrollWidth}px of text in ${el.clientWidth}px` });
    } else if (clipsY && el.scrollHeight > el.clientHeight + 1 && glyphsCut(el)) {
      out.push({ check: 'overflow', target: target(el), text: textOf(el), detail: `text cut off: ${el.scrollHeight}px high in ${el.clientHeight}px` });
    } else if (el.getBoundingClientRect().right > vw + 1 && !inClipper(el) && !Array.from(el.children).some((c) => c.getBoundingClientRect().right > vw + 1)) {
      out.push({ check: 'overflow', target: target(el), text: textOf(el), detail: `runs off the screen to ${Math.round(el.getBoundingClientRect().right)}px` });
    }
  }

  // Touch targets.
  const TAPPABLE = 'wx-page [data-tap], .frame-tabbar [data-tap], wx-button, wx-picker, wx-switch, wx-checkbox, wx-radio, wx-navigator, wx-input, wx-textarea';
  const tappable = Array.from(document.querySelectorAll(TAPPABLE));
  const big = (el) => { const r = rect(el); return r.width >= minTarget - 0.5 && r.height >= minTarget - 0.5; };
  // A tap on an element inside a large enough tappable one lands on that one (an icon in a tab item).
  const covered = (el) => tappable.some((other) => other !== el && other.contains(el) && visible(other) && big(other));
  for (const el of tappable) {
    if (!visible(el) || big(el) || covered(el)) continue;
    const r = rect(el);
    {
      const handler = el.getAttribute('data-tap');
      out.push({ check: 'touch-target', target: target(el), text: textOf(el) || (handler ? `@${handler}` : ''), detail: `${Math.round(r.width)}x${Math.round(r.height)} px` });
    }
  }

  // Contrast.
  const parse = (c) => {
    const m = /rgba?\(([^)]+)\)/.exec(c);
    if (!m) return null;
    const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
  };
  const over = (top, bottom) => {
    const a = top.a + bottom.a * (1 - top.a);
    if (a === 0) return { r: 255, g: 255, b: 255, a: 0 };
    const mix = (k) => (top[k] * top.a + bottom[k] * bottom.a * (1 - top.a)) / a;
    return { r: mix('r'), g: mix('g'), b: mix('b'), a };
  };
  const background = (el) => {
    const layers = [];
    for (let n = el; n; n = n.parentElement) {
      const cs = getComputedStyle(n);
      const c = parse(cs.backgroundColor);
      if (c && c.a > 0) layers.push(c);
      if (c && c.a >= 1) break;
    }
    let bg = { r: 255, g: 255, b: 255, a: 1 };
    for (let i = layers.length - 1; i >= 0; i -= 1) bg = over(layers[i], bg);
    return bg;
  };
  const lum = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const opacity = (el) => {
    let o = 1;
    for (let n = el; n; n = n.parentElement) o *= Number(getComputedStyle(n).opacity);
    return o;
  };
  const seen = new Set();
  const walker = document.createTreeWalker(document.querySelector('.frame'), NodeFilter.SHOW_TEXT);
  for (let t = walker.nextNode(); t; t = walker.nextNode()) {
    if (!t.data.trim()) continue;
    const el = t.parentElement;
    if (!el || seen.has(el) || !visible(el) || el.closest('.frame-status, .frame-nav')) continue;
    seen.add(el);
    const cs = getComputedStyle(el);
    const fg = parse(cs.color);
    if (!fg) continue;
    const bg = background(el);
    const text = over({ r: fg.r, g: fg.g, b: fg.b, a: fg.a * opacity(el) }, bg);
    const l1 = lum(text), l2 = lum(bg);
    const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
    if (ratio < minContrast) {
      const hex = (c) => '#' + [c.r, c.g, c.b].map((v) => Math.round(v).toString(16).padStart(2, '0')).join('');
      out.push({ check: 'contrast', target: target(el), text: t.data.trim().slice(0, 16), detail: `${ratio.toFixed(2)}:1 (${hex(text)} on ${hex(bg)})` });
    }
  }
  return out;
}
"""


def offender_key(item):
    """The line that stands for an offender in known-offenders.txt: the check and the element's place
    (classes), the same on every state of a page and whatever text the element holds."""
    return f"{item['check']} {item['target']}"


def read_known(path=KNOWN):
    if not path.exists():
        return set()
    lines = path.read_text(encoding="utf-8").splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def write_known(keys, path=KNOWN):
    header = (
        "# Offenders of the browser checks (scripts/screenshots.py) known on the pages today: printed,\n"
        "# not failing. Remove a line once its page is fixed; `scripts/screenshots --strict` ignores this list.\n"
    )
    path.write_text(header + "".join(f"{k}\n" for k in sorted(keys)), encoding="utf-8")


async def shoot(page, path):
    """The whole page as one tall phone screen: the viewport grows to the page's height first, so that
    fixed bars (the tab bar, a sign-up footer) sit at the bottom of the picture, as after scrolling
    down, instead of across the middle as in a stitched full-page capture."""
    for _ in range(3):
        height = await page.evaluate("document.documentElement.scrollHeight")
        if height <= page.viewport_size["height"]:
            break
        await page.set_viewport_size({"width": VIEWPORT["width"], "height": height})
    # Finite animations and transitions are shown at their end.
    await page.screenshot(path=str(path), animations="disabled")


async def check_and_shoot(browser, html_files, out_dir, workers=3):
    """Screenshot every HTML file into out_dir; returns {file stem: [offender]}."""
    results = {}
    queue = list(html_files)

    async def worker():
        context = await browser.new_context(viewport=VIEWPORT, device_scale_factor=2, locale="zh-CN")
        page = await context.new_page()
        while queue:
            html = queue.pop(0)
            await page.set_viewport_size(VIEWPORT)
            await page.goto(html.resolve().as_uri())
            await page.evaluate("document.fonts.ready")
            results[html.stem] = await page.evaluate(CHECKS_JS, {"minTarget": MIN_TARGET, "minContrast": MIN_CONTRAST})
            if out_dir is not None:
                await shoot(page, out_dir / f"{html.stem}.png")
        await context.close()

    await asyncio.gather(*(worker() for _ in range(min(workers, len(queue)) or 1)))
    return results


async def run(html_files, out_dir):
    from playwright.async_api import async_playwright

    if not os.path.exists(CHROMIUM):
        raise SystemExit(f"error: Chromium not found at {CHROMIUM} (scripts/test installs it: apt-get install chromium)")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            return await check_and_shoot(browser, html_files, out_dir)
        finally:
            await browser.close()


def check_files(html_files, out_dir=None):
    """run() on a thread of its own: callable where an event loop is already running (pytest with the
    console tests' synchronous Playwright), which asyncio.run() refuses."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, run(html_files, out_dir)).result()


def report(results, known, strict):
    """Print the offenders grouped by key; returns (the keys that fail the run, every key found)."""
    by_key = {}
    for shot, items in sorted(results.items()):
        for item in items:
            entry = by_key.setdefault(offender_key(item), {"shots": [], "details": [], "texts": []})
            for field, value in (("shots", shot), ("details", item["detail"]), ("texts", item["text"])):
                if value and value not in entry[field]:
                    entry[field].append(value)
    failing = [k for k in by_key if strict or k not in known]
    tolerated = [k for k in by_key if k not in failing]
    for title, keys in (("known offenders (tolerated)", tolerated), ("OFFENDERS", failing)):
        if not keys:
            continue
        print(f"\n{title}: {len(keys)}")
        for key in sorted(keys):
            entry = by_key[key]
            texts = " ".join(f"“{t}”" for t in entry["texts"][:3])
            shots = entry["shots"]
            where = ", ".join(shots[:3]) + (f" and {len(shots) - 3} more" if len(shots) > 3 else "")
            print(f"  {key} {texts}  [{entry['details'][0]}]  in {where}")
    return failing, set(by_key)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", default=str(ROOT / "build" / "miniprogram-html"), help="the rendered HTML files")
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots" / "miniprogram"), help="where the PNGs go")
    parser.add_argument("--no-shots", action="store_true", help="only check, write no PNG")
    parser.add_argument("--strict", action="store_true", help="fail on known offenders too")
    parser.add_argument("--update-known", action="store_true", help="rewrite the list of known offenders")
    args = parser.parse_args(argv)

    html_files = sorted(Path(args.html).glob("*.html"))
    if not html_files:
        raise SystemExit(f"error: no HTML in {args.html} (scripts/screenshots renders it first)")
    out_dir = None
    if not args.no_shots:
        out_dir = Path(args.out)
        out_dir.mkdir(parents=True, exist_ok=True)
        wanted = {f.stem for f in html_files}
        for old in out_dir.glob("*.png"):
            if old.stem not in wanted:
                old.unlink()
    results = check_files(html_files, out_dir)
    failing, found = report(results, read_known(), args.strict)
    if out_dir is not None:
        print(f"\n{len(html_files)} screenshots in {out_dir}")
    stale = sorted(read_known() - found)
    if stale and not args.update_known:
        print(f"\n{len(stale)} known offender(s) no longer found (fixed: remove them, or run --update-known):")
        for key in stale:
            print(f"  {key}")
    if args.update_known:
        write_known(found)
        print(f"wrote {len(found)} known offenders to {KNOWN.relative_to(ROOT)}")
        return 0
    if failing:
        print(f"\n{len(failing)} offender(s) fail the browser checks (fix the page, or see --update-known)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
