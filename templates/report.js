// report.js makes the report easy to use. It draws the charts from the
// option objects in the chart-data script element, and gives every data
// table a filter box, sortable columns, pages of rows and CSV export; it
// prints charts as pictures and tables in full.
//
// It is our own code; echarts is the vendored library. Text from the
// capture is read with textContent and written with textContent, value or
// setAttribute, never parsed as markup, and no chart option ever holds a
// function built from capture data. Without JavaScript the page shows every
// row of every table and no controls.
(function () {
  "use strict";
  var doc = document;
  // Rows of a table shown at a time; report.css shows no more than this
  // many rows of a table until it is paged here.
  var PAGE_SIZE = 200;
  var slice = Array.prototype.slice;

  // mark leaves a performance mark, for the benchmarks and tests:
  // pcapreport:start, :tables (every table has its controls), :ready (the
  // script has run; the first charts are drawn), :charts (every chart is
  // drawn) and :done (every table is laid out too).
  function mark(name) {
    if (window.performance && performance.mark) {
      performance.mark(name);
    }
  }
  mark("pcapreport:start");

  // The sticky contents bar wraps to as many lines as the page has
  // sections and the window needs: --toc-h tells report.css its height, so
  // that a link's target lands below it, not under it.
  (function () {
    var toc = doc.querySelector("nav.toc");
    if (!toc) {
      return;
    }
    function measure() {
      doc.documentElement.style.setProperty("--toc-h", toc.offsetHeight + "px");
    }
    measure();
    window.addEventListener("resize", measure);
  })();

  // ---- small helpers -------------------------------------------------------

  // make creates an element with attributes and text; never markup.
  function make(tag, attrs, text) {
    var el = doc.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) { el.setAttribute(k, attrs[k]); });
    }
    if (text !== undefined && text !== null) {
      el.textContent = text;
    }
    return el;
  }

  function button(text, title) {
    var b = make("button", { type: "button" }, text);
    if (title) {
      b.title = title;
    }
    return b;
  }

  // exact writes a number as 1,234,567, as en-US does (to three decimals).
  // It is written out: the page's first Intl.NumberFormat loads locale
  // data, which would hold up the first chart by some 50 ms.
  function exact(v) {
    var n = Number(v);
    if (!isFinite(n)) {
      return String(n);
    }
    var a = Math.abs(n);
    var s = String(a % 1 === 0 ? a : Math.round(a * 1000) / 1000);
    if (s.indexOf("e") >= 0) {
      return n.toLocaleString("en-US"); // past 1e21: never a count
    }
    var dot = s.indexOf(".");
    var whole = dot < 0 ? s : s.slice(0, dot);
    var out = whole.replace(/\B(?=(\d{3})+$)/g, ",") + (dot < 0 ? "" : s.slice(dot));
    return (n < 0 || 1 / n < 0 ? "-" : "") + out;
  }

  var byteUnits = ["B", "KB", "MB", "GB", "TB", "PB"];
  function humanBytes(v) {
    var n = Number(v);
    var i = 0;
    while (Math.abs(n) >= 1000 && i < byteUnits.length - 1) {
      n /= 1000;
      i++;
    }
    return (i === 0 ? String(n) : n.toFixed(1)) + " " + byteUnits[i];
  }

  function plural(n, one, many) {
    return exact(n) + " " + (n === 1 ? one : many);
  }

  // ---- sort keys -----------------------------------------------------------

  var durationUnits = { ns: 1e-9, "µs": 1e-6, "μs": 1e-6, us: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
  var sizeUnits = { B: 1, KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12, PB: 1e15 };
  var reNumber = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;
  var reDuration = /^((\d+\.?\d*|\.\d+)(ns|µs|μs|us|ms|s|m|h))+$/;
  var reDurationPart = /(\d+\.?\d*|\.\d+)(ns|µs|μs|us|ms|s|m|h)/g;
  var reScaled = /^(\d+\.?\d*|\.\d+)\s*(days?|years?|B|KB|MB|GB|TB|PB)$/;

  // numberKey reads a numeric cell: a comma-grouped number, a percentage, a
  // duration as the report writes it (1m2.5s, 250ms, 3.5 days) or a size.
  // A cell without a number ("–") gives null, which sorts last.
  function numberKey(text) {
    var s = text.replace(/,/g, "").replace(/%$/, "").trim();
    if (s === "") {
      return null;
    }
    if (reNumber.test(s)) {
      return parseFloat(s);
    }
    var m;
    if (reDuration.test(s)) {
      var total = 0;
      reDurationPart.lastIndex = 0;
      while ((m = reDurationPart.exec(s)) !== null) {
        total += parseFloat(m[1]) * durationUnits[m[2]];
      }
      return total;
    }
    m = reScaled.exec(s);
    if (m) {
      var unit = m[2];
      var f = sizeUnits[unit] || (unit.charAt(0) === "d" ? 86400 : 365.25 * 86400);
      return parseFloat(m[1]) * f;
    }
    m = /^[-+]?(\d+\.?\d*|\.\d+)/.exec(s);
    return m ? parseFloat(m[0]) : null;
  }

  // The collator is made at the first sort, for the same reason.
  var collator = null;
  function compareText(a, b) {
    if (!collator && window.Intl && Intl.Collator) {
      collator = new Intl.Collator("en", { numeric: true, sensitivity: "base" });
    }
    return collator ? collator.compare(a, b) : (a < b ? -1 : a > b ? 1 : 0);
  }

  // ---- CSV -----------------------------------------------------------------

  // csvField quotes a field per RFC 4180, and defuses spreadsheet formulas:
  // a field that starts with = + - @ (or a tab or carriage return) is
  // prefixed with an apostrophe, since capture strings are hostile.
  function csvField(s) {
    if (/^[=+\-@\t\r]/.test(s)) {
      s = "'" + s;
    }
    if (/[",\r\n]/.test(s) || /^\s|\s$/.test(s)) {
      s = '"' + s.replace(/"/g, '""') + '"';
    }
    return s;
  }

  var reGrouped = /^-?\d{1,3}(,\d{3})+(\.\d+)?$/;

  // ---- data tables ---------------------------------------------------------

  // rowData reads the rows of a table kept past its HTML rows: the
  // {"total": n, "rows": [[cell, ...], ...]} of the script element
  // data-rows-for=id, where a cell is its text or [text, hover text].
  function rowData(id) {
    var els = doc.querySelectorAll("script[data-rows-for]");
    for (var i = 0; i < els.length; i++) {
      if (els[i].getAttribute("data-rows-for") === id) {
        try {
          var d = JSON.parse(els[i].textContent);
          return d && Array.isArray(d.rows) ? d : null;
        } catch (e) {
          return null;
        }
      }
    }
    return null;
  }

  var tables = [];
  var highlighted = null;
  var printing = false;
  var captureName = (doc.body.getAttribute("data-capture") || "capture")
    .replace(/\.(pcapng|pcap|cap)(\.(gz|zst|xz|bz2))?$/i, "");

  function fileName(caption) {
    var s = (captureName + "-" + caption).replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^[._-]+|_+$/g, "");
    return (s.slice(0, 100) || "table") + ".csv";
  }

  function Table(table, index) {
    var self = this;
    this.table = table;
    this.body = table.tBodies[0];
    this.caption = table.caption ? table.caption.textContent.trim() : "Table " + (index + 1);
    this.columns = slice.call(table.tHead.rows[0].cells).map(function (th) {
      return { th: th, name: th.textContent.trim(), numeric: th.classList.contains("num") };
    });
    this.items = slice.call(this.body.rows).map(function (tr, i) {
      return { tr: tr, i: i, keys: [], text: null, cells: null, titles: null };
    });
    // The rows past the first (--top) are the page's row data (load),
    // read at the first search, sort, page turn or export, and each made
    // into a table row only when it is shown. Until read they count as
    // pending.
    this.htmlRows = this.items.length;
    this.pageSize = PAGE_SIZE;
    this.dataTotal = 0;
    this.dataId = table.getAttribute("data-rows");
    this.pending = 0;
    if (this.dataId) {
      this.pending = Math.max(0, Number(table.getAttribute("data-kept")) - this.htmlRows) || 0;
      // Pages as long as the rows shown before: the table looks as it
      // did, with every kept row a page, a sort or a search away.
      this.pageSize = Math.max(10, this.htmlRows);
    }
    this.order = this.items; // all rows, in the current sort order
    this.view = this.items; // the rows that pass the filter, in order
    this.page = 0;
    this.sortCol = -1;
    this.dir = 0;
    this.query = "";
    var id = "t" + index;
    table.setAttribute("data-table", id);
    table.classList.add("enhanced");
    if (this.items.length + this.pending <= 30) {
      table.classList.add("short"); // printed on one page when it fits
    }

    // The tools above the table: its title, a filter box, the row count and
    // the CSV buttons.
    var tools = make("div", { "class": "table-tools" });
    tools.appendChild(make("span", { "class": "table-title", "aria-hidden": "true" }, this.caption));
    var filterBox = make("span", { "class": "filter" });
    this.filter = make("input", {
      type: "search", placeholder: "Filter rows", "aria-label": "Filter the rows of: " + this.caption,
      autocomplete: "off", spellcheck: "false", id: id + "-filter"
    });
    filterBox.appendChild(this.filter);
    tools.appendChild(filterBox);
    this.count = make("span", { "class": "count", role: "status", "aria-live": "polite" });
    tools.appendChild(this.count);
    var copy = button("Copy as CSV", "Copy the rows that pass the filter, in the shown order, as CSV");
    var save = button("Download CSV", "Save the rows that pass the filter, in the shown order, as a CSV file");
    copy.className = "copy-csv";
    save.className = "download-csv";
    var actions = make("span", { "class": "actions" });
    actions.appendChild(copy);
    actions.appendChild(save);
    tools.appendChild(actions);
    this.tools = tools;
    var wrap = table.parentNode;
    this.wrap = wrap;
    wrap.parentNode.insertBefore(tools, wrap);

    // The pager under the table.
    var pager = make("div", { "class": "pager", role: "group", "aria-label": "Pages of: " + this.caption });
    this.first = button("« First");
    this.prev = button("‹ Previous");
    this.pageInfo = make("span", { "class": "page-info" });
    this.next = button("Next ›");
    this.last = button("Last »");
    [this.first, this.prev, this.pageInfo, this.next, this.last].forEach(function (el) { pager.appendChild(el); });
    this.pager = pager;
    wrap.parentNode.insertBefore(pager, wrap.nextSibling);

    // Sortable headings: the heading's content moves into a button, so that
    // it is reached with Tab and sorts with Enter or Space.
    this.columns.forEach(function (c, col) {
      var b = button(null, "Sort by " + c.name);
      b.className = "sort";
      while (c.th.firstChild) {
        b.appendChild(c.th.firstChild);
      }
      c.th.appendChild(b);
      b.addEventListener("click", function () { self.sortBy(col); });
    });

    var timer = 0;
    this.filter.addEventListener("input", function () {
      clearTimeout(timer);
      // Big tables are filtered when typing pauses.
      if (self.items.length + self.pending > 5000) {
        timer = setTimeout(function () { self.setQuery(self.filter.value); }, 200);
      } else {
        self.setQuery(self.filter.value);
      }
    });
    this.filter.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && self.filter.value) {
        self.filter.value = "";
        self.setQuery("");
      }
    });
    copy.addEventListener("click", function () { self.copyCSV(copy); });
    save.addEventListener("click", function () { self.downloadCSV(); });
    this.first.addEventListener("click", function () { self.goTo(0); });
    this.prev.addEventListener("click", function () { self.goTo(self.page - 1); });
    this.next.addEventListener("click", function () { self.goTo(self.page + 1); });
    this.last.addEventListener("click", function () { self.goTo(Infinity); });

    this.render();
    // Out of sight the table is not laid out (report.css): until it is, it
    // counts as high as its shown rows would be, so that the page's length
    // and the places of the sections below change little when it is.
    wrap.style.containIntrinsicSize = "auto " + (34 + 29 * Math.max(1, this.body.rows.length)) + "px";
    table.setAttribute("data-rendered", "true");
  }

  // load reads the table's row data into its rows, once.
  Table.prototype.load = function () {
    if (!this.dataId || this.loaded || doc.readyState === "loading") {
      return;
    }
    this.loaded = true;
    this.pending = 0;
    var data = rowData(this.dataId);
    if (!data) {
      return;
    }
    var items = this.items;
    var above = [];
    this.dataTotal = data.total;
    data.rows.forEach(function (row) {
      var cells = [];
      var titles = [];
      row.forEach(function (c, k) {
        if (Array.isArray(c)) {
          var text = String(c[0]).trim();
          cells.push(text);
          titles.push(c[1] === 1 ? above[k] : c[1] === 0 ? humanBytes(numberKey(text)) : String(c[1]));
        } else {
          cells.push(String(c).trim());
          titles.push("");
        }
        if (titles[k]) {
          above[k] = titles[k];
        }
      });
      items.push({ tr: null, i: items.length, keys: [], text: null, cells: cells, titles: titles });
    });
    if (this.order !== items) {
      this.order = items.slice();
    }
    this.view = this.order;
    if (data.total > data.rows.length) {
      this.wrap.parentNode.insertBefore(make("p", { "class": "note rows-cut" },
        "This page holds " + plural(items.length, "row", "rows") + " of this table's " +
        exact(this.htmlRows + data.total) + ": the page's row data stops at its size bound. The JSON output lists them all."),
        this.pager.nextSibling);
    }
  };

  // count is how many rows pass the filter, those not read yet included.
  Table.prototype.viewCount = function () {
    return this.view.length + this.pending;
  };

  Table.prototype.pages = function () {
    return Math.max(1, Math.ceil(this.viewCount() / this.pageSize));
  };

  // rowEl is the table row of item it, made from its cells the first
  // time a row of the page's data is shown (text only, never markup).
  Table.prototype.rowEl = function (it) {
    if (!it.tr) {
      var tr = make("tr");
      var columns = this.columns;
      it.cells.forEach(function (text, k) {
        var td = make("td", columns[k] && columns[k].numeric ? { "class": "num" } : null, text);
        if (it.titles[k]) {
          td.setAttribute("title", it.titles[k]);
        }
        tr.appendChild(td);
      });
      it.tr = tr;
    }
    return it.tr;
  };

  // render puts the current page of rows (every row, when printing) in the
  // table body, and updates the count and the pager.
  Table.prototype.render = function () {
    // On paper, a table with row data prints the rows it showed before
    // the script ran (its top), as the page did before row data; every
    // other table prints all its rows.
    var self = this;
    var size = this.pageSize;
    var rows = printing ? (this.dataTotal ? this.order.slice(0, this.htmlRows) : this.order) :
      this.view.slice(this.page * size, (this.page + 1) * size);
    var body = this.body;
    var same = rows.length === body.rows.length && rows.every(function (it, i) { return body.rows[i] === it.tr; });
    if (!same) {
      var frag = doc.createDocumentFragment();
      rows.forEach(function (it) { frag.appendChild(self.rowEl(it)); });
      if (rows.length === 0) {
        var tr = make("tr");
        tr.appendChild(make("td", { colspan: String(this.columns.length), "class": "empty" }, "No rows match the filter."));
        frag.appendChild(tr);
      }
      body.textContent = "";
      body.appendChild(frag);
    }
    if (pivots.ready) {
      rows.forEach(function (it) {
        if (!it.linked) {
          it.linked = true;
          pivots.decorate(self, self.rowEl(it));
        }
      });
    }
    var total = this.items.length + this.pending;
    this.count.textContent = this.query ?
      exact(this.view.length) + " of " + plural(total, "row", "rows") + " match" :
      plural(total, "row", "rows");
    var pages = this.pages();
    this.pager.hidden = pages <= 1;
    this.table.setAttribute("data-pages", String(pages));
    if (pages > 1) {
      var from = this.page * size + 1;
      var to = Math.min(this.viewCount(), from + size - 1);
      this.pageInfo.textContent = "Page " + exact(this.page + 1) + " of " + exact(pages) +
        " (rows " + exact(from) + "–" + exact(to) + ")";
      this.first.disabled = this.prev.disabled = this.page === 0;
      this.next.disabled = this.last.disabled = this.page >= pages - 1;
    }
  };

  Table.prototype.goTo = function (page) {
    this.load();
    this.page = Math.max(0, Math.min(page, this.pages() - 1));
    this.render();
    // After paging from the bottom of a long page, show the page's top.
    var top = this.tools.getBoundingClientRect().top;
    if (top < 0) {
      this.tools.scrollIntoView();
    }
  };

  Table.prototype.cellTexts = function (it) {
    if (!it.cells) {
      it.cells = slice.call(it.tr.cells).map(function (td) { return td.textContent.trim(); });
    }
    return it.cells;
  };

  // The text a filter searches: the cells, one per line so that a match
  // never spans two, and their hover text (which holds what a shortened
  // cell leaves out).
  Table.prototype.searchText = function (it) {
    if (it.text === null) {
      var s = this.cellTexts(it).join("\n");
      var i;
      if (it.titles) {
        for (i = 0; i < it.titles.length; i++) {
          if (it.titles[i]) {
            s += "\n" + it.titles[i];
          }
        }
      } else {
        var titled = it.tr.querySelectorAll("[title]");
        for (i = 0; i < titled.length; i++) {
          s += "\n" + titled[i].getAttribute("title");
        }
      }
      it.text = s.toLowerCase();
    }
    return it.text;
  };

  Table.prototype.setQuery = function (q) {
    this.load();
    q = q.trim().toLowerCase();
    this.query = q;
    var self = this;
    this.view = q ? this.order.filter(function (it) { return self.searchText(it).indexOf(q) >= 0; }) : this.order;
    this.page = 0;
    this.render();
  };

  // sortBy sorts by column col: numbers largest first, text A to Z; again
  // on the same column reverses. Rows without a value go last; ties keep
  // the report's order.
  Table.prototype.sortBy = function (col) {
    this.load();
    var c = this.columns[col];
    if (this.sortCol === col) {
      this.dir = -this.dir;
    } else {
      this.sortCol = col;
      this.dir = c.numeric ? -1 : 1;
    }
    var self = this;
    this.items.forEach(function (it) {
      if (it.keys[col] === undefined) {
        var text = self.cellTexts(it)[col] || "";
        it.keys[col] = c.numeric ? numberKey(text) : (text === "" ? null : text);
      }
    });
    var dir = this.dir;
    this.order = this.items.slice().sort(function (a, b) {
      var ka = a.keys[col];
      var kb = b.keys[col];
      if (ka === null || kb === null) {
        if (ka !== kb) {
          return ka === null ? 1 : -1;
        }
        return a.i - b.i;
      }
      var d = c.numeric ? (ka < kb ? -1 : ka > kb ? 1 : 0) : compareText(ka, kb);
      return d * dir || a.i - b.i;
    });
    this.columns.forEach(function (other, i) {
      if (i === col) {
        other.th.setAttribute("aria-sort", dir > 0 ? "ascending" : "descending");
      } else {
        other.th.removeAttribute("aria-sort");
      }
    });
    this.setQuery(this.filter.value);
  };

  // csv is the rows that pass the filter, in the shown order, as CSV.
  // Numbers lose their grouping commas, so that spreadsheets read them as
  // numbers in any locale.
  Table.prototype.csv = function () {
    this.load();
    var self = this;
    var lines = [this.columns.map(function (c) { return csvField(c.name); }).join(",")];
    this.view.forEach(function (it) {
      var cells = self.cellTexts(it);
      lines.push(self.columns.map(function (c, i) {
        var s = cells[i] || "";
        if (c.numeric && reGrouped.test(s)) {
          s = s.replace(/,/g, "");
        }
        return csvField(s);
      }).join(","));
    });
    return lines.join("\r\n") + "\r\n";
  };

  Table.prototype.rowsWord = function () {
    return plural(this.view.length, "row", "rows");
  };

  Table.prototype.say = function (text) {
    var self = this;
    this.count.textContent = text;
    clearTimeout(this.sayTimer);
    this.sayTimer = setTimeout(function () { self.render(); }, 4000);
  };

  Table.prototype.copyCSV = function (from) {
    var self = this;
    var text = this.csv();
    var n = this.rowsWord();
    function fallback() {
      // Without the asynchronous clipboard (older browsers, or no
      // permission), copy from a selected text area; if even that fails,
      // leave the text selected for the reader to copy.
      var old = self.tools.querySelector("textarea.csv-fallback");
      if (old) {
        old.parentNode.removeChild(old);
      }
      var ta = make("textarea", { "class": "csv-fallback", readonly: "", "aria-label": "CSV of: " + self.caption, rows: "6" });
      ta.value = text;
      self.tools.appendChild(ta);
      ta.focus();
      ta.select();
      // A text area turns CRLF line ends into LF; the copy event puts the
      // CSV on the clipboard as it is.
      function exactly(e) {
        if (e.clipboardData) {
          e.clipboardData.setData("text/plain", text);
          e.preventDefault();
        }
      }
      doc.addEventListener("copy", exactly);
      var ok = false;
      try {
        ok = doc.execCommand("copy");
      } catch (e) {
        ok = false;
      }
      doc.removeEventListener("copy", exactly);
      if (ok) {
        ta.parentNode.removeChild(ta);
        from.focus();
        self.say("Copied " + n + " as CSV");
      } else {
        self.say("Press Ctrl+C (⌘C) to copy the selected CSV");
      }
    }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(function () {
        self.say("Copied " + n + " as CSV");
      }, fallback);
    } else {
      fallback();
    }
  };

  Table.prototype.downloadCSV = function () {
    var blob = new Blob([this.csv()], { type: "text/csv;charset=utf-8" });
    var url = URL.createObjectURL(blob);
    var name = fileName(this.caption);
    var a = make("a", { href: url, download: name, hidden: "" });
    doc.body.appendChild(a);
    a.click();
    doc.body.removeChild(a);
    setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
    this.say("Saved " + this.rowsWord() + " as " + name);
  };

  // reveal shows row it: it clears a filter that hides it, turns to its
  // page, scrolls it into view and highlights it.
  Table.prototype.reveal = function (it) {
    var details = this.table.closest("details");
    if (details) {
      details.open = true;
    }
    if (this.view.indexOf(it) < 0) {
      this.filter.value = "";
      this.setQuery("");
    }
    var at = this.view.indexOf(it);
    this.page = Math.floor(at / this.pageSize);
    this.render();
    if (highlighted) {
      highlighted.classList.remove("hl");
    }
    highlighted = this.rowEl(it);
    highlighted.classList.add("hl");
    highlighted.scrollIntoView({ block: "center" });
  };

  // ---- captures: in an overview, a row's capture numbers link to reports --

  // The Captures column of an overview's tables holds capture numbers
  // ("1, 4 and 3 more"); the captures table (section overview-captures)
  // links each number's capture to its report. Each number becomes a link
  // to that report, titled with the capture's path. The map is read from
  // the captures table before any table is paged.
  var captureLinks = {
    map: null,
    build: function () {
      if (captureLinks.map) {
        return captureLinks.map;
      }
      captureLinks.map = {};
      var sec = doc.getElementById("overview-captures");
      if (sec) {
        slice.call(sec.querySelectorAll("tbody tr")).forEach(function (tr) {
          var a = tr.cells.length > 1 ? tr.cells[1].querySelector("a") : null;
          if (a) {
            captureLinks.map[tr.cells[0].textContent.trim()] = { href: a.getAttribute("href"), title: a.textContent };
          }
        });
      }
      return captureLinks.map;
    },
    decorate: function (td) {
      var m = /^([0-9]+(?:, [0-9]+)*)( and [0-9,]+ more)?$/.exec(td.textContent.trim());
      if (!m) {
        return;
      }
      var map = captureLinks.build();
      td.textContent = "";
      m[1].split(", ").forEach(function (n, i) {
        if (i) {
          td.appendChild(doc.createTextNode(", "));
        }
        var c = map[n];
        td.appendChild(c ? make("a", { href: c.href, "class": "capture-link", title: c.title }, n) : doc.createTextNode(n));
      });
      if (m[2]) {
        td.appendChild(doc.createTextNode(m[2]));
      }
    }
  };

  // ---- pivots: from an address or a name to its top-talkers row, and back --

  // Every address in a table, and every name the top talkers list for an
  // address, links to that address's row in the top source IPs (or, when
  // it sent nothing, the top destination IPs). After a pivot, the talkers
  // table offers a link back to the row the reader came from. Cells are
  // linked when their rows are first shown, so a table of 100,000 rows
  // costs nothing until it is paged.
  var reIP = /^([0-9]{1,3}(\.[0-9]{1,3}){3}|[0-9a-f]*:[0-9a-f:.]*)(\s|$)/i;
  var pivots = {
    ready: false, // every table is made: the talkers can be indexed
    index: null, // address → {t: talkers table, it: its row}
    names: null, // name → address
    from: null, // {t, it} the reader pivoted from
    talkerList: null,
    talkers: function () {
      if (pivots.talkerList) {
        return pivots.talkerList;
      }
      return (pivots.talkerList = tables.filter(function (t) {
        var sec = t.table.closest("section");
        return sec && (sec.id === "sources" || sec.id === "destinations");
      }));
    },
    build: function () {
      if (pivots.index) {
        return;
      }
      pivots.index = {};
      pivots.names = {};
      pivots.talkers().forEach(function (t) {
        t.load();
        var ipCol = -1;
        var nameCol = -1;
        t.columns.forEach(function (c, k) {
          if (c.name === "IP address") { ipCol = k; }
          if (c.name.indexOf("Names") === 0) { nameCol = k; }
        });
        if (ipCol < 0) {
          return;
        }
        t.items.forEach(function (it) {
          var cells = t.cellTexts(it);
          var ip = cells[ipCol];
          if (!ip || pivots.index[ip]) {
            return;
          }
          pivots.index[ip] = { t: t, it: it };
          if (nameCol >= 0) {
            var all = it.titles ? it.titles[nameCol] : (it.tr.cells[nameCol] && it.tr.cells[nameCol].getAttribute("title"));
            (all || cells[nameCol] || "").split(", ").forEach(function (n) {
              n = n.trim();
              if (n && !pivots.names[n]) {
                pivots.names[n] = ip;
              }
            });
          }
        });
      });
    },
    // target is the address a cell's text pivots to, or "".
    target: function (text) {
      var m = reIP.exec(text);
      if (m && pivots.index[m[1]]) {
        return m[1];
      }
      var ip = pivots.names[text];
      return ip && pivots.index[ip] ? ip : "";
    },
    decorate: function (t, tr) {
      pivots.build();
      var talker = pivots.talkers().indexOf(t) >= 0;
      for (var k = 0; k < tr.cells.length; k++) {
        var td = tr.cells[k];
        var col = t.columns[k];
        if (!col || col.numeric || td.children.length) {
          continue;
        }
        if (col.name === "Captures") {
          captureLinks.decorate(td);
          continue;
        }
        var text = td.textContent.trim();
        var ip = pivots.target(text);
        // In the talkers tables, their own address column is where a
        // pivot lands: it links back, once there is somewhere to go back to.
        if (!ip || (talker && col.name === "IP address")) {
          continue;
        }
        var a = make("a", { href: "#" + pivots.index[ip].t.table.closest("section").id, "class": "pivot", "data-ip": ip,
          title: "Show " + ip + " in " + pivots.index[ip].t.caption }, td.textContent);
        td.textContent = "";
        td.appendChild(a);
      }
    },
    go: function (ip, fromTable, fromItem) {
      var to = pivots.index[ip];
      if (!to) {
        return false;
      }
      pivots.from = fromTable && fromItem ? { t: fromTable, it: fromItem } : null;
      to.t.reveal(to.it);
      pivots.back(to.t);
      return true;
    },
    // back shows, above the talkers table t, a link to the row the
    // reader came from.
    back: function (t) {
      var old = doc.querySelector("a.pivot-back");
      if (old) {
        old.parentNode.removeChild(old);
      }
      var from = pivots.from;
      if (!from) {
        return;
      }
      var a = make("a", { href: "#", "class": "pivot-back" }, "↩ Back to " + from.t.caption);
      a.addEventListener("click", function (e) {
        e.preventDefault();
        a.parentNode.removeChild(a);
        from.t.reveal(from.it);
      });
      t.tools.appendChild(a);
    }
  };

  doc.addEventListener("click", function (e) {
    var a = e.target.closest ? e.target.closest("a.pivot") : null;
    if (!a || e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey) {
      return;
    }
    var tr = a.closest("tr");
    var from = null;
    var fromItem = null;
    tables.forEach(function (t) {
      if (!from && t.table.contains(tr)) {
        from = t;
        fromItem = t.items.filter(function (it) { return it.tr === tr; })[0] || null;
      }
    });
    if (pivots.go(a.getAttribute("data-ip"), from, fromItem)) {
      e.preventDefault();
    }
  });

  // enhanceTables gives every data table its controls, once. It runs after
  // the charts are drawn (until then report.css shows each table's first
  // rows without controls), or at once when something needs the tables
  // sooner: a click on a chart, printing.
  var enhanced = false;
  function enhanceTables() {
    if (enhanced) {
      return;
    }
    enhanced = true;
    captureLinks.build();
    slice.call(doc.querySelectorAll("table.data")).forEach(function (t, i) {
      if (!t.tHead || !t.tBodies.length || !t.tHead.rows.length) {
        return;
      }
      // A table that only says "None in this capture." gets no controls.
      if (t.tBodies[0].rows.length === 1 && t.tBodies[0].querySelector("td.empty")) {
        return;
      }
      tables.push(new Table(t, i));
    });
    pivots.ready = true;
    tables.forEach(function (t) { t.render(); });
    mark("pcapreport:tables");
  }

  // ---- from a chart to its row -----------------------------------------------

  // matchScore says how well a row's cells match a chart's category label:
  // 3 a cell is the label (or starts with a label cut short with "…"),
  // 2 the label's addresses (before " (name)", either side of " ↔ ") are
  // cells in order, or a cell is the label followed by more (a time and
  // its zone), 1 the label's words (tcp/80 http) are consecutive cells.
  function matchScore(cells, label) {
    var L = label.trim();
    var cut = false;
    if (L.slice(-1) === "…") {
      L = L.slice(0, -1);
      cut = true;
    }
    if (!L) {
      return 0;
    }
    var i;
    for (i = 0; i < cells.length; i++) {
      if (cells[i] === L || (cut && cells[i].indexOf(L) === 0)) {
        return 3;
      }
    }
    var keys = L.split(" ↔ ").map(function (p) {
      var k = p.indexOf(" (");
      return k > 0 ? p.slice(0, k) : p;
    });
    var j = 0;
    var all = keys.every(function (key) {
      for (; j < cells.length; j++) {
        if (cells[j] === key || cells[j].indexOf(key + " (") === 0) {
          j++;
          return true;
        }
      }
      return false;
    });
    if (all) {
      return 2;
    }
    for (i = 0; i < cells.length; i++) {
      if (cells[i].indexOf(L + " ") === 0) {
        return 2;
      }
    }
    var words = L.toLowerCase().split(/[\s\/]+/).filter(Boolean);
    var lower = cells.map(function (c) { return c.toLowerCase(); });
    for (i = 0; i + words.length <= lower.length; i++) {
      var ok = true;
      for (var w = 0; w < words.length && ok; w++) {
        ok = lower[i + w] === words[w];
      }
      if (ok) {
        return 1;
      }
    }
    return 0;
  }

  // highlightRow finds the row for a chart's category label in the tables
  // of the chart's section and shows it.
  function highlightRow(chartEl, label) {
    var section = chartEl.closest("section");
    if (!section || !label) {
      return false;
    }
    enhanceTables();
    var best = null;
    var bestScore = 0;
    tables.forEach(function (t) {
      if (!section.contains(t.table) || bestScore === 3) {
        return;
      }
      for (var k = 0; k < t.items.length; k++) {
        var s = matchScore(t.cellTexts(t.items[k]), label);
        if (s > bestScore) {
          best = { t: t, it: t.items[k] };
          bestScore = s;
          if (s === 3) {
            break;
          }
        }
      }
    });
    if (best) {
      best.t.reveal(best.it);
    }
    return !!best;
  }

  function pad(n, w) {
    var s = String(n);
    while (s.length < w) {
      s = "0" + s;
    }
    return s;
  }

  // timeLabel writes a time-axis value (milliseconds, already shifted into
  // the report's zone) as the tables write times.
  function timeLabel(ms) {
    var d = new Date(ms);
    var s = d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1, 2) + "-" + pad(d.getUTCDate(), 2) + " " +
      pad(d.getUTCHours(), 2) + ":" + pad(d.getUTCMinutes(), 2) + ":" + pad(d.getUTCSeconds(), 2);
    if (d.getUTCMilliseconds()) {
      s += ("." + pad(d.getUTCMilliseconds(), 3)).replace(/0+$/, "");
    }
    return s;
  }

  // ---- charts ----------------------------------------------------------------

  var holder = doc.getElementById("chart-data");
  var parsed = holder ? JSON.parse(holder.textContent) : {};
  var sources = {}; // each chart's option as JSON, to copy from
  var darkQuery = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
  var charts = [];

  function formatterFor(unit) {
    if (unit === "bytes") {
      return function (v) { return humanBytes(v) + " (" + exact(v) + " bytes)"; };
    }
    return function (v) { return exact(v); };
  }

  function labelWidth(width) {
    return Math.max(110, Math.round(width * 0.42));
  }

  // optionFor builds a chart's option from the page's JSON, fresh each time.
  function optionFor(el, width, forPrint, zoom) {
    var id = el.getAttribute("data-chart");
    if (!parsed[id]) {
      return null;
    }
    sources[id] = sources[id] || JSON.stringify(parsed[id]);
    var opt = JSON.parse(sources[id]);
    // Charts appear drawn, not animated: an animation would keep the
    // machine busy while the rest of the page is drawn.
    opt.animation = false;
    // data-unit is one unit for the chart, or a comma-separated list with
    // one unit per series.
    var units = (el.getAttribute("data-unit") || "count").split(",");
    opt.tooltip = opt.tooltip || {};
    // Tooltips are drawn in the chart (SVG text on screen, the canvas in
    // print), not as HTML, so no text from the capture is ever parsed as
    // markup.
    opt.tooltip.renderMode = "richText";
    opt.tooltip.valueFormatter = formatterFor(units[0]);
    if (units.length > 1) {
      (opt.series || []).forEach(function (s, i) {
        s.tooltip = { valueFormatter: formatterFor(units[i] || "count") };
      });
    }
    [].concat(opt.xAxis || [], opt.yAxis || []).forEach(function (ax) {
      ax.axisLabel = ax.axisLabel || {};
      if (ax.type === "value") {
        ax.minInterval = 1; // packets, bytes and queries come whole
      }
      if (ax.type === "value" && (ax.name === "bytes" || (units.length === 1 && units[0] === "bytes"))) {
        ax.axisLabel.formatter = humanBytes;
      }
      if (ax.type === "category") {
        // Long names are cut to fit a narrow screen; the tooltip and the
        // table have them in full. A click on a label finds its row.
        ax.axisLabel.width = labelWidth(width);
        ax.axisLabel.overflow = "truncate";
        ax.triggerEvent = true;
      }
    });
    if (width < 600) {
      // A narrow screen: one line of legend that pages, above the axis
      // names, and fewer value labels, so that none overlap.
      if (opt.legend && opt.legend.show !== false) {
        opt.legend.type = "scroll";
        (opt.grid || []).forEach(function (g) { g.top = "56"; });
      }
      [].concat(opt.xAxis || [], opt.yAxis || []).forEach(function (ax) {
        if (ax.type === "value" || ax.type === "time") {
          ax.splitNumber = 3;
          ax.axisLabel.hideOverlap = true;
        }
      });
    }
    if (forPrint && opt.dataZoom) {
      // On paper: the zoomed range the reader was looking at, no slider.
      opt.dataZoom = [{ type: "inside", start: zoom ? zoom.start : 0, end: zoom ? zoom.end : 100 }];
      (opt.grid || []).forEach(function (g) { g.bottom = "16"; });
    }
    return opt;
  }

  function categoryAt(inst, opt, point) {
    if (!inst.containPixel({ gridIndex: 0 }, point)) {
      return null;
    }
    var v = inst.convertFromPixel({ gridIndex: 0 }, point);
    if (!v) {
      return null;
    }
    var axes = [[].concat(opt.yAxis || [])[0], [].concat(opt.xAxis || [])[0]];
    var vals = [v[1], v[0]];
    for (var a = 0; a < 2; a++) {
      var ax = axes[a];
      if (ax && ax.type === "category" && ax.data) {
        var k = Math.round(vals[a]);
        return k >= 0 && k < ax.data.length ? String(ax.data[k]) : null;
      }
      if (ax && ax.type === "time") {
        // The nearest point of the first series.
        var data = (opt.series && opt.series[0] && opt.series[0].data) || [];
        var best = null;
        data.forEach(function (d) {
          var p = d && d.value ? d.value : d;
          if (Array.isArray(p) && p[1] !== "-" && (best === null || Math.abs(p[0] - vals[a]) < Math.abs(best - vals[a]))) {
            best = p[0];
          }
        });
        return best === null ? null : timeLabel(best);
      }
    }
    return null;
  }

  // measure reads the size of every chart not yet drawn, all at once (one
  // layout of the page), and whether it is in or near the window.
  var measuredFor = -1;
  function measure() {
    var near = window.innerHeight;
    measuredFor = window.innerWidth;
    charts.forEach(function (c) {
      if (!c.inst) {
        var r = c.el.getBoundingClientRect();
        c.width = c.el.clientWidth || 600;
        c.height = c.el.clientHeight || 300;
        c.near = r.bottom > -near && r.top < window.innerHeight + near;
        c.inView = r.bottom > 0 && r.top < window.innerHeight;
      }
    });
  }

  function draw(c) {
    var el = c.el;
    var dark = !!(darkQuery && darkQuery.matches);
    if (measuredFor !== window.innerWidth) {
      measure();
    }
    var width = c.width;
    var opt = optionFor(el, width, false);
    if (!opt) {
      return;
    }
    c.narrow = width < 600;
    if (dark) {
      opt.backgroundColor = "transparent";
    }
    // The size is given, so that ECharts does not read it from the page:
    // that would lay out the page again after the previous chart. On
    // screen a chart is SVG: a canvas would cost a bitmap to fill and to
    // hand to the compositor at each frame it changed in, seen or not,
    // about as much as drawing the chart itself.
    var inst = echarts.init(el, dark ? "dark" : null, { renderer: "svg", width: width, height: c.height });
    inst.setOption(opt);
    c.inst = inst;
    // A click on a bar, its row of the plot or its label, or near a point
    // of the time line, highlights the row of the table below.
    inst.on("click", function (p) {
      if (p.componentType === "yAxis" || p.componentType === "xAxis") {
        highlightRow(el, String(p.value));
      }
    });
    // A drag (panning a zoomed time line) ends in a click too: skip those.
    var down = null;
    inst.getZr().on("mousedown", function (e) {
      down = [e.offsetX, e.offsetY];
    });
    inst.getZr().on("click", function (e) {
      if (down && Math.abs(e.offsetX - down[0]) + Math.abs(e.offsetY - down[1]) > 4) {
        return;
      }
      var label = categoryAt(inst, opt, [e.offsetX, e.offsetY]);
      if (label !== null) {
        highlightRow(el, label);
      }
    });
    el.setAttribute("data-theme", dark ? "dark" : "light");
    el.setAttribute("data-rendered", "true");
  }

  // The charts are drawn in two tasks: first those in the window, for up
  // to FIRST_MS, which are painted at once;
  // then all the others, in page order, painted together. Each pause to
  // paint costs 30 to 50 ms (headless Chromium, the 1 GB capture's report),
  // as much as one or two charts take to draw, so the others are drawn
  // without a pause: scrolling goes on meanwhile (the browser scrolls on
  // its own), and the page answers clicks a few tenths of a second later.
  // Then every table gets its controls and is laid out: until then
  // report.css shows a table's first rows without controls and skips the
  // tables out of sight (they are laid out when they come near the
  // window), which lets the first screen and the charts show sooner;
  // after, the page's text can all be selected and copied. Each batch is a
  // task posted on a MessageChannel, which, unlike requestAnimationFrame
  // and timers, also runs in a background tab, so every chart is drawn
  // soon whether it is ever seen or not.
  var FIRST_MS = 100;
  var queue = []; // charts not drawn yet, in page order
  var wraps = slice.call(doc.querySelectorAll(".table-wrap")); // tables not laid out yet
  var now = window.performance && performance.now ? function () { return performance.now(); } : Date.now;
  var later = function (f) { setTimeout(f, 0); };
  if (window.MessageChannel) {
    var channel = new MessageChannel();
    var posted = [];
    channel.port1.onmessage = function () {
      posted.shift()();
    };
    later = function (f) {
      posted.push(f);
      channel.port2.postMessage(0);
    };
  }

  // afterPaint calls f once the browser has painted what was drawn so far
  // (a message posted from an animation frame is handled after it); in a
  // hidden tab, which paints nothing, at once.
  function afterPaint(f) {
    if (doc.visibilityState === "hidden" || !window.requestAnimationFrame) {
      later(f);
      return;
    }
    var called = false;
    var go = function () {
      if (!called) {
        called = true;
        later(f);
      }
    };
    requestAnimationFrame(go);
    setTimeout(go, 100); // should the tab be hidden before its next frame
  }

  // nextJob returns the next piece of the page to draw, or null; with
  // inView, only a chart in the window.
  var chartsDone = false;
  var waiting = false;
  function nextJob(inView) {
    if (queue.length) {
      var c = queue[0];
      for (var i = 0; i < queue.length; i++) {
        if (queue[i].near) {
          c = queue[i];
          break;
        }
      }
      if (inView && !c.inView) {
        return null;
      }
      queue.splice(queue.indexOf(c), 1);
      return function () { draw(c); };
    }
    if ((wraps.length || !enhanced) && chartsDone) {
      if (doc.readyState === "loading") {
        // The tables' row data follows this script: wait for it.
        if (!waiting) {
          waiting = true;
          doc.addEventListener("DOMContentLoaded", function () {
            waiting = false;
            later(drawBatch);
          });
        }
        return null;
      }
      var all = wraps;
      wraps = [];
      return function () {
        enhanceTables();
        // All at once: one table at a time would lay out the page below
        // it each time.
        all.forEach(function (w) { w.classList.add("laid-out"); });
        return doc.body.offsetHeight; // lays them out now, in this batch
      };
    }
    return null;
  }

  // drawBatch draws the first charts for FIRST_MS, and the next time all
  // the others; then it lays out the tables. The first batch, and the
  // batch that draws the last chart, are painted before anything else is
  // done.
  var batches = 0;
  function drawBatch() {
    var start = now();
    var first = batches++ === 0;
    var paint = first;
    try {
      // The first batch draws only the charts in the window (none, when
      // the findings and facts fill it): the first screen is painted
      // without waiting for charts out of sight.
      var job = nextJob(first);
      while (job) {
        job();
        job = !first ? nextJob() : now() - start < FIRST_MS ? nextJob(true) : null;
      }
    } finally {
      // Even after a chart failed, the others are drawn.
      if (!queue.length && !chartsDone) {
        chartsDone = true;
        mark("pcapreport:charts");
        paint = true;
      }
      if (waiting) {
        // drawBatch is called again once the page is parsed.
      } else if (queue.length || wraps.length || !enhanced) {
        (paint ? afterPaint : later)(drawBatch);
      } else {
        mark("pcapreport:done");
      }
    }
  }

  if (typeof echarts !== "undefined") {
    slice.call(doc.querySelectorAll("[data-chart]")).forEach(function (el) {
      var c = { el: el, inst: null };
      charts.push(c);
      queue.push(c);
    });
    if (queue.length) {
      measure();
    }
  }
  // The first batch now: the charts at the top of the page are painted
  // with the page's first frame after this script.
  drawBatch();
  if (typeof echarts !== "undefined") {
    // On a new width: labels fit it; crossing the phone width, the chart
    // is drawn again for it.
    var pending = false;
    window.addEventListener("resize", function () {
      if (pending) {
        return;
      }
      pending = true;
      requestAnimationFrame(function () {
        pending = false;
        charts.forEach(function (c) {
          if (!c.inst) {
            return;
          }
          var width = c.el.clientWidth || 600;
          if ((width < 600) !== c.narrow) {
            c.inst.dispose();
            c.inst = null;
            c.width = width;
            c.height = c.el.clientHeight || c.height;
            draw(c);
            return;
          }
          c.inst.resize({ width: "auto", height: "auto" });
          var raw = parsed[c.el.getAttribute("data-chart")];
          var labels = function (axes) {
            return [].concat(axes || []).map(function (ax) {
              return ax.type === "category" ? { axisLabel: { width: labelWidth(width) } } : {};
            });
          };
          c.inst.setOption({ xAxis: labels(raw.xAxis), yAxis: labels(raw.yAxis) });
        });
      });
    });
    // Follow the reader's light or dark theme when it changes; charts not
    // drawn yet are drawn in it.
    if (darkQuery && darkQuery.addEventListener) {
      darkQuery.addEventListener("change", function () {
        charts.forEach(function (c) {
          if (c.inst) {
            c.inst.dispose();
            c.inst = null;
            draw(c);
          }
        });
      });
    }
  }

  // ---- the table of contents follows the reader ----------------------------

  var tocLinks = {};
  slice.call(doc.querySelectorAll("nav.toc a[href^='#']")).forEach(function (a) {
    tocLinks[a.getAttribute("href").slice(1)] = a;
  });
  if (window.IntersectionObserver) {
    var current = null;
    var seen = new IntersectionObserver(function (entries) {
      entries.forEach(function (e) {
        if (!e.isIntersecting) {
          return;
        }
        var a = tocLinks[e.target.id];
        if (a && a !== current) {
          if (current) {
            current.removeAttribute("aria-current");
          }
          a.setAttribute("aria-current", "location");
          current = a;
          // On a phone the contents scroll sideways: keep the link in view.
          var list = a.parentNode.parentNode;
          if (list.scrollWidth > list.clientWidth) {
            var left = a.offsetLeft - list.offsetLeft;
            if (left < list.scrollLeft || left + a.offsetWidth > list.scrollLeft + list.clientWidth) {
              list.scrollLeft = Math.max(0, left - 24);
            }
          }
        }
      });
    }, { rootMargin: "-15% 0px -75% 0px" });
    Object.keys(tocLinks).forEach(function (id) {
      var s = doc.getElementById(id);
      if (s) {
        seen.observe(s);
      }
    });
  }

  // ---- print -----------------------------------------------------------------

  // Before printing, every table shows all its rows (in the shown order;
  // a filter does not apply on paper, where it could not be seen), and each
  // chart is drawn again in the light theme at the paper's width, as a
  // picture the page prints instead of the live chart.
  var PRINT_WIDTH = 700;

  function beforePrint() {
    if (printing) {
      return;
    }
    enhanceTables();
    printing = true;
    // Charts first: they read sizes, which would lay out long tables twice.
    // A chart not drawn yet on screen is printed all the same.
    charts.forEach(function (c) {
      var height = c.el.clientHeight || c.height || 300;
      var zoom = null;
      var live = c.inst ? c.inst.getOption() : {};
      if (live.dataZoom && live.dataZoom.length) {
        zoom = { start: live.dataZoom[0].start, end: live.dataZoom[0].end };
      }
      var opt = optionFor(c.el, PRINT_WIDTH, true, zoom);
      if (!opt) {
        return;
      }
      var box = make("div", { "class": "print-render", "aria-hidden": "true" });
      box.style.width = PRINT_WIDTH + "px";
      box.style.height = height + "px";
      doc.body.appendChild(box);
      var inst = echarts.init(box, null, { renderer: "canvas", width: PRINT_WIDTH, height: height });
      inst.setOption(opt);
      var canvas = inst.getRenderedCanvas({ pixelRatio: 2, backgroundColor: "#ffffff" });
      inst.dispose();
      doc.body.removeChild(box);
      // zrender positions its canvases absolutely; this one flows in the page.
      canvas.removeAttribute("style");
      canvas.className = "print-chart";
      canvas.setAttribute("role", "img");
      canvas.setAttribute("aria-label", c.el.getAttribute("aria-label") || "");
      c.el.parentNode.insertBefore(canvas, c.el.nextSibling);
      c.printed = canvas;
    });
    tables.forEach(function (t) { t.render(); });
  }

  function afterPrint() {
    if (!printing) {
      return;
    }
    printing = false;
    tables.forEach(function (t) { t.render(); });
    charts.forEach(function (c) {
      if (c.printed && c.printed.parentNode) {
        c.printed.parentNode.removeChild(c.printed);
      }
      c.printed = null;
    });
  }

  window.addEventListener("beforeprint", beforePrint);
  window.addEventListener("afterprint", afterPrint);
  if (window.matchMedia) {
    var printQuery = window.matchMedia("print");
    if (printQuery.addEventListener) {
      printQuery.addEventListener("change", function (e) {
        if (e.matches) {
          beforePrint();
        } else {
          afterPrint();
        }
      });
    }
  }
  mark("pcapreport:ready");
})();
