// The stylesheet of `meshext explain --format html`, inlined into the page: light and dark colour
// schemes, lanes in a row that wraps on a wide screen and a column on a phone, visible focus.

export const HTML_STYLE = `
:root {
  color-scheme: light dark;
  --bg: #ffffff; --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --card: #f6f8fa; --box: #ffffff;
  --authn: #0969da; --authz: #8250df; --stats: #1a7f37; --unspec: #6e7781;
  --landmark: #eaeef2; --tie: #bc4c00; --tie-bg: #fff1e5; --maistra: #8250df; --maistra-bg: #fbefff;
  --added: #1a7f37; --added-bg: #dafbe1; --moved: #0969da; --moved-bg: #ddf4ff; --removed: #cf222e; --removed-bg: #ffebe9;
  --focus: #0969da;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117; --fg: #e6edf3; --muted: #9da7b3; --line: #3d444d; --card: #161b22; --box: #1c2128;
    --authn: #4493f8; --authz: #ab7df8; --stats: #3fb950; --unspec: #9198a1;
    --landmark: #262c36; --tie: #f0883e; --tie-bg: #3d2410; --maistra: #d2a8ff; --maistra-bg: #2e2040;
    --added: #3fb950; --added-bg: #12331c; --moved: #79c0ff; --moved-bg: #102a43; --removed: #ff7b72; --removed-bg: #3c1618;
    --focus: #79c0ff;
  }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; }
main, header { max-width: 1400px; margin: 0 auto; padding: 0 1.25rem; }
h1 { font-size: 1.5rem; margin: 1.25rem 0 .25rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .5rem; padding-bottom: .25rem; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.05rem; margin: 1.25rem 0 .25rem; }
h4 { font-size: .8rem; letter-spacing: .06em; margin: 0; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .9em; }
a { color: var(--focus); }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.skip { position: absolute; left: -9999px; }
.skip:focus { left: 1rem; top: 1rem; background: var(--bg); padding: .25rem .5rem; z-index: 1; }
.intro, .summary, .legend { color: var(--muted); margin: .25rem 0; }
.legend { display: flex; flex-wrap: wrap; gap: .5rem 1rem; padding: 0; list-style: none; font-size: .85rem; }
nav ul { display: flex; flex-wrap: wrap; gap: .25rem .75rem; padding: 0; list-style: none; margin: .5rem 0; }
.group { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .25rem 1rem 1rem; margin: .75rem 0; }
.warning { border-left: 4px solid var(--tie); background: var(--tie-bg); padding: .4rem .6rem; margin: .5rem 0; border-radius: 4px; overflow-wrap: anywhere; }
.chain { display: flex; flex-wrap: wrap; align-items: stretch; gap: 1rem 1.6rem; list-style: none; margin: .75rem 0 0; padding: 0 0 0 1.6rem; }
.chain > li { position: relative; }
.chain > li + li::before { content: "\\2192" / ""; position: absolute; left: -1.25rem; top: 50%; transform: translateY(-50%); color: var(--muted); font-size: 1.1rem; }
.landmark { flex: 0 0 auto; display: flex; align-items: center; justify-content: center; padding: .5rem .3rem; background: var(--landmark);
  border: 1px dashed var(--muted); border-radius: 6px; font-size: .74rem; line-height: 1.25; color: var(--muted); }
.strip { display: flex; gap: .45rem; writing-mode: vertical-rl; transform: rotate(180deg); white-space: nowrap; }
.lm { display: flex; flex-direction: column; }
.landmark strong { color: var(--fg); font-weight: 600; }
.lane { flex: 1 1 auto; min-width: 12.5rem; border: 1px solid var(--line); border-top: 4px solid var(--lane); border-radius: 6px; background: var(--bg); padding: .5rem; }
.lane.empty { flex: 0 1 6.5rem; min-width: 6.5rem; color: var(--muted); }
.lane h4 { color: var(--lane); }
.lane-AUTHN { --lane: var(--authn); } .lane-AUTHZ { --lane: var(--authz); } .lane-STATS { --lane: var(--stats); } .lane-UNSPECIFIED_PHASE { --lane: var(--unspec); }
.lane-note { font-size: .75rem; color: var(--muted); margin: 0 0 .4rem; }
.exts { display: flex; flex-wrap: wrap; gap: .5rem; list-style: none; margin: 0; padding: 0; }
.ext { flex: 1 1 12rem; max-width: 22rem; min-width: 0; background: var(--box); border: 1px solid var(--line); border-left: 4px solid var(--lane); border-radius: 6px; padding: .4rem .55rem; overflow-wrap: anywhere; }
.ext.tie { border-color: var(--tie); border-left-color: var(--tie); background: var(--tie-bg); }
.ext.removed { opacity: .75; }
.ext.removed .name { text-decoration: line-through; }
.ext-head { margin: 0 0 .2rem; display: flex; gap: .4rem; align-items: baseline; }
.pos { font-size: .75rem; color: var(--muted); font-variant-numeric: tabular-nums; }
.name { font-weight: 600; }
.facts { display: grid; grid-template-columns: auto 1fr; gap: 0 .5rem; margin: 0; font-size: .8rem; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; min-width: 0; }
.badges { display: flex; flex-wrap: wrap; gap: .25rem; list-style: none; margin: .35rem 0 0; padding: 0; }
.badge { display: inline-block; font-size: .72rem; font-weight: 600; padding: .05rem .4rem; border-radius: .6rem; border: 1px solid currentColor; }
.badge-tie { color: var(--tie); background: var(--tie-bg); }
.badge-maistra { color: var(--maistra); background: var(--maistra-bg); }
.badge-added { color: var(--added); background: var(--added-bg); }
.badge-moved { color: var(--moved); background: var(--moved-bg); }
.badge-removed { color: var(--removed); background: var(--removed-bg); }
.badge-mesh { color: var(--muted); }
@media (max-width: 40rem) {
  main, header { padding: 0 .75rem; }
  .group { padding: .25rem .6rem .75rem; }
  .chain { flex-direction: column; padding: 0; gap: 1.4rem; }
  .chain > li + li::before { content: "\\2193" / ""; left: 50%; top: -1.3rem; transform: translateX(-50%); }
  .landmark { justify-content: flex-start; padding: .35rem .6rem; }
  .strip { writing-mode: horizontal-tb; transform: none; flex-wrap: wrap; gap: .2rem 1.25rem; white-space: normal; }
  .lm { flex-direction: row; gap: .4rem; }
  .lane, .lane.empty { flex: 0 0 auto; min-width: 0; }
  .ext { max-width: none; flex-basis: 100%; }
}
`;
