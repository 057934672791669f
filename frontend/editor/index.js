// Source of static/vendor/codemirror/editor.bundle.js (built by `npm run build:editor`).
//
// One small API over CodeMirror 6 for the strategy editor page:
//
//   import { createEditor } from "/static/vendor/codemirror/editor.bundle.js";
//   const editor = createEditor(parentElement, {
//     doc: "print('hi')\n",         // initial (saved) text
//     readOnly: false,               // read-only while the strategy runs
//     theme: "dark" | "light",       // default: document.documentElement.dataset.theme
//     followAppTheme: true,          // listen to the app's `themechange` event on document
//     onChange(text, {dirty}) {},    // after every document change
//     onDirtyChange(dirty) {},       // only when the unsaved-changes state flips
//     onSave(text) {},               // Ctrl/Cmd+S while editable (browser "save page" is prevented)
//     onReadOnlySave() {},           // Ctrl/Cmd+S while read-only (e.g. explain why nothing is saved)
//     ariaLabel: "Strategy source",
//   });
//
// The returned object: getValue(), setValue(text, {saved}), resetToSaved(), setReadOnly(bool),
// isReadOnly(), setTheme("dark"|"light"), getTheme(), markSaved(text?), isDirty(),
// showError(line, column, message), clearError(), focus(), destroy(), and `view` (the EditorView).

import { EditorState, Compartment, StateEffect, StateField, Prec, RangeSetBuilder } from "@codemirror/state";
import {
  EditorView, Decoration, WidgetType, keymap, lineNumbers, highlightActiveLineGutter, highlightSpecialChars,
  drawSelection, dropCursor, rectangularSelection, crosshairCursor, highlightActiveLine,
} from "@codemirror/view";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { searchKeymap, highlightSelectionMatches } from "@codemirror/search";
import {
  indentOnInput, bracketMatching, foldGutter, foldKeymap, syntaxHighlighting, defaultHighlightStyle, indentUnit,
} from "@codemirror/language";
import { closeBrackets, closeBracketsKeymap } from "@codemirror/autocomplete";
import { python } from "@codemirror/lang-python";
import { oneDarkHighlightStyle } from "@codemirror/theme-one-dark";

// --- themes: the editor chrome uses the app's CSS custom properties, so it always matches app.css ----
const chrome = {
  "&": { height: "100%", fontSize: "14px", backgroundColor: "var(--surface, inherit)", color: "var(--text, inherit)" },
  ".cm-scroller": { fontFamily: "var(--mono, ui-monospace, monospace)", lineHeight: "1.55" },
  ".cm-gutters": { backgroundColor: "var(--surface-2, inherit)", color: "var(--muted, inherit)", borderRight: "1px solid var(--border, #ccc)" },
  ".cm-activeLineGutter": { color: "var(--text, inherit)" },
  ".cm-panels": { backgroundColor: "var(--surface-2, inherit)", color: "var(--text, inherit)" },
  ".cm-panels.cm-panels-top": { borderBottom: "1px solid var(--border, #ccc)" },
  ".cm-panels.cm-panels-bottom": { borderTop: "1px solid var(--border, #ccc)" },
  ".cm-panel input, .cm-panel button": { font: "inherit", fontSize: "13px" },
  ".cm-tooltip": { backgroundColor: "var(--surface-2, inherit)", border: "1px solid var(--border, #ccc)" },
  ".cm-error-line": { backgroundColor: "color-mix(in srgb, var(--danger, #d33) 18%, transparent)" },
  ".cm-error-message": {
    display: "block", padding: "2px 10px", fontFamily: "var(--font, sans-serif)", fontSize: "13px",
    color: "var(--danger, #d33)", backgroundColor: "var(--danger-bg, #fde8e8)",
    borderLeft: "3px solid var(--danger, #d33)",
  },
  ".cm-error-column": { textDecoration: "underline wavy var(--danger, #d33)", textUnderlineOffset: "3px" },
};

const darkTheme = [
  EditorView.theme({
    ...chrome,
    ".cm-content": { caretColor: "#e6edf3" },
    ".cm-cursor, .cm-dropCursor": { borderLeftColor: "#e6edf3" },
    "&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-selectionBackground, .cm-content ::selection":
      { backgroundColor: "#2a4a63" },
    ".cm-activeLine": { backgroundColor: "#ffffff0a" },
    ".cm-selectionMatch": { backgroundColor: "#2dd4bf26" },
    ".cm-searchMatch": { backgroundColor: "#fbbf2440", outline: "1px solid #fbbf2480" },
    ".cm-searchMatch.cm-searchMatch-selected": { backgroundColor: "#fbbf2480" },
    "&.cm-focused .cm-matchingBracket": { backgroundColor: "#2dd4bf40", outline: "1px solid #2dd4bf" },
    "&.cm-focused .cm-nonmatchingBracket": { backgroundColor: "#f8717150" },
  }, { dark: true }),
  syntaxHighlighting(oneDarkHighlightStyle),
];

