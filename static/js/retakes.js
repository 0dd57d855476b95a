/* Live photo self-check: on choosing a file, POST it to the self-check endpoint and show the
 * findings under the input without reloading. Texts come from data-* attributes rendered by
 * the template (translated there); findings come translated from the server. */
(function () {
  "use strict";

  function csrfToken(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function show(box, text, cls) {
    box.textContent = "";
    var p = document.createElement("p");
    p.className = cls || "";
    p.textContent = text;
    box.appendChild(p);
    return p;
  }

  function render(form, box, data) {
    var noteRow = form.querySelector("[data-note-row]");
    var submit = form.querySelector("[data-submit]");
    if (data.error) {
      show(box, data.error, "errors");
      return;
    }
    var summary = show(box, data.summary, data.ok ? "badge ok" : "errors");
    summary.setAttribute("data-ok", data.ok ? "1" : "0");
    if (!data.ok) {
      var list = document.createElement("ul");
      list.className = "errors findings";
      data.findings.forEach(function (f) {
        var li = document.createElement("li");
        li.setAttribute("data-code", f.code);
        li.textContent = f.message;
        list.appendChild(li);
      });
      box.appendChild(list);
      if (form.dataset.msgNote) {
        var hint = document.createElement("p");
        hint.textContent = form.dataset.msgNote;
        box.appendChild(hint);
      }
    }
    if (noteRow) {
      noteRow.classList.toggle("needs-note", !data.ok);
      // "仍然提交" needs the note the hint asks for (the server refuses a failing photo without one).
      var note = noteRow.querySelector("textarea, input");
      if (note) {
        note.required = !data.ok;
      }
    }
    if (submit && form.dataset.labelSubmitAnyway) {
      if (!submit.dataset.defaultLabel) {
        submit.dataset.defaultLabel = submit.textContent;
      }
      submit.textContent = data.ok ? submit.dataset.defaultLabel : form.dataset.labelSubmitAnyway;
    }
  }

  // The chosen photo beside its findings: a student sees what the check saw (a cropped
  // shoulder, a shadow) without opening the file elsewhere.
  function preview(form, file) {
    var img = form.querySelector("[data-preview]");
    if (!img) {
      return;
    }
    if (img.src && img.src.indexOf("blob:") === 0) {
      URL.revokeObjectURL(img.src);
    }
    if (!file || !/^image\/(jpeg|png)$/.test(file.type)) {
      img.hidden = true;
      img.removeAttribute("src");
      return;
    }
    img.src = URL.createObjectURL(file);
    img.hidden = false;
  }

  // An oversized file can never be sent: the button says so instead of failing on the server.
  function blockSubmit(form, blocked) {
    var submit = form.querySelector("[data-submit]") || form.querySelector("button[type=submit]");
    if (submit && !form.hasAttribute("data-self-check-only")) {
      submit.disabled = blocked;
    }
  }

  function check(form, input, box) {
    var file = input.files && input.files[0];
    preview(form, file);
    blockSubmit(form, false);
    if (!file) {
      box.textContent = "";
      return;
    }
    var limit = parseInt(form.dataset.maxBytes || "0", 10);
    if (limit && file.size > limit) {
      show(box, form.dataset.msgTooLarge, "errors");
      blockSubmit(form, true);
      return;
    }
    show(box, form.dataset.msgChecking, "muted");
    var body = new FormData();
    body.append("photo", file);
    fetch(form.dataset.selfCheck, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(form), Accept: "application/json" },
    })
      .then(function (response) {
        return response.json();
      })
      .then(function (data) {
        render(form, box, data);
      })
      .catch(function () {
        show(box, form.dataset.msgError, "errors");
      });
  }

  document.querySelectorAll("form[data-self-check]").forEach(function (form) {
    var input = form.querySelector("input[type=file][name=photo]");
    var box = form.querySelector("[data-findings]");
    if (!input || !box) {
      return;
    }
    input.addEventListener("change", function () {
      check(form, input, box);
    });
    form.addEventListener("submit", function (event) {
      // An oversized file is not sent at all: the message stays on this request's page.
      var file = input.files && input.files[0];
      var limit = parseInt(form.dataset.maxBytes || "0", 10);
      if (file && limit && file.size > limit) {
        event.preventDefault();
        show(box, form.dataset.msgTooLarge, "errors");
      }
    });
    if (form.hasAttribute("data-self-check-only")) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        check(form, input, box);
      });
    }
  });
})();
