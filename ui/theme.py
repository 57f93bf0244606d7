"""The page's look: a Gradio theme with local fonts only, the stylesheet, and the chip-click script.

The page's words about the plans (header, footer, welcome) are built from the index: ui/corpus_text.py.
"""

from __future__ import annotations

import gradio as gr

# Local fonts only: web fonts from abroad are slow or blocked for many visitors, and need no network here.
FONTS = [
    "PingFang SC",
    "Hiragino Sans GB",
    "Microsoft YaHei",
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "system-ui",
    "sans-serif",
]
MONO = ["SFMono-Regular", "Consolas", "Noto Sans Mono CJK SC", "monospace"]


def theme() -> gr.themes.Base:
    """A calm blue theme in the manner of district government sites."""
    return gr.themes.Default(
        primary_hue=gr.themes.colors.blue,
        neutral_hue=gr.themes.colors.slate,
        font=FONTS,
        font_mono=MONO,
        radius_size=gr.themes.sizes.radius_md,
    ).set(
        body_background_fill="#f3f6fa",
        block_border_width="1px",
        block_shadow="0 1px 2px rgba(15, 40, 80, .06)",
        button_primary_background_fill="#0b4ea2",
        button_primary_background_fill_hover="#093f84",
        button_primary_text_color="#ffffff",
    )


# One delegated listener: a chip in any answer opens its passage in the sources panel and shows the quote.
HEAD = """
<meta name="viewport" content="width=device-width, initial-scale=1">
<script>
document.addEventListener('click', function (event) {
  var ask = event.target.closest ? event.target.closest('button.ask-chip') : null;
  if (ask) {
    event.preventDefault();
    event.stopPropagation();
    planqaAsk(ask.getAttribute('title') || '', ask.getAttribute('value'), ask.getAttribute('name'));
    return;
  }
  var chip = event.target.closest ? event.target.closest('a.cite-chip') : null;
  if (!chip) return;
  event.preventDefault();
  event.stopPropagation();
  var card = document.getElementById((chip.getAttribute('href') || '').slice(1));
  if (!card) return;
  card.open = true;
  (card.querySelector('mark') || card).scrollIntoView({behavior: 'smooth', block: 'center'});
  card.classList.remove('flash');
  void card.offsetWidth;
  card.classList.add('flash');
}, true);
// Gradio 6.31 titles a toast by its kind in English ("Info"), whatever title= says: title it in Chinese.
var planqaToastTitles = {info: '提示', warning: '注意', error: '出错了', success: '完成'};
new MutationObserver(function () {
  document.querySelectorAll('.toast-title').forEach(function (el) {
    var kind = Object.keys(planqaToastTitles).filter(function (k) { return el.classList.contains(k); })[0];
    var text = el.firstChild;
    if (kind && text && text.nodeType === 3 && text.nodeValue.trim() !== planqaToastTitles[kind]) {
      text.nodeValue = planqaToastTitles[kind] + ' ';
    }
  });
}).observe(document.documentElement, {childList: true, subtree: true});
// A suggested question is asked as if typed: another district is chosen first when the chip names one.
function planqaAsk(question, district, name) {
  var box = document.querySelector('#question textarea');
  if (!box || !question) return;
  var wait = 0;
  if (district) {
    var radios = Array.prototype.slice.call(document.querySelectorAll('#district input[type=radio]'));
    var radio = radios.filter(function (r) { return r.value === district; })[0] ||
      radios.filter(function (r) {
        var label = r.closest('label');
        var text = label ? label.textContent.trim() : '';
        return text && name && name.indexOf(text) === 0;
      })[0];
    if (radio && !radio.checked) { radio.click(); wait = 150; }
  }
  setTimeout(function () {
    box.value = question;
    box.dispatchEvent(new Event('input', {bubbles: true}));
    setTimeout(function () { var send = document.getElementById('send'); if (send) send.click(); }, 60);
  }, wait);
}
</script>
"""

