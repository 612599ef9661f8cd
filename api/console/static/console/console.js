// Progressive enhancement only: every page works without this script.
// A button or radio with data-confirm asks before its form is sent.
document.addEventListener("submit", (event) => {
  const form = event.target;
  const chosen = event.submitter && event.submitter.dataset.confirm
    ? event.submitter
    : form.querySelector("input[type=radio][data-confirm]:checked");
  if (chosen && !window.confirm(chosen.dataset.confirm)) {
    event.preventDefault();
  }
});
