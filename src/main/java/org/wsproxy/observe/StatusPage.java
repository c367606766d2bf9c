package org.wsproxy.observe;

/**
 * The status page: one HTML document with its style and script inline (no external assets, so it works
 * offline and under a strict Content-Security-Policy of its own), which loads the JSON report every
 * {@value #REFRESH_SECONDS} seconds and renders it; backends can be drained, enabled and re-weighted from it.
 * Data is put in the page with textContent only, never as HTML.
 */
public final class StatusPage
{
    public static final int REFRESH_SECONDS = 2;

    private StatusPage()
    {
    }

    /**
     * @param base the URL path of the observation endpoints (context path included)
     * @param csrfToken the token the page's actions must carry in the {@code X-Wsproxy-Csrf} header
     */
    public static String html(String base, String csrfToken)
    {
        return TEMPLATE.replace("@BASE@", jsString(base)).replace("@TOKEN@", jsString(csrfToken))
            .replace("@REFRESH@", Integer.toString(REFRESH_SECONDS * 1000));
    }

    private static String jsString(String value)
    {
        StringBuilder out = new StringBuilder("'");
        for (char c : value.toCharArray())
        {
            if (Character.isLetterOrDigit(c) || c == '/' || c == '-' || c == '_' || c == '.')
                out.append(c);
            else
                out.append(String.format("\\u%04x", (int)c));
        }
        return out.append('\'').toString();
    }

