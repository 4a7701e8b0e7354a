// Whether the page is being looked at. A hidden tab gives up its long-lived
// connections (a browser allows only six per member across all its tabs),
// and takes them up again, refetching, when it is shown.

import { signal } from "@preact/signals";

/** Hidden this long before the page lets go of its connections (tab switches are often brief). */
const GRACE_MS = 5000;

export const pageActive = signal(true);

let timer: ReturnType<typeof setTimeout> | undefined;

document.addEventListener("visibilitychange", () => {
  clearTimeout(timer);
  if (document.visibilityState === "hidden") {
    timer = setTimeout(() => (pageActive.value = false), GRACE_MS);
  } else {
    pageActive.value = true;
  }
});
