// A virtualised log viewer: holds up to `maxLines` lines (default 200,000) but only ever puts the
// visible rows (plus a small overscan) into the DOM, so a 100,000-line log opens at once and a
// strategy printing 1,000 lines/s does not freeze the page.
//
//   import { createLogView, bindLogControls, classifyLine, isStderrLine } from "./logview.js";
//   const view = createLogView(element, { rowHeight: 20, maxLines: 200000 });
//   view.append(["[2026-11-21 09:15:00.123 IST] hello", {text: "boom", stream: "stderr"}]);
//   view.appendText("line 1\nline 2\n");       // a text blob (e.g. a tail response), split on newlines
//   const unbind = bindLogControls(view, {followButton, searchInput, nextButton, prevButton, countLabel});
//
// The view API: append(lines), appendText(text), setLines(lines), clear(), lineCount(), getLine(i),
// isStderrAt(i), kindAt(i), follow(), pause(), setFollow(bool), isFollowing(), scrollToBottom(),
// scrollToLine(i), search(query, {caseSensitive}) → match count, nextMatch(), previousMatch(), clearSearch(),
// searchState(), visibleRange(), onUpdate(fn) → off, refresh(), destroy().
//
// Lines are shown with textContent and <mark> elements built node by node: log text is never HTML.
// Appends only store the lines; they are drawn on an animation frame at most every `appendIntervalMs`
// (50 ms; 250 ms while paused). Follow mode sticks to the bottom; scrolling up pauses it, scrolling
// back to the bottom (or follow()) resumes it. Line kinds: loglines.js; toolbar wiring: logcontrols.js.

import { classifyLine } from "./loglines.js";

export { classifyLine, isStderrLine } from "./loglines.js";
export { bindLogControls } from "./logcontrols.js";

