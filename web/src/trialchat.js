/*
 * Trial finder chat widget: talks to Rasa's socket.io channel and shows text, suggested replies and trial cards.
 *
 * Embed it with one script tag and a small config object:
 *
 *   <script>window.trialChatConfig = { server: "https://assistant.example.org" };</script>
 *   <script src="https://assistant.example.org/widget/trialchat.js" defer></script>
 *
 * (or put the same object as JSON in <script type="application/json" id="trialchat-config">, which works under a
 * strict Content-Security-Policy). The stylesheet trialchat.css is loaded from beside this script.
 *
 * Safety: everything that comes from the bot or from trial data is put on the page as text (textContent and
 * createElement, never innerHTML); links are made only from http(s) URLs. The conversation is kept in this browser
 * (localStorage) with its Rasa session id, so a reload shows it and goes on with it; "New chat" clears it.
 *
 * Languages: English, French and Dutch. The config's `lang`, else the page's <html lang> ("fr-FR" is French), else
 * English; anything but en, fr or nl is English. Every word of the widget's own comes from the message catalogues
 * src/locales/<lang>.json (flat key -> text, {name} placeholders); the bot's replies and trial cards arrive already
 * in that language, because every message tells the assistant the language (customData: {lang}).
 *
 * This file is the body of dist/trialchat.js: web/build.mjs puts socket.io-client and the catalogues in front of
 * it, in one closure that defines `io` and `catalogues` ({en: {...}, fr: {...}, nl: {...}}).
 */
