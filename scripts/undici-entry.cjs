// The parts of undici meshext uses, bundled by scripts/build.mjs into dist/meshext.undici.js
// (src/resolve/load-undici.ts loads it on a render's first request). Requiring these files instead
// of the package's index leaves out what we never use (WebSocket, EventSource, the cache store,
// the mock agent): a third less to load.
const { fetch } = require('undici/lib/web/fetch/index.js');
const Agent = require('undici/lib/dispatcher/agent');
const ProxyAgent = require('undici/lib/dispatcher/proxy-agent');

// As undici's index does: the request/stream/connect API on every dispatcher (ProxyAgent opens its
// tunnels with the proxy client's connect()).
Object.assign(require('undici/lib/dispatcher/dispatcher').prototype, require('undici/lib/api'));

module.exports = { Agent, ProxyAgent, fetch };
