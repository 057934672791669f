// Applies the saved (or the system's) colour theme before the first paint.
// Loaded as a classic blocking script in <head>; app.js wires the toggle button.
(function () {
  var saved = null;
  try { saved = window.localStorage.getItem("openalgo-theme"); } catch (e) { /* private mode */ }
  var prefersLight = window.matchMedia && window.matchMedia("(prefers-color-scheme: light)").matches;
  document.documentElement.dataset.theme = saved === "light" || saved === "dark" ? saved : (prefersLight ? "light" : "dark");
})();
