// Entry point of the dashboard bundle.

import { render } from "preact";
import { App } from "./app.tsx";
import { startClock } from "./state/clock.ts";
import { connectStream } from "./state/cluster.ts";

startClock();
connectStream();
render(<App />, document.getElementById("app")!);
