/**
 * The console's style sheet, served by the access point itself (no build step, nothing from elsewhere).
 * Colours meet WCAG 2.1 AA contrast (4.5:1 for text) on their backgrounds; focus is always visible.
 */
export const CONSOLE_CSS = `
:root { --ink: #1b1f24; --muted: #4a5360; --line: #c9ced6; --bg: #ffffff; --band: #0b3d6e; --link: #0b57a4; --bad: #a4161a; --warn: #7a4d00; --ok: #1e6b34; --hit: #fff3bf; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
a { color: var(--link); }
a:focus, button:focus, input:focus, select:focus, textarea:focus, summary:focus { outline: 3px solid #f0a800; outline-offset: 2px; }
.skip { position: absolute; left: -999px; top: 0; background: #fff; padding: .5rem; z-index: 2; }
.skip:focus { left: .5rem; }
header.band { background: var(--band); color: #fff; padding: .5rem 1rem; display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; justify-content: space-between; }
header.band a { color: #fff; }
header.band .brand { font-weight: 700; text-decoration: none; }
nav ul, .langs { list-style: none; margin: 0; padding: 0; display: flex; gap: 1rem; flex-wrap: wrap; }
nav a[aria-current="page"] { font-weight: 700; text-decoration-thickness: 3px; }
.langs a[aria-current="true"] { font-weight: 700; }
.user { display: flex; gap: .75rem; align-items: center; flex-wrap: wrap; }
.user button { background: #fff; color: var(--band); border: 0; padding: .25rem .75rem; border-radius: 3px; cursor: pointer; font: inherit; }
main { padding: 1rem; max-width: 80rem; margin: 0 auto; }
h1 { font-size: 1.6rem; margin: .5rem 0 1rem; }
h2 { font-size: 1.25rem; margin: 1.5rem 0 .5rem; border-bottom: 1px solid var(--line); }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; font-size: .95rem; }
th, td { text-align: left; border-bottom: 1px solid var(--line); padding: .3rem .5rem; vertical-align: top; }
th { background: #eef1f5; }
td.num, th.num { text-align: right; }
.mono { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: .9rem; word-break: break-all; }
form.filters { display: grid; grid-template-columns: repeat(auto-fill, minmax(14rem, 1fr)); gap: .5rem 1rem; align-items: end; margin-bottom: 1rem; }
label { display: block; font-weight: 600; font-size: .9rem; }
input, select, textarea { font: inherit; padding: .3rem .4rem; border: 1px solid #6b7480; border-radius: 3px; width: 100%; }
input[type="checkbox"] { width: auto; }
button.primary { background: var(--band); color: #fff; border: 0; padding: .45rem 1rem; border-radius: 3px; font: inherit; cursor: pointer; }
.actions { display: flex; flex-wrap: wrap; gap: 1.5rem; align-items: flex-start; }
.actions form { border: 1px solid var(--line); padding: .75rem; border-radius: 4px; max-width: 26rem; }
.notice { border-left: 5px solid var(--ok); background: #eef7f0; padding: .5rem 1rem; }
.problem { border-left: 5px solid var(--bad); background: #fbeeee; padding: .5rem 1rem; }
.fatal { color: var(--bad); font-weight: 700; }
.warning { color: var(--warn); font-weight: 700; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
dl.meta dt { font-weight: 600; }
dl.meta dd { margin: 0; }
ol.xml { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: .85rem; background: #f6f8fa; border: 1px solid var(--line); padding: .5rem .5rem .5rem 4rem; overflow-x: auto; white-space: pre; max-height: 40rem; overflow-y: auto; }
ol.xml li { padding-left: .5rem; }
ol.xml li::marker { color: var(--muted); }
ol.xml li.hit { background: var(--hit); outline: 1px solid #d9a400; }
ol.xml li:target { background: #ffe066; }
.hint { color: var(--muted); font-size: .9rem; }
figure { margin: 0 0 1rem; }
figcaption { color: var(--muted); font-size: .9rem; }
svg text { font: 12px system-ui, sans-serif; fill: var(--ink); }
.figures { display: flex; flex-wrap: wrap; gap: 1rem; }
.figure { border: 1px solid var(--line); border-radius: 4px; padding: .5rem 1rem; min-width: 10rem; }
.figure strong { display: block; font-size: 1.5rem; }
footer { padding: 1rem; color: var(--muted); font-size: .85rem; text-align: center; }
`;
