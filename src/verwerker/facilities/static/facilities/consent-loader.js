/* Verwerker's cookie banner for the house's public website (P08).
 *
 * The house embeds only: <script src="https://<verwerker>/site/cookies.js" defer></script>
 * This loader fetches the banner's settings from the same Verwerker, loads the vendored
 * vanilla-cookieconsent library (and its stylesheet) from Verwerker's own static files, and runs it.
 * Scripts on the page marked type="text/plain" data-category="<key>" stay inert until the visitor
 * consents to that category. Every choice (first, changed, withdrawn) is posted to the consent log.
 * A "Cookie settings" link is added at the foot of every page unless the page has its own
 * element with data-cc="show-preferencesModal".
 */
(function () {
  "use strict";
  var me = document.currentScript;
  if (!me || !window.fetch) {
    return;
  }
  var configUrl = new URL("cookies/config.json", me.src);

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var s = document.createElement("script");
      s.src = src;
      s.onload = resolve;
      s.onerror = function () { reject(new Error("cannot load " + src)); };
      document.head.appendChild(s);
    });
  }

  function addStylesheet(href) {
    var link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = href;
    document.head.appendChild(link);
  }

  function language(cfg) {
    var lang = (document.documentElement.lang || "nl").slice(0, 2).toLowerCase();
    return cfg.texts[lang] ? lang : "nl";
  }

  function record(cfg, action, cookie) {
    var accepted = (cookie && cookie.categories) || [];
    var choice = {
      consent_id: cookie && cookie.consentId,
      action: action,
      accepted: accepted,
      rejected: cfg.categories.filter(function (key) { return accepted.indexOf(key) < 0; }),
      banner_version: cfg.version,
      language: language(cfg)
    };
    // text/plain keeps this a simple cross-origin request (no preflight); no cookies go along.
    return fetch(cfg.log_url, {
      method: "POST",
      mode: "cors",
      credentials: "omit",
      keepalive: true,
      headers: { "Content-Type": "text/plain" },
      body: JSON.stringify(choice)
    }).catch(function () { /* the visitor's choice stands even when the log is unreachable */ });
  }

  function addWithdrawLink(cfg) {
    if (document.querySelector('[data-cc="show-preferencesModal"]')) {
      return;
    }
    var p = document.createElement("p");
    p.className = "verwerker-consent";
    var a = document.createElement("a");
    a.href = "#";
    a.className = "verwerker-consent-link";
    a.setAttribute("data-verwerker-consent", "settings");
    a.textContent = cfg.texts[language(cfg)].withdraw_link;
    a.addEventListener("click", function (event) {
      event.preventDefault();
      window.CookieConsent.showPreferences();
    });
    p.appendChild(a);
    document.body.appendChild(p);
  }

  fetch(configUrl, { credentials: "omit" })
    .then(function (response) { return response.json(); })
    .then(function (cfg) {
      addStylesheet(cfg.library_css);
      return loadScript(cfg.library_js).then(function () {
        var options = cfg.options;
        options.onFirstConsent = function (param) { record(cfg, "first", param.cookie); };
        options.onChange = function (param) { record(cfg, "change", param.cookie); };
        addWithdrawLink(cfg);
        return window.CookieConsent.run(options);
      });
    })
    .catch(function (error) {
      // Without the banner nothing optional runs: the blocked scripts simply stay inert.
      if (window.console) { window.console.warn("cookie banner:", error.message); }
    });
})();
