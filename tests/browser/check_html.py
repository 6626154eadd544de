#!/usr/bin/env python3
"""tests/browser/check_html.py — renders tensim's HTML outputs in headless
Chromium and fails on what a reader's browser would show wrong.

For each page, in one Chromium for all pages:
  - console: any console.error/warn/assert, uncaught exception, or browser
    log entry of level warning or error (a blocked load, a CSP or parse
    complaint) fails the page;
  - request: any request other than the page's own file fails the page
    (the pages are self-contained: no scripts, styles, fonts or images from
    elsewhere). Requests are also stopped, never sent: the DevTools Fetch
    domain fails them and --host-resolver-rules resolves no name, so a
    broken page cannot reach the network from a test;
  - svg: the page has at least --min-svgs top-level <svg> elements (1 by
    default: every page checked is a chart page), and each has a nonzero
    rendered width and height (getBoundingClientRect) and draws something
    (at least one shape or text inside it with a nonzero box).

Why the DevTools protocol over a pipe: --dump-dom and --screenshot cannot
see the console or the requests, and a pipe (--remote-debugging-pipe:
Chromium reads commands on fd 3 and writes on fd 4, each message JSON
ended by a NUL byte) needs no WebSocket client, so this uses Python's
standard library only and no npm package.

Usage:
  check_html.py [--min-svgs N] PAGE.html... [--selftest PAGE.html]...
  PAGE.html                                check the page; exit 1 if any fails
  --selftest PAGE.html                     also break copies of PAGE in known ways
                                           (a chart emptied to width 0, a
                                           chart hidden, all charts removed,
                                           an external image, a console.error,
                                           an uncaught exception) and exit 1
                                           unless each is caught for its reason
Environment: CHROMIUM names the browser (default: chromium on PATH).
The last line is 'browser: N passed, N failed'.
"""
import json
import os
import pathlib
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time

PAGE_TIMEOUT_S = 30.0
# After the load event: time for late console messages or requests (a
# timer in a script, a lazy image) to show up before the page is judged.
SETTLE_S = 0.3

SVG_PROBE = r"""
(() => {
  const heading = (el) => {
    for (let n = el; n; n = n.previousElementSibling || n.parentElement) {
      if (/^H[1-6]$/.test(n.tagName)) return n.textContent.trim().slice(0, 60);
    }
    return '';
  };
  const shapes = 'rect,path,line,polyline,polygon,circle,ellipse,text';
  const svgs = [];
  for (const s of document.querySelectorAll('svg')) {
    if (s.parentElement && s.parentElement.closest('svg')) continue;
    const r = s.getBoundingClientRect();
    let drawn = 0;
    for (const e of s.querySelectorAll(shapes)) {
      const b = e.getBoundingClientRect();
      if (b.width > 0 || b.height > 0) drawn++;
    }
    svgs.push({id: s.id, label: s.getAttribute('aria-label') || heading(s),
               w: r.width, h: r.height, drawn: drawn});
  }
  return JSON.stringify({title: document.title, svgs: svgs});
})()
"""


