/**
 * @module The HTML report's inline stylesheet and script. Both are constants: no run data is ever placed in
 * them (data lives in escaped markup and `data-*` attributes), and the document's CSP forbids every fetch.
 */

/** Content-Security-Policy of the report: inline style and script only, no network, no frames, no images. */
export const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

/** Inline CSS: compact, readable in light and dark mode, printable. */
export const REPORT_CSS = `
:root{--fg:#1d2330;--muted:#5d6677;--bg:#fff;--panel:#f5f6f8;--line:#dfe2e8;--pass:#1a7f37;--fail:#c62828;--warn:#a15c00;--skip:#6b7280;--na:#8b93a1;--inc:#8a4fff;--err:#b4235a;--del:#fde8e8;--ins:#e6f4ea}
@media (prefers-color-scheme:dark){:root{--fg:#e6e8ee;--muted:#9aa3b2;--bg:#14171c;--panel:#1d2128;--line:#2e3440;--del:#4a1f24;--ins:#1c3a26}}
*{box-sizing:border-box}[hidden]{display:none!important}
body{margin:0 auto;max-width:1200px;padding:1rem 1.5rem;font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg)}
h1{font-size:1.3rem;margin:.2rem 0}h2{font-size:1.05rem;margin:1.2rem 0 .4rem}h4{margin:.8rem 0 .3rem;font-size:.9rem}
code,pre{font:12.5px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
pre{background:var(--panel);border:1px solid var(--line);border-radius:4px;padding:.5rem .6rem;margin:.3rem 0;overflow:auto;white-space:pre-wrap;word-break:break-all}
.verdict{display:inline-block;font-weight:600;padding:.15rem .6rem;border-radius:4px;color:#fff}
.verdict.yes{background:var(--pass)}.verdict.no{background:var(--fail)}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:.1rem 1rem;margin:.6rem 0}.facts dt{color:var(--muted)}.facts dd{margin:0;word-break:break-all}
.counts{display:flex;flex-wrap:wrap;gap:.5rem;list-style:none;padding:0;margin:.6rem 0}
.counts li{border:1px solid var(--line);border-radius:4px;padding:.2rem .6rem;background:var(--panel)}.counts b{font-size:1.1rem;margin-right:.25rem}
.filter{border:1px solid var(--line);border-radius:4px;padding:.3rem .7rem;margin:.5rem 0;display:flex;flex-wrap:wrap;gap:.9rem}
.filter legend{color:var(--muted);padding:0 .3rem}
table{border-collapse:collapse;width:100%}th,td{text-align:left;vertical-align:top;padding:.35rem .5rem;border-bottom:1px solid var(--line)}
th{color:var(--muted);font-weight:500}td.num{text-align:right;white-space:nowrap}
.badge{display:inline-block;min-width:7.5rem;white-space:nowrap;text-align:center;border-radius:3px;padding:0 .4rem;color:#fff;font-size:12px;font-weight:600}
.s-pass{background:var(--pass)}.s-fail{background:var(--fail)}.s-warn{background:var(--warn)}.s-skip{background:var(--skip)}
.s-not-applicable{background:var(--na)}.s-inconclusive{background:var(--inc)}.s-error{background:var(--err)}
.xfail{display:inline-block;font-size:11px;border:1px solid var(--warn);color:var(--warn);border-radius:3px;padding:0 .3rem;margin-left:.4rem}
summary{cursor:pointer}summary .msg{color:var(--muted)}
.detail{padding:.4rem 0 .2rem .9rem;border-left:3px solid var(--line);margin:.4rem 0}
blockquote{margin:.3rem 0;padding:.2rem .7rem;border-left:3px solid var(--muted);color:var(--muted)}
.ea{display:grid;grid-template-columns:max-content 1fr;gap:.1rem .8rem}.ea dt{font-weight:600}.ea dd{margin:0}
.sigdiff{display:grid;grid-template-columns:1fr 1fr;gap:.6rem}
.sigdiff .base{background:var(--panel);border:1px solid var(--line);border-radius:4px;padding:.4rem 0;overflow:auto}
.line{font:12.5px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;white-space:pre-wrap;word-break:break-all;padding:0 .6rem 0 1.6rem;text-indent:-1rem}
.line::before{content:" ";display:inline-block;width:1rem}
.expected .line.changed{background:var(--del)}.expected .line.changed::before{content:"−"}
.actual .line.changed{background:var(--ins)}.actual .line.changed::before{content:"+"}
button.copy{font:inherit;font-size:12px;padding:.1rem .5rem;cursor:pointer}
ul.plain{margin:.3rem 0;padding-left:1.2rem}
@media print{.filter,button.copy{display:none}}
`;

/** Inline script: verdict filter and copy-as-curl. Reads only the DOM; makes no requests. */
export const REPORT_JS = `
(function () {
  var boxes = Array.prototype.slice.call(document.querySelectorAll('input[data-filter]'));
  function apply() {
    var shown = {};
    boxes.forEach(function (b) { shown[b.getAttribute('data-filter')] = b.checked; });
    var visible = 0;
    document.querySelectorAll('tr.check').forEach(function (row) {
      var on = shown[row.getAttribute('data-status')] === true;
      row.hidden = !on;
      if (on) visible += 1;
    });
    document.getElementById('visible-count').textContent = String(visible);
  }
  boxes.forEach(function (b) { b.addEventListener('change', apply); });
  document.querySelectorAll('button.copy').forEach(function (btn) {
    btn.addEventListener('click', function () {
      var pre = document.getElementById(btn.getAttribute('data-target'));
      var select = function () {
        var range = document.createRange();
        range.selectNodeContents(pre);
        var sel = window.getSelection();
        sel.removeAllRanges();
        sel.addRange(range);
        btn.textContent = 'Selected: press Ctrl+C';
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(pre.textContent).then(function () { btn.textContent = 'Copied'; }, select);
      } else {
        select();
      }
    });
  });
  apply();
})();
`;