const lightTheme = [
  EditorView.theme({
    ...chrome,
    ".cm-content": { caretColor: "#15202b" },
    ".cm-cursor, .cm-dropCursor": { borderLeftColor: "#15202b" },
    "&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-selectionBackground, .cm-content ::selection":
      { backgroundColor: "#cfe3f7" },
    ".cm-activeLine": { backgroundColor: "#0f766e0d" },
    ".cm-selectionMatch": { backgroundColor: "#0f766e22" },
    ".cm-searchMatch": { backgroundColor: "#fde68a", outline: "1px solid #d9a406" },
    ".cm-searchMatch.cm-searchMatch-selected": { backgroundColor: "#fbbf24" },
    "&.cm-focused .cm-matchingBracket": { backgroundColor: "#0f766e30", outline: "1px solid #0f766e" },
    "&.cm-focused .cm-nonmatchingBracket": { backgroundColor: "#fca5a5" },
  }, { dark: false }),
  syntaxHighlighting(defaultHighlightStyle),
];

const THEMES = { dark: darkTheme, light: lightTheme };

function themeName(name) {
  return name === "light" ? "light" : "dark";
}

// --- the error marker: a highlighted line plus the message right under it ---------------------------
const setErrorEffect = StateEffect.define();
const clearErrorEffect = StateEffect.define();

class ErrorMessageWidget extends WidgetType {
  constructor(message) {
    super();
    this.message = message;
  }
  eq(other) { return other.message === this.message; }
  toDOM() {
    const element = document.createElement("div");
    element.className = "cm-error-message";
    element.setAttribute("role", "alert");
    element.textContent = this.message; // text, never HTML: messages may echo user code
    return element;
  }
  ignoreEvent() { return false; }
}

// The field keeps {from, line: lineStart, column position, message} mapped through later edits.
const errorField = StateField.define({
  create: () => null,
  update(value, transaction) {
    let next = value;
    if (next && transaction.docChanged) {
      const lineStart = transaction.changes.mapPos(next.lineStart, -1);
      const at = transaction.changes.mapPos(next.at, 1);
      next = { ...next, lineStart, at };
    }
    for (const effect of transaction.effects) {
      if (effect.is(setErrorEffect)) next = effect.value;
      else if (effect.is(clearErrorEffect)) next = null;
    }
    return next;
  },
  provide: (field) => EditorView.decorations.compute([field], (state) => {
    const error = state.field(field);
    if (!error) return Decoration.none;
    const line = state.doc.lineAt(Math.min(error.lineStart, state.doc.length));
    const builder = new RangeSetBuilder();
    builder.add(line.from, line.from, Decoration.line({ class: "cm-error-line", attributes: { "data-error-line": "true" } }));
    const at = Math.min(Math.max(error.at, line.from), line.to);
    if (error.hasColumn && at < line.to) {
      builder.add(at, at + 1, Decoration.mark({ class: "cm-error-column" }));
    }
    builder.add(line.to, line.to, Decoration.widget({ widget: new ErrorMessageWidget(error.message), block: true, side: 1 }));
    return builder.finish();
  }),
});

/**
 * Create an editor inside `parent` (an element). See the header comment for the options.
 * @returns the editor API object.
 */
