"""The page served at ``/`` until the web dashboard is built: links and live stats."""

PLACEHOLDER_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>hubbub</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:16px system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem}
table{border-collapse:collapse}td{padding:.2rem .8rem;border-bottom:1px solid #ddd}</style>
</head><body>
<h1>hubbub</h1>
<p>What are people saying, where, and how do they feel about it?
The dashboard is not built yet; the API is live: <a href="/docs">/docs</a>
&middot; <a href="/api/v1/stats">/api/v1/stats</a> &middot; <a href="/metrics">/metrics</a></p>
<table id="stats"><tr><td>loading…</td></tr></table>
<script>
async function refresh() {
  try {
    const r = await fetch('/api/v1/stats');
    const s = await r.json();
    const rows = Object.entries(s).map(([k, v]) => `<tr><td>${k}</td><td>${v ?? '—'}</td></tr>`);
    document.getElementById('stats').innerHTML = rows.join('');
  } catch (e) {
    document.getElementById('stats').innerHTML = '<tr><td>stats unavailable</td></tr>';
  }
}
refresh(); setInterval(refresh, 2000);
</script>
</body></html>
"""
