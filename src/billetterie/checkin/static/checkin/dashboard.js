/* The live check-in dashboard: counts and latest scans refreshed every 3 s (a static file, as the
   Content-Security-Policy wants; decision 0011). */
(function () {
  "use strict";
  const root = document.querySelector("[data-live]");
  if (!root) return;
  const undoText = root.dataset.undoLabel;
  async function refresh() {
    try {
      const r = await fetch(root.dataset.live, { credentials: "same-origin", cache: "no-store" });
      if (!r.ok) return;
      const data = await r.json();
      document.getElementById("ck-in").textContent = data.checked_in;
      document.getElementById("ck-sold").textContent = data.sold;
      document.getElementById("ck-progress").value = data.sold ? Math.round(100 * data.checked_in / data.sold) : 0;
      for (const d of data.dates) {
        const row = document.querySelector('#ck-dates tr[data-date="' + (d.date_id ?? "") + '"]');
        if (row) { row.querySelector(".in").textContent = d.checked_in; row.querySelector(".sold").textContent = d.sold; }
      }
      const body = document.getElementById("ck-recent");
      body.replaceChildren(...data.recent.map((s) => {
        const tr = document.createElement("tr");
        const cells = [new Date(s.at).toLocaleTimeString(), s.name, (s.kind === "undo" ? undoText : s.message) + (s.conflict ? " ⚠" : ""), s.device];
        for (const text of cells) { const td = document.createElement("td"); td.textContent = text; tr.append(td); }
        if (s.conflict) tr.children[2].className = "ck-conflict";
        return tr;
      }));
    } catch (e) { /* next time */ }
  }
  setInterval(refresh, 3000);
})();