export function createEditor(parent, options = {}) {
  if (!parent) throw new Error("createEditor: a parent element is required");
  const {
    doc = "",
    readOnly = false,
    theme = document.documentElement.dataset.theme,
    followAppTheme = true,
    onChange = null,
    onDirtyChange = null,
    onSave = null,
    onReadOnlySave = null,
    ariaLabel = "Python source",
    indent = "    ",
  } = options;

  const themeSlot = new Compartment();
  const readOnlySlot = new Compartment();
  let currentTheme = themeName(theme);
  let readOnlyNow = Boolean(readOnly);
  let savedDoc = EditorState.create({ doc }).doc;
  let dirty = false;
  let destroyed = false;

  const readOnlyExtension = (flag) => [
    EditorState.readOnly.of(flag),
    EditorView.contentAttributes.of({ "aria-readonly": String(flag) }),
    EditorView.editorAttributes.of({ class: flag ? "cm-is-readonly" : "cm-is-editable" }),
  ];

  const saveKeymap = Prec.highest(keymap.of([{
    key: "Mod-s",
    preventDefault: true,
    run: (view) => {
      if (readOnlyNow) {
        if (onReadOnlySave) onReadOnlySave();
      } else if (onSave) {
        onSave(view.state.doc.toString());
      }
      return true;
    },
  }]));

  const updateListener = EditorView.updateListener.of((update) => {
    if (!update.docChanged) return;
    const nowDirty = !update.state.doc.eq(savedDoc);
    const flipped = nowDirty !== dirty;
    dirty = nowDirty;
    if (onChange) onChange(update.state.doc.toString(), { dirty });
    if (flipped && onDirtyChange) onDirtyChange(dirty);
  });

  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc,
      extensions: [
        saveKeymap,
        lineNumbers(),
        highlightActiveLineGutter(),
        highlightSpecialChars(),
        history(),
        foldGutter(),
        drawSelection(),
        dropCursor(),
        EditorState.allowMultipleSelections.of(true),
        indentOnInput(),
        indentUnit.of(indent),
        EditorState.tabSize.of(4),
        bracketMatching(),
        closeBrackets(),
        rectangularSelection(),
        crosshairCursor(),
        highlightActiveLine(),
        highlightSelectionMatches(),
        keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...searchKeymap, ...historyKeymap, ...foldKeymap, indentWithTab]),
        python(),
        errorField,
        EditorView.contentAttributes.of({ "aria-label": ariaLabel, spellcheck: "false", autocapitalize: "off" }),
        readOnlySlot.of(readOnlyExtension(readOnlyNow)),
        themeSlot.of(THEMES[currentTheme]),
        updateListener,
      ],
    }),
  });
  // app.css defines its colour variables on [data-theme], so marking the parent makes the editor's
  // chrome match its syntax colours even if the editor's theme differs from the page's.
  parent.dataset.theme = currentTheme;
  parent.dataset.editorTheme = currentTheme;

  function setDirty(value) {
    if (value === dirty) return;
    dirty = value;
    if (onDirtyChange) onDirtyChange(dirty);
  }

  const api = {
    view,
    getValue: () => view.state.doc.toString(),
    /** Replace the whole text. `{saved: true}` also makes it the saved version (not dirty). */
    setValue(text, { saved = false } = {}) {
      const value = String(text ?? "");
      if (saved) savedDoc = EditorState.create({ doc: value }).doc;
      view.dispatch({
        changes: { from: 0, to: view.state.doc.length, insert: value },
        effects: clearErrorEffect.of(null),
      });
      setDirty(!view.state.doc.eq(savedDoc));
    },
    /** Back to the last saved text ("Reset to saved"); undoable with Ctrl+Z. */
    resetToSaved() { api.setValue(savedDoc.toString()); },
    getSavedValue: () => savedDoc.toString(),
    setReadOnly(flag) {
      readOnlyNow = Boolean(flag);
      view.dispatch({ effects: readOnlySlot.reconfigure(readOnlyExtension(readOnlyNow)) });
    },
    isReadOnly: () => readOnlyNow,
    setTheme(name) {
      currentTheme = themeName(name);
      parent.dataset.theme = currentTheme;
      parent.dataset.editorTheme = currentTheme;
      view.dispatch({ effects: themeSlot.reconfigure(THEMES[currentTheme]) });
    },
    getTheme: () => currentTheme,
    /** The current text (or `text`, when given: what the server stored) becomes the saved version. */
    markSaved(text) {
      savedDoc = text === undefined ? view.state.doc : EditorState.create({ doc: String(text) }).doc;
      view.dispatch({ effects: clearErrorEffect.of(null) });
      setDirty(!view.state.doc.eq(savedDoc));
    },
    isDirty: () => dirty,
    /**
     * Mark a (syntax) error: highlight `line` (1-based), underline `column` (1-based, optional),
     * show `message` under the line, move the cursor there and scroll it into view.
     * Stays (mapped through edits) until clearError(), markSaved() or setValue().
     */
    showError(line, column, message) {
      const total = view.state.doc.lines;
      const lineNumber = Math.min(Math.max(1, Number.parseInt(line, 10) || 1), total);
      const target = view.state.doc.line(lineNumber);
      const hasColumn = Number.isFinite(Number(column)) && Number(column) >= 1;
      const at = hasColumn ? Math.min(target.from + Number(column) - 1, target.to) : target.from;
      const text = message ? String(message) : `Error on line ${lineNumber}`;
      view.dispatch({
        effects: [
          setErrorEffect.of({ lineStart: target.from, at, hasColumn, message: text }),
          EditorView.scrollIntoView(at, { y: "center" }),
        ],
        selection: { anchor: at },
      });
    },
    clearError() { view.dispatch({ effects: clearErrorEffect.of(null) }); },
    /** The marked error ({line, message}) or null. */
    getError() {
      const error = view.state.field(errorField);
      if (!error) return null;
      return { line: view.state.doc.lineAt(Math.min(error.lineStart, view.state.doc.length)).number, message: error.message };
    },
    focus() { view.focus(); },
    destroy() {
      if (destroyed) return;
      destroyed = true;
      document.removeEventListener("themechange", onThemeChange);
      view.destroy();
      delete parent.dataset.theme;
      delete parent.dataset.editorTheme;
    },
  };

  function onThemeChange(event) {
    const name = (event && event.detail && event.detail.theme) || document.documentElement.dataset.theme;
    api.setTheme(name);
  }
  if (followAppTheme) document.addEventListener("themechange", onThemeChange);

  return api;
}

export const EDITOR_BUNDLE_VERSION = "1";
