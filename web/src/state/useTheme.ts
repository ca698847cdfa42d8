import { useCallback, useEffect, useState } from "react";

type Theme = "light" | "dark";
const KEY = "hubbub-theme";
const media = () => window.matchMedia?.("(prefers-color-scheme: dark)");

function current(): Theme {
  const set = document.documentElement.dataset.theme;
  if (set === "dark" || set === "light") return set;
  return media()?.matches ? "dark" : "light";
}

/** Light/dark: the system's choice until the reader picks one (remembered). */
export function useTheme(): [Theme, () => void] {
  const [theme, setTheme] = useState<Theme>(current);
  useEffect(() => {
    const m = media();
    if (!m) return;
    const onChange = () => setTheme(current());
    m.addEventListener("change", onChange);
    return () => m.removeEventListener("change", onChange);
  }, []);
  const toggle = useCallback(() => {
    const next: Theme = current() === "dark" ? "light" : "dark";
    document.documentElement.dataset.theme = next;
    try {
      localStorage.setItem(KEY, next);
    } catch {
      /* private mode */
    }
    setTheme(next);
  }, []);
  return [theme, toggle];
}
