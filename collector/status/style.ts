/**
 * The status page's stylesheet, inlined in one `<style>` block whose hash the page's CSP names: no
 * external resource, no inline style attribute. Type scales with the viewport so a NOC wall screen
 * is readable across the room; one column on a phone, with nothing wider than 375 px; light or
 * dark by `prefers-color-scheme`. Every tone pairs colour with a word, and text colours keep at
 * least 4.5:1 contrast against their backgrounds in both themes.
 */
export const STATUS_CSS = `
:root{--bg:#f4f6f8;--card:#fff;--text:#1b1f24;--muted:#4f5b66;--line:#d0d7de;--head:#eef1f4;
--up-bg:#dafbe1;--up-fg:#0b5323;--up-bd:#1a7f37;--down-bg:#ffebe9;--down-fg:#8e1519;--down-bd:#cf222e;
--unk-bg:#eaeef2;--unk-fg:#32383f;--unk-bd:#8c959f;--maint-bg:#fff8c5;--maint-fg:#5c4000;--maint-bd:#bf8700;
--row-down:#fff5f4;--row-maint:#fffbe6;--link:#0550ae;--track:#d8dee4;--ok:#1a7f37;--warn:#bf8700;--bad:#cf222e;
color-scheme:light dark;font-size:clamp(16px,0.85vw + 8px,26px)}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--card:#161b22;--text:#e6edf3;--muted:#9ea9b5;--line:#30363d;--head:#1c2129;
--up-bg:#0f3d22;--up-fg:#8ff0ad;--up-bd:#2ea043;--down-bg:#5a1414;--down-fg:#ffd7d5;--down-bd:#f85149;
--unk-bg:#2d333b;--unk-fg:#d7dee5;--unk-bd:#768390;--maint-bg:#45330a;--maint-fg:#ffe08a;--maint-bd:#d29922;
--row-down:#2a1215;--row-maint:#2b230d;--link:#79b8ff;--track:#30363d;--ok:#3fb950;--warn:#d29922;--bad:#f85149}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--text);font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Liberation Sans",sans-serif;line-height:1.4}
.top{padding:1rem clamp(.75rem,2.5vw,2.5rem) .25rem}
h1{margin:0;font-size:1.9rem;letter-spacing:-.01em}
.meta{margin:.2rem 0 0;color:var(--muted)}
main{padding:.5rem clamp(.75rem,2.5vw,2.5rem) 1rem}
.summary{display:flex;flex-wrap:wrap;align-items:center;gap:.3em .7em;margin:0 0 1rem;padding:.55em .9em;font-size:1.35rem;font-weight:600;border-radius:.5rem;border:2px solid var(--unk-bd);background:var(--unk-bg);color:var(--unk-fg)}
.summary .badge{font-size:1em}
.summary.t-up{border-color:var(--up-bd);background:var(--up-bg);color:var(--up-fg)}
.summary.t-down{border-color:var(--down-bd);background:var(--down-bg);color:var(--down-fg)}
.summary.t-maint{border-color:var(--maint-bd);background:var(--maint-bg);color:var(--maint-fg)}
.notice{margin:0 0 1rem;padding:.6em .9em;border-left:.35rem solid var(--maint-bd);background:var(--card);border-radius:.25rem}
.grid{display:flex;flex-direction:column;gap:1rem;margin-bottom:1rem}
.col{display:contents}
#s-live{order:1}#s-figures{order:2}#s-incidents{order:3}#s-agents{order:4}#s-hygiene{order:5}
@media (min-width:1100px){.grid{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1.35fr);align-items:start}
.col{display:flex;flex-direction:column;gap:1rem}}
.card{background:var(--card);border:1px solid var(--line);border-radius:.6rem;padding:.75rem clamp(.6rem,1.2vw,1.1rem) .9rem;min-width:0}
h2{margin:.1rem 0 .5rem;font-size:1.2rem}
table{width:100%;border-collapse:collapse}
th,td{text-align:left;vertical-align:top;padding:.4em .5em;border-bottom:1px solid var(--line);overflow-wrap:anywhere}
thead th{overflow-wrap:normal;font-size:.8rem;text-transform:uppercase;letter-spacing:.05em;color:var(--muted);background:var(--head);font-weight:650}
tbody th{font-weight:600}
tr.row-down>*{background:var(--row-down)}
tr.row-maint>*{background:var(--row-maint)}
td.value .v{font-size:1.15em;font-weight:650;font-variant-numeric:tabular-nums}
.sub{display:block;font-size:.8rem;font-weight:400;color:var(--muted);margin-top:.15em}
time{overflow-wrap:normal}
.clause{display:inline-block;min-width:3.2em;font-variant-numeric:tabular-nums;color:var(--muted);font-weight:650}
.badge{display:inline-block;white-space:nowrap;padding:.05em .5em;border-radius:.35em;border:1px solid var(--unk-bd);background:var(--unk-bg);color:var(--unk-fg);font-weight:700;font-size:.85em;letter-spacing:.04em}
.b-up,.b-pass{border-color:var(--up-bd);background:var(--up-bg);color:var(--up-fg)}
.b-down,.b-fail{border-color:var(--down-bd);background:var(--down-bg);color:var(--down-fg)}
.b-maint{border-color:var(--maint-bd);background:var(--maint-bg);color:var(--maint-fg)}
.b-none{border-color:var(--line);background:transparent;color:var(--muted)}
meter{width:5.5em;height:.75em;vertical-align:middle;margin-right:.3em}
meter::-webkit-meter-bar{background:var(--track);border:0;border-radius:.3em;height:.75em}
meter::-webkit-meter-optimum-value{background:var(--ok);border-radius:.3em}
meter::-webkit-meter-suboptimum-value{background:var(--warn);border-radius:.3em}
meter::-webkit-meter-even-less-good-value{background:var(--bad);border-radius:.3em}
.muted{color:var(--muted);margin:.5em 0 0}
a{color:var(--link)}
footer{padding:0 clamp(.75rem,2.5vw,2.5rem) 1.5rem;color:var(--muted);font-size:.8rem}
body.stale main{opacity:.6}
body.stale #updated{color:var(--down-fg);background:var(--down-bg);padding:0 .3em;border-radius:.25em}
.sr-only{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0,0,0,0);white-space:nowrap;border:0}
@media (max-width:600px){h1{font-size:1.5rem}.summary{font-size:1.15rem}
thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0,0,0,0)}
table,tbody{display:block}
tr{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:.3em .8em;padding:.55em .35em;border-bottom:1px solid var(--line)}
tbody th{grid-column:1/-1}
tbody th,td{border:0;padding:0;background:transparent}
td::before{content:attr(data-label);display:block;font-size:.7rem;font-weight:600;text-transform:uppercase;letter-spacing:.05em;color:var(--muted)}
tr.row-down{background:var(--row-down)}tr.row-maint{background:var(--row-maint)}}
`;
