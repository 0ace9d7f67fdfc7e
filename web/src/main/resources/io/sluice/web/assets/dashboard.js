// Sluice dashboard: re-renders the server-rendered tables from /api/state every few seconds.
// Every value is set with textContent, never as HTML.
(function () {
  "use strict";

  var root = document.documentElement;
  var body = document.body;
  var stateUrl = body.getAttribute("data-state-url") || "/api/state";
  var every = parseInt(body.getAttribute("data-refresh-ms"), 10) || 2000;
  var refreshes = 0;
  root.setAttribute("data-script", "ready");

  // the same rules as the server's HtmlPage.cell()
  function text(value) {
    if (value === null || value === undefined || value === "") {
      return "\u2014";
    }
    if (Array.isArray(value)) {
      return value.length ? value.join(" \u2192 ") : "none";
    }
    return String(value);
  }

  function renderTable(table, rows) {
    var columns = [];
    table.querySelectorAll("thead th").forEach(function (th) {
      columns.push({ key: th.getAttribute("data-key"), cls: th.className, badge: th.hasAttribute("data-badge") });
    });
    var tbody = document.createElement("tbody");
    if (!rows.length) {
      var tr = document.createElement("tr");
      tr.className = "empty";
      var td = document.createElement("td");
      td.colSpan = columns.length;
      td.textContent = table.getAttribute("data-empty") || "";
      tr.appendChild(td);
      tbody.appendChild(tr);
    }
    rows.forEach(function (row) {
      var tr = document.createElement("tr");
      columns.forEach(function (column) {
        var td = document.createElement("td");
        var value = text(row[column.key]);
        if (column.cls) {
          td.className = column.cls;
        }
        if (column.badge) {
          td.setAttribute("data-value", value);
        }
        td.textContent = value;
        tr.appendChild(td);
      });
      tbody.appendChild(tr);
    });
    table.replaceChild(tbody, table.tBodies[0]);
  }

  function render(state) {
    document.querySelectorAll("[data-field]").forEach(function (el) {
      var value = text(state[el.getAttribute("data-field")]);
      el.textContent = value;
      if (el.hasAttribute("data-value")) {
        el.setAttribute("data-value", value);
      }
    });
    document.querySelectorAll("table[data-source]").forEach(function (table) {
      renderTable(table, state[table.getAttribute("data-source")] || []);
    });
    refreshes += 1;
    root.setAttribute("data-refreshes", String(refreshes));
  }

  function connection(live) {
    var el = document.querySelector("[data-connection]");
    if (el) {
      el.setAttribute("data-connection", live ? "live" : "lost");
      el.textContent = live ? "live" : "disconnected";
    }
  }

  function poll() {
    fetch(stateUrl, { cache: "no-store", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (state) {
        render(state);
        connection(true);
      })
      .catch(function () {
        connection(false);
      })
      .then(function () {
        window.setTimeout(poll, every);
      });
  }

  window.setTimeout(poll, every);
})();
