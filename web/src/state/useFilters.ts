import { useCallback, useEffect, useState } from "react";
import { filtersToSearch, parseFilters, type Filters } from "./filters";

/** Filters held in the URL: changes push a history entry; back/forward restore them. */
export function useUrlFilters(): [Filters, (patch: Partial<Filters>) => void, () => void] {
  const [filters, setState] = useState<Filters>(() => parseFilters(window.location.search));

  useEffect(() => {
    const onPop = () => setState(parseFilters(window.location.search));
    window.addEventListener("popstate", onPop);
    return () => window.removeEventListener("popstate", onPop);
  }, []);

  const apply = useCallback((next: Filters) => {
    const search = filtersToSearch(next);
    if (search !== window.location.search) {
      window.history.pushState(null, "", `${window.location.pathname}${search}${window.location.hash}`);
    }
    setState(parseFilters(search));
  }, []);

  const setFilters = useCallback(
    (patch: Partial<Filters>) => apply({ ...parseFilters(window.location.search), ...patch }),
    [apply],
  );
  const clear = useCallback(() => apply({}), [apply]);
  return [filters, setFilters, clear];
}
