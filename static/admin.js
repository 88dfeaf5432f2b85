// Progressive enhancement only: every console page works without this file.
document.documentElement.classList.add("js");
document.addEventListener("submit", (event) => {
  const button = event.submitter;
  const form = event.target;
  if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
    return;
  }
  // Guard against double submits while the server answers; submits into another window
  // or frame (View Preview) leave this page as it is, so they are not guarded.
  if (button instanceof HTMLButtonElement && !button.formTarget && !form.target) {
    window.setTimeout(() => { button.disabled = true; }, 0);
  }
});