class Browser:
    """One headless Chromium spoken to over --remote-debugging-pipe."""

    def __init__(self, exe):
        self.profile = tempfile.mkdtemp(prefix="tensim-chromium-")
        to_child_r, self.to_child = os.pipe()
        self.from_child, from_child_w = os.pipe()

        def on_fds_3_and_4():
            # Copies first, so that dup2 never closes a pipe end that
            # happens to be fd 3 or 4 already; dup2 also clears CLOEXEC.
            a, b = os.dup(to_child_r), os.dup(from_child_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        args = [exe, "--headless", "--no-sandbox", "--disable-gpu",
                "--remote-debugging-pipe", "--user-data-dir=" + self.profile,
                "--no-first-run", "--no-default-browser-check",
                "--disable-background-networking", "--disable-component-update",
                "--disable-extensions", "--disable-sync", "--disable-dev-shm-usage",
                "--host-resolver-rules=MAP * ~NOTFOUND",
                "--window-size=1280,1024", "about:blank"]
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                                     stdout=self.log, stderr=self.log,
                                     preexec_fn=on_fds_3_and_4, pass_fds=(3, 4))
        os.close(to_child_r)
        os.close(from_child_w)
        self.buf = b""
        self.next_id = 0
        self.events = []          # (sessionId, method, params), in order

    def close(self):
        try:
            self.send("Browser.close", timeout=5)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self.to_child)
        os.close(self.from_child)
        shutil.rmtree(self.profile, ignore_errors=True)

    def browser_log(self):
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")

    def _read_one(self, deadline):
        """The next message, or None at the deadline."""
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([self.from_child], [], [], left)
            if not ready:
                return None
            chunk = os.read(self.from_child, 1 << 16)
            if not chunk:
                raise RuntimeError("chromium closed the pipe (exit %s):\n%s"
                                   % (self.proc.poll(), self.browser_log()[-2000:]))
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def pump(self, until, deadline):
        """Reads messages, keeping events, until `until(msg)` is true for
        one (returned) or the deadline passes (None)."""
        while True:
            msg = self._read_one(deadline)
            if msg is None:
                return None
            if "method" in msg:
                self.events.append((msg.get("sessionId"), msg["method"],
                                    msg.get("params", {})))
                self.on_event(msg)
            if until(msg):
                return msg

    def on_event(self, msg):
        # Requests the page makes are paused here (Fetch.enable): only the
        # page itself goes on; every other one fails without being sent.
        if msg["method"] == "Fetch.requestPaused":
            p = msg["params"]
            sid = msg.get("sessionId")
            if p["request"]["url"] == self.page_url:
                self.post("Fetch.continueRequest", {"requestId": p["requestId"]}, sid)
            else:
                self.post("Fetch.failRequest", {"requestId": p["requestId"],
                                                "errorReason": "BlockedByClient"}, sid)

    def post(self, method, params=None, session=None):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.to_child, json.dumps(msg).encode() + b"\0")
        return self.next_id

    def send(self, method, params=None, session=None, timeout=PAGE_TIMEOUT_S):
        i = self.post(method, params, session)
        r = self.pump(lambda m: m.get("id") == i, time.monotonic() + timeout)
        if r is None:
            raise RuntimeError("%s: no answer in %.0f s" % (method, timeout))
        if "error" in r:
            raise RuntimeError("%s: %s" % (method, r["error"]))
        return r.get("result", {})

    page_url = None

    def check(self, path, min_svgs):
        """Loads one page; returns (problems, facts), each a list of strings."""
        self.page_url = pathlib.Path(path).resolve().as_uri()
        t = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        sid = self.send("Target.attachToTarget", {"targetId": t, "flatten": True})["sessionId"]
        for m in ("Runtime.enable", "Log.enable", "Network.enable", "Page.enable"):
            self.send(m, session=sid)
        self.send("Fetch.enable", {"patterns": [{"urlPattern": "*"}]}, sid)
        first = len(self.events)
        self.send("Page.navigate", {"url": self.page_url}, sid)
        loaded = self.pump(lambda m: m.get("method") == "Page.loadEventFired"
                           and m.get("sessionId") == sid,
                           time.monotonic() + PAGE_TIMEOUT_S)
        problems = []
        if loaded is None:
            problems.append("load: no load event in %.0f s" % PAGE_TIMEOUT_S)
        self.pump(lambda m: False, time.monotonic() + SETTLE_S)
        r = self.send("Runtime.evaluate", {"expression": SVG_PROBE,
                                           "returnByValue": True}, sid)
        probe = json.loads(r["result"]["value"])
        self.send("Target.closeTarget", {"targetId": t})
        events = [(m, p) for s, m, p in self.events[first:] if s == sid]
        problems += self.judge(events, probe, min_svgs)
        facts = ["%s%s %gx%g (%d shapes)" % (s["id"] or "svg", " '%s'" % s["label"]
                                             if s["label"] else "", s["w"], s["h"], s["drawn"])
                 for s in probe["svgs"]]
        return problems, facts

    def judge(self, events, probe, min_svgs):
        problems = []
        for method, p in events:
            if method == "Runtime.consoleAPICalled" and p["type"] in ("error", "warning", "assert"):
                text = " ".join(str(a.get("value", a.get("description", "")))
                                for a in p.get("args", []))
                problems.append("console: console.%s: %s" % (p["type"], text))
            elif method == "Runtime.exceptionThrown":
                d = p["exceptionDetails"]
                text = d.get("exception", {}).get("description", d.get("text", ""))
                problems.append("console: uncaught exception: %s" % text.splitlines()[0])
            elif method == "Log.entryAdded" and p["entry"]["level"] in ("error", "warning"):
                e = p["entry"]
                problems.append("console: %s %s: %s%s" % (e["source"], e["level"], e["text"],
                                                         " (%s)" % e["url"] if e.get("url") else ""))
            elif method == "Network.requestWillBeSent":
                url = p["request"]["url"]
                if url != self.page_url and not url.startswith(("data:", "about:")):
                    problems.append("request: %s" % url)
        svgs = probe["svgs"]
        if len(svgs) < min_svgs:
            problems.append("svg: %d chart(s) on the page, expected at least %d"
                            % (len(svgs), min_svgs))
        for i, s in enumerate(svgs):
            name = "svg #%d%s" % (i + 1, " '%s'" % s["label"] if s["label"] else "")
            if not (s["w"] > 0 and s["h"] > 0):
                problems.append("svg: %s renders %gx%g" % (name, s["w"], s["h"]))
            elif s["drawn"] == 0:
                problems.append("svg: %s draws nothing" % name)
        return problems


