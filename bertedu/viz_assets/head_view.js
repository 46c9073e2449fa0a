// bertedu's offline head view: vanilla JavaScript drawing inline SVG, no libraries, no network.
// Python (bertedu/viz/head_view.py) replaces BERTEDU_PARAMS with the data:
//   {rootId, tokens, attention: [layer][head][query][key], layer, heads, sentenceBStart}
(function () {
  "use strict";
  var params = BERTEDU_PARAMS;
  var script = document.currentScript;  // set while this script runs; null under jQuery's eval
  var SVG = "http://www.w3.org/2000/svg";
  var COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
                "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#ad494a"];
  var ROW = 22, GAP = 180, TOP = 6;

  function svgElement(name, attributes) {
    var element = document.createElementNS(SVG, name);
    Object.keys(attributes).forEach(function (key) { element.setAttribute(key, attributes[key]); });
    return element;
  }

  function draw(root) {
    var tokens = params.tokens, n = tokens.length, numHeads = params.attention[0].length;
    var state = {layer: params.layer, heads: params.heads.slice(), filter: "all"};
    var colWidth = Math.max(48, 8 * Math.max.apply(null, tokens.map(function (t) { return t.length; })) + 16);
    var svg = root.querySelector(".bev-svg");
    svg.setAttribute("width", 2 * colWidth + GAP);
    svg.setAttribute("height", TOP * 2 + n * ROW);
    var lineLayer = svgElement("g", {"class": "bev-lines"});
    svg.appendChild(lineLayer);
    var readout = root.querySelector(".bev-readout");

    // Which (query, key) pairs a filter shows: sentence A is [0, b), sentence B is [b, n).
    function inRange(part, i) {
      var b = params.sentenceBStart;
      return part === "all" || (part === "a" ? i < b : i >= b);
    }
    function shown(i, j) {
      return state.filter === "all" || (inRange(state.filter[0], i) && inRange(state.filter[1], j));
    }
    function color(head) { return COLORS[head % COLORS.length]; }

    function drawLines() {
      while (lineLayer.firstChild) { lineLayer.removeChild(lineLayer.firstChild); }
      var maps = params.attention[state.layer];
      state.heads.forEach(function (head) {
        for (var i = 0; i < n; i++) {
          for (var j = 0; j < n; j++) {
            if (!shown(i, j)) { continue; }
            var weight = maps[head][i][j];
            lineLayer.appendChild(svgElement("line", {
              "class": "bev-line", "x1": colWidth, "y1": TOP + (i + 0.5) * ROW,
              "x2": colWidth + GAP, "y2": TOP + (j + 0.5) * ROW, "stroke": color(head),
              "stroke-width": 2, "stroke-opacity": weight, "data-head": head, "data-from": i,
              "data-to": j, "data-weight": weight}));
          }
        }
      });
    }

    // Hovering a query token on the left keeps only its row of attention; a key on the right, its column.
    function focus(side, index) {
      lineLayer.querySelectorAll(".bev-line").forEach(function (line) {
        var end = Number(line.getAttribute(side === "left" ? "data-from" : "data-to"));
        line.setAttribute("stroke-opacity", end === index ? line.getAttribute("data-weight") : 0);
      });
      svg.querySelectorAll(".bev-token").forEach(function (token) {
        var active = token.getAttribute("data-side") === side && Number(token.getAttribute("data-index")) === index;
        token.querySelector("rect").setAttribute("fill-opacity", active ? 0.25 : 0);
      });
      if (side === "left") {
        readout.textContent = tokens[index] + " attends most to: " + state.heads.map(function (head) {
          var row = params.attention[state.layer][head][index], best = row.indexOf(Math.max.apply(null, row));
          return "head " + head + " \u2192 " + tokens[best] + " (" + row[best].toFixed(2) + ")";
        }).join(", ");
      }
    }
    function unfocus() {
      lineLayer.querySelectorAll(".bev-line").forEach(function (line) {
        line.setAttribute("stroke-opacity", line.getAttribute("data-weight"));
      });
      svg.querySelectorAll(".bev-token rect").forEach(function (rect) { rect.setAttribute("fill-opacity", 0); });
      readout.textContent = "Hover over a token on the left to see where it attends.";
    }

    ["left", "right"].forEach(function (side) {
      tokens.forEach(function (token, index) {
        var y = TOP + index * ROW, x = side === "left" ? 0 : colWidth + GAP;
        var group = svgElement("g", {"class": "bev-token", "data-side": side, "data-index": index, "tabindex": 0});
        group.appendChild(svgElement("rect", {"x": x, "y": y + 1, "width": colWidth, "height": ROW - 2,
                                              "fill": "#888", "fill-opacity": 0}));
        var text = svgElement("text", {"x": side === "left" ? colWidth - 8 : x + 8, "y": y + ROW / 2,
                                       "dominant-baseline": "central", "fill": "currentColor",
                                       "text-anchor": side === "left" ? "end" : "start"});
        text.textContent = token;
        if (params.sentenceBStart !== null && index >= params.sentenceBStart) {
          text.setAttribute("font-style", "italic");
        }
        group.appendChild(text);
        ["mouseenter", "focus"].forEach(function (event) {
          group.addEventListener(event, function () { focus(side, index); });
        });
        ["mouseleave", "blur"].forEach(function (event) { group.addEventListener(event, unfocus); });
        svg.appendChild(group);
      });
    });

    var layerSelect = root.querySelector(".bev-layer");
    params.attention.forEach(function (_, layer) {
      var option = document.createElement("option");
      option.value = layer;
      option.textContent = layer;
      layerSelect.appendChild(option);
    });
    layerSelect.value = state.layer;
    layerSelect.addEventListener("change", function () { state.layer = Number(layerSelect.value); drawLines(); });

    var filterSelect = root.querySelector(".bev-filter");
    if (filterSelect) {
      filterSelect.addEventListener("change", function () { state.filter = filterSelect.value; drawLines(); });
    }

    var headBox = root.querySelector(".bev-heads");
    for (var head = 0; head < numHeads; head++) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "bev-head";
      button.textContent = head;
      button.style.background = color(head);
      button.setAttribute("data-head", head);
      button.setAttribute("aria-pressed", state.heads.indexOf(head) >= 0);
      button.addEventListener("click", function (event) {
        var chosen = Number(event.currentTarget.getAttribute("data-head")), at = state.heads.indexOf(chosen);
        if (at >= 0) {
          state.heads.splice(at, 1);
        } else {
          state.heads.push(chosen);
          state.heads.sort(function (a, b) { return a - b; });
        }
        event.currentTarget.setAttribute("aria-pressed", at < 0);
        drawLines();
      });
      headBox.appendChild(button);
    }

    var notice = root.querySelector(".bev-nojs");
    notice.parentNode.removeChild(notice);
    drawLines();
    unfocus();
    root.setAttribute("data-ready", "true");
  }

  // The element is found by id; where a notebook runs the script before inserting the output into
  // the page, look next to the script, then retry for a little while.
  var tries = 0;
  function mount() {
    var root = document.getElementById(params.rootId);
    if (!root && script && script.parentNode) { root = script.parentNode.querySelector("#" + params.rootId); }
    if (root) { draw(root); } else if (tries++ < 200) { setTimeout(mount, 25); }
  }
  mount();
})();