const KIND_UNKNOWN = 0;
const KIND_STDOUT = 1;
const KIND_STDERR = 2;
const KIND_HOST = 3;
const KIND_BY_NAME = { stdout: KIND_STDOUT, stderr: KIND_STDERR, host: KIND_HOST };
const ROW_CLASS = ["logview-row", "logview-row", "logview-row is-stderr", "logview-row is-host"];

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Build the log viewer inside `container` (which must have a height, e.g. via CSS). */
export function createLogView(container, options = {}) {
  const {
    rowHeight = 20,
    maxLines = 200000,
    overscan = 12,
    isStderr = null,           // (text) => bool; or, more general:
    classify = isStderr ? (text) => (isStderr(text) ? "stderr" : "stdout") : classifyLine,
    emptyText = "No output yet.",
    label = "Strategy log",
    onUpdate = null,
    // Appended lines are drawn at most this often (a log scrolling at 1,000 lines/s is not read
    // line by line; scrolling, searching and resizing always draw on the very next frame).
    appendIntervalMs = 50,
    pausedIntervalMs = 250,  // while paused only the scrollbar and the "N new" count change
  } = options;
  const slack = Math.max(1000, Math.floor(maxLines / 10)); // trim in chunks, not on every append

  // --- data ------------------------------------------------------------------------------------
  let texts = [];
  let kinds = [];            // KIND_* per line; stderr detection is done lazily for visible rows
  let following = true;
  let unseen = 0;            // lines appended while paused
  let query = "";
  let matcher = null;        // RegExp (global) for highlighting
  let tester = null;         // RegExp (no g) for testing a line
  let matches = [];          // sorted line indexes that contain the query
  let scannedUpTo = 0;       // lines [0, scannedUpTo) were searched for the current query
  let current = -1;          // index into matches
  let framePending = false;
  let forceRender = true;
  let destroyed = false;
  let lastScrollTopSet = -1;
  let lastDrawAt = 0;
  let appendTimer = null;
  const listeners = new Set(onUpdate ? [onUpdate] : []);

  // --- DOM -------------------------------------------------------------------------------------
  container.classList.add("logview");
  container.style.setProperty("--logview-row", `${rowHeight}px`);
  const scroller = document.createElement("div");
  scroller.className = "logview-scroller";
  scroller.tabIndex = 0;
  scroller.setAttribute("role", "log");
  scroller.setAttribute("aria-label", label);
  scroller.setAttribute("aria-live", "off"); // 1,000 lines/s must not flood a screen reader
  const spacer = document.createElement("div");
  spacer.className = "logview-spacer";
  const rowsBox = document.createElement("div");
  rowsBox.className = "logview-rows";
  const empty = document.createElement("div");
  empty.className = "logview-empty";
  empty.textContent = emptyText;
  spacer.appendChild(rowsBox);
  scroller.append(spacer, empty);
  container.replaceChildren(scroller);
  const rowPool = [];        // row elements in line order, reused; each remembers what it shows in `_key`
  let renderedFirst = 0;     // the line index shown by rowPool[0]

  // --- storage ---------------------------------------------------------------------------------
  function push(line) {
    if (typeof line === "string") {
      texts.push(line);
      kinds.push(KIND_UNKNOWN);
    } else if (line && typeof line === "object") {
      // {text, stderr: true|false} or {text, stream: "stdout"|"stderr"|"host"}
      texts.push(String(line.text ?? ""));
      let kind = KIND_BY_NAME[line.stream] || KIND_UNKNOWN;
      if (line.stderr === true) kind = KIND_STDERR;
      else if (line.stderr === false && !kind) kind = KIND_STDOUT;
      kinds.push(kind);
    } else {
      texts.push(String(line ?? ""));
      kinds.push(KIND_UNKNOWN);
    }
  }

  function trim() {
    if (texts.length <= maxLines + slack) return;
    const drop = texts.length - maxLines;
    texts = texts.slice(drop);
    kinds = kinds.slice(drop);
    if (query) {
      let first = 0;
      while (first < matches.length && matches[first] < drop) first += 1;
      matches = matches.slice(first).map((index) => index - drop);
      current = current >= first ? current - first : (matches.length ? 0 : -1);
      scannedUpTo = Math.max(0, scannedUpTo - drop);
    }
    forceRender = true; // every line has a new index now
    if (!following) {
      // Keep the lines the reader is looking at in place while older ones fall off the top.
      scroller.scrollTop = Math.max(0, scroller.scrollTop - drop * rowHeight);
      lastScrollTopSet = scroller.scrollTop;
    }
  }

  function kindOf(index) {
    let kind = kinds[index];
    if (kind === KIND_UNKNOWN) {
      kind = KIND_BY_NAME[classify(texts[index])] || KIND_STDOUT;
      kinds[index] = kind;
    }
    return kind;
  }

  // --- rendering -------------------------------------------------------------------------------
  function schedule(force = false) {
    if (force) forceRender = true;
    if (framePending || destroyed) return;
    framePending = true;
    window.requestAnimationFrame(frame);
  }

  // Appends draw on a frame no sooner than appendIntervalMs (pausedIntervalMs) after the last draw.
  function scheduleAppendDraw() {
    if (framePending || appendTimer !== null || destroyed) return;
    const wait = lastDrawAt + (following ? appendIntervalMs : pausedIntervalMs) - performance.now();
    if (wait <= 0) schedule();
    else appendTimer = window.setTimeout(() => { appendTimer = null; schedule(); }, wait);
  }

  function frame() {
    framePending = false;
    if (destroyed) return;
    lastDrawAt = performance.now();
    if (appendTimer !== null) { window.clearTimeout(appendTimer); appendTimer = null; }
    scanMatches();
    const total = texts.length * rowHeight;
    if (spacer._height !== total) {
      spacer.style.height = `${total}px`;
      spacer._height = total;
    }
    empty.hidden = texts.length > 0;
    if (following) stickToBottom();
    render();
    emit();
  }

  function stickToBottom() {
    const target = Math.max(0, texts.length * rowHeight - scroller.clientHeight);
    if (Math.abs(scroller.scrollTop - target) > 1) {
      scroller.scrollTop = target;
      lastScrollTopSet = scroller.scrollTop;
    }
  }

  function render() {
    const viewport = scroller.clientHeight || rowHeight * 30;
    const top = scroller.scrollTop;
    const first = Math.max(0, Math.floor(top / rowHeight) - overscan);
    const last = Math.min(texts.length, Math.ceil((top + viewport) / rowHeight) + overscan);
    const count = Math.max(0, last - first);
    // Rows that stay in the window keep their node: when the window moves by a few lines (following
    // a live log), move that many nodes from one end to the other instead of rewriting every row.
    // The DOM stays in line order, so selecting and copying text works.
    const shift = first - renderedFirst;
    if (!forceRender && shift > 0 && shift < rowPool.length) {
      const moved = rowPool.splice(0, shift);
      rowPool.push(...moved);
      rowsBox.append(...moved);
    } else if (!forceRender && shift < 0 && -shift < rowPool.length) {
      const moved = rowPool.splice(rowPool.length + shift, -shift);
      rowPool.unshift(...moved);
      rowsBox.prepend(...moved);
    }
    renderedFirst = first;
    while (rowPool.length < count) {
      const row = document.createElement("div");
      row.className = "logview-row";
      rowPool.push(row);
      rowsBox.appendChild(row);
    }
    while (rowPool.length > count) rowPool.pop().remove();
    rowsBox.style.transform = `translateY(${first * rowHeight}px)`;
    const currentLine = current >= 0 ? matches[current] : -1;
    for (let i = 0; i < count; i += 1) {
      const index = first + i;
      const row = rowPool[i];
      const text = texts[index];
      const isCurrent = index === currentLine;
      const key = `${index}\u0000${query}\u0000${isCurrent ? 1 : 0}`;
      // Keys include the index, so a trim (which renumbers lines) must force a redraw.
      if (!forceRender && row._key === key && row._text === text) continue;
      row._key = key;
      row._text = text;
      row.className = isCurrent ? `${ROW_CLASS[kindOf(index)]} is-current-match` : ROW_CLASS[kindOf(index)];
      row.dataset.line = String(index);
      if (matcher && tester.test(text)) fillHighlighted(row, text, isCurrent);
      else row.textContent = text === "" ? " " : text;
    }
    forceRender = false;
  }

  function fillHighlighted(row, text, isCurrent) {
    const fragment = document.createDocumentFragment();
    let at = 0;
    matcher.lastIndex = 0;
    for (let found = matcher.exec(text); found; found = matcher.exec(text)) {
      if (found[0] === "") { matcher.lastIndex += 1; continue; }
      if (found.index > at) fragment.appendChild(document.createTextNode(text.slice(at, found.index)));
      const mark = document.createElement("mark");
      mark.className = isCurrent ? "logview-match is-current" : "logview-match";
      mark.textContent = found[0];
      fragment.appendChild(mark);
      at = found.index + found[0].length;
    }
    if (at < text.length) fragment.appendChild(document.createTextNode(text.slice(at)));
    row.replaceChildren(fragment);
  }

  function emit() {
    if (!listeners.size) return;
    const state = {
      lines: texts.length, following, unseen, query, matchCount: matches.length,
      matchIndex: current, currentLine: current >= 0 ? matches[current] : -1,
    };
    for (const listener of listeners) listener(state);
  }

  // --- follow / pause --------------------------------------------------------------------------
  function atBottom() {
    return scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - rowHeight;
  }

  function onScroll() {
    const top = scroller.scrollTop;
    const programmatic = Math.abs(top - lastScrollTopSet) <= 1;
    lastScrollTopSet = -1;
    // Our own scrolls (follow, trim, scrollToLine) have drawn or scheduled their frame already;
    // re-drawing for them would turn a steady stream of lines into a 60 fps loop.
    if (programmatic) return;
    if (following && !atBottom()) setFollowInternal(false);
    else if (!following && atBottom()) setFollowInternal(true);
    schedule();
  }

  function onKey(event) {
    if (event.key === "End" && !event.ctrlKey && !event.metaKey) {
      event.preventDefault();
      api.follow();
    } else if (event.key === "Home" && !event.ctrlKey && !event.metaKey) {
      event.preventDefault();
      api.scrollToLine(0);
    }
  }

  function setFollowInternal(flag) {
    if (following === flag) return;
    following = flag;
    if (flag) unseen = 0;
    container.classList.toggle("is-paused", !flag);
    schedule();
  }

  // --- search ----------------------------------------------------------------------------------
  function scanMatches() {
    if (!tester) { scannedUpTo = texts.length; return; }
    for (let i = scannedUpTo; i < texts.length; i += 1) {
      if (tester.test(texts[i])) matches.push(i);
    }
    if (current < 0 && matches.length) current = following ? matches.length - 1 : 0;
    scannedUpTo = texts.length;
  }

  function showMatch() {
    if (current < 0) return;
    setFollowInternal(false);
    api.scrollToLine(matches[current], { center: true, keepFollow: true });
    schedule(true);
  }

  let resizeObserver = null;
  if (typeof ResizeObserver === "function") {
    resizeObserver = new ResizeObserver(() => schedule(true));
    resizeObserver.observe(scroller);
  }
  scroller.addEventListener("scroll", onScroll, { passive: true });
  scroller.addEventListener("keydown", onKey);

  const api = {
    element: scroller,
    /** Append lines: strings, or {text, stderr} objects. Cheap: drawing happens on the next frame. */
    append(lines) {
      const list = Array.isArray(lines) ? lines : [lines];
      for (let i = 0; i < list.length; i += 1) push(list[i]);
      if (!following) unseen += list.length;
      trim();
      scheduleAppendDraw();
    },
    /** Append a blob of text, one line per "\n" (a trailing newline adds no empty line). */
    appendText(text) {
      const value = String(text ?? "");
      if (!value) return;
      const lines = value.split(/\r?\n/);
      if (lines[lines.length - 1] === "") lines.pop();
      api.append(lines);
    },
    /** Replace everything (e.g. another run was selected). */
    setLines(lines) {
      texts = [];
      kinds = [];
      unseen = 0;
      scannedUpTo = 0;
      matches = [];
      current = -1;
      api.append(lines);
      schedule(true);
    },
    clear() { api.setLines([]); },
    lineCount: () => texts.length,
    getLine: (index) => texts[index],
    isStderrAt: (index) => (index >= 0 && index < texts.length ? kindOf(index) === KIND_STDERR : false),
    /** "stdout" | "stderr" | "host" for line `index`. */
    kindAt: (index) => (index >= 0 && index < texts.length ? ["", "stdout", "stderr", "host"][kindOf(index)] : null),
    follow() {
      setFollowInternal(true);
      stickToBottom();
      schedule(true);
    },
    pause() { setFollowInternal(false); },
    setFollow(flag) { if (flag) api.follow(); else api.pause(); },
    isFollowing: () => following,
    scrollToBottom() { api.follow(); },
    /** Scroll so line `index` (0-based) is visible; pauses follow unless it is the last line. */
    scrollToLine(index, { center = false, keepFollow = false } = {}) {
      const line = Math.max(0, Math.min(index, texts.length - 1));
      const viewport = scroller.clientHeight;
      let target = line * rowHeight;
      if (center) target -= Math.max(0, (viewport - rowHeight) / 2);
      target = Math.max(0, Math.min(target, texts.length * rowHeight - viewport));
      if (!keepFollow) setFollowInternal(false);
      spacer.style.height = `${texts.length * rowHeight}px`;
      spacer._height = texts.length * rowHeight;
      scroller.scrollTop = target;
      lastScrollTopSet = scroller.scrollTop;
      schedule(true);
    },
    /** Highlight every occurrence of `text`; returns the number of matching lines. */
    search(text, { caseSensitive = false } = {}) {
      query = String(text ?? "");
      matches = [];
      current = -1;
      scannedUpTo = 0;
      if (!query) {
        matcher = null;
        tester = null;
      } else {
        const flags = caseSensitive ? "" : "i";
        matcher = new RegExp(escapeRegExp(query), `g${flags}`);
        tester = new RegExp(escapeRegExp(query), flags);
        scanMatches();
        // Start from the match nearest to what the reader sees (the last one when following).
        if (matches.length) {
          if (following) current = matches.length - 1;
          else {
            const firstVisible = Math.floor(scroller.scrollTop / rowHeight);
            const at = matches.findIndex((index) => index >= firstVisible);
            current = at >= 0 ? at : matches.length - 1;
          }
          showMatch();
        }
      }
      schedule(true);
      return matches.length;
    },
    nextMatch() {
      scanMatches();
      if (!matches.length) return -1;
      current = (current + 1) % matches.length;
      showMatch();
      return current;
    },
    previousMatch() {
      scanMatches();
      if (!matches.length) return -1;
      current = (current - 1 + matches.length) % matches.length;
      showMatch();
      return current;
    },
    clearSearch() { api.search(""); },
    searchState: () => ({ query, matchCount: matches.length, matchIndex: current, currentLine: current >= 0 ? matches[current] : -1 }),
    /** The rows currently in the DOM: {first, last (exclusive), rows}. */
    visibleRange() {
      const first = rowPool.length ? Number(rowPool[0].dataset.line) : 0;
      return { first, last: first + rowPool.length, rows: rowPool.length };
    },
    onUpdate(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    refresh() { schedule(true); },
    destroy() {
      destroyed = true;
      window.clearTimeout(appendTimer);
      if (resizeObserver) resizeObserver.disconnect();
      scroller.removeEventListener("scroll", onScroll);
      scroller.removeEventListener("keydown", onKey);
      listeners.clear();
      container.replaceChildren();
      container.classList.remove("logview", "is-paused");
    },
  };

  schedule(true);
  return api;
}
