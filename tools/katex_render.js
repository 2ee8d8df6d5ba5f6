// tools/katex_render.js: render TeX to HTML with KaTeX at build time (no script runs in the reader's browser).
// usage: node tools/katex_render.js PATH/TO/katex  < [[tex, display], ...]  > [html | {"error": msg}, ...]
const katex = require(process.argv[2]);
let input = "";
process.stdin.on("data", d => { input += d; });
process.stdin.on("end", () => {
  const out = JSON.parse(input).map(([tex, display]) => {
    try { return katex.renderToString(tex, {displayMode: display, throwOnError: true, output: "htmlAndMathml"}); }
    catch (e) { return {error: String(e.message)}; }
  });
  process.stdout.write(JSON.stringify(out));
});
