// Behaviour every page shares: theme toggle, phone navigation, flash dismissal, the IST clock.

const THEME_KEY = "openalgo-theme";

function setTheme(theme) {
  document.documentElement.dataset.theme = theme;
  try { window.localStorage.setItem(THEME_KEY, theme); } catch (e) { /* private mode: not persisted */ }
  document.dispatchEvent(new CustomEvent("themechange", { detail: { theme } }));
}

document.querySelectorAll("[data-theme-toggle]").forEach((button) => {
  button.addEventListener("click", () => {
    setTheme(document.documentElement.dataset.theme === "dark" ? "light" : "dark");
  });
});

const navToggle = document.querySelector("[data-nav-toggle]");
if (navToggle) {
  navToggle.addEventListener("click", () => {
    const open = navToggle.getAttribute("aria-expanded") !== "true";
    navToggle.setAttribute("aria-expanded", String(open));
    document.body.classList.toggle("nav-open", open);
  });
}

document.addEventListener("click", (event) => {
  const close = event.target.closest("[data-dismiss]");
  if (close) close.closest(".flash")?.remove();
});

const clock = document.querySelector("[data-ist-clock]");
if (clock) {
  const format = new Intl.DateTimeFormat("en-GB", {
    timeZone: "Asia/Kolkata", hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false,
  });
  const tick = () => { clock.textContent = `${format.format(new Date())} IST`; };
  tick();
  window.setInterval(tick, 1000);
}