def find_chromium():
    exe = shutil.which(os.environ.get("CHROMIUM") or "chromium")
    if not exe:
        sys.exit("browser: chromium not found (scripts/install-deps.sh installs it; "
                 "or set CHROMIUM)")
    return exe


# Each breaks a copy of a real page in one way; the check must fail it for
# that reason (the prefix of a problem line).
def first_svg(html):
    m = re.search(r"<svg\b.*?</svg>", html, re.S)
    if not m:
        sys.exit("browser: --selftest: the page has no <svg> to break")
    return m


BREAKS = [
    ("chart emptied to width 0", "svg",
     lambda h: h[:first_svg(h).start()] + '<svg xmlns="http://www.w3.org/2000/svg" width="0" height="0"></svg>'
     + h[first_svg(h).end():]),
    ("chart with its shapes removed", "svg",
     lambda h: h[:first_svg(h).start()] + '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="100"></svg>'
     + h[first_svg(h).end():]),
    ("chart hidden by a style", "svg",
     lambda h: h.replace("</head>", "<style>svg{display:none}</style></head>", 1)),
    ("every chart removed", "svg",
     lambda h: re.sub(r"<svg\b.*?</svg>", "", h, flags=re.S)),
    ("external image", "request",
     lambda h: h.replace("</body>", '<img src="http://example.com/x.png" alt=""></body>', 1)),
    ("external stylesheet", "request",
     lambda h: h.replace("</head>", '<link rel="stylesheet" href="https://example.com/x.css"></head>', 1)),
    ("console.error in an inline script", "console",
     lambda h: h.replace("</body>", "<script>console.error('broken chart')</script></body>", 1)),
    ("uncaught exception", "console",
     lambda h: h.replace("</body>", "<script>null.x</script></body>", 1)),
]


def main(argv):
    min_svgs, selftest, pages = 1, [], []
    while argv:
        a = argv.pop(0)
        if a in ("--min-svgs", "--selftest") and argv:
            if a == "--min-svgs":
                min_svgs = int(argv.pop(0))
            else:
                selftest.append(argv.pop(0))
        elif a.startswith("-"):
            sys.exit(__doc__.split("Usage:")[1].split("Environment")[0])
        else:
            pages.append(a)
    if not pages and not selftest:
        sys.exit(__doc__.split("Usage:")[1].split("Environment")[0])

    cases = [(p, p, None) for p in pages]      # (label, path, expected failure or None)
    tmp = tempfile.mkdtemp(prefix="tensim-browser-selftest-") if selftest else None
    for page in selftest:
        html = pathlib.Path(page).read_text(encoding="utf-8")
        if page not in pages:
            cases.append((page, page, None))
        for what, reason, brk in BREAKS:
            broken = brk(html)
            if broken == html:
                sys.exit("browser: --selftest: '%s' changed nothing in %s" % (what, page))
            p = os.path.join(tmp, "broken-%d.html" % len(cases))
            pathlib.Path(p).write_text(broken, encoding="utf-8")
            cases.append(("%s of %s" % (what, page), p, reason))

    passed = failed = 0
    b = None
    try:
        b = Browser(find_chromium())
        for label, path, expect in cases:
            problems, facts = b.check(path, min_svgs)
            if expect is None:
                ok = not problems
                print("ok   %s: %s" % (label, "; ".join(facts)) if ok else "FAIL " + label)
            else:
                caught = [p for p in problems if p.startswith(expect + ":")]
                ok = bool(caught)
                print("%s broken page, %s: %s" % ("ok  " if ok else "FAIL", label,
                                                 "caught: " + caught[0] if ok else
                                                 "not caught as %s" % expect))
            if expect is None or not ok:
                for p in problems:
                    print("      " + p)
            passed += ok
            failed += not ok
    finally:
        if b:
            b.close()
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    print("browser: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
