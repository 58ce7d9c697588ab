// Starts GOV.UK Frontend and MOJ Frontend components. Every page works without it.
import { initAll } from "./govuk-frontend.min.js";
import { initAll as initMoj } from "./moj-frontend.min.js";

initAll();
initMoj();
