import { Hono } from "hono";

/** The pages' one stylesheet: system fonts, WCAG AA contrast, visible focus. */
const css = `
*{box-sizing:border-box}
html{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1f24;background:#f6f7f9}
body{margin:0}
.wrap{max-width:64rem;margin:0 auto;padding:0 1rem}
.skip{position:absolute;left:-999px;top:0;background:#fff;padding:.5rem 1rem;z-index:2}
.skip:focus{left:1rem}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
a{color:#0b57b0}
a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,summary:focus-visible{outline:3px solid #c2410c;outline-offset:2px}
.banner{background:#12324f;color:#fff}
.banner .wrap{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;gap:.5rem;padding:.75rem 1rem}
.brand{color:#fff;font-weight:700;font-size:1.15rem;text-decoration:none}
.banner ul{display:flex;flex-wrap:wrap;gap:1rem;list-style:none;margin:0;padding:0}
.banner a{color:#fff}
.banner a[aria-current=page]{font-weight:700;text-decoration-thickness:3px}
main{padding-top:1.5rem;padding-bottom:2rem;outline:none}
main p,main dd,main li{overflow-wrap:anywhere}
td,th{overflow-wrap:normal}
h1{font-size:1.8rem;margin:.25rem 0 1rem}
h2{font-size:1.3rem;margin:1.75rem 0 .5rem}
h3{font-size:1.05rem;margin:1.25rem 0 .25rem}
.lead{font-size:1.1rem;max-width:48rem}
.card{background:#fff;border:1px solid #d0d5dc;border-radius:8px;padding:1rem 1.25rem;margin:1rem 0}
.card>h2:first-child,.card>h3:first-child{margin-top:0}
tbody th{background:none;font-weight:normal}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9rem}
code{background:#eef1f4;padding:0 .25rem;border-radius:3px;overflow-wrap:anywhere}
pre{background:#1b1f24;color:#f3f4f6;padding:.75rem 1rem;border-radius:6px;overflow-x:auto;margin:.25rem 0}
pre code{background:none;padding:0}
.snippet{position:relative}
button,.button{font:inherit;display:inline-block;padding:.4rem 1rem;border-radius:6px;border:1px solid #0b57b0;background:#0b57b0;color:#fff;cursor:pointer;text-decoration:none}
button.secondary{background:#fff;color:#0b57b0}
button.danger{background:#b42318;border-color:#b42318}
.copy{margin:.25rem 0;display:none}.js .copy{display:inline-block}
.badge{display:inline-block;padding:0 .5rem;border-radius:999px;font-size:.85rem;border:1px solid currentColor;white-space:nowrap}
.s-active{color:#116b2e}.s-needs-registration{color:#8a4b00}.s-unverified{color:#5b4b8a}.s-disabled{color:#5d6670}
.ok{color:#116b2e}.warn{color:#8a4b00}.err{color:#b42318}
form.filters{display:flex;flex-wrap:wrap;gap:1rem;align-items:flex-end;background:#fff;border:1px solid #d0d5dc;border-radius:8px;padding:1rem}
form.filters div{display:flex;flex-direction:column;gap:.25rem}
label{font-weight:600}
input,select{font:inherit;padding:.35rem .5rem;border:1px solid #6b7480;border-radius:4px;background:#fff;color:#1b1f24}
input[type=search]{min-width:min(16rem,100%)}
table{border-collapse:collapse;width:100%;background:#fff}
.table-wrap{overflow-x:auto}
th,td{text-align:left;padding:.5rem .6rem;border-bottom:1px solid #d0d5dc;vertical-align:top}
th{background:#eef1f4}
caption{text-align:left;font-weight:600;padding:.5rem 0}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.35rem 1rem;margin:0}
dl.facts dt{font-weight:600}
dl.facts dd{margin:0;overflow-wrap:anywhere}
ul.caps{columns:2;padding-left:1.25rem}
.foot{color:#4a525c;font-size:.9rem;padding-bottom:2rem}
.foot a{color:#0b57b0}
@media (max-width:40rem){ul.caps{columns:1}dl.facts{grid-template-columns:1fr}}
`;

/** Copy buttons: copies the text of the element a button names (data-copy="id"). */
const copyJs = `document.addEventListener("click",function(e){
var b=e.target.closest&&e.target.closest("button[data-copy]");if(!b)return;
var t=document.getElementById(b.getAttribute("data-copy"));if(!t)return;
var done=function(){var o=b.textContent;b.textContent="Copied";setTimeout(function(){b.textContent=o},1500)};
if(navigator.clipboard){navigator.clipboard.writeText(t.textContent).then(done,function(){})}
});
document.documentElement.classList.add("js");
`;

/** `/assets/*`: the stylesheet and the copy script, served by the gateway itself. */
export function assetRoutes(): Hono {
  const app = new Hono();
  app.get("/gateway.css", (c) => c.body(css, 200, { "content-type": "text/css; charset=utf-8" }));
  app.get(
    "/copy.js",
    (c) => c.body(copyJs, 200, { "content-type": "text/javascript; charset=utf-8" }),
  );
  return app;
}
