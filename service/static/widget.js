/*
 * dalil chat widget: questions about the news, answered with citations to the exact source sentences.
 *
 *   <script src="https://HOST/widget.js" data-endpoint="https://HOST" data-lang="auto" defer></script>
 *
 * One file, no dependencies, no build step. It runs under a strict Content-Security-Policy on the host page
 * (no inline script or style, no string-to-code): all markup is built with createElement and text nodes,
 * and the CSS lives in a constructable stylesheet adopted by an open shadow root, which CSP does not block
 * and which keeps host-page CSS out and the widget's CSS in.
 *
 * Host pages get `window.dalil = { open(), close(), ask(question), clear() }`, and any element with a
 * `data-dalil-question` attribute opens the panel and asks that question when clicked.
 */
(() => {
  "use strict";

  // document.currentScript is only set while this file first runs (deferred scripts included), so it is
  // read here, synchronously, before any callback.
  const SCRIPT = document.currentScript || document.querySelector('script[src*="widget.js"]');

  // The page may include the script twice (a CMS block and a template, say): only the first one counts.
  const LOADED_FLAG = "__dalilWidgetLoaded";
  if (window[LOADED_FLAG] || document.getElementById("dalil-widget")) return;
  window[LOADED_FLAG] = true;

  const ENDPOINT = resolveEndpoint(SCRIPT);
  const UI_LANG = resolveUiLanguage(SCRIPT ? SCRIPT.getAttribute("data-lang") : null);
  const STORAGE_KEY = "dalil:conversation:" + ENDPOINT;
  const STORED_MESSAGES_LIMIT = 60;
  const SVG_NS = "http://www.w3.org/2000/svg";

  // ---- strings -------------------------------------------------------------------------------------

  const STRINGS = {
    en: {
      title: "dalil",
      subtitle: "News answers with their sources",
      launcher: "Ask dalil",
      panelLabel: "dalil: questions about the news",
      placeholder: "Ask about the news, in Arabic or English…",
      inputLabel: "Your question",
      send: "Send",
      close: "Close",
      closePanel: "Close dalil",
      clear: "New conversation",
      empty: "Ask a question about the news. Every answer points to the sentences it comes from.",
      searching: "Searching the articles…",
      loading: "Loading…",
      sources: "Sources",
      shortAnswer: "Answer:",
      source: (n, title) => `Source ${n}: ${title}`,
      openArticle: "Open article",
      originalArticle: "Original article",
      translation: "Translation",
      undated: "Undated",
      retry: "Retry",
      abstained: "No answer: the articles don't say this clearly enough.",
      degraded: "Simplified answer",
      removed: (n) => (n === 1 ? "1 sentence was removed: not supported by the sources" : `${n} sentences were removed: not supported by the sources`),
      networkError: "The service can't be reached. Check your connection and try again.",
      rateLimited: "Too many requests. Wait a moment, then try again.",
      rateLimitedFor: (seconds) => `Too many requests. Wait ${seconds} seconds, then try again.`,
      interrupted: "This answer was interrupted.",
      failedPartWay: "The answer failed part-way. Please try again.",
      documentError: "The article could not be loaded.",
    },
    ar: {
      title: "دليل",
      subtitle: "إجابات من الأخبار مع مصادرها",
      launcher: "اسأل دليل",
      panelLabel: "دليل: أسئلة عن الأخبار",
      placeholder: "اسأل عن الأخبار بالعربية أو الإنجليزية…",
      inputLabel: "سؤالك",
      send: "إرسال",
      close: "إغلاق",
      closePanel: "إغلاق دليل",
      clear: "محادثة جديدة",
      empty: "اطرح سؤالًا عن الأخبار. كل إجابة تشير إلى الجمل التي أُخذت منها.",
      searching: "جارٍ البحث في المقالات…",
      loading: "جارٍ التحميل…",
      sources: "المصادر",
      shortAnswer: "الإجابة:",
      source: (n, title) => `المصدر ${n}: ${title}`,
      openArticle: "افتح المقال",
      originalArticle: "المقال الأصلي",
      translation: "الترجمة",
      undated: "بلا تاريخ",
      retry: "أعد المحاولة",
      abstained: "لا إجابة: لا تذكر المقالات ذلك بوضوح كافٍ.",
      degraded: "إجابة مبسّطة",
      removed: (n) => `${n === 1 ? "حُذفت جملة واحدة" : n === 2 ? "حُذفت جملتان" : n <= 10 ? `حُذفت ${n} جمل` : `حُذفت ${n} جملة`}: لا تدعمها المصادر`,
      networkError: "تعذّر الوصول إلى الخدمة. تحقّق من اتصالك ثم أعد المحاولة.",
      rateLimited: "طلبات كثيرة جدًا. انتظر لحظة ثم أعد المحاولة.",
      rateLimitedFor: (seconds) => `طلبات كثيرة جدًا. انتظر ${seconds} ثانية ثم أعد المحاولة.`,
      interrupted: "انقطعت هذه الإجابة.",
      failedPartWay: "تعطّلت الإجابة في منتصفها. أعد المحاولة.",
      documentError: "تعذّر تحميل المقال.",
    },
  };
  const UI = STRINGS[UI_LANG];

  // ---- styles ---------------------------------------------------------------------------------------

  const CSS = `
:host {
  /* !important: for normal declarations the host page's rules on #dalil-widget beat :host; for important
     ones the shadow tree wins, so nothing the page sets on the host (font, colour, spacing) leaks in. */
  all: initial !important;
}
[hidden] { display: none !important; }
.dalil-root {
  --dalil-accent: #0b5566;
  --dalil-accent-strong: #083f4c;
  --dalil-accent-soft: #dcecef;
  --dalil-on-accent: #ffffff;
  --dalil-bg: #ffffff;
  --dalil-surface: #f2f5f6;
  --dalil-text: #1a2326;
  --dalil-muted: #56646a;
  --dalil-border: #d5dde0;
  --dalil-focus: #d9480f;
  --dalil-highlight: #ffe27a;
  --dalil-shadow: 0 12px 40px rgba(10, 30, 40, 0.22), 0 2px 8px rgba(10, 30, 40, 0.12);
  font-family: "Noto Naskh Arabic", "Noto Sans Arabic", "Geeza Pro", "Segoe UI", Tahoma, Arial, sans-serif;
  font-size: 15px;
  font-weight: 400;
  font-style: normal;
  line-height: 1.6;
  color: var(--dalil-text);
  letter-spacing: normal;
  word-spacing: normal;
  text-align: start;
  text-indent: 0;
  text-transform: none;
  text-shadow: none;
  white-space: normal;
  visibility: visible;
  cursor: auto;
  -webkit-font-smoothing: antialiased;
}
.dalil-root *, .dalil-root *::before, .dalil-root *::after { box-sizing: border-box; }
button, textarea { font: inherit; color: inherit; letter-spacing: inherit; margin: 0; }
button { border: 0; background: none; padding: 0; cursor: pointer; text-align: inherit; }
h2, h3, p, ol, ul, li { margin: 0; padding: 0; }
ol, ul { list-style: none; }
:focus { outline: none; }
:focus-visible { outline: 3px solid var(--dalil-focus); outline-offset: 2px; }
.dalil-visually-hidden {
  position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap;
}
svg { display: block; width: 20px; height: 20px; flex: none; }

/* ---- launcher ---- */
.dalil-launcher {
  position: fixed; bottom: 20px; inset-inline-end: 20px; z-index: 2147483000;
  width: 56px; height: 56px; border-radius: 50%;
  display: flex; align-items: center; justify-content: center;
  background: var(--dalil-accent); color: var(--dalil-on-accent); box-shadow: var(--dalil-shadow);
  transition: background-color 0.15s;
}
.dalil-launcher:hover { background: var(--dalil-accent-strong); }
.dalil-launcher svg { width: 28px; height: 28px; }

/* ---- panel ---- */
.dalil-panel {
  position: fixed; bottom: 88px; inset-inline-end: 20px; z-index: 2147483001;
  width: 380px; height: 560px; max-height: calc(100vh - 108px); max-width: calc(100vw - 40px);
  display: flex; flex-direction: column; overflow: hidden;
  background: var(--dalil-bg); border: 1px solid var(--dalil-border); border-radius: 16px;
  box-shadow: var(--dalil-shadow);
}
.dalil-header {
  display: flex; align-items: center; gap: 8px; padding: 10px 0; padding-inline: 16px 8px;
  background: var(--dalil-accent); color: var(--dalil-on-accent);
}
.dalil-heading { flex: 1; min-width: 0; }
.dalil-title { font-size: 18px; font-weight: 700; line-height: 1.3; }
.dalil-subtitle { font-size: 12.5px; opacity: 0.85; line-height: 1.4; }
.dalil-icon-button {
  width: 36px; height: 36px; border-radius: 50%; flex: none;
  display: flex; align-items: center; justify-content: center;
}
.dalil-header .dalil-icon-button:hover { background: rgba(255, 255, 255, 0.16); }
.dalil-header :focus-visible { outline-color: #ffd8a8; }
.dalil-scroll { flex: 1; overflow-y: auto; padding: 14px 12px; overscroll-behavior: contain; }
.dalil-empty { color: var(--dalil-muted); font-size: 14px; padding: 8px 4px; }

/* ---- messages ---- */
.dalil-messages { display: flex; flex-direction: column; gap: 10px; }
.dalil-message {
  max-width: 90%; padding: 9px 13px; border-radius: 14px; overflow-wrap: anywhere;
}
.dalil-message[data-role="user"] {
  align-self: flex-end; background: var(--dalil-accent); color: var(--dalil-on-accent);
  border-end-end-radius: 4px;
}
.dalil-message[data-role="assistant"] {
  align-self: flex-start; background: var(--dalil-surface); border: 1px solid var(--dalil-border);
  border-end-start-radius: 4px; width: 90%;
}
.dalil-user-text, .dalil-answer-text, .dalil-note, .dalil-source-title,
.dalil-popover-context, .dalil-popover-translation, .dalil-viewer-text p {
  unicode-bidi: plaintext; text-align: start;
}
.dalil-user-text, .dalil-answer-text { white-space: pre-wrap; }
.dalil-message[lang="ar"] .dalil-answer-text, .dalil-message[lang="ar"] .dalil-user-text { font-size: 16px; line-height: 1.75; }
.dalil-loading { color: var(--dalil-muted); font-size: 14px; }
.dalil-loading::after { content: ""; display: inline-block; width: 1.2em; text-align: start; animation: dalil-dots 1.2s steps(4) infinite; }
@keyframes dalil-dots { 0% { content: ""; } 25% { content: "."; } 50% { content: ".."; } 75% { content: "..."; } }
.dalil-message[data-state="streaming"] .dalil-answer-text:not(:empty)::after {
  content: ""; display: inline-block; width: 0.5em; height: 1em; margin-inline-start: 2px;
  vertical-align: text-bottom; background: var(--dalil-muted); animation: dalil-blink 1s steps(2) infinite;
}
@keyframes dalil-blink { 50% { opacity: 0; } }
.dalil-marker {
  display: inline-flex; align-items: center; justify-content: center;
  min-width: 1.55em; height: 1.45em; padding: 0 0.35em; margin: 0 0.15em; border-radius: 999px;
  font-size: 0.78em; font-weight: 700; line-height: 1; vertical-align: 0.15em;
  background: var(--dalil-accent-soft); color: var(--dalil-accent-strong); border: 1px solid #b7d5db;
  unicode-bidi: isolate; direction: ltr;
}
.dalil-marker:hover, .dalil-marker[aria-expanded="true"] { background: var(--dalil-accent); color: var(--dalil-on-accent); }
.dalil-short-answer { margin: 0 0 6px; font-size: 1.05em; }
.dalil-removed { margin-top: 8px; font-size: 13.5px; color: var(--dalil-muted); }
.dalil-removed summary { cursor: pointer; }
.dalil-removed ul { margin: 4px 0 0; padding-inline-start: 18px; }
.dalil-short-label { color: var(--dalil-muted); font-size: 0.85em; }
.dalil-note {
  margin-top: 8px; padding: 6px 10px; border-radius: 8px; font-size: 13.5px; line-height: 1.5;
  border-inline-start: 3px solid;
}
.dalil-note[data-kind="abstained"] { background: #eef0f8; border-color: #5c6bc0; color: #2c3577; }
.dalil-note[data-kind="degraded"] { background: #fff6e0; border-color: #c98a00; color: #6a4700; }
.dalil-note[data-kind="error"] { background: #fdecea; border-color: #c62828; color: #8a1c1c; }
.dalil-note[data-kind="rate-limited"] { background: #fff3e0; border-color: #e65100; color: #7a3000; }
.dalil-retry {
  margin-top: 8px; padding: 4px 14px; border-radius: 999px; font-size: 14px;
  border: 1px solid var(--dalil-accent); color: var(--dalil-accent-strong); background: var(--dalil-bg);
}
.dalil-retry:hover { background: var(--dalil-accent-soft); }
.dalil-sources-block { margin-top: 10px; padding-top: 8px; border-top: 1px solid var(--dalil-border); }
.dalil-sources-label { font-size: 12.5px; font-weight: 700; color: var(--dalil-muted); margin-bottom: 4px; }
.dalil-sources { display: flex; flex-direction: column; gap: 4px; }
.dalil-source {
  display: flex; gap: 8px; align-items: baseline; width: 100%; padding: 4px 6px; border-radius: 8px;
  font-size: 13.5px; line-height: 1.45;
}
.dalil-source:hover { background: var(--dalil-accent-soft); }
.dalil-source-number {
  flex: none; min-width: 1.5em; font-weight: 700; color: var(--dalil-accent-strong); text-align: center;
}
.dalil-source-title { flex: 1; min-width: 0; }
.dalil-source-date { color: var(--dalil-muted); font-size: 12px; white-space: nowrap; }

/* ---- form ---- */
.dalil-form {
  display: flex; align-items: flex-end; gap: 8px; padding: 10px 12px;
  border-top: 1px solid var(--dalil-border); background: var(--dalil-bg);
}
.dalil-input {
  flex: 1; min-width: 0; resize: none; min-height: 42px; max-height: 130px; field-sizing: content;
  padding: 9px 12px; border: 1px solid var(--dalil-border); border-radius: 12px;
  background: var(--dalil-bg); line-height: 1.45; unicode-bidi: plaintext;
}
.dalil-input::placeholder { color: #7b878c; opacity: 1; }
.dalil-input:focus-visible { outline: 2px solid var(--dalil-accent); outline-offset: 0; border-color: var(--dalil-accent); }
.dalil-send {
  width: 42px; height: 42px; border-radius: 12px; flex: none;
  display: flex; align-items: center; justify-content: center;
  background: var(--dalil-accent); color: var(--dalil-on-accent);
}
.dalil-send:hover { background: var(--dalil-accent-strong); }
.dalil-root[dir="rtl"] .dalil-send svg { transform: scaleX(-1); }

/* ---- popover: a card over the lower part of the panel, so it always fits on a phone ---- */
.dalil-popover {
  position: absolute; inset-inline: 10px; bottom: 10px; z-index: 2; max-height: calc(100% - 84px);
  overflow-y: auto; padding: 12px 14px 14px; border-radius: 14px;
  background: var(--dalil-bg); border: 1px solid var(--dalil-border); box-shadow: var(--dalil-shadow);
}
.dalil-popover-header, .dalil-viewer-header { display: flex; align-items: flex-start; gap: 8px; }
.dalil-popover-title { flex: 1; min-width: 0; font-size: 15px; font-weight: 700; line-height: 1.45; }
.dalil-close { color: var(--dalil-muted); margin-top: -4px; margin-inline-end: -6px; }
.dalil-close:hover { background: var(--dalil-surface); color: var(--dalil-text); }
.dalil-popover-meta, .dalil-viewer-meta { font-size: 12.5px; color: var(--dalil-muted); margin-top: 2px; }
.dalil-popover-context {
  margin-top: 10px; padding: 8px 10px; border-radius: 8px; background: var(--dalil-surface);
  font-size: 14.5px; line-height: 1.75;
}
.dalil-popover-translation { margin-top: 8px; font-size: 14px; }
.dalil-label { font-weight: 700; color: var(--dalil-muted); margin-inline-end: 0.4em; }
.dalil-popover-status { margin-top: 6px; font-size: 13px; color: #8a1c1c; }
.dalil-popover-actions { margin-top: 12px; display: flex; gap: 8px; }
.dalil-open-article {
  padding: 6px 16px; border-radius: 999px; font-size: 14px; font-weight: 600;
  background: var(--dalil-accent); color: var(--dalil-on-accent);
}
.dalil-open-article:hover { background: var(--dalil-accent-strong); }
mark.dalil-highlight {
  background: var(--dalil-highlight); color: inherit; border-radius: 3px; padding: 0 2px;
  box-decoration-break: clone; -webkit-box-decoration-break: clone;
}

/* ---- article viewer: a side sheet ---- */
.dalil-backdrop { position: fixed; inset: 0; z-index: 2147483002; background: rgba(12, 20, 24, 0.38); }
.dalil-viewer {
  position: fixed; top: 0; bottom: 0; inset-inline-end: 0; z-index: 2147483003;
  width: min(520px, 100vw); display: flex; flex-direction: column;
  background: var(--dalil-bg); box-shadow: var(--dalil-shadow);
}
.dalil-viewer-header { padding: 16px 16px 4px; padding-inline: 20px 12px; }
.dalil-viewer-title { flex: 1; min-width: 0; font-size: 18px; font-weight: 700; line-height: 1.45; }
.dalil-viewer-meta { padding: 0 20px 12px; border-bottom: 1px solid var(--dalil-border); }
.dalil-viewer-link { color: var(--dalil-accent); text-decoration: underline; margin-inline-start: 0.5em; }
.dalil-viewer-body { flex: 1; overflow-y: auto; padding: 16px 20px 40px; overscroll-behavior: contain; }
.dalil-viewer-status { color: var(--dalil-muted); }
.dalil-viewer-text { font-size: 16px; line-height: 1.85; }
.dalil-viewer-text p + p { margin-top: 0.7em; }
.dalil-viewer-text mark.dalil-highlight { scroll-margin: 80px; }

/* ---- small screens: the panel takes the whole screen ---- */
@media (max-width: 480px) {
  .dalil-panel {
    inset: 0; width: auto; height: auto; max-width: none; max-height: none;
    border-radius: 0; border: 0;
  }
  .dalil-root[data-open] .dalil-launcher { display: none; }
  .dalil-launcher { bottom: 14px; inset-inline-end: 14px; }
  .dalil-message { max-width: 94%; }
  .dalil-message[data-role="assistant"] { width: 94%; }
}
@media (prefers-reduced-motion: reduce) {
  .dalil-root *, .dalil-root *::after { animation: none !important; transition: none !important; }
}
`;

  // ---- settings from the <script> tag -----------------------------------------------------------------

  function resolveEndpoint(script) {
    const given = script ? script.getAttribute("data-endpoint") : null;
    try {
      if (given) {
        // An explicit endpoint may carry a path prefix (a reverse proxy), kept without its trailing slash.
        const url = new URL(given, location.href);
        return url.origin + url.pathname.replace(/\/+$/, "");
      }
      return new URL(script && script.src ? script.src : location.href).origin;
    } catch {
      return location.origin;
    }
  }

  function resolveUiLanguage(setting) {
    const wanted = (setting || "auto").trim().toLowerCase();
    const language = wanted === "auto" ? document.documentElement.lang || navigator.language || "en" : wanted;
    return language.toLowerCase().startsWith("ar") ? "ar" : "en";
  }

  // ---- small pure helpers -------------------------------------------------------------------------------

  /** The language a text reads in: Arabic when at least 30% of its letters are Arabic; null with no letters. */
  function languageOfText(text) {
    const letters = (text.match(/\p{L}/gu) || []).length;
    if (!letters) return null;
    const arabic = (text.match(/(?=\p{Script=Arabic})\p{L}/gu) || []).length;
    return arabic / letters >= 0.3 ? "ar" : "en";
  }

  // A run of one script: from its first letter to its last one (with what lies between, short of a letter of
  // the other script or a line break), plus the closing punctuation that belongs to it.
  const FOREIGN_RUN = {
    rtl: { dir: "rtl", pattern: /\p{Script=Arabic}(?:[^\p{Script=Latin}\n]*\p{Script=Arabic})?[.!?؟…»”"]*/gu },
    ltr: { dir: "ltr", pattern: /\p{Script=Latin}(?:[^\p{Script=Arabic}\n]*\p{Script=Latin})?[.!?…»”"]*/gu },
  };

  function directionOf(language) {
    return language === "ar" ? "rtl" : "ltr";
  }

  function languageAttributes(language) {
    return { lang: language, dir: directionOf(language) };
  }

  function documentLanguage(doc) {
    if (doc.language === "ar" || doc.language === "en") return doc.language;
    return languageOfText(doc.text) || UI_LANG;
  }

  /**
   * The server's offsets count code points (Python); JS strings count UTF-16 units. They only differ after
   * an astral character (emoji, rare CJK), so the map is built only when the text has one.
   */
  function codePointToUtf16Mapper(text) {
    if (!/[\uD800-\uDFFF]/.test(text)) return (offset) => offset;
    const units = [];
    let position = 0;
    for (const character of text) {
      units.push(position);
      position += character.length;
    }
    units.push(position);
    return (offset) => units[Math.max(0, Math.min(offset, units.length - 1))];
  }

  function isHttpUrl(value) {
    return typeof value === "string" && /^https?:\/\//i.test(value);
  }

  function formatDate(value, language) {
    if (!value) return "";
    const date = new Date(value);
    if (Number.isNaN(date.getTime())) return String(value);
    const options = { dateStyle: "long" };
    // A bare date is parsed as UTC midnight: format it in UTC too, or it shows as the day before in the Americas.
    if (/^\d{4}-\d{2}-\d{2}$/.test(value)) options.timeZone = "UTC";
    try {
      return new Intl.DateTimeFormat(language === "ar" ? "ar-u-nu-latn" : "en-GB", options).format(date);
    } catch {
      return String(value);
    }
  }

  function parseRetryAfter(value) {
    if (!value) return null;
    if (/^\s*\d+\s*$/.test(value)) return Number(value);
    const at = Date.parse(value);
    return Number.isNaN(at) ? null : Math.max(1, Math.ceil((at - Date.now()) / 1000));
  }

  function newId() {
    return `m${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  }

  // ---- Server-Sent Events ------------------------------------------------------------------------------

  /**
   * An incremental parser for the text/event-stream format: feed it decoded text as it arrives, in pieces
   * of any size; it calls onEvent(name, data) for each complete event. Handles CRLF, CR and LF line ends,
   * multi-line data and comment lines (":"), as the HTML standard describes.
   */
  function createSseParser(onEvent) {
    let buffer = "";
    let eventName = "";
    let dataLines = [];

    function dispatch() {
      if (dataLines.length) onEvent(eventName || "message", dataLines.join("\n"));
      eventName = "";
      dataLines = [];
    }

    function processLine(line) {
      if (line === "") return dispatch();
      if (line.startsWith(":")) return; // a comment, e.g. the server's keep-alive ping
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? "" : line.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "event") eventName = value;
      else if (field === "data") dataLines.push(value);
    }

    return {
      push(text) {
        buffer += text;
        // A CR at the very end may be the first half of a CRLF split across reads: keep it for the next one.
        const lines = buffer.split(/\r\n|\r(?!$)|\n/);
        buffer = lines.pop();
        lines.forEach(processLine);
      },
      end() {
        if (buffer) processLine(buffer.replace(/\r$/, ""));
        buffer = "";
        dispatch();
      },
    };
  }

  // ---- talking to the service -----------------------------------------------------------------------------

  /** Why a question got no answer; `kind` picks the message shown and whether it counts as rate limiting. */
  class AskFailure extends Error {
    constructor(kind, detail = "", retryAfter = null) {
      super(detail || kind);
      this.kind = kind; // "network" | "server" | "rate-limited" | "rejected" | "stream" | "interrupted"
      this.detail = detail;
      this.retryAfter = retryAfter;
    }
  }

  function isAbort(error) {
    return error && error.name === "AbortError";
  }

  function canReadStreams() {
    return typeof ReadableStream === "function" && typeof TextDecoder === "function" && "body" in Response.prototype;
  }

  async function post(path, body, signal, accept) {
    try {
      return await fetch(ENDPOINT + path, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: accept },
        body,
        signal,
      });
    } catch (error) {
      if (isAbort(error)) throw error;
      throw new AskFailure("network");
    }
  }

  async function readDetail(response) {
    try {
      const body = await response.json();
      return body && typeof body.detail === "string" ? body.detail : "";
    } catch {
      return "";
    }
  }

  async function failureFrom(response) {
    const detail = await readDetail(response);
    if (response.status === 429) {
      return new AskFailure("rate-limited", detail, parseRetryAfter(response.headers.get("Retry-After")));
    }
    if (response.status >= 500) return new AskFailure("server", detail);
    return new AskFailure("rejected", detail || `HTTP ${response.status}`);
  }

  async function readAnswerJson(response) {
    try {
      const answer = await response.json();
      if (answer && typeof answer.answer === "string") return answer;
    } catch (error) {
      if (isAbort(error)) throw error;
    }
    throw new AskFailure("server");
  }

  /** Ask one question; calls onToken(text) as verified text streams in and resolves with the final answer. */
  async function fetchAnswer(question, { signal, onToken }) {
    const body = JSON.stringify({ question });
    if (!canReadStreams()) return fetchWholeAnswer(body, signal);
    const response = await post("/v1/ask/stream", body, signal, "text/event-stream");
    // An older service (or a proxy) without the stream route: ask the plain one.
    if (response.status === 404 || response.status === 405) return fetchWholeAnswer(body, signal);
    if (!response.ok) throw await failureFrom(response);
    const type = response.headers.get("Content-Type") || "";
    if (!response.body || !type.includes("text/event-stream")) return readAnswerJson(response);
    return readAnswerStream(response, onToken);
  }

  async function fetchWholeAnswer(body, signal) {
    const response = await post("/v1/ask", body, signal, "application/json");
    if (!response.ok) throw await failureFrom(response);
    return readAnswerJson(response);
  }

  async function readAnswerStream(response, onToken) {
    let final = null;
    let failure = null;
    const parser = createSseParser((name, data) => {
      if (final || failure) return;
      let payload = null;
      try {
        payload = JSON.parse(data);
      } catch {
        return; // not ours (or garbled): skip it rather than fail the whole answer
      }
      if (name === "token" && payload && typeof payload.text === "string") onToken(payload.text);
      else if (name === "done" && payload && typeof payload.answer === "string") final = payload;
      else if (name === "error") failure = new AskFailure("stream", payload && payload.detail ? payload.detail : "");
    });
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    try {
      while (!final && !failure) {
        const { value, done } = await reader.read();
        if (done) break;
        parser.push(decoder.decode(value, { stream: true }));
      }
      if (!final && !failure) {
        parser.push(decoder.decode());
        parser.end();
      }
    } catch (error) {
      if (isAbort(error)) throw error;
      failure = failure || new AskFailure("network"); // the connection dropped mid-answer
    } finally {
      reader.cancel().catch(() => {});
    }
    if (final) return final;
    throw failure || new AskFailure("network"); // the stream ended without its `done` event
  }

  // Articles are fetched once per page and shared by the popover and the viewer.
  const documentCache = new Map();

  function loadDocument(docId) {
    if (!documentCache.has(docId)) {
      const request = fetch(`${ENDPOINT}/v1/documents/${encodeURIComponent(docId)}`, {
        headers: { Accept: "application/json" },
      }).then(async (response) => {
        if (!response.ok) throw new Error((await readDetail(response)) || `HTTP ${response.status}`);
        const raw = await response.json();
        if (!raw || typeof raw.text !== "string") throw new Error("malformed document");
        return { ...raw, toUtf16: codePointToUtf16Mapper(raw.text) };
      });
      request.catch(() => documentCache.delete(docId)); // a failed load is tried again next time
      documentCache.set(docId, request);
    }
    return documentCache.get(docId);
  }

  /** The cited sentence's span in the article, in JS string indices; found by its quote if offsets disagree. */
  function locateCitation(doc, citation) {
    const start = doc.toUtf16(citation.start);
    const end = doc.toUtf16(citation.end);
    if (!citation.quote || doc.text.slice(start, end) === citation.quote) return { start, end };
    const found = doc.text.indexOf(citation.quote);
    return found < 0 ? null : { start: found, end: found + citation.quote.length };
  }

  /** The line of the article (split on "\n") that holds `offset`. */
  function lineAround(text, offset) {
    const start = offset > 0 ? text.lastIndexOf("\n", offset - 1) + 1 : 0;
    const newline = text.indexOf("\n", offset);
    return { start, end: newline < 0 ? text.length : newline };
  }

  // ---- persistence ------------------------------------------------------------------------------------------

  function loadConversation() {
    try {
      const stored = JSON.parse(sessionStorage.getItem(STORAGE_KEY) || "null");
      if (!stored || !Array.isArray(stored.messages)) return { open: false, messages: [] };
      const messages = stored.messages.filter(isValidRecord).map((record) =>
        // An answer still streaming when the page went away will never finish: offer to ask again.
        record.status === "streaming" ? { ...record, status: "error", failure: { kind: "interrupted" } } : record,
      );
      return { open: Boolean(stored.open), messages };
    } catch {
      return { open: false, messages: [] }; // storage disabled or corrupt: start afresh
    }
  }

  function isValidRecord(record) {
    if (!record || typeof record.id !== "string") return false;
    if (record.role === "user") return typeof record.text === "string";
    return record.role === "assistant" && typeof record.question === "string";
  }

  function saveConversation(open, messages) {
    try {
      const recent = messages.slice(-STORED_MESSAGES_LIMIT);
      sessionStorage.setItem(STORAGE_KEY, JSON.stringify({ version: 1, open, messages: recent }));
    } catch {
      // Private modes and full quotas refuse storage; the conversation then lasts as long as the page.
    }
  }

  /** What is kept of an answer: everything but the passages, which are large and not shown. */
  function storableAnswer(answer) {
    const { passages, ...kept } = answer;
    kept.citations = Array.isArray(answer.citations) ? answer.citations : [];
    return kept;
  }

  // ---- DOM building ---------------------------------------------------------------------------------------------

  /** createElement with a class, attributes and children (strings become text nodes, never markup). */
  function el(tag, className, attributes = {}, children = []) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    for (const [name, value] of Object.entries(attributes)) {
      if (value !== null && value !== undefined && value !== false) node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of [].concat(children)) {
      if (child !== null && child !== undefined && child !== "") node.append(child);
    }
    return node;
  }

  const ICON_PATHS = {
    chat: ["M21 11.5a8.4 8.4 0 0 1-12.3 7.5L3 21l2-5.4A8.4 8.4 0 1 1 21 11.5z", "M8 10h8", "M8 13.5h5"],
    close: ["M6 6l12 12", "M18 6L6 18"],
    send: ["M4 12h15", "M13 6l6 6-6 6"],
    plus: ["M12 5v14", "M5 12h14"],
  };

  function icon(name) {
    const svg = document.createElementNS(SVG_NS, "svg");
    for (const [key, value] of Object.entries({
      viewBox: "0 0 24 24", fill: "none", stroke: "currentColor", "stroke-width": "2",
      "stroke-linecap": "round", "stroke-linejoin": "round", "aria-hidden": "true", focusable: "false",
    })) svg.setAttribute(key, value);
    for (const d of ICON_PATHS[name]) {
      const path = document.createElementNS(SVG_NS, "path");
      path.setAttribute("d", d);
      svg.append(path);
    }
    return svg;
  }

  function iconButton(className, iconName, label) {
    return el("button", `dalil-icon-button ${className}`, { type: "button", "aria-label": label, title: label }, [icon(iconName)]);
  }

  function adoptStyles(shadow) {
    if ("adoptedStyleSheets" in Document.prototype && "replaceSync" in CSSStyleSheet.prototype) {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      shadow.adoptedStyleSheets = [sheet];
    } else {
      // Browsers without constructable stylesheets (Safari before 16.4): a style element, which a strict
      // style-src policy refuses; the widget then works unstyled.
      shadow.append(el("style", "", {}, CSS));
    }
  }

  /** The fixed parts: launcher, panel with header, message list and form. */
  function buildChrome() {
    const launcher = el("button", "dalil-launcher", {
      type: "button", "aria-expanded": "false", "aria-controls": "dalil-panel", "aria-label": UI.launcher, title: UI.launcher,
    }, [icon("chat")]);

    const clearButton = iconButton("dalil-clear", "plus", UI.clear);
    const closeButton = iconButton("dalil-panel-close", "close", UI.closePanel);
    const header = el("header", "dalil-header", {}, [
      el("div", "dalil-heading", {}, [
        el("h2", "dalil-title", { id: "dalil-panel-title" }, UI.title),
        el("p", "dalil-subtitle", {}, UI.subtitle),
      ]),
      clearButton,
      closeButton,
    ]);

    const empty = el("p", "dalil-empty", {}, UI.empty);
    const messages = el("ol", "dalil-messages", { "aria-live": "polite", "aria-relevant": "additions text" });
    const scroller = el("div", "dalil-scroll", {}, [empty, messages]);

    const input = el("textarea", "dalil-input", {
      rows: "1", placeholder: UI.placeholder, "aria-label": UI.inputLabel, autocomplete: "off",
    });
    const send = el("button", "dalil-send", { type: "submit", "aria-label": UI.send, title: UI.send }, [icon("send")]);
    const form = el("form", "dalil-form", {}, [input, send]);

    const panel = el("section", "dalil-panel", {
      id: "dalil-panel", role: "dialog", "aria-label": UI.panelLabel, hidden: true,
    }, [header, scroller, form]);

    const root = el("div", "dalil-root", { dir: directionOf(UI_LANG), lang: UI_LANG }, [launcher, panel]);
    return { root, launcher, panel, clearButton, closeButton, empty, messages, scroller, input, form };
  }

  // ---- the widget --------------------------------------------------------------------------------------------------

  function createWidget() {
    const host = document.createElement("div");
    host.id = "dalil-widget";
    const shadow = host.attachShadow({ mode: "open" });
    adoptStyles(shadow);
    const ui = buildChrome();
    shadow.append(ui.root);
    document.body.append(host);

    const restored = loadConversation();
    const state = {
      open: false,
      messages: restored.messages,
      inFlight: null, // { record, controller, resolve }
      popover: null, // { element, trigger, citation }
      viewer: null, // { element, backdrop, returnFocusTo }
    };
    const messageElements = new Map(); // record id -> li

    // -- panel --

    function openPanel({ focus = true } = {}) {
      if (!state.open) {
        state.open = true;
        ui.panel.hidden = false;
        ui.root.setAttribute("data-open", "");
        ui.launcher.setAttribute("aria-expanded", "true");
        scrollToEnd();
        save();
      }
      if (focus) ui.input.focus();
    }

    function closePanel() {
      closeViewer({ restoreFocus: false });
      closePopover({ restoreFocus: false });
      if (state.open) {
        state.open = false;
        ui.panel.hidden = true;
        ui.root.removeAttribute("data-open");
        ui.launcher.setAttribute("aria-expanded", "false");
        save();
      }
      ui.launcher.focus();
    }

    function save() {
      saveConversation(state.open, state.messages);
    }

    function scrollToEnd() {
      ui.scroller.scrollTop = ui.scroller.scrollHeight;
    }

    function isNearEnd() {
      return ui.scroller.scrollHeight - ui.scroller.scrollTop - ui.scroller.clientHeight < 80;
    }

    // -- messages --

    function renderAll() {
      ui.messages.replaceChildren();
      messageElements.clear();
      state.messages.forEach(appendMessageElement);
      ui.empty.hidden = state.messages.length > 0;
    }

    function appendMessageElement(record) {
      const li = el("li", "dalil-message", { "data-role": record.role, "data-id": record.id });
      messageElements.set(record.id, li);
      ui.messages.append(li);
      ui.empty.hidden = true;
      if (record.role === "user") renderUserMessage(li, record);
      else renderAssistantMessage(record);
    }

    function setLanguage(element, language) {
      element.setAttribute("lang", language);
      element.setAttribute("dir", directionOf(language));
    }

    function renderUserMessage(li, record) {
      setLanguage(li, languageOfText(record.text) || UI_LANG);
      li.append(el("p", "dalil-user-text", {}, record.text));
    }

    /** Draws an assistant message from its record; called whenever its state changes (not for each token). */
    function renderAssistantMessage(record) {
      const li = messageElements.get(record.id);
      if (!li) return;
      const answer = record.status === "done" ? record.answer : null;
      const text = answer ? answer.answer : record.partial || "";
      li.setAttribute("data-state", record.status);
      // An answer reads in the asker's language even when it quotes sources in another script.
      const asked = (answer && answer.language) || languageOfText(record.question || "");
      setLanguage(li, asked || languageOfText(text) || UI_LANG);
      li.replaceChildren();
      // Labels tied to an answer speak the asker's language (the answer's); errors and chrome the page's.
      const answerLang = answer && STRINGS[answer.language] ? answer.language : UI_LANG;
      const strings = STRINGS[answerLang];

      const short = answer && !answer.abstained ? answer.short_answer : null;
      if (short) li.append(shortAnswer(answer, short, strings));
      const answerText = el("div", "dalil-answer-text");
      // The extractive answer's text leads with the short answer, shown above already.
      if (answer) appendAnswerWithMarkers(answerText, answer, strings, short ? shortAnswerLead(answer, short) : 0);
      else answerText.append(text);
      li.append(answerText);

      if (record.status === "streaming" && !text) {
        li.append(el("p", "dalil-loading", languageAttributes(UI_LANG), UI.searching));
      }
      if (answer && answer.abstained) li.append(note("abstained", strings.abstained, answerLang));
      if (answer && answer.degraded) {
        const reason = answer.degraded_reason ? `: ${answer.degraded_reason}` : ".";
        li.append(note("degraded", strings.degraded + reason, answerLang));
      }
      if (answer && Array.isArray(answer.unsupported) && answer.unsupported.length) {
        li.append(removedClaims(answer.unsupported, answerLang));
      }
      if (answer && !answer.abstained && answer.citations.length) li.append(sourcesList(answer, answerLang));
      if (record.status === "error") {
        const failure = record.failure || { kind: "network" };
        li.append(note(failure.kind === "rate-limited" ? "rate-limited" : "error", failureMessage(failure), UI_LANG));
        li.append(el("button", "dalil-retry", { type: "button" }, UI.retry));
      }
    }

    /** What verification removed from the model's answer: a count, with each sentence and its reason on demand. */
    function removedClaims(unsupported, language) {
      const strings = STRINGS[language];
      const items = unsupported.map((claim) =>
        el("li", "", {}, [
          el("q", "", { dir: "auto" }, claim.text), " — ", el("span", "dalil-removed-reason", { dir: "auto" }, claim.reason),
        ]));
      return el("details", "dalil-removed", languageAttributes(language), [
        el("summary", "", {}, strings.removed(unsupported.length)),
        el("ul", "", {}, items),
      ]);
    }

    function note(kind, text, language) {
      return el("p", "dalil-note", { "data-kind": kind, ...languageAttributes(language) }, text);
    }

    function failureMessage(failure) {
      switch (failure.kind) {
        case "rate-limited":
          return failure.retryAfter ? UI.rateLimitedFor(failure.retryAfter) : UI.rateLimited;
        case "rejected":
          return failure.detail || UI.networkError;
        case "stream":
          return UI.failedPartWay;
        case "interrupted":
          return UI.interrupted;
        default:
          return UI.networkError; // network failures and 5xx: the user can only wait and retry
      }
    }

    /** The words that answer the question, first and in bold, with the marker of the source sentence holding them. */
    function shortAnswer(answer, short, strings) {
      const shown = short.english || short.text;
      const number = answer.citations.findIndex((c) => c.doc_id === short.doc_id && c.start <= short.start && short.end <= c.end) + 1;
      const citation = answer.citations[number - 1];
      const marker = citation ? el("button", "dalil-marker", {
        type: "button", "data-citation": number, "aria-label": strings.source(number, citation.title),
        "aria-haspopup": "dialog", "aria-expanded": "false",
      }, String(number)) : null;
      const words = el("strong", "", {}, []);
      appendIsolatedRuns(words, shown, answer.language);
      return el("p", "dalil-short-answer", {}, [el("span", "dalil-short-label", {}, strings.shortAnswer), " ", words, marker]);
    }

    /** Where the text after the short answer's lead ("X [n].") begins, or 0 when the text does not lead with it. */
    function shortAnswerLead(answer, short) {
      const lead = `${short.english || short.text} [`;
      const text = answer.answer;
      const close = text.startsWith(lead) ? text.indexOf("].", lead.length) : -1;
      if (close < 0 || !/^\d{1,3}$/.test(text.slice(lead.length, close))) return 0;
      return close + 2 + text.slice(close + 2).match(/^\s*/)[0].length;
    }

    /** The answer text with each [n] that names a citation turned into a button; everything else stays text. */
    function appendAnswerWithMarkers(container, answer, strings, from = 0) {
      const text = answer.answer.slice(from);
      const isolate = (piece) => appendIsolatedRuns(container, piece, answer.language);
      let last = 0;
      for (const match of text.matchAll(/\[(\d{1,3})\]/g)) {
        const number = Number(match[1]);
        const citation = answer.citations[number - 1];
        if (!citation) continue;
        if (match.index > last) isolate(text.slice(last, match.index));
        container.append(el("button", "dalil-marker", {
          type: "button", "data-citation": number, "aria-label": strings.source(number, citation.title),
          "aria-haspopup": "dialog", "aria-expanded": "false",
        }, String(number)));
        last = match.index + match[0].length;
      }
      if (last < text.length) isolate(text.slice(last));
    }

    /**
     * Appends text, wrapping each run in the other script in <bdi>: an Arabic quote inside an English answer
     * (or the reverse) keeps its own order and its final full stop instead of being reordered by its neighbours.
     */
    function appendIsolatedRuns(container, text, language) {
      const foreign = language === "ar" ? FOREIGN_RUN.ltr : FOREIGN_RUN.rtl;
      let last = 0;
      for (const match of text.matchAll(foreign.pattern)) {
        if (match.index > last) container.append(text.slice(last, match.index));
        container.append(el("bdi", "", { dir: foreign.dir }, match[0]));
        last = match.index + match[0].length;
      }
      if (last < text.length) container.append(text.slice(last));
    }

    function sourcesList(answer, language) {
      const strings = STRINGS[language];
      const items = answer.citations.map((citation, index) =>
        el("li", "", {}, [
          el("button", "dalil-source", {
            type: "button", "data-citation": index + 1, "aria-label": strings.source(index + 1, citation.title),
            "aria-haspopup": "dialog",
          }, [
            el("span", "dalil-source-number", { "aria-hidden": "true" }, String(index + 1)),
            el("span", "dalil-source-title", { dir: "auto" }, citation.title),
            citation.published
              ? el("span", "dalil-source-date", {}, formatDate(citation.published, language))
              : null,
          ].filter(Boolean)),
        ]),
      );
      return el("div", "dalil-sources-block", languageAttributes(language), [
        el("p", "dalil-sources-label", { "aria-hidden": "true" }, strings.sources),
        el("ol", "dalil-sources", { "aria-label": strings.sources }, items),
      ]);
    }

    function appendToken(record, text) {
      const li = messageElements.get(record.id);
      if (!li) return;
      const follow = isNearEnd();
      const first = !record.partial;
      record.partial = (record.partial || "") + text;
      const answerText = li.querySelector(".dalil-answer-text");
      answerText.append(text);
      if (first) {
        const loading = li.querySelector(".dalil-loading");
        if (loading) loading.remove();
      }
      setLanguage(li, languageOfText(record.partial) || UI_LANG);
      if (follow) scrollToEnd();
    }

    // -- asking --

    function ask(question) {
      const text = String(question === undefined || question === null ? "" : question).trim();
      if (!text) return Promise.resolve(null);
      closeViewer({ restoreFocus: false });
      closePopover({ restoreFocus: false });
      openPanel();
      const user = { id: newId(), role: "user", text };
      const assistant = { id: newId(), role: "assistant", question: text, status: "streaming", partial: "" };
      state.messages.push(user, assistant);
      appendMessageElement(user);
      appendMessageElement(assistant);
      scrollToEnd();
      return runQuestion(assistant);
    }

    /** Ask (or ask again) the question behind an assistant record, drawing its progress as it comes. */
    async function runQuestion(record) {
      cancelInFlight(); // one answer at a time: a new question supersedes one still streaming
      const controller = new AbortController();
      state.inFlight = { record, controller };
      Object.assign(record, { status: "streaming", partial: "", answer: undefined, failure: undefined });
      renderAssistantMessage(record);
      save();
      ui.messages.setAttribute("aria-busy", "true"); // screen readers hear the answer once, when complete
      try {
        const answer = await fetchAnswer(record.question, {
          signal: controller.signal,
          onToken: (text) => appendToken(record, text),
        });
        Object.assign(record, { status: "done", answer: storableAnswer(answer), partial: undefined });
      } catch (error) {
        const failure = controller.signal.aborted || isAbort(error)
          ? { kind: "interrupted" }
          : { kind: error.kind || "network", detail: error.detail || "", retryAfter: error.retryAfter || null };
        Object.assign(record, { status: "error", failure });
      } finally {
        if (state.inFlight && state.inFlight.record === record) {
          state.inFlight = null;
          ui.messages.removeAttribute("aria-busy");
        }
      }
      const follow = isNearEnd();
      renderAssistantMessage(record);
      if (follow) scrollToEnd();
      save();
      return record.status === "done" ? record.answer : null;
    }

    function cancelInFlight() {
      if (state.inFlight) state.inFlight.controller.abort();
    }

    function retry(record) {
      runQuestion(record);
      ui.input.focus(); // the retry button is gone once the question is under way
    }

    function clearConversation() {
      cancelInFlight();
      closeViewer({ restoreFocus: false });
      closePopover({ restoreFocus: false });
      state.messages = [];
      renderAll();
      save();
      ui.input.focus();
    }

    function findRecord(id) {
      return state.messages.find((record) => record.id === id);
    }

    // -- citation popover --

    function openPopover(record, number, trigger) {
      const citation = record.answer && record.answer.citations[number - 1];
      if (!citation) return;
      closePopover({ restoreFocus: false });

      const title = el("h3", "dalil-popover-title", { id: "dalil-popover-title", dir: "auto" }, citation.title);
      const closeButton = iconButton("dalil-close", "close", UI.close);
      const meta = el("p", "dalil-popover-meta", {}, UI.loading);
      // While the article loads, the quote alone stands in for its paragraph.
      const quoteLanguage = languageOfText(citation.quote) || UI_LANG;
      const context = el("p", "dalil-popover-context", { id: "dalil-popover-context", ...languageAttributes(quoteLanguage) }, [
        el("mark", "dalil-highlight", {}, citation.quote),
      ]);
      const translation = citation.translation
        ? el("p", "dalil-popover-translation", {}, [
          el("span", "dalil-label", {}, UI.translation),
          el("span", "", { dir: "auto" }, citation.translation),
        ])
        : null;
      const status = el("p", "dalil-popover-status", { role: "status", hidden: true });
      const openArticle = el("button", "dalil-open-article", { type: "button" }, UI.openArticle);
      const popover = el("div", "dalil-popover", {
        role: "dialog", "aria-labelledby": "dalil-popover-title", "aria-describedby": "dalil-popover-context", tabindex: "-1",
      }, [
        el("div", "dalil-popover-header", {}, [title, closeButton]),
        meta, context, translation, status,
        el("div", "dalil-popover-actions", {}, [openArticle]),
      ]);

      closeButton.addEventListener("click", () => closePopover());
      openArticle.addEventListener("click", () => openViewer(citation, openArticle));
      ui.panel.insertBefore(popover, ui.form); // after the messages in tab order, before the input
      state.popover = { element: popover, trigger, citation };
      if (trigger.classList.contains("dalil-marker")) trigger.setAttribute("aria-expanded", "true");
      popover.focus();

      loadDocument(citation.doc_id).then(
        (doc) => {
          if (!state.popover || state.popover.element !== popover) return;
          meta.textContent = articleMeta(doc);
          fillPopoverContext(context, doc, citation);
        },
        () => {
          if (!state.popover || state.popover.element !== popover) return;
          meta.textContent = "";
          status.textContent = UI.documentError;
          status.hidden = false;
        },
      );
    }

    function articleMeta(doc) {
      return [formatDate(doc.published, UI_LANG) || UI.undated, doc.source].filter(Boolean).join(" · ");
    }

    /** Replace the bare quote with its paragraph, the sentence highlighted inside it. */
    function fillPopoverContext(context, doc, citation) {
      const span = locateCitation(doc, citation);
      if (!span) return; // the offsets and the quote disagree with the article: keep showing the quote
      const line = lineAround(doc.text, span.start);
      context.replaceChildren();
      setLanguage(context, documentLanguage(doc));
      appendHighlighted(context, doc.text, line.start, line.end, span);
    }

    /** Append text[from:to] to `parent`, the part inside `span` wrapped in a highlight mark; returns the mark. */
    function appendHighlighted(parent, text, from, to, span) {
      const markStart = Math.max(from, Math.min(span.start, to));
      const markEnd = Math.max(markStart, Math.min(span.end, to));
      if (markStart > from) parent.append(text.slice(from, markStart));
      let mark = null;
      if (markEnd > markStart) {
        mark = el("mark", "dalil-highlight", {}, text.slice(markStart, markEnd));
        parent.append(mark);
      }
      if (to > markEnd) parent.append(text.slice(markEnd, to));
      return mark;
    }

    function closePopover({ restoreFocus = true } = {}) {
      if (!state.popover) return;
      const { element, trigger } = state.popover;
      state.popover = null;
      element.remove();
      if (trigger.classList.contains("dalil-marker")) trigger.setAttribute("aria-expanded", "false");
      if (restoreFocus && trigger.isConnected) trigger.focus();
    }

    // -- article viewer --

    function openViewer(citation, returnFocusTo) {
      closeViewer({ restoreFocus: false });
      const title = el("h2", "dalil-viewer-title", { id: "dalil-viewer-title", dir: "auto" }, citation.title);
      const closeButton = iconButton("dalil-close", "close", UI.close);
      const meta = el("p", "dalil-viewer-meta", {}, UI.loading);
      const status = el("p", "dalil-viewer-status", { role: "status" }, UI.loading);
      const text = el("div", "dalil-viewer-text");
      const backdrop = el("div", "dalil-backdrop");
      const viewer = el("aside", "dalil-viewer", {
        role: "dialog", "aria-modal": "true", "aria-labelledby": "dalil-viewer-title", tabindex: "-1",
      }, [
        el("div", "dalil-viewer-header", {}, [title, closeButton]),
        meta,
        el("div", "dalil-viewer-body", {}, [status, text]),
      ]);

      closeButton.addEventListener("click", () => closeViewer());
      backdrop.addEventListener("click", () => closeViewer());
      ui.root.append(backdrop, viewer);
      setBackgroundInert(true);
      state.viewer = { element: viewer, backdrop, returnFocusTo };
      viewer.focus();

      loadDocument(citation.doc_id).then(
        (doc) => {
          if (!state.viewer || state.viewer.element !== viewer) return;
          title.textContent = doc.title || citation.title;
          fillViewerMeta(meta, doc);
          status.remove();
          const mark = fillArticle(text, doc, locateCitation(doc, citation));
          if (mark) {
            mark.setAttribute("tabindex", "-1");
            mark.scrollIntoView({ block: "center" });
            mark.focus({ preventScroll: true });
          }
        },
        () => {
          if (!state.viewer || state.viewer.element !== viewer) return;
          meta.textContent = "";
          status.textContent = UI.documentError;
        },
      );
    }

    function fillViewerMeta(meta, doc) {
      meta.replaceChildren(articleMeta(doc));
      if (isHttpUrl(doc.url)) {
        meta.append(el("a", "dalil-viewer-link", {
          href: doc.url, target: "_blank", rel: "noopener noreferrer",
        }, UI.originalArticle));
      }
    }

    /** The whole article, one p per line, the cited sentence in a mark; returns the (first) mark. */
    function fillArticle(container, doc, span) {
      setLanguage(container, documentLanguage(doc));
      let firstMark = null;
      let lineStart = 0;
      for (const line of doc.text.split("\n")) {
        const lineEnd = lineStart + line.length;
        if (line) {
          const paragraph = el("p");
          const overlaps = span && span.start < lineEnd && span.end > lineStart;
          if (overlaps) {
            const mark = appendHighlighted(paragraph, doc.text, lineStart, lineEnd, span);
            firstMark = firstMark || mark;
          } else {
            paragraph.append(line);
          }
          container.append(paragraph);
        }
        lineStart = lineEnd + 1;
      }
      return firstMark;
    }

    function closeViewer({ restoreFocus = true } = {}) {
      if (!state.viewer) return;
      const { element, backdrop, returnFocusTo } = state.viewer;
      state.viewer = null;
      element.remove();
      backdrop.remove();
      setBackgroundInert(false);
      if (!restoreFocus) return;
      if (returnFocusTo && returnFocusTo.isConnected) returnFocusTo.focus();
      else if (state.popover) state.popover.element.focus();
      else ui.input.focus();
    }

    /** While the modal viewer is open, the panel and launcher can be neither clicked nor tabbed to. */
    function setBackgroundInert(inert) {
      ui.panel.toggleAttribute("inert", inert);
      ui.launcher.toggleAttribute("inert", inert);
    }

    // -- events --

    function closeInnermost() {
      if (state.viewer) closeViewer();
      else if (state.popover) closePopover();
      else if (state.open) closePanel();
      else return false;
      return true;
    }

    function onMessagesClick(event) {
      const button = event.target.closest("button");
      const li = button && button.closest("li.dalil-message");
      const record = li && findRecord(li.getAttribute("data-id"));
      if (!record) return;
      if (button.matches(".dalil-marker, .dalil-source")) {
        const number = Number(button.getAttribute("data-citation"));
        const alreadyOpen = state.popover && state.popover.trigger === button;
        if (alreadyOpen) closePopover();
        else openPopover(record, number, button);
      } else if (button.matches(".dalil-retry")) {
        retry(record);
      }
    }

    function onPanelPointerDown(event) {
      // A press outside the popover (but not on another citation, which swaps it) dismisses it.
      if (!state.popover) return;
      const target = event.target;
      if (state.popover.element.contains(target) || target.closest(".dalil-marker, .dalil-source")) return;
      closePopover({ restoreFocus: false });
    }

    function onInputKeyDown(event) {
      // Enter sends, Shift+Enter is a new line; Enter that confirms an IME composition does neither.
      if (event.key !== "Enter" || event.shiftKey || event.isComposing || event.keyCode === 229) return;
      event.preventDefault();
      submitInput();
    }

    function onSubmit(event) {
      event.preventDefault();
      submitInput();
    }

    function submitInput() {
      const question = ui.input.value.trim();
      if (!question) return;
      ui.input.value = "";
      ask(question);
    }

    function onKeyDown(event) {
      if (event.key !== "Escape" || event.defaultPrevented) return;
      if (closeInnermost()) {
        event.preventDefault();
        event.stopPropagation();
      }
    }

    function onDocumentKeyDown(event) {
      // Escape pressed with focus on the page body (say after a click outside) still closes the widget's
      // innermost layer; pressed inside another part of the page, it is that part's business.
      const active = document.activeElement;
      if (event.key === "Escape" && (active === document.body || active === host || !active)) onKeyDown(event);
    }

    function onHostPageClick(event) {
      const target = event.target instanceof Element ? event.target.closest("[data-dalil-question]") : null;
      if (!target) return;
      event.preventDefault();
      ask(target.getAttribute("data-dalil-question"));
    }

    ui.launcher.addEventListener("click", () => (state.open ? closePanel() : openPanel()));
    ui.closeButton.addEventListener("click", () => closePanel());
    ui.clearButton.addEventListener("click", () => clearConversation());
    ui.form.addEventListener("submit", onSubmit);
    ui.input.addEventListener("keydown", onInputKeyDown);
    ui.messages.addEventListener("click", onMessagesClick);
    ui.panel.addEventListener("pointerdown", onPanelPointerDown);
    shadow.addEventListener("keydown", onKeyDown);
    document.addEventListener("keydown", onDocumentKeyDown);
    document.addEventListener("click", onHostPageClick);

    renderAll();
    if (restored.open) openPanel({ focus: false }); // reopen as it was, without stealing the page's focus

    return {
      open: () => openPanel(),
      close: () => closePanel(),
      ask,
      clear: () => clearConversation(),
    };
  }

  // ---- start --------------------------------------------------------------------------------------------------------

  // The API exists at once; calls made before the body is parsed (a script in <head> without defer) wait for it.
  let widget = null;
  let whenReady = null;

  function mount() {
    if (!widget) widget = createWidget();
    return widget;
  }

  function ready() {
    if (widget) return Promise.resolve(widget);
    if (document.body) return Promise.resolve(mount());
    whenReady = whenReady || new Promise((resolve) => {
      document.addEventListener("DOMContentLoaded", () => resolve(mount()), { once: true });
    });
    return whenReady;
  }

  window.dalil = Object.freeze({
    open: () => ready().then((w) => w.open()),
    close: () => ready().then((w) => w.close()),
    /** Opens the panel and asks; resolves with the final answer, or null when none came. */
    ask: (question) => ready().then((w) => w.ask(question)),
    clear: () => ready().then((w) => w.clear()),
  });
  ready();
})();
