// Progressive enhancement only: every console page works without this file.
document.addEventListener("submit", (event) => {
  const button = event.submitter;
  const form = event.target;
  if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
    return;
  }
  // Guard against double submits while the server answers.
  if (button instanceof HTMLButtonElement) {
    window.setTimeout(() => { button.disabled = true; }, 0);
  }
});
