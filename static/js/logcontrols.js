// Standard toolbar wiring for a static/js/logview.js view (follow button, search box, match stepping).

/**
 * Wire ordinary page controls to a log view. Every control is optional:
 *   followButton  toggles follow (aria-pressed; shows "N new" while paused)
 *   searchInput   searches as you type (debounced); Enter = next, Shift+Enter = previous, Esc = clear
 *   nextButton / prevButton   step through matches
 *   countLabel    "3 of 120" / "No matches"
 * Returns a function that removes the listeners.
 */
export function bindLogControls(view, { followButton, searchInput, nextButton, prevButton, countLabel, caseSensitive = false } = {}) {
  const cleanups = [];
  const on = (element, type, handler) => {
    if (!element) return;
    element.addEventListener(type, handler);
    cleanups.push(() => element.removeEventListener(type, handler));
  };
  let debounce = null;
  // Jumping to a match pauses follow; leaving the search (Escape) goes back to following when the
  // view was following as the search began, so the newest lines are in view again.
  let followedBeforeSearch = null;
  const beginSearch = () => {
    if (followedBeforeSearch === null && searchInput.value) followedBeforeSearch = view.isFollowing();
  };

  on(followButton, "click", () => (view.isFollowing() ? view.pause() : view.follow()));
  on(searchInput, "input", () => {
    beginSearch();
    window.clearTimeout(debounce);
    debounce = window.setTimeout(() => view.search(searchInput.value, { caseSensitive }), 150);
  });
  on(searchInput, "keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      window.clearTimeout(debounce);
      if (view.searchState().query !== searchInput.value) view.search(searchInput.value, { caseSensitive });
      else if (event.shiftKey) view.previousMatch();
      else view.nextMatch();
    } else if (event.key === "Escape") {
      searchInput.value = "";
      view.clearSearch();
      if (followedBeforeSearch) view.follow();
      followedBeforeSearch = null;
    }
  });
  on(nextButton, "click", () => view.nextMatch());
  on(prevButton, "click", () => view.previousMatch());

  cleanups.push(view.onUpdate((state) => {
    if (followButton) {
      followButton.setAttribute("aria-pressed", String(state.following));
      followButton.textContent = state.following ? "Following" : state.unseen ? `Follow (${state.unseen} new)` : "Follow";
    }
    if (countLabel) {
      if (!state.query) countLabel.textContent = "";
      else if (!state.matchCount) countLabel.textContent = "No matches";
      else countLabel.textContent = `${state.matchIndex + 1} of ${state.matchCount}`;
    }
    const noMatches = !state.matchCount;
    if (nextButton) nextButton.disabled = noMatches;
    if (prevButton) prevButton.disabled = noMatches;
  }));
  view.refresh();

  return () => {
    window.clearTimeout(debounce);
    cleanups.forEach((cleanup) => cleanup());
  };
}
