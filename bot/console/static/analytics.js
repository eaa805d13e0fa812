/* Supervisor dashboard: draws each chart from the table beside it (Chart.js, vendored), so a chart
   never shows anything the table does not. Columns marked th[data-series] are the chart's series;
   each row's th[data-label] cell is its label; cells carry their raw number in data-value. */
(() => {
  'use strict';
  if (typeof Chart === 'undefined') return;

  const number = (cell) => (cell && cell.dataset.value !== undefined && cell.dataset.value !== 'None'
    ? Number(cell.dataset.value) : null);

  function tableData(table) {
    const headers = [...table.tHead.rows[0].cells];
    const series = headers.map((th, index) => ({ index, name: th.textContent.trim(), marked: th.hasAttribute('data-series') }))
      .filter((column) => column.marked);
    const rows = [...table.tBodies[0].rows].filter((row) => !row.classList.contains('empty'));
    return {
      labels: rows.map((row) => row.cells[0].textContent.trim()),
      datasets: series.map((column) => ({ label: column.name, data: rows.map((row) => number(row.cells[column.index])) })),
    };
  }

  function hoursData(table) {
    const rows = [...table.tBodies[0].rows];
    return {
      labels: [...Array(24).keys()].map(String),
      datasets: rows.map((row) => ({
        label: row.cells[0].textContent.trim(),
        data: [...row.cells].slice(1).map(number),
        tension: 0.3, pointRadius: 0,
      })),
    };
  }

  for (const canvas of document.querySelectorAll('canvas[data-table]')) {
    const table = document.getElementById(canvas.dataset.table);
    if (!table) continue;
    const kind = canvas.dataset.kind;
    const data = kind === 'hours' ? hoursData(table) : tableData(table);
    if (!data.labels.length) { canvas.closest('.chart-box').hidden = true; continue; }
    new Chart(canvas, {
      type: kind === 'hours' ? 'line' : kind,
      data,
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        plugins: { legend: { display: data.datasets.length > 1 || kind === 'doughnut' } },
        scales: kind === 'doughnut' ? {} : { y: { beginAtZero: true } },
      },
    });
  }
})();
