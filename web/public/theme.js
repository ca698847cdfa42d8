// Pick the saved theme before the first paint (no flash of the wrong colours).
try {
  var t = localStorage.getItem("hubbub-theme");
  if (t === "dark" || t === "light") document.documentElement.dataset.theme = t;
} catch (_) {}
