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
        var idx = row.firstChild;
        idx.textContent = "";
        var link = document.createElement("a");
        link.href = "/audit/events/" + e.index;
        link.textContent = String(e.index);
        idx.appendChild(link);
        status.textContent = "live: last event #" + e.index;
      });
      source.onerror = function () {
        status.textContent = "reconnecting…";
      };
    });
  }
  // The event page: recompute the leaf hash from the envelope and fold the inclusion proof up
  // to the checkpoint's root (RFC 9162, section 2.1.3.2) with the browser's own SHA-256.
  var verify = document.getElementById("verify-proof");
  if (verify) {
    var result = document.getElementById("verify-result");
    var toHex = function (bytes) {
      return Array.prototype.map.call(bytes, function (b) {
        return ("0" + b.toString(16)).slice(-2);
      }).join("");
    };
    var fromHex = function (text) {
      var out = new Uint8Array(text.length / 2);
      for (var i = 0; i < out.length; i++) {
        out[i] = parseInt(text.substr(i * 2, 2), 16);
      }
      return out;
    };
    var hash = async function (prefix, parts) {
      var length = 1;
      parts.forEach(function (p) { length += p.length; });
      var data = new Uint8Array(length);
      data[0] = prefix;
      var at = 1;
      parts.forEach(function (p) { data.set(p, at); at += p.length; });
      return new Uint8Array(await window.crypto.subtle.digest("SHA-256", data));
    };
    verify.addEventListener("click", async function () {
      if (!window.crypto || !window.crypto.subtle) {
        result.textContent = "This browser offers no SHA-256 here (pages served over plain HTTP to another host); download the proof instead.";
        return;
      }
      var envelope = new TextEncoder().encode(verify.getAttribute("data-envelope"));
      var fn = Number(verify.getAttribute("data-index"));
      var sn = Number(verify.getAttribute("data-size")) - 1;
      var proof = verify.getAttribute("data-proof");
      var path = proof ? proof.split(",").map(fromHex) : [];
      var r = await hash(0, [envelope]);
      var leaf = toHex(r);
      for (var i = 0; i < path.length; i++) {
        if (sn === 0) {
          result.textContent = "✗ the proof is longer than the tree allows";
          result.className = "check-bad";
          return;
        }
        if (fn % 2 === 1 || fn === sn) {
          r = await hash(1, [path[i], r]);
          while (fn % 2 === 0 && fn !== 0) {
            fn = Math.floor(fn / 2);
            sn = Math.floor(sn / 2);
          }
        } else {
          r = await hash(1, [r, path[i]]);
        }
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
      var root = toHex(r);
      if (sn === 0 && root === verify.getAttribute("data-root")) {
        result.textContent = "✓ verified here: leaf " + leaf.slice(0, 16) + "… leads to root " + root.slice(0, 16) + "…";
        result.className = "check-ok";
      } else {
        result.textContent = "✗ the proof leads to " + root + ", not to the checkpoint's root";
        result.className = "check-bad";
      }
    });
  }
});
