/* Answers to htmx requests that are neither a success nor a form with its errors (base.html's htmx-config swaps
   those): a 403, 404 or 500, or no answer at all. Nothing is swapped, so the user's input stays; this puts a
   message right above the form (or element) that asked, in the page's language (texts in #htmx-error-texts). */
(function () {
  "use strict";

  function texts() {
    var holder = document.getElementById("htmx-error-texts");
    return holder ? holder.dataset : {};
  }

  function anchorOf(elt) {
    return (elt && elt.closest && elt.closest("form")) || elt || document.querySelector("main");
  }

  function clear(anchor) {
    var previous = anchor && anchor.previousElementSibling;
    if (previous && previous.classList.contains("htmx-error")) {
      previous.remove();
    }
  }

  function show(elt, first) {
    var words = texts();
    var anchor = anchorOf(elt);
    clear(anchor);
    var box = document.createElement("div");
    box.className = "alert alert-danger alert-dismissible small htmx-error";
    box.setAttribute("role", "alert");
    var strong = document.createElement("strong");
    strong.textContent = first;
    box.appendChild(strong);
    box.appendChild(document.createTextNode(" " + (words.kept || "")));
    var close = document.createElement("button");
    close.type = "button";
    close.className = "btn-close";
    close.setAttribute("data-bs-dismiss", "alert");
    close.setAttribute("aria-label", words.close || "Close");
    box.appendChild(close);
    anchor.parentNode.insertBefore(box, anchor);
    if (box.scrollIntoView) {
      box.scrollIntoView({ block: "nearest" });
    }
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    clear(anchorOf(event.detail.elt));
  });

  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var words = texts();
    var first = (words.status || "{status}").replace("{status}", String(xhr.status));
    var ref = xhr.getResponseHeader("X-Error-Ref");
    if (ref) {
      first += " " + (words.reference || "{ref}").replace("{ref}", ref);
    }
    show(event.detail.elt, first);
  });

  document.addEventListener("htmx:sendError", function (event) {
    show(event.detail.elt, texts().offline || "");
  });
})();
