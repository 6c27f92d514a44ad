// Starts GOV.UK Frontend's and MoJ Frontend's components (pages work without this).
import { initAll as initGovuk } from "/static/govuk/govuk-frontend.min.js";
import { initAll as initMoj } from "/static/govuk/moj-frontend.min.js";

document.body.classList.add("govuk-frontend-supported");
initGovuk();
initMoj();

// "Print this list" buttons are hidden until this script can make them work.
for (const button of document.querySelectorAll("[data-app-print]")) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}
