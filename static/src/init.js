// Starts GOV.UK Frontend and MOJ Frontend components, and the register's own. Every page
// works without it: these only make the filter panels quicker to use.
import { initAll } from "./govuk-frontend.min.js";
import { initAll as initMoj } from "./moj-frontend.min.js";

initAll();
initMoj();

// The "Show filters" link of a list page (templates/includes/filter_toggle.html) becomes
// a button that shows and hides the filter panel in place. The panel is hidden by the
// class app-filter--closed, which only narrow screens obey.
function initFilterToggle(root) {
  const panel = document.getElementById(root.dataset.controls);
  const link = root.querySelector("a");
  if (!panel || !link) return;
  const button = document.createElement("button");
  button.type = "button";
  button.className = "govuk-button govuk-button--secondary";
  button.setAttribute("aria-controls", panel.id);
  const show = (open) => {
    panel.classList.toggle("app-filter--closed", !open);
    button.setAttribute("aria-expanded", String(open));
    button.textContent = open ? "Hide filters" : "Show filters";
  };
  show(!panel.classList.contains("app-filter--closed"));
  button.addEventListener("click", () => show(panel.classList.contains("app-filter--closed")));
  link.replaceWith(button);
}

document.querySelectorAll('[data-module="app-filter-toggle"]').forEach(initFilterToggle);