    private static final String TEMPLATE = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>wsproxy status</title>
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <style>
        body{font:14px/1.4 system-ui,sans-serif;margin:1em 2em;color:#222}
        h1{font-size:1.3em}h2{font-size:1.1em;margin-top:1.5em}
        table{border-collapse:collapse;margin:.3em 0}th,td{border:1px solid #ccc;padding:.2em .5em;text-align:left}
        th{background:#f0f0f0}td.n{text-align:right}.up{color:#070}.down,.ejected{color:#b00;font-weight:bold}.draining{color:#a60}
        #message{min-height:1.4em;color:#045}input{width:4em}
        </style></head>
        <body>
        <h1>wsproxy status</h1>
        <p id="summary">loading...</p><p id="message"></p>
        <h2>Routes</h2><table id="routes"><thead><tr><th>route</th><th>path</th><th>pool</th><th>websocket</th><th>live sessions</th></tr></thead><tbody></tbody></table>
        <div id="pools"></div>
        <h2>Oldest live sessions</h2><table id="oldest"><thead><tr><th>id</th><th>route</th><th>backend</th><th>client</th><th>age</th><th>frames in/out</th><th>bytes in/out</th></tr></thead><tbody></tbody></table>
        <h2>Busiest live sessions</h2><table id="busiest"><thead><tr><th>id</th><th>route</th><th>backend</th><th>client</th><th>age</th><th>frames in/out</th><th>bytes in/out</th></tr></thead><tbody></tbody></table>
        <noscript><p>This page needs JavaScript to refresh; the same data is at status.json.</p></noscript>
        <script>
        'use strict';
        const BASE = @BASE@, TOKEN = @TOKEN@, REFRESH = @REFRESH@;
        let previous = null;
        function el(tag, text, cls) { const e = document.createElement(tag); if (text !== undefined && text !== null) e.textContent = String(text); if (cls) e.className = cls; return e; }
        function row(cells) { const tr = el('tr'); for (const c of cells) tr.appendChild(c instanceof Node ? c : el('td', c)); return tr; }
        function age(ms) { const s = Math.floor(ms / 1000); return s < 120 ? s + 's' : s < 7200 ? Math.floor(s / 60) + 'm' : Math.floor(s / 3600) + 'h'; }
        function fill(id, rows) { const body = document.querySelector('#' + id + ' tbody'); body.replaceChildren(...rows); }
        function act(pool, backend, action, weight) {
          const form = new URLSearchParams({pool: pool, backend: backend, action: action});
          if (weight !== undefined) form.set('weight', weight);
          fetch(BASE + '/action', {method: 'POST', headers: {'X-Wsproxy-Csrf': TOKEN}, body: form, credentials: 'same-origin'})
            .then(r => r.text().then(t => { document.getElementById('message').textContent = t; load(); }))
            .catch(e => { document.getElementById('message').textContent = 'action failed: ' + e; });
        }
        function button(text, cls, onclick) { const b = el('button', text, cls); b.type = 'button'; b.addEventListener('click', onclick); return b; }
        function sessions(id, list) {
          fill(id, list.map(s => { const tr = row([s.id, s.route, s.backend, s.client || '', age(s.ageMillis),
            s.framesFromClient + ' / ' + s.framesFromBackend, s.bytesFromClient + ' / ' + s.bytesFromBackend]); tr.dataset.session = s.id; return tr; }));
        }
        function render(r) {
          const seconds = previous ? (r.time - previous.time) / 1000 : 0;
          const before = {};
          if (previous) for (const p of previous.pools) for (const b of p.backends) before[p.name + ' ' + b.uri] = b.served;
          document.getElementById('summary').textContent = 'live sessions ' + r.websocket.live + ', opened ' + r.websocket.opened +
            ', failed handshakes ' + r.websocket.handshakesFailed + '; updated ' + new Date(r.time).toLocaleTimeString();
          fill('routes', r.routes.map(x => row([x.name, x.path, x.pool, x.websocket ? 'yes' : 'no', x.sessions])));
          const pools = document.getElementById('pools');
          pools.replaceChildren(...r.pools.map(p => {
            const div = el('div'); div.appendChild(el('h2', 'Pool ' + p.name + ' (' + p.balancer + ', version ' + p.version + ')'));
            const table = el('table'); table.className = 'pool'; table.dataset.pool = p.name;
            table.appendChild(row(['backend', 'health', 'weight', 'flags', 'live sessions', 'requests in flight', 'served/s', 'served', 'failures', 'ejections', 'last error', 'actions'].map(h => el('th', h))));
            for (const b of p.backends) {
              const last = before[p.name + ' ' + b.uri];
              const rate = seconds > 0 && last !== undefined ? ((b.served - last) / seconds).toFixed(1) : '';
              const weight = el('input'); weight.type = 'number'; weight.min = 1; weight.max = 1000; weight.value = b.weight; weight.className = 'weight';
              const actions = el('td');
              actions.append(b.drain ? button('enable', 'enable', () => act(p.name, b.uri, 'enable')) : button('drain', 'drain', () => act(p.name, b.uri, 'drain')),
                ' ', weight, button('set weight', 'reweight', () => act(p.name, b.uri, 'weight', weight.value)));
              const tr = row([b.uri, el('td', b.state, b.state), el('td', b.weight, 'n'), [b.backup ? 'backup' : '', b.drain ? 'drain' : ''].join(' ').trim(),
                el('td', b.sessions, 'n sessions'), el('td', b.requests, 'n'), el('td', rate, 'n'), el('td', b.served, 'n'), el('td', b.failures, 'n'),
                el('td', b.ejections, 'n'), b.lastError ? b.lastError + ' (' + new Date(b.lastErrorTime).toLocaleTimeString() + ')' : '', actions]);
              tr.dataset.backend = b.uri; tr.dataset.state = b.state;
              table.appendChild(tr);
            }
            div.appendChild(table); return div;
          }));
          sessions('oldest', r.oldest); sessions('busiest', r.busiest);
          previous = r;
          document.body.dataset.loaded = String(r.time);
        }
        function load() {
          fetch(BASE + '/status.json', {cache: 'no-store', credentials: 'same-origin'}).then(r => r.json()).then(render)
            .catch(e => { document.getElementById('summary').textContent = 'could not load the status: ' + e; });
        }
        load();
        setInterval(load, REFRESH);
        </script>
        </body></html>
        """;
}
