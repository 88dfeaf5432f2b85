// The End User Portal drawer, enhanced: colour pickers in step with their hex fields, a copy
// button, reordering in place (Move buttons and drag-and-drop) and a live preview panel.
// Without this file every one of these works through plain form posts.
(() => {
  const form = document.getElementById("drawer-form");
  if (!form) return;
  const status = document.getElementById("reorder-status");
  const announce = (text) => { status.textContent = ""; window.setTimeout(() => { status.textContent = text; }, 50); };

  // Colour pickers and hex fields follow each other.
  const fullHex = (value) => {
    const v = value.trim().toLowerCase();
    if (/^#[0-9a-f]{6}$/.test(v)) return v;
    if (/^#[0-9a-f]{3}$/.test(v)) return "#" + [...v.slice(1)].map((c) => c + c).join("");
    return null;
  };
  // Only a person's change of the picker writes to the hex field: a refused value typed there
  // stays (the server counts the picker only when it differs from what it showed).
  form.querySelectorAll("input[type=color][data-pairs]").forEach((picker) => {
    const text = document.getElementById(picker.dataset.pairs);
    picker.addEventListener("input", () => { text.value = picker.value; text.dispatchEvent(new Event("input", { bubbles: true })); });
    text.addEventListener("input", () => { const hex = fullHex(text.value); if (hex) picker.value = hex; });
  });

  // The address to share follows the slug and custom domain; it can be copied.
  const output = document.getElementById("portal-url");
  const slug = document.getElementById("slug");
  const domain = document.getElementById("custom_domain");
  const prefix = document.querySelector(".prefix");
  const suffix = document.querySelector(".prefixed .suffix");
  const copy = document.querySelector("[data-copy='#portal-url']");
  // Only a host name makes a custom address; anything else (a URL, a port) the server refuses,
  // and until it is fixed there is no address to share, only a note saying why (as the server
  // renders it). The server decides at Next; these patterns only follow the typing.
  const hostname = /^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;
  const slugPattern = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
  const updateUrl = () => {
    const custom = domain.value.trim().toLowerCase();
    const typedSlug = slug.value.trim();
    let address = null;
    let why = "";
    if (custom) {
      if (hostname.test(custom)) address = `https://${custom}/`;
      else why = "None yet: the custom domain is not a valid host name.";
    } else if (slugPattern.test(typedSlug)) {
      address = prefix.textContent + typedSlug + (suffix ? suffix.textContent : "") + "/";
    } else {
      why = "None yet: the Portal URL is not valid.";
    }
    output.textContent = address || why;
    output.classList.toggle("no-address", !address);
    if (copy) copy.disabled = !address;
  };
  slug.addEventListener("input", updateUrl);
  domain.addEventListener("input", updateUrl);

  // A headline's summary line follows what is typed into it.
  form.querySelectorAll("details.headline-edit").forEach((details) => {
    const input = details.querySelector("input");
    const shown = details.querySelector(".headline-text");
    input.addEventListener("input", () => {
      const text = input.value.trim();
      shown.textContent = text ? `“${text}”` : "No headline";
    });
  });

  // Reordering. Field names carry each row's position (`button.2.size`), so after a move every
  // row is renumbered: first to temporary names, so that two rows' radio buttons never share a
  // group for a moment (which would untick one of them).
  const renumber = (list) => {
    const kind = list.dataset.list;
    const items = [...list.children];
    const rewrite = (element, attribute, pattern, index) => {
      const value = element.getAttribute(attribute);
      if (value !== null) element.setAttribute(attribute, value.replace(pattern, (_, a, b) => `${a}${index}${b}`));
    };
    const dotted = new RegExp(`^(${kind}\\.)\\d+(\\.)`);
    const dashed = new RegExp(`(${kind}-)\\d+(-)`, "g");
    const action = new RegExp(`^((?:move\\.${kind}|remove_${kind})\\.)\\d+(\\.|$)`);
    items.forEach((item, index) => item.querySelectorAll("[name]").forEach((el) => {
      rewrite(el, "name", dotted, `tmp${index}_`);
    }));
    items.forEach((item, index) => {
      item.querySelectorAll("[name]").forEach((el) => {
        el.setAttribute("name", el.getAttribute("name").replace(new RegExp(`^(${kind}\\.)tmp${index}_(\\.)`), `$1${index}$2`));
      });
      item.querySelectorAll("[id], [for], [aria-describedby]").forEach((el) => {
        ["id", "for", "aria-describedby"].forEach((attribute) => rewrite(el, attribute, dashed, index));
      });
      item.querySelectorAll("button[value]").forEach((el) => rewrite(el, "value", action, index));
    });
  };
  const describe = (item) => {
    const items = [...item.parentElement.children];
    return `${item.dataset.label}: position ${items.indexOf(item) + 1} of ${items.length}`;
  };
  form.querySelectorAll("ol.sortable").forEach((list) => {
    list.addEventListener("click", (event) => {
      const button = event.target.closest("button.move");
      if (!button) return;
      event.preventDefault();
      const item = button.closest(".sortable-item");
      const up = button.dataset.direction === "up";
      const neighbour = up ? item.previousElementSibling : item.nextElementSibling;
      if (!neighbour) { announce(`${item.dataset.label} is already ${up ? "first" : "last"}`); return; }
      if (up) list.insertBefore(item, neighbour); else list.insertBefore(neighbour, item);
      renumber(list);
      button.focus();
      announce(`Moved ${describe(item)}`);
      form.dispatchEvent(new Event("input"));
    });

    // Drag-and-drop on the handle, with pointer events (mouse, pen and touch alike). The
    // listeners sit on the window: moving the row in the document would end a pointer capture.
    list.addEventListener("pointerdown", (event) => {
      const handle = event.target.closest(".drag-handle");
      if (!handle || event.button !== 0) return;
      event.preventDefault();
      const item = handle.closest(".sortable-item");
      item.classList.add("dragging");
      const move = (e) => {
        const siblings = [...list.children].filter((other) => other !== item);
        const before = siblings.find((other) => {
          const box = other.getBoundingClientRect();
          return e.clientY < box.top + box.height / 2;
        });
        if (before) { if (item.nextElementSibling !== before) list.insertBefore(item, before); }
        else if (list.lastElementChild !== item) list.appendChild(item);
      };
      const drop = () => {
        window.removeEventListener("pointermove", move);
        window.removeEventListener("pointerup", drop);
        window.removeEventListener("pointercancel", drop);
        item.classList.remove("dragging");
        renumber(list);
        announce(`Moved ${describe(item)}`);
        form.dispatchEvent(new Event("input"));
      };
      window.addEventListener("pointermove", move);
      window.addEventListener("pointerup", drop);
      window.addEventListener("pointercancel", drop);
    });
  });

  // Live preview: View Preview opens a panel beside the drawer, refreshed as the form changes.
  const panel = document.getElementById("live-preview");
  const previewButton = document.getElementById("view-preview");
  const layout = document.querySelector(".drawer-layout");
  let timer = null;
  const refresh = () => {
    previewButton.formTarget = "portal-preview";
    form.requestSubmit(previewButton);
    previewButton.formTarget = "_blank";
  };
  previewButton.addEventListener("click", (event) => {
    event.preventDefault();
    panel.hidden = false;
    layout.classList.add("previewing");
    refresh();
    panel.querySelector("iframe").focus();
  });
  document.getElementById("close-preview").addEventListener("click", () => {
    panel.hidden = true;
    layout.classList.remove("previewing");
    previewButton.focus();
  });
  const changed = (event) => {
    if (panel.hidden || (event.target && event.target.type === "file")) return;
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 400);
  };
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
})();
