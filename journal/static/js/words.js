// The page's words for what our scripts write, from <body data-words> (built by
// journal/web/script_words.py): the English text is the key, `{name}` a value.
// Loaded before app.js, help.js and pwa.js, on every page and on the offline page,
// so each of them translates the same way; with no table, the English stays.
(function () {
  "use strict";

  var WORDS = (function () {
    try { return JSON.parse(document.body.getAttribute("data-words")) || {}; }
    catch (e) { return {}; }
  }());

  function t(text, values) {
    var out = WORDS[text] || text;
    Object.keys(values || {}).forEach(function (name) { out = out.split("{" + name + "}").join(values[name]); });
    return out;
  }

  // A counted text: the English for one and for more are both keys of the table.
  function plural(n, one, many, values) {
    return t(n === 1 ? one : many, Object.assign({ n: n }, values || {}));
  }

  window.FTWords = t;
  window.FTPlural = plural;
}());
