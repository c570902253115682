// The de-identified export's progress bar: fetch the CSV as a stream, count the rows as
// they arrive against the total the page shows, then save the file. Without JavaScript
// (or without streams) the Download link simply downloads the file.
const link = document.getElementById("export-download");
const box = document.getElementById("export-progress");
const bar = document.getElementById("export-bar");
const status = document.getElementById("export-status");

function filenameOf(response) {
  const header = response.headers.get("Content-Disposition") || "";
  const match = /filename="([^"]+)"/.exec(header);
  return match ? match[1] : "cases-deidentified.csv";
}

async function download(event) {
  event.preventDefault();
  const expected = Number(link.dataset.rows) || 0;
  link.setAttribute("aria-disabled", "true");
  box.hidden = false;
  bar.value = 0;
  status.textContent = `0 of ${expected.toLocaleString()} rows`;
  try {
    const response = await fetch(link.href, { credentials: "same-origin" });
    if (!response.ok || !response.body) throw new Error(`the server answered ${response.status}`);
    const reader = response.body.getReader();
    const parts = [];
    let lines = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
      for (const byte of value) if (byte === 10) lines += 1;
      const rows = Math.max(lines - 1, 0); // the first line is the header
      bar.value = Math.min(rows, bar.max);
      status.textContent = `${rows.toLocaleString()} of ${expected.toLocaleString()} rows`;
    }
    const url = URL.createObjectURL(new Blob(parts, { type: "text/csv" }));
    const save = document.createElement("a");
    save.href = url;
    save.download = filenameOf(response);
    document.body.append(save);
    save.click();
    save.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
    status.textContent = `Done: ${Math.max(lines - 1, 0).toLocaleString()} rows saved.`;
  } catch (error) {
    status.textContent = `The download failed (${error.message}). Try the link again.`;
  } finally {
    link.removeAttribute("aria-disabled");
  }
}

if (link && box && bar && status && window.ReadableStream) {
  link.addEventListener("click", download);
}
