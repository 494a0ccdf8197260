"use client";

import { useEffect, useState, type RefObject } from "react";

/**
 * Whether `element` has come within `margin` of the viewport; once true it
 * stays true (what it started loading is not dropped when it scrolls away).
 */
export function useOnScreen(element: RefObject<Element | null>, margin = "200px"): boolean {
  // Without IntersectionObserver (no browser lacks it now) everything counts as seen.
  const [seen, setSeen] = useState(() => typeof IntersectionObserver === "undefined");
  useEffect(() => {
    const target = element.current;
    if (seen || !target) return;
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((entry) => entry.isIntersecting)) setSeen(true);
      },
      { rootMargin: margin },
    );
    observer.observe(target);
    return () => observer.disconnect();
  }, [element, margin, seen]);
  return seen;
}
