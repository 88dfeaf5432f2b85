// Progressive enhancement for forms with files; without this script they work as plain forms.
// - A file field marked [data-drop] also takes files dropped onto its field.
// - A form marked [data-upload] that sends files shows the upload's progress, then goes where
//   the server sends it.
"use strict";

document.querySelectorAll("input[type=file][data-drop]").forEach((input) => {
  const zone = input.closest(".field") || input.parentElement;
  zone.classList.add("drop-zone");
  const hint = document.createElement("p");
  hint.className = "drop-hint";
  hint.textContent = "You can also drop files here.";
  input.insertAdjacentElement("afterend", hint);
  const over = (event) => { event.preventDefault(); zone.classList.add("dragging"); };
  zone.addEventListener("dragenter", over);
  zone.addEventListener("dragover", over);
  zone.addEventListener("dragleave", () => zone.classList.remove("dragging"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("dragging");
    if (event.dataTransfer && event.dataTransfer.files.length) {
      input.files = event.dataTransfer.files;
      const names = Array.from(input.files, (file) => file.name).join(", ");
      hint.textContent = `Attached: ${names}`;
    }
  });
});

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !("upload" in form.dataset)) return;
  const chosen = Array.from(form.querySelectorAll("input[type=file]")).some((input) => input.files.length > 0);
  if (!chosen || event.defaultPrevented) return;
  event.preventDefault();
  let status = form.querySelector(".upload-status");
  if (!status) {
    status = document.createElement("p");
    status.className = "upload-status";
    status.setAttribute("role", "status");
    const bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    status.append(bar, document.createElement("span"));
    form.append(status);
  }
  const [bar, text] = status.children;
  const request = new XMLHttpRequest();
  request.open("POST", form.action);
  request.upload.addEventListener("progress", (progress) => {
    if (!progress.lengthComputable) return;
    const percent = Math.round((progress.loaded / progress.total) * 100);
    bar.value = percent;
    text.textContent = ` Uploading… ${percent}%`;
  });
  request.addEventListener("load", () => {
    if (request.status < 400 && request.responseURL && request.responseURL !== form.action) {
      window.location.assign(request.responseURL);
    } else {
      // A refusal comes back as a page (the form with the text kept): show it as is.
      document.open();
      document.write(request.responseText);
      document.close();
    }
  });
  request.addEventListener("error", () => {
    text.textContent = " The upload failed: check the connection and send again.";
  });
  request.send(new FormData(form, event.submitter));
});
