// Portal pages work without this file; it only shows times of day in the reader's own time zone
// (the page shows them in UTC).
document.querySelectorAll("time[data-local]").forEach((element) => {
  const at = new Date(element.getAttribute("datetime"));
  if (Number.isNaN(at.getTime())) return;
  element.textContent = at.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
  element.title = element.getAttribute("datetime");
});

// A request form's conditional fields: shown only while the field they depend on has the value
// (without this script every field shows, each saying when it applies). A hidden field's inputs
// are disabled, so what it held is not sent.
document.querySelectorAll("form.request-form").forEach((form) => {
  const conditional = form.querySelectorAll("[data-show-when]");
  if (conditional.length === 0) return;
  const container = (key) => form.querySelector(`.request-field[data-key="${CSS.escape(key)}"]`);
  const answers = (key) => {
    const inputs = form.querySelectorAll(`[name="fields[${CSS.escape(key)}]"]`);
    const values = [];
    inputs.forEach((input) => {
      if (input.type === "checkbox") {
        if (inputs.length === 1) values.push(input.checked ? "true" : "false");
        else if (input.checked) values.push(input.value);
      } else {
        values.push(input.value.trim());
      }
    });
    return values;
  };
  const update = () => {
    conditional.forEach((field) => {
      const controller = container(field.dataset.showWhen);
      const shown = controller !== null && !controller.hidden &&
        answers(field.dataset.showWhen).includes(field.dataset.showEquals);
      field.hidden = !shown;
      field.querySelectorAll("input, select, textarea").forEach((input) => { input.disabled = !shown; });
    });
  };
  form.addEventListener("change", update);
  form.addEventListener("input", update);
  update();
});