CSS = """
.gradio-container { max-width: 1180px !important; margin: 0 auto !important; }
footer { opacity: .7; }
#site-header { background: linear-gradient(120deg, #0b4ea2, #1565c0 60%, #1e88e5); color: #fff;
  border-radius: 12px; padding: 18px 22px; margin-bottom: 4px; position: relative; overflow: hidden; }
#site-header::after { content: ""; position: absolute; left: 0; right: 0; bottom: 0; height: 4px;
  background: #c8102e; }
#site-header .brand { display: flex; align-items: center; gap: 12px; }
#site-header .logo { width: 44px; height: 44px; border-radius: 10px; background: rgba(255,255,255,.15);
  display: flex; align-items: center; justify-content: center; font-size: 22px; font-weight: 700; }
#site-header h1 { margin: 0; font-size: 1.45rem; letter-spacing: .08em; color: #fff; }
#site-header p { margin: 4px 0 0; font-size: .9rem; opacity: .9; color: #fff; }
#site-header .badges { margin-top: 10px; display: flex; flex-wrap: wrap; gap: 6px; }
#site-header .badges span { font-size: .75rem; background: rgba(255,255,255,.16); padding: 2px 10px;
  border-radius: 999px; color: #fff; }
.panel-title { font-size: 1rem; font-weight: 600; margin: 4px 2px 6px; color: var(--body-text-color); }
.panel-title small { font-weight: 400; color: var(--body-text-color-subdued); margin-left: 6px; }
#chat .q-text, #chat .a-text, #chat .a-refused, #chat .a-notice { line-height: 1.8; }
#chat .a-refused { color: var(--body-text-color-subdued); }
#chat .a-notice { color: #a15c00; }
#chat .a-pending { color: var(--body-text-color-subdued); }
#chat .a-meta { margin-top: 6px; font-size: .72rem; color: var(--body-text-color-subdued); opacity: .8; }
#chat .a-near, #chat .a-next, #chat .a-switch, #chat .a-plans { margin-top: 8px; font-size: .86rem;
  line-height: 1.7; display: flex; flex-wrap: wrap; gap: 6px; align-items: center; }
#chat .a-plans { color: var(--body-text-color-subdued); font-size: .8rem; display: block; }
#chat .a-label { color: var(--body-text-color-subdued); font-size: .8rem; }
.cite-chip.near-chip { min-width: 0; height: auto; line-height: 1.5; padding: 2px 10px; font-size: .8rem;
  font-weight: 500; vertical-align: baseline; border-radius: 8px; margin: 0; }
.ask-chip { border: 1px solid rgba(11, 78, 162, .3); background: var(--background-fill-primary);
  color: #0b4ea2; border-radius: 999px; padding: 3px 12px; font-size: .82rem; cursor: pointer;
  text-align: left; line-height: 1.5; }
.ask-chip:hover, .ask-chip:focus { background: #0b4ea2; color: #fff; }
.src-near .src-n { background: var(--body-text-color-subdued); }
.cite-chip { display: inline-block; min-width: 1.5em; height: 1.5em; line-height: 1.5em; padding: 0 .35em;
  margin: 0 .15em; border-radius: 999px; background: var(--color-accent-soft); color: #0b4ea2 !important;
  border: 1px solid rgba(11, 78, 162, .25); font-size: .72em; font-weight: 700; text-align: center;
  text-decoration: none !important; vertical-align: .2em; cursor: pointer; }
.cite-chip:hover, .cite-chip:focus { background: #0b4ea2; color: #fff !important; }
.cite-chip.demo { cursor: default; }
#sources { max-height: 640px; overflow-y: auto !important; padding-right: 2px; }
.src-group + .src-group { margin-top: 10px; }
.src-question { font-size: .78rem; color: var(--body-text-color-subdued); margin: 2px 2px 4px; }
.src-card { border: 1px solid var(--border-color-primary); border-radius: 10px; margin: 6px 0;
  background: var(--background-fill-primary); scroll-margin: 80px; transition: box-shadow .4s; }
.src-card summary { cursor: pointer; padding: 10px 12px; display: flex; gap: 10px; align-items: flex-start;
  list-style: none; }
.src-card summary::-webkit-details-marker { display: none; }
.src-card[open] summary { border-bottom: 1px dashed var(--border-color-primary); }
.src-n { flex: none; min-width: 1.6em; height: 1.6em; line-height: 1.6em; border-radius: 999px;
  background: #0b4ea2; color: #fff; text-align: center; font-size: .75rem; font-weight: 700; }
.src-where { display: flex; flex-direction: column; gap: 2px; min-width: 0; }
.src-district { font-weight: 600; font-size: .9rem; color: var(--body-text-color); }
.src-section { font-size: .8rem; color: var(--body-text-color-subdued); word-break: break-all; }
.src-meta { padding: 8px 12px 0; font-size: .74rem; color: var(--body-text-color-subdued); }
.src-text { padding: 6px 12px 12px; font-size: .88rem; line-height: 1.85; color: var(--body-text-color); }
.src-text mark { background: #fff1a8; color: inherit; padding: 1px 2px; border-radius: 3px; }
.src-card.flash { box-shadow: 0 0 0 3px rgba(21, 101, 192, .45); }
.src-empty { text-align: center; color: var(--body-text-color-subdued); padding: 36px 16px;
  border: 1px dashed var(--border-color-primary); border-radius: 10px; font-size: .88rem; line-height: 1.8; }
.src-empty-icon { margin-bottom: 6px; opacity: .7; }
#ask-row { align-items: stretch; }
#send { min-height: 44px; }
#brief-preview { padding: 8px 16px; line-height: 1.8; }
#brief-intro { font-size: .9rem; color: var(--body-text-color-subdued); }
#site-footer { text-align: center; font-size: .78rem; color: var(--body-text-color-subdued); margin-top: 8px;
  line-height: 1.8; }
@media (max-width: 640px) {
  .gradio-container { padding: 6px !important; }
  #site-header { padding: 14px 14px; border-radius: 10px; }
  #site-header h1 { font-size: 1.2rem; }
  #site-header .badges { display: none; }
  #sources { max-height: none; overflow-y: visible !important; }
}
"""
