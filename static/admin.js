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

// Copy buttons ([data-copy] names the element whose text to copy); hidden without a clipboard.
document.querySelectorAll("[data-copy]").forEach((button) => {
  if (!navigator.clipboard) return;
  button.hidden = false;
  button.addEventListener("click", async () => {
    const text = document.querySelector(button.dataset.copy).textContent.trim();
    const done = button.parentElement.querySelector(".copy-status");
    try { await navigator.clipboard.writeText(text); done.textContent = "Copied"; }
    catch { done.textContent = "Copy failed: select the address instead"; }
  });
});

// Times of day in the viewer's own time zone (the page shows them in UTC without this file).
document.querySelectorAll("time[data-local]").forEach((element) => {
  const at = new Date(element.getAttribute("datetime"));
  if (Number.isNaN(at.getTime())) return;
  element.textContent = at.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
  element.title = element.getAttribute("datetime");
});

// The SSO form shows the fields of the chosen provider only (all of them without this file, or
// before a provider is chosen); a field that holds a value or an error stays in view.
const ssoForm = document.getElementById("sso-form");
if (ssoForm) {
  const showChosen = () => {
    const chosen = ssoForm.querySelector("input[name=provider]:checked");
    ssoForm.querySelectorAll("[data-for]").forEach((field) => {
      const input = field.querySelector("input");
      const filled = input && (input.type === "checkbox" ? input.checked : input.value.trim() !== "");
      const keep = !chosen || filled || (input && input.getAttribute("aria-invalid") === "true");
      field.hidden = !keep && !field.dataset.for.split(" ").includes(chosen.value);
    });
  };
  ssoForm.addEventListener("change", (event) => {
    if (event.target.name === "provider") showChosen();
  });
  showChosen();
}

// The request type builder: a field's options box shows only for the kinds that choose from
// options (without this file it always shows, and other kinds ignore it).
document.querySelectorAll("[data-field-kind]").forEach((select) => {
  const box = select.closest(".builder-field")?.querySelector("[data-options]");
  if (!box) return;
  const show = () => { box.toggleAttribute("data-unused", !["select", "multiselect"].includes(select.value)); };
  select.addEventListener("change", show);
  show();
});
