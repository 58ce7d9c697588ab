// Starts GOV.UK Frontend and MOJ Frontend components, and the register's own two. Every
// page works without it: these only make the filter panels quicker to use.
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

const escapeHtml = (text) =>
  text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

// A long list of checkboxes (templates/includes/field_multi_choice.html) gets GOV.UK's
// accessible autocomplete: typing finds a value, choosing it ticks its checkbox and shows
// it; only the values chosen are shown, and unticking one removes it. The checkboxes stay
// the form's fields, so the query string is the same as without JavaScript.
function initMultiChoice(root) {
  const accessibleAutocomplete = window.accessibleAutocomplete;
  const fieldset = root.querySelector("fieldset");
  const hint = root.querySelector(".govuk-hint");
  const list = root.querySelector(".app-multi-choice__options");
  if (!accessibleAutocomplete || !fieldset || !hint || !list) return;
  const noun = root.dataset.noun;
  const plural = root.dataset.plural || `${noun}s`;
  const choices = [...list.querySelectorAll(".govuk-checkboxes__item")].map((item) => {
    const input = item.querySelector("input");
    const label = item.querySelector("label");
    const name = label.textContent.trim();
    return { item, input, label, name, key: name.toLowerCase() };
  });
  if (!choices.length) return;

  // The autocomplete takes the field's id, so that an error summary's link finds it.
  const first = choices[0];
  const fieldId = first.input.id;
  first.input.id = `${fieldId}_0`;
  first.label.htmlFor = first.input.id;

  const show = (choice) => choice.item.classList.add("app-multi-choice__item--shown");
  choices.filter((choice) => choice.input.checked).forEach(show);

  const article = /^[aeiou]/i.test(noun) ? "an" : "a";
  const wrapper = document.createElement("div");
  wrapper.className = "app-multi-choice__autocomplete";
  const label = document.createElement("label");
  label.className = "govuk-label";
  label.htmlFor = fieldId;
  label.id = `${fieldId}-autocomplete-label`;
  label.textContent = `Add ${article} ${noun}`;
  const container = document.createElement("div");
  const status = document.createElement("div");
  status.className = "govuk-visually-hidden app-multi-choice__status";
  status.setAttribute("aria-live", "polite");
  const none = document.createElement("p");
  none.className = "govuk-body-s app-multi-choice__none";
  none.textContent = `No ${plural} chosen.`;
  wrapper.append(label, container, status);
  list.before(wrapper);
  list.before(none);

  const chosen = () => choices.filter((choice) => choice.input.checked);
  const update = () => {
    none.hidden = choices.some((choice) => choice.item.classList.contains("app-multi-choice__item--shown"));
  };
  hint.textContent =
    `Type part of a name and choose it from the list. Add as many ${plural} as you need; ` +
    `untick one to remove it.`;

  accessibleAutocomplete({
    element: container,
    id: fieldId,
    name: "",
    autoselect: true,
    confirmOnBlur: false,
    // A short list (regions, tiers) opens in full, like a select; the long one that
    // scrolls without JavaScript (every authority) does not.
    showAllValues: !list.classList.contains("app-multi-choice__options--scroll"),
    displayMenu: "inline",
    menuAttributes: { "aria-labelledby": label.id },
    source(query, populate) {
      const q = query.trim().toLowerCase();
      const open = choices.filter((choice) => !choice.input.checked && choice.key.includes(q));
      const starting = open.filter((choice) => choice.key.startsWith(q));
      populate([...starting, ...open.filter((choice) => !choice.key.startsWith(q))]);
    },
    templates: {
      // The input is emptied once a value is chosen, ready for the next.
      inputValue: () => "",
      suggestion: (choice) => (typeof choice === "string" ? escapeHtml(choice) : escapeHtml(choice.name)),
    },
    onConfirm(choice) {
      if (!choice || typeof choice === "string") return;
      choice.input.checked = true;
      show(choice);
      update();
      const count = chosen().length;
      status.textContent = `${choice.name} added. ${count} ${count === 1 ? noun : plural} chosen.`;
    },
  });
  root.classList.add("app-multi-choice--enhanced");
  update();
}

document.querySelectorAll('[data-module="app-filter-toggle"]').forEach(initFilterToggle);
document.querySelectorAll('[data-module="app-multi-choice"]').forEach(initMultiChoice);

// The map's table (templates/includes/map.html) is printed though it is folded on screen.
// The print stylesheet unfolds it where the browser knows ::details-content; elsewhere it
// is opened for the printout and folded again after.
if (!CSS.supports("selector(::details-content)")) {
  let opened = [];
  window.addEventListener("beforeprint", () => {
    opened = [...document.querySelectorAll("details.app-map__details:not([open])")];
    opened.forEach((details) => details.setAttribute("open", ""));
  });
  window.addEventListener("afterprint", () => {
    opened.forEach((details) => details.removeAttribute("open"));
    opened = [];
  });
}