(function (io, catalogues) {
  "use strict";

  var SCRIPT = document.currentScript;
  var DEFAULTS = {
    server: "http://localhost:5005", // the Rasa server; socket.io runs on it
    socketPath: "/socket.io/",
    lang: null, // "en", "fr" or "nl" ("fr-BE" is French); default: the page's <html lang>, else English
    title: null, // default: the catalogue's, in the widget's language
    launcherLabel: null, // ditto
    startPayload: "/greet", // sent when the person presses "Start"
    startLabel: null, // ditto
    forgetPayload: "/forget_me", // asks the assistant to erase what it was told; the widget forgets too
    maxLength: 1000, // characters in one message
    storageKey: "trialchat",
    container: null, // a CSS selector: show the chat inside this element instead of a floating panel
    open: false, // floating panel open at the first visit
    replyTimeout: 30000, // ms without an answer before saying so
    stylesheet: null, // URL of trialchat.css; default: beside this script
  };
  var MAX_LOG = 300; // entries kept in the browser
  var MAX_CARDS = 5;
  var SESSION_ID = /^[A-Za-z0-9_-]{8,64}$/;
  var URL_IN_TEXT = /\bhttps?:\/\/[^\s<>"']+/g;
  var EU_CT = /^\d{4}-\d{6}-\d{2}-\d{2}$/;
  var NCT = /^NCT\d{8}$/;
  // A trial as the bot words it in text ("1. <title>\nRegister ID: <id> ...", in any language): a card shows it
  // instead.
  var TRIAL_TEXT = /^\d+\.\s[^\n]*\n[^\n:]*:\s*(\d{4}-\d{6}-\d{2}-\d{2}|NCT\d{8})\b/;
  var DEFAULT_LANG = "en";
  var nextId = 0;

  // ---------------------------------------------------------------- the widget's own words

  var lang = DEFAULT_LANG;
  var plurals = null;

  function has(object, key) {
    return !!object && Object.prototype.hasOwnProperty.call(object, key);
  }

  /** "fr-FR" -> "fr"; null for a language without a catalogue. */
  function languageOf(value) {
    var code = (typeof value === "string" ? value : "").replace(/^\s+|\s+$/g, "").toLowerCase().split(/[-_]/)[0];
    return code && has(catalogues, code) ? code : null;
  }

  /** The config's language if it says one, else the page's <html lang>, else English (also for any other one). */
  function chooseLanguage(configured) {
    var page = document.documentElement.getAttribute("lang");
    var said = [configured, page].filter(function (v) { return typeof v === "string" && /\S/.test(v); })[0];
    return languageOf(said) || DEFAULT_LANG;
  }

  function setLanguage(code) {
    lang = has(catalogues, code) ? code : DEFAULT_LANG;
    plurals = window.Intl && window.Intl.PluralRules ? new window.Intl.PluralRules(lang) : null;
  }

  /** A number as the widget's language writes it: 1,001 / 1 001 / 1.001. */
  function num(value) {
    return Number(value).toLocaleString(lang);
  }

  /** The catalogue's text for `key` (English if the language lacks it), with {name} filled from `params`. */
  function t(key, params) {
    var text = has(catalogues[lang], key) ? catalogues[lang][key]
      : has(catalogues[DEFAULT_LANG], key) ? catalogues[DEFAULT_LANG][key] : key;
    return String(text).replace(/\{(\w+)\}/g, function (whole, name) {
      if (!has(params, name)) return whole;
      return typeof params[name] === "number" ? num(params[name]) : str(params[name]);
    });
  }

  /** `key.one`, `key.other` (or another plural form of the language) for `count`. */
  function tn(key, count, params) {
    var form = plurals ? plurals.select(count) : count === 1 ? "one" : "other";
    var full = {};
    for (var k in params || {}) if (has(params, k)) full[k] = params[k];
    full.count = count;
    return t(has(catalogues[lang], key + "." + form) ? key + "." + form : key + ".other", full);
  }

  // ---------------------------------------------------------------- config and storage

  function readConfig() {
    var config = {};
    var key;
    for (key in DEFAULTS) config[key] = DEFAULTS[key];
    var sources = [];
    var jsonId = (SCRIPT && SCRIPT.getAttribute("data-config")) || "trialchat-config";
    var jsonEl = document.getElementById(jsonId);
    if (jsonEl) {
      try {
        sources.push(JSON.parse(jsonEl.textContent || "{}"));
      } catch (error) {
        console.error("trialchat: the config in #" + jsonId + " is not valid JSON", error);
      }
    }
    if (window.trialChatConfig && typeof window.trialChatConfig === "object") sources.push(window.trialChatConfig);
    sources.forEach(function (source) {
      for (var k in source) if (Object.prototype.hasOwnProperty.call(DEFAULTS, k)) config[k] = source[k];
    });
    config.maxLength = Math.max(1, parseInt(config.maxLength, 10) || DEFAULTS.maxLength);
    config.lang = chooseLanguage(config.lang);
    return config;
  }

  function Store(key) {
    this.key = key;
    this.ok = true;
    try {
      window.localStorage.getItem(key);
    } catch (error) {
      this.ok = false; // storage blocked: the chat works, without keeping the conversation
    }
  }
  Store.prototype.load = function () {
    var empty = { v: 1, sessionId: null, open: null, log: [], suggestions: [] };
    if (!this.ok) return empty;
    try {
      var data = JSON.parse(window.localStorage.getItem(this.key) || "null");
      if (!data || data.v !== 1 || !Array.isArray(data.log)) return empty;
      if (!Array.isArray(data.suggestions)) data.suggestions = [];
      if (typeof data.sessionId !== "string" || !SESSION_ID.test(data.sessionId)) data.sessionId = null;
      return data;
    } catch (error) {
      return empty;
    }
  };
  Store.prototype.save = function (state) {
    if (!this.ok) return true;
    try {
      window.localStorage.setItem(this.key, JSON.stringify(state));
      return true;
    } catch (error) {
      return false; // full or blocked
    }
  };
  Store.prototype.clear = function () {
    if (!this.ok) return;
    try {
      window.localStorage.removeItem(this.key);
    } catch (error) {
      // ignore
    }
  };

  // ---------------------------------------------------------------- safe DOM helpers

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function uid(prefix) {
    nextId += 1;
    return "tc-" + prefix + "-" + nextId;
  }

  function str(value) {
    return typeof value === "string" ? value : value === undefined || value === null ? "" : String(value);
  }

  /** An http(s) URL as a string, or null for anything else (javascript:, data:, relative, malformed). */
  function safeUrl(value) {
    if (typeof value !== "string") return null;
    try {
      var url = new URL(value);
      return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
    } catch (error) {
      return null;
    }
  }

  function link(href, text) {
    var a = el("a", "tc-link", text);
    a.href = href;
    a.target = "_blank";
    a.rel = "noopener noreferrer nofollow";
    a.appendChild(el("span", "tc-sr", t("sr.newTab")));
    return a;
  }

  /** Text with line breaks kept (CSS pre-wrap) and http(s) URLs as links; never parsed as HTML. */
  function appendText(parent, text) {
    text = str(text);
    var last = 0;
    text.replace(URL_IN_TEXT, function (match, offset) {
      var trimmed = match.replace(/[.,;:!?)\]]+$/, "");
      var href = safeUrl(trimmed);
      if (!href) return match;
      if (offset > last) parent.appendChild(document.createTextNode(text.slice(last, offset)));
      parent.appendChild(link(href, trimmed));
      last = offset + trimmed.length;
      return match;
    });
    if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
    return parent;
  }

  function registerUrl(trialId) {
    if (EU_CT.test(trialId)) {
      return "https://euclinicaltrials.eu/search-for-clinical-trials/?lang=" + lang + "&EUCT=" +
        encodeURIComponent(trialId);
    }
    if (NCT.test(trialId)) return "https://clinicaltrials.gov/study/" + encodeURIComponent(trialId);
    return null;
  }

  function list(items, className) {
    var ul = el("ul", className || "tc-list");
    items.forEach(function (item) {
      ul.appendChild(el("li", null, item));
    });
    return ul;
  }

  function section(card, heading, content) {
    card.appendChild(el("h4", "tc-card-heading", heading));
    card.appendChild(content);
  }

  // ---------------------------------------------------------------- trial cards (the custom payload)

  function whyItMayFit(result) {
    var why = [];
    (Array.isArray(result.criteria) ? result.criteria : []).forEach(function (c) {
      if (!c || c.status !== "met" || c.kind !== "inclusion") return;
      var reasons = Array.isArray(c.reasons) ? c.reasons.map(str).filter(Boolean) : [];
      why.push(str(c.label) + (reasons.length ? " (" + reasons.join("; ") + ")" : ""));
    });
    return why;
  }

  function trialCard(result, audience) {
    var trialId = str(result.trial_id);
    var titleId = uid("card");
    var card = el("article", "tc-card");
    card.setAttribute("aria-labelledby", titleId);
    var plain = result.plain && typeof result.plain === "object" ? result.plain : null;
    var englishOnly = result.english_only === true || !!(plain && plain.english_only === true);
    var title = el("h3", "tc-card-title", str(result.plain_title) || str(result.title) || trialId);
    title.id = titleId;
    if (englishOnly) title.lang = "en";
    card.appendChild(title);
    if (englishOnly) card.appendChild(el("p", "tc-card-text tc-english-only", t("card.englishOnly")));
    var verdict = str(result.verdict).replace(/[^a-z]/g, "");
    card.appendChild(el("p", "tc-fit tc-fit-" + (verdict || "unknown"), str(result.fit) || t("card.mayFit")));

    var facts = el("dl", "tc-facts");
    facts.appendChild(el("dt", null, t("card.registerId")));
    var idText = result.phase ? t("card.idPhase", { id: trialId, phase: str(result.phase) }) : trialId;
    facts.appendChild(el("dd", "tc-trial-id", idText));
    var recruitment = (Array.isArray(result.recruitment) ? result.recruitment : []).map(function (r) {
      return str(r && (r.display || [r.status, r.country, r.start].filter(Boolean).join(", ")));
    }).filter(Boolean);
    facts.appendChild(el("dt", null, t("card.statusDates")));
    var dd = el("dd");
    if (recruitment.length) dd.appendChild(list(recruitment));
    else dd.textContent = t("card.statusUnknown");
    facts.appendChild(dd);
    var sites = (Array.isArray(result.sites) ? result.sites : []).map(function (s) {
      return str(s && (s.display || [s.name, s.city, s.country].filter(Boolean).join(", ")));
    }).filter(Boolean);
    facts.appendChild(el("dt", null, t("card.sites")));
    dd = el("dd");
    if (sites.length) dd.appendChild(list(sites));
    else dd.textContent = t("card.noSites");
    facts.appendChild(dd);
    card.appendChild(facts);

    if (plain && audience !== "clinician") {
      plainSections(card, plain);
    } else {
      detailSections(card, result);
    }
    var href = safeUrl(result.url) || registerUrl(trialId);
    if (href) {
      var p = el("p", "tc-card-text");
      p.appendChild(link(href, t("card.register", { id: trialId })));
      card.appendChild(p);
    }
    return card;
  }

  /** A patient's card: why in a line or two, a short list of what is unknown, whom to ask; the detail folded. */
  function plainSections(card, plain) {
    var why = (Array.isArray(plain.why) ? plain.why : []).map(str).filter(Boolean);
    if (why.length) section(card, t("card.why"), el("p", "tc-card-text", why.join("; ") + "."));
    var unknown = (Array.isArray(plain.unknown) ? plain.unknown : []).map(str).filter(Boolean);
    var more = parseInt(plain.unknown_more, 10) || 0;
    if (more) unknown.push(t("card.unknownMore", { count: more }));
    section(card, t("card.unknown"), unknown.length ? list(unknown)
      : el("p", "tc-card-text", t("card.nothingUnknown")));
    if (plain.ask) section(card, t("card.ask"), el("p", "tc-card-text", str(plain.ask)));
  }

  /** A clinician's card: every criterion met, what may rule it out, what is missing, what the team checks. */
  function detailSections(card, result) {
    var why = whyItMayFit(result);
    if (why.length) section(card, t("card.why"), list(why));
    var against = (Array.isArray(result.criteria) ? result.criteria : []).filter(function (c) {
      return c && c.open_against;
    }).map(function (c) {
      return c.to_check ? t("card.againstItem", { label: str(c.label), what: str(c.to_check) }) : str(c.label);
    }).filter(Boolean);
    if (against.length) section(card, t("card.against"), list(against));
    var missing = (Array.isArray(result.missing) ? result.missing : []).map(function (m) {
      return str(m && (m.label || m.fact));
    }).filter(Boolean);
    if (missing.length || !against.length) {
      section(card, t("card.missing"), missing.length ? list(missing)
        : el("p", "tc-card-text", t("card.nothingMissing")));
    }
    var checks = (Array.isArray(result.study_team_checks) ? result.study_team_checks : []).map(str).filter(Boolean);
    if (checks.length) {
      var details = el("details", "tc-details");
      details.appendChild(el("summary", null, t("card.teamChecks", { count: checks.length })));
      details.appendChild(list(checks));
      card.appendChild(details);
    }
  }

  /** The trials that may fit, as cards. Those that do not fit are in the bot's text, with the main reason. */
  function trialResults(payload, hideNote) {
    var box = el("div", "tc-results");
    if (/^[a-z]{2}$/.test(str(payload.lang))) box.lang = payload.lang; // the language the assistant wrote it in
    var fitting = fittingResults(payload);
    if (payload.note && !hideNote) box.appendChild(el("p", "tc-note", payload.note));
    var more = Math.max(fitting.length - MAX_CARDS, parseInt(payload.more, 10) || 0,
      parseInt(payload.more_may_fit, 10) || 0);
    if (payload.order && (fitting.length > 1 || more)) box.appendChild(el("p", "tc-note", payload.order));
    fitting.slice(0, MAX_CARDS).forEach(function (r) { box.appendChild(trialCard(r, str(payload.audience))); });
    if (more) box.appendChild(el("p", "tc-note", tn("results.more", more)));
    if (!fitting.length) box.appendChild(el("p", "tc-note", t("results.none")));
    return box;
  }

  /** What a card needs of the payload, and no more: it is kept in the browser with the conversation. */
  function compactPayload(payload) {
    function keep(list, fields) {
      return (Array.isArray(list) ? list : []).map(function (item) {
        if (!item || typeof item !== "object") return str(item);
        var out = {};
        fields.forEach(function (f) { if (item[f] !== undefined) out[f] = item[f]; });
        return out;
      });
    }
    var fitting = fittingResults(payload);
    return {
      type: "trial_results",
      lang: str(payload.lang),
      note: str(payload.note),
      order: str(payload.order),
      audience: str(payload.audience),
      more: Math.max(0, fitting.length - MAX_CARDS, parseInt(payload.more_may_fit, 10) || 0),
      results: fitting.slice(0, MAX_CARDS).map(function (r) {
        return {
          trial_id: str(r.trial_id), plain_title: str(r.plain_title), title: str(r.title), phase: str(r.phase),
          verdict: str(r.verdict), fit: str(r.fit), url: str(r.url), english_only: r.english_only === true,
          recruitment: keep(r.recruitment, ["display", "status", "country", "start"]),
          sites: keep(r.sites, ["display", "name", "city", "country"]),
          criteria: keep((Array.isArray(r.criteria) ? r.criteria : []).filter(function (c) {
            return c && ((c.status === "met" && c.kind === "inclusion") || c.open_against);
          }), ["label", "reasons", "status", "kind", "open_against", "to_check"]),
          missing: keep(r.missing, ["label", "fact"]),
          study_team_checks: keep(r.study_team_checks, []),
          plain: r.plain && typeof r.plain === "object" ? {
            why: keep(r.plain.why, []), unknown: keep(r.plain.unknown, []),
            unknown_more: parseInt(r.plain.unknown_more, 10) || 0, ask: str(r.plain.ask),
            english_only: r.plain.english_only === true,
          } : null,
        };
      }),
    };
  }

  function fittingResults(payload) {
    return (Array.isArray(payload.results) ? payload.results : []).filter(function (r) {
      return r && typeof r === "object" && r.verdict !== "ineligible";
    });
  }

  // ---------------------------------------------------------------- the widget

  function Widget(config) {
    this.config = config;
    this.store = new Store(config.storageKey + ":" + config.server);
    this.state = this.store.load();
    this.socket = null;
    this.ready = false; // connected and the session confirmed
    this.everConnected = false;
    this.dropped = false; // the connection was lost and not yet back
    this.queue = []; // messages typed while not ready
    this.nodes = []; // the element of each entry of this.state.log
    this.replyTimer = null;
    this.build();
    this.restore();
    this.connect();
  }

  Widget.prototype.build = function () {
    var self = this;
    var config = this.config;
    var host = config.container ? document.querySelector(config.container) : null;
    this.inline = !!host;
    var root = el("div", "tc-root" + (this.inline ? " tc-inline" : " tc-floating"));
    root.lang = lang;
    root.setAttribute("data-state", "connecting"); // connecting, connected, reconnecting or unreachable
    root.setAttribute("data-received", "0"); // bot messages received since the page loaded
    this.root = root;

    if (!this.inline) {
      var launcher = el("button", "tc-launcher", config.launcherLabel || t("launcher"));
      launcher.type = "button";
      launcher.setAttribute("aria-expanded", "false");
      launcher.addEventListener("click", function () { self.open(true); });
      this.launcher = launcher;
      root.appendChild(launcher);
    }

    var panelId = uid("panel");
    var titleId = uid("title");
    var panel = el("section", "tc-panel");
    panel.id = panelId;
    panel.setAttribute("aria-labelledby", titleId);
    if (this.launcher) this.launcher.setAttribute("aria-controls", panelId);
    this.panel = panel;

    var header = el("div", "tc-header");
    var heading = el("h2", "tc-title", config.title || t("title"));
    heading.id = titleId;
    header.appendChild(heading);
    var tools = el("div", "tc-tools");
    var reset = el("button", "tc-tool", t("newChat"));
    reset.type = "button";
    reset.setAttribute("aria-label", t("newChat.aria"));
    reset.addEventListener("click", function () { self.reset(); });
    tools.appendChild(reset);
    if (!this.inline) {
      var close = el("button", "tc-tool tc-close", t("close"));
      close.type = "button";
      close.setAttribute("aria-label", t("close.aria"));
      close.addEventListener("click", function () { self.close(true); });
      tools.appendChild(close);
    }
    header.appendChild(tools);
    panel.appendChild(header);
    panel.appendChild(el("p", "tc-privacy", t("privacy", { newChat: t("newChat") })));

    // Connection problems: read out at once; connection news: read out politely.
    this.alertEl = el("p", "tc-alert");
    this.alertEl.setAttribute("role", "alert");
    panel.appendChild(this.alertEl);
    this.statusEl = el("p", "tc-status");
    this.statusEl.setAttribute("role", "status");
    panel.appendChild(this.statusEl);

    var log = el("div", "tc-log");
    log.setAttribute("role", "log");
    log.setAttribute("aria-live", "polite");
    log.setAttribute("aria-relevant", "additions");
    log.setAttribute("aria-label", t("log.aria"));
    log.tabIndex = 0; // so the conversation can be scrolled with the keyboard
    this.log = log;
    // Keep the newest message in view while the conversation is read at its end, also when the space around
    // it changes (suggested replies come and go, an error appears under the input).
    this.atEnd = true;
    log.addEventListener("scroll", function () {
      self.atEnd = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
    });
    if (window.ResizeObserver) {
      new window.ResizeObserver(function () { if (self.atEnd) self.scrollDown(); }).observe(log);
    }
    panel.appendChild(log);
    this.typing = el("div", "tc-typing");
    this.typing.setAttribute("aria-hidden", "true");
    this.typing.appendChild(el("span", "tc-dot"));
    this.typing.appendChild(el("span", "tc-dot"));
    this.typing.appendChild(el("span", "tc-dot"));
    panel.appendChild(this.typing);

    this.suggestions = el("div", "tc-suggestions");
    this.suggestions.setAttribute("role", "group");
    this.suggestions.setAttribute("aria-label", t("suggestions.aria"));
    panel.appendChild(this.suggestions);

    var form = el("form", "tc-form");
    form.noValidate = true;
    var inputId = uid("input");
    var hintId = uid("hint");
    var errorId = uid("error");
    var label = el("label", "tc-label", t("input.label"));
    label.htmlFor = inputId;
    form.appendChild(label);
    var row = el("div", "tc-row");
    var input = el("textarea", "tc-input");
    input.id = inputId;
    input.rows = 2;
    input.setAttribute("autocomplete", "off");
    input.setAttribute("aria-describedby", hintId + " " + errorId);
    input.placeholder = t("input.placeholder");
    row.appendChild(input);
    var send = el("button", "tc-send", t("send"));
    send.type = "submit";
    row.appendChild(send);
    form.appendChild(row);
    var hint = el("p", "tc-hint", t("input.hint", { max: config.maxLength }));
    hint.id = hintId;
    form.appendChild(hint);
    var error = el("p", "tc-input-error");
    error.id = errorId;
    error.setAttribute("role", "alert");
    form.appendChild(error);
    panel.appendChild(form);
    this.input = input;
    this.inputError = error;

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      self.submit();
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        self.submit();
      }
    });
    input.addEventListener("input", function () {
      if (self.input.value.length <= config.maxLength) self.showInputError("");
    });
    panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && !self.inline) {
        event.preventDefault();
        self.close(true);
      }
    });

    root.appendChild(panel);
    var stylesheet = config.stylesheet || (SCRIPT && SCRIPT.src ? new URL("trialchat.css", SCRIPT.src).href : null);
    if (stylesheet && !document.querySelector('link[data-trialchat]')) {
      var css = document.createElement("link");
      css.rel = "stylesheet";
      css.href = stylesheet;
      css.setAttribute("data-trialchat", "");
      document.head.appendChild(css);
    }
    (host || document.body).appendChild(root);
  };

  Widget.prototype.restore = function () {
    var self = this;
    this.log.setAttribute("aria-busy", "true");
    this.intro();
    this.state.log.forEach(function (entry) {
      var node = self.render(entry);
      self.log.appendChild(node);
      self.nodes.push(node);
    });
    this.showSuggestions(this.state.suggestions);
    this.log.removeAttribute("aria-busy");
    var open = this.state.open === null ? !!this.config.open : this.state.open;
    if (this.inline || open) this.open(false);
    else this.close(false);
    this.scrollDown();
  };

  Widget.prototype.intro = function () {
    var entry = el("div", "tc-msg tc-from-bot tc-intro"); // shown, not kept: it is the widget's, not the bot's
    var start = this.config.startLabel || t("start");
    entry.appendChild(el("p", "tc-text", t("intro", { start: start })));
    this.log.appendChild(entry);
    var shown = this.state.suggestions;
    var onlyStart = !shown.length || (shown.length === 1 && shown[0].payload === this.config.startPayload);
    if (!this.state.log.length && onlyStart) {
      this.state.suggestions = [{ title: start, payload: this.config.startPayload }]; // in today's language
    }
  };

  Widget.prototype.open = function (focus) {
    this.root.classList.add("tc-open");
    this.panel.hidden = false;
    if (this.launcher) {
      this.launcher.setAttribute("aria-expanded", "true");
      this.launcher.hidden = true;
    }
    if (!this.inline) {
      this.state.open = true;
      this.save();
    }
    this.scrollDown();
    if (focus) this.input.focus();
  };

  Widget.prototype.close = function (focus) {
    if (this.inline) return;
    this.root.classList.remove("tc-open");
    this.panel.hidden = true;
    this.launcher.hidden = false;
    this.launcher.setAttribute("aria-expanded", "false");
    this.state.open = false;
    this.save();
    if (focus) this.launcher.focus();
  };

  Widget.prototype.save = function () {
    this.trim(MAX_LOG);
    if (!this.store.save(this.state)) {
      this.trim(Math.floor(MAX_LOG / 4)); // the browser's storage is full: keep the latest part
      this.store.save(this.state);
    }
  };

  Widget.prototype.trim = function (size) {
    while (this.state.log.length > size) {
      this.state.log.shift();
      var node = this.nodes.shift();
      if (node && node.parentNode) node.parentNode.removeChild(node);
    }
  };

  /** Forget the conversation in this browser (the screen and the storage), keeping the session. */
  Widget.prototype.forgetLocally = function () {
    this.state.log = [];
    this.state.suggestions = [];
    this.nodes = [];
    while (this.log.firstChild) this.log.removeChild(this.log.firstChild);
    this.intro();
  };

  /** "New chat": the assistant is asked to forget the old conversation, this browser forgets it, a new one starts. */
  Widget.prototype.reset = function () {
    if (this.ready && this.state.sessionId && this.state.log.length) {
      this.socket.emit("user_uttered", { message: this.config.forgetPayload, session_id: this.state.sessionId,
        customData: { lang: lang } });
    }
    this.store.clear();
    this.state = { v: 1, sessionId: null, open: true, log: [], suggestions: [] };
    this.queue = [];
    this.waiting(false);
    this.forgetLocally();
    this.showSuggestions(this.state.suggestions);
    this.save();
    // A new connection asks Rasa for a new session; the old session's messages no longer reach this page.
    this.ready = false;
    this.socket.disconnect();
    this.socket.connect();
    this.setStatus(t("newChat.done"));
    this.input.focus();
  };

  // ---------------------------------------------------------------- rendering

  /** The element for one entry of the conversation (not yet on the page). */
  Widget.prototype.render = function (entry) {
    var node;
    if (entry.from === "user") {
      node = el("div", "tc-msg tc-from-user");
      node.appendChild(el("span", "tc-sr", t("sr.youSaid")));
      node.appendChild(appendText(el("p", "tc-text"), entry.text));
    } else if (entry.cards) {
      node = el("div", "tc-msg tc-from-bot tc-cards");
      node.appendChild(el("span", "tc-sr", t("sr.botCards")));
      node.appendChild(trialResults(entry.cards, entry.hideNote));
    } else {
      node = el("div", "tc-msg tc-from-bot");
      node.appendChild(el("span", "tc-sr", t("sr.botSaid")));
      node.appendChild(appendText(el("p", "tc-text"), entry.text));
    }
    return node;
  };

  Widget.prototype.add = function (entry) {
    var node = this.render(entry);
    this.log.appendChild(node);
    this.state.log.push(entry);
    this.nodes.push(node);
    this.save();
    this.scrollDown();
  };

  /**
   * Trial cards take the place of the bot's text about the same trials in this answer (since the person's last
   * message), so the conversation does not say everything twice. Text about other trials stays.
   */
  Widget.prototype.addCards = function (payload) {
    var ids = {};
    fittingResults(payload).slice(0, MAX_CARDS).forEach(function (r) { ids[str(r.trial_id)] = true; });
    var log = this.state.log;
    var first = -1;
    var entry = { from: "bot", cards: compactPayload(payload) };
    for (var i = log.length - 1; i >= 0 && log[i].from !== "user"; i -= 1) {
      if (payload.note && str(log[i].text).indexOf(str(payload.note)) >= 0) entry.hideNote = true; // said already
      var match = log[i].cards ? null : TRIAL_TEXT.exec(str(log[i].text));
      if (match && ids[match[1]]) {
        var node = this.nodes[i];
        if (node && node.parentNode) node.parentNode.removeChild(node);
        log.splice(i, 1);
        this.nodes.splice(i, 1);
        first = i;
      }
    }
    var cards = this.render(entry);
    if (first < 0) first = log.length;
    this.log.insertBefore(cards, this.nodes[first] || null);
    log.splice(first, 0, entry);
    this.nodes.splice(first, 0, cards);
    this.save();
    this.scrollTo(cards);
  };

  Widget.prototype.scrollDown = function () {
    this.log.scrollTop = this.log.scrollHeight;
    this.atEnd = true;
  };

  /** Scroll the conversation so that `node` starts at its top (long trial cards are read from their start). */
  Widget.prototype.scrollTo = function (node) {
    this.log.scrollTop += node.getBoundingClientRect().top - this.log.getBoundingClientRect().top - 8;
    this.atEnd = this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < 40;
  };

  Widget.prototype.showSuggestions = function (buttons) {
    var self = this;
    while (this.suggestions.firstChild) this.suggestions.removeChild(this.suggestions.firstChild);
    (buttons || []).forEach(function (b) {
      var button = el("button", "tc-suggestion", b.title);
      button.type = "button";
      button.addEventListener("click", function () {
        self.send(b.payload, b.title);
        self.input.focus(); // the buttons go away: keep the keyboard in the conversation
      });
      self.suggestions.appendChild(button);
    });
    this.suggestions.hidden = !this.suggestions.firstChild;
  };

  Widget.prototype.setStatus = function (text) {
    var self = this;
    this.statusEl.textContent = text || "";
    clearTimeout(this.statusTimer);
    if (text) this.statusTimer = setTimeout(function () { self.statusEl.textContent = ""; }, 6000);
  };

  Widget.prototype.setAlert = function (text) {
    if (this.alertEl.textContent !== (text || "")) this.alertEl.textContent = text || "";
    this.alertEl.hidden = !text;
  };

  Widget.prototype.showInputError = function (text) {
    this.inputError.textContent = text || "";
    this.inputError.hidden = !text;
    if (text) this.input.setAttribute("aria-invalid", "true");
    else this.input.removeAttribute("aria-invalid");
  };

  Widget.prototype.waiting = function (on) {
    var self = this;
    clearTimeout(this.replyTimer);
    this.root.classList.toggle("tc-waiting", !!on);
    if (on) {
      this.replyTimer = setTimeout(function () {
        self.root.classList.remove("tc-waiting");
        self.setStatus(t("status.noAnswer"));
      }, this.config.replyTimeout);
    }
  };

  // ---------------------------------------------------------------- talking to Rasa

  Widget.prototype.submit = function () {
    var text = this.input.value.replace(/\s+$/, "").replace(/^\s+/, "");
    if (!text) {
      this.input.value = "";
      return;
    }
    if (text.length > this.config.maxLength) {
      this.showInputError(t("input.tooLong", { count: text.length, max: this.config.maxLength }));
      this.input.focus();
      return;
    }
    this.showInputError("");
    this.input.value = "";
    this.send(text, text);
    this.input.focus();
  };

  Widget.prototype.send = function (message, shown) {
    if (message === this.config.forgetPayload) this.forgetLocally(); // the facts leave this browser too
    this.add({ from: "user", text: shown });
    this.state.suggestions = [];
    this.showSuggestions([]);
    this.save();
    if (this.ready) {
      this.emit(message);
    } else {
      this.queue.push(message);
      this.setStatus(t("status.queued"));
    }
  };

  Widget.prototype.emit = function (message) {
    // customData is the metadata of Rasa's socket.io channel: the assistant answers in the widget's language.
    this.socket.emit("user_uttered", {
      message: message, session_id: this.state.sessionId, customData: { lang: lang },
    });
    this.waiting(true);
  };

  Widget.prototype.receive = function (message) {
    if (!message || typeof message !== "object") return;
    this.root.setAttribute("data-received", String(+this.root.getAttribute("data-received") + 1));
    this.waiting(false);
    var custom = message.custom && typeof message.custom === "object" ? message.custom : message;
    if (custom.type === "trial_results") {
      this.addCards(custom);
      return;
    }
    if (custom.type === "conversation_forgotten") { // the assistant erased the facts: so does this browser
      this.forgetLocally();
      this.save();
      return;
    }
    var text = typeof message.text === "string" ? message.text : "";
    var buttons = Array.isArray(message.quick_replies) ? message.quick_replies
      : Array.isArray(message.buttons) ? message.buttons : [];
    buttons = buttons.filter(function (b) { return b && typeof b.title === "string"; }).map(function (b) {
      return { title: b.title, payload: typeof b.payload === "string" ? b.payload : b.title };
    });
    if (!text && message.attachment && message.attachment.payload) {
      var src = safeUrl(message.attachment.payload.src);
      if (src) text = src; // an image or file is shown as its link, never loaded into the page
    }
    if (text) this.add({ from: "bot", text: text });
    if (buttons.length) {
      this.state.suggestions = buttons;
      this.showSuggestions(buttons);
      this.save();
      if (this.atEnd) this.scrollDown();
    }
  };

  Widget.prototype.connect = function () {
    var self = this;
    // socket.io's default transports: HTTP long-polling first (it needs Rasa's --cors to allow the page's origin),
    // then an upgrade to a websocket where the network lets one through.
    var socket = io(this.config.server, {
      path: this.config.socketPath,
      reconnection: true,
      reconnectionDelay: 1000,
      reconnectionDelayMax: 5000,
      timeout: 10000,
    });
    this.socket = socket;
    socket.on("connect", function () {
      self.ready = false;
      socket.emit("session_request", { session_id: self.state.sessionId });
    });
    socket.on("session_confirm", function (data) {
      var id = typeof data === "string" ? data : data && typeof data.session_id === "string" ? data.session_id : "";
      if (!SESSION_ID.test(id)) return;
      self.state.sessionId = id;
      self.save();
      var hadProblem = !!self.alertEl.textContent;
      self.ready = true;
      self.everConnected = true;
      self.root.setAttribute("data-state", "connected");
      self.setAlert("");
      if (self.dropped) self.setStatus(t("status.reconnected"));
      else if (hadProblem) self.setStatus(t("status.connected"));
      self.dropped = false;
      var queued = self.queue;
      self.queue = [];
      queued.forEach(function (message) { self.emit(message); });
    });
    socket.on("bot_uttered", function (message) { self.receive(message); });
    socket.on("connect_error", function () {
      self.ready = false;
      self.waiting(false);
      self.dropped = self.everConnected;
      self.root.setAttribute("data-state", self.everConnected ? "reconnecting" : "unreachable");
      self.setAlert(t(self.everConnected ? "alert.dropped" : "alert.unreachable"));
    });
    socket.on("disconnect", function (reason) {
      self.ready = false;
      self.waiting(false);
      if (reason === "io client disconnect") return;
      self.dropped = true;
      self.root.setAttribute("data-state", "reconnecting");
      self.setAlert(t("alert.dropped"));
      if (reason === "io server disconnect") socket.connect(); // the server closed it: socket.io does not retry
    });
  };

  function start() {
    if (window.TrialChat) return; // loaded twice
    var config = readConfig();
    setLanguage(config.lang);
    var widget = new Widget(config);
    window.TrialChat = {
      open: function () { widget.open(true); },
      close: function () { widget.close(true); },
      reset: function () { widget.reset(); },
      lang: lang,
    };
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})(io, catalogues);
