// Progressive enhancement only: every page works without this file.
"use strict";
document.documentElement.classList.add("js");
document.addEventListener("DOMContentLoaded", function () {
  // The tenant switcher submits as soon as another tenant is picked.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () {
      if (select.form) {
        select.form.requestSubmit();
      }
    });
  });
  // Escape closes the open account menu and returns focus to its button.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") {
      return;
    }
    document.querySelectorAll("details.user-menu[open]").forEach(function (menu) {
      menu.removeAttribute("open");
      var summary = menu.querySelector("summary");
      if (summary) {
        summary.focus();
      }
    });
  });
  // The audit explorer's live tail: new matching events are added at the top of the table.
  var tail = document.getElementById("live-tail");
  if (tail) {
    var source = null;
    var status = document.getElementById("live-status");
    var body = document.querySelector("#audit-table tbody");
    var cell = function (row, label, text, className) {
      var td = document.createElement("td");
      td.setAttribute("data-label", label);
      if (className) {
        td.className = className;
      }
      td.textContent = text;
      row.appendChild(td);
      return td;
    };
    tail.addEventListener("change", function () {
      if (!tail.checked) {
        if (source) {
          source.close();
          source = null;
        }
        status.textContent = "";
        return;
      }
      source = new EventSource(tail.getAttribute("data-stream"));
      status.textContent = "waiting for events…";
      source.addEventListener("audit", function (message) {
        var e = JSON.parse(message.data);
        var row = document.createElement("tr");
        row.className = "fresh";
        cell(row, "#", String(e.index), "nowrap");
        cell(row, "Time", e.recorded_at.replace("T", " ").slice(0, 19) + " UTC", "nowrap");
        var type = cell(row, "Event", "");
        var code = document.createElement("code");
        code.textContent = e.event_type;
        type.appendChild(code);
        var sev = cell(row, "Severity", "");
        var badge = document.createElement("span");
        badge.className = "severity severity-" + e.severity;
        badge.textContent = e.severity;
        sev.appendChild(badge);
        cell(row, "Actor", e.actor_name || e.actor_id, "break");
        cell(row, "Resource", [e.resource_type, e.resource_id].filter(Boolean).join(" "), "break");
        var out = cell(row, "Outcome", "");
        var ob = document.createElement("span");
        ob.className = "outcome outcome-" + e.outcome;
        ob.textContent = e.outcome;
        out.appendChild(ob);
        body.insertBefore(row, body.firstChild);
        var empty = document.getElementById("audit-empty");
        if (empty) {
          empty.remove();
        }
        status.textContent = "live: last event #" + e.index;
      });
      source.onerror = function () {
        status.textContent = "reconnecting…";
      };
    });
  }
});
