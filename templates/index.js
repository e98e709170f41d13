// index.js makes the captures table of a pcapreport index sortable: a click
// on a column heading sorts the rows by that column, a second click reverses
// the order. Each cell carries its sort key in data-sort (numbers for
// numeric columns, else text that sorts as the value does). Without
// JavaScript the table stays readable, in path order.
(function () {
  "use strict";
  var table = document.getElementById("captures");
  if (!table || !table.tHead || !table.tBodies.length) {
    return;
  }
  var body = table.tBodies[0];
  var heads = table.tHead.rows[0].cells;
  var current = 0;
  var ascending = true;

  function key(row, col, numeric) {
    var cell = row.cells[col];
    var v = cell ? (cell.getAttribute("data-sort") || "") : "";
    if (!numeric) {
      return v;
    }
    var n = v === "" ? NaN : Number(v);
    return isNaN(n) ? null : n;
  }

  function sortBy(col) {
    ascending = col === current ? !ascending : true;
    current = col;
    var numeric = heads[col].getAttribute("data-type") === "num";
    var rows = Array.prototype.map.call(body.rows, function (row, i) {
      return { row: row, key: key(row, col, numeric), i: i };
    });
    rows.sort(function (a, b) {
      // Rows without a value (a failed capture) go last either way.
      if (a.key === null || b.key === null || a.key === "" || b.key === "") {
        var ma = a.key === null || a.key === "";
        var mb = b.key === null || b.key === "";
        if (ma !== mb) {
          return ma ? 1 : -1;
        }
        return a.i - b.i;
      }
      var c = a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
      return (ascending ? c : -c) || a.i - b.i;
    });
    rows.forEach(function (r) { body.appendChild(r.row); });
    for (var i = 0; i < heads.length; i++) {
      if (i === col) {
        heads[i].setAttribute("aria-sort", ascending ? "ascending" : "descending");
      } else {
        heads[i].removeAttribute("aria-sort");
      }
    }
  }

  Array.prototype.forEach.call(heads, function (th, col) {
    var button = document.createElement("button");
    button.type = "button";
    button.title = "Sort by this column";
    while (th.firstChild) {
      button.appendChild(th.firstChild);
    }
    th.appendChild(button);
    button.addEventListener("click", function () { sortBy(col); });
  });
  table.classList.add("sortable");
  var hint = document.getElementById("sort-hint");
  if (hint) {
    hint.hidden = false;
  }
})();
