// The admin console. The token lives in sessionStorage only (this tab, gone when it closes) and goes out as
// 'Authorization: Bearer' on every /admin/v1 call; nothing but the sign-in form shows until a call with it worked.
'use strict';
(function () {
  const KEY = 'product-tagger.admin-token';
  const $ = (id) => document.getElementById(id);
  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  };
  const pct = (v) => (v === undefined || v === null || v < 0) ? '–' : (v * 100).toFixed(1) + '%';
  // the options a fine-tune takes, with the API's defaults: a number, or (as text) each recipe's default when the
  // recipe decides it (left empty, the recipe the job runs fills it in)
  const NUMBERS = [
    ['headOnlyEpochs', 'Head-only epochs', 'tail 0, probe 0, images 3', '1'],
    ['epochs', 'Epochs', 'tail 30, probe 30, images 20', '1'],
    ['headLearningRate', 'Head learning rate', 'tail 0.01, probe 0.01, images 0.05', 'any'],
    ['learningRate', 'Learning rate', 'tail 0.0001, probe 0.0001, images 0.03', 'any'],
    ['batchSize', 'Batch size', 'tail 32, probe 32, images 16', '1'],
    ['validationFraction', 'Validation fraction', 0.2, 'any'],
    ['patience', 'Patience (epochs)', 10, '1'], ['seed', 'Seed', 42, '1']];
  const FIELDS = ['dataset', 'baseModel', 'name', 'recipe', 'color'].concat(NUMBERS.map((n) => n[0]));
  let stream = null; // the job page's event stream reader
  let charts = {};

  const token = () => sessionStorage.getItem(KEY);

  class Unauthorized extends Error {}

  async function api(method, path, body, type) {
    const headers = {Authorization: 'Bearer ' + token()};
    if (type) headers['Content-Type'] = type;
    const r = await fetch(path, {method, headers, body, cache: 'no-store'});
    if (r.status === 401) {
      signOut('The token was refused; sign in again.');
      throw new Unauthorized('401');
    }
    const json = await r.json().catch(() => ({}));
    if (!r.ok) {
      const e = new Error(json.detail || json.title || ('HTTP ' + r.status));
      e.status = r.status;
      throw e;
    }
    return json;
  }

  function signOut(message) {
    sessionStorage.removeItem(KEY);
    stopStream();
    $('nav').hidden = true;
    for (const p of document.querySelectorAll('.page')) p.hidden = true;
    $('login').hidden = false;
    $('token-error').textContent = message || '';
    $('token').focus();
  }

  async function signIn(value) {
    sessionStorage.setItem(KEY, value);
    try {
      await api('GET', '/admin/v1/models');
    } catch (e) {
      if (!(e instanceof Unauthorized)) {
        sessionStorage.removeItem(KEY);
        $('token-error').textContent = 'The admin API could not be reached: ' + e.message;
      }
      return;
    }
    $('login').hidden = true;
    $('nav').hidden = false;
    route();
  }

  function route() {
    if (!token()) {
      signOut();
      return;
    }
    stopStream();
    const hash = location.hash.replace(/^#/, '') || 'models';
    const [page, id] = hash.split('/');
    const known = ['models', 'new', 'jobs', 'job'].includes(page) ? page : 'models';
    for (const p of document.querySelectorAll('.page')) p.hidden = p.id !== 'page-' + known;
    for (const a of document.querySelectorAll('nav a')) {
      if (a.dataset.page === known) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    if (known === 'models') showModels();
    else if (known === 'jobs') showJobs();
    else if (known === 'job') showJob(decodeURIComponent(id || ''));
  }

  function confirmAction(text) {
    return new Promise((resolve) => {
      const dialog = $('confirm');
      $('confirm-text').textContent = text;
      const done = (answer) => {
        $('confirm-yes').onclick = null;
        $('confirm-no').onclick = null;
        dialog.close();
        resolve(answer);
      };
      $('confirm-yes').onclick = () => done(true);
      $('confirm-no').onclick = () => done(false);
      dialog.onclose = () => resolve(false);
      dialog.showModal();
    });
  }

  // ---- models and versions
  // message: what the last action on this page did, kept on screen once the list is drawn again
  async function showModels(message) {
    const box = $('models');
    $('models-status').textContent = 'Loading…';
    let body;
    try {
      body = await api('GET', '/admin/v1/models');
    } catch (e) {
      if (!(e instanceof Unauthorized)) $('models-status').textContent = e.message;
      return;
    }
    $('models-status').textContent = typeof message === 'string' ? message : '';
    box.textContent = '';
    for (const m of body.models) {
      const section = el('section', 'model');
      section.dataset.model = m.name;
      const h = el('h3', null, m.name);
      h.appendChild(el('span', 'muted', m.kind + (m.name === body.default ? ', default model' : '')));
      section.appendChild(h);
      section.appendChild(el('p', 'serving', 'Serving version ' + m.servingVersion));
      const table = el('table');
      table.innerHTML = '<thead><tr><th>Version</th><th>Created</th><th class="num">Top-1</th>'
          + '<th class="num">Top-3</th><th>Evaluated on</th><th></th></tr></thead>';
      const tbody = el('tbody');
      for (const v of m.versions) {
        const tr = el('tr');
        tr.dataset.version = v.version;
        const name = el('td', null, v.version + ' ');
        if (v.serving) name.appendChild(el('span', 'badge', 'serving'));
        tr.appendChild(name);
        tr.appendChild(el('td', null, (v.created || '').replace('T', ' ').replace(/\..*$/, '')));
        tr.appendChild(el('td', 'num', pct(v.metrics.top1)));
        tr.appendChild(el('td', 'num', pct(v.metrics.top3)));
        tr.appendChild(el('td', null, v.metrics.testSet || ''));
        const action = el('td');
        if (!v.serving && m.kind === 'classifier') {
          const b = el('button', 'promote', 'Promote');
          b.type = 'button';
          b.setAttribute('aria-label', 'Promote ' + m.name + ' version ' + v.version);
          b.addEventListener('click', () => promote(m.name, v.version, $('models-status'))
              .then(() => showModels($('models-status').textContent)));
          action.appendChild(b);
        }
        tr.appendChild(action);
        tbody.appendChild(tr);
      }
      table.appendChild(tbody);
      const wrap = el('div', 'table-wrap');
      wrap.appendChild(table);
      section.appendChild(wrap);
      if (m.kind === 'classifier' && m.versions.length > 1) {
        const actions = el('div', 'actions');
        const rb = el('button', 'secondary rollback', 'Roll back');
        rb.type = 'button';
        rb.setAttribute('aria-label', 'Roll back ' + m.name + ' to the version that served before');
        rb.addEventListener('click', () => rollback(m.name)
            .then(() => showModels($('models-status').textContent)));
        actions.appendChild(rb);
        section.appendChild(actions);
      }
      box.appendChild(section);
    }
  }

  async function promote(name, version, status) {
    if (!await confirmAction('Make ' + name + ' version ' + version + ' serve? It is loaded and warmed first; '
        + 'requests in flight finish on the current version.')) return;
    status.textContent = 'Promoting ' + name + ' ' + version + '…';
    try {
      const r = await api('POST', '/admin/v1/models/' + encodeURIComponent(name) + '/versions/'
          + encodeURIComponent(version) + '/promote');
      status.textContent = name + ' now serves version ' + r.servingVersion + '.';
    } catch (e) {
      if (!(e instanceof Unauthorized)) status.textContent = 'Not promoted: ' + e.message;
    }
  }

  async function rollback(name) {
    if (!await confirmAction('Roll ' + name + ' back to the version that served before?')) return;
    try {
      const r = await api('POST', '/admin/v1/models/' + encodeURIComponent(name) + '/rollback');
      $('models-status').textContent = name + ' serves version ' + r.servingVersion + ' again.';
    } catch (e) {
      if (!(e instanceof Unauthorized)) $('models-status').textContent = 'Not rolled back: ' + e.message;
    }
  }

  // ---- new fine-tune
  function buildForm() {
    const grid = $('numbers');
    for (const [id, label, value, step] of NUMBERS) {
      const f = el('div', 'field');
      const l = el('label', null, label);
      l.htmlFor = id;
      const byRecipe = typeof value === 'string';
      const hint = el('span', 'hint', byRecipe ? 'default: the recipe\'s (' + value + ')' : 'default ' + value);
      hint.id = id + '-default';
      const input = el('input');
      input.id = id;
      input.name = id;
      input.type = 'number';
      input.step = step;
      if (byRecipe) input.placeholder = 'the recipe\'s';
      else input.value = value;
      input.setAttribute('aria-describedby', id + '-default ' + id + '-error');
      const err = el('p', 'error');
      err.id = id + '-error';
      err.setAttribute('role', 'alert');
      f.append(l, input, hint, err);
      grid.appendChild(f);
    }
    for (const radio of document.querySelectorAll('input[name="source"]')) {
      radio.addEventListener('change', () => {
        const upload = document.querySelector('input[name="source"]:checked').value === 'upload';
        $('path-field').hidden = upload;
        $('upload-field').hidden = !upload;
      });
    }
    $('finetune').addEventListener('submit', (e) => {
      e.preventDefault();
      startFineTune();
    });
  }

  // The API names the option a problem concerns; put the message under that field.
  function fieldOf(detail) {
    let best = null;
    let at = Infinity;
    for (const f of NUMBERS.map((n) => n[0]).concat(['name', 'recipe', 'color'])) {
      const m = new RegExp('\\b' + f + '\\b').exec(detail);
      if (m && m.index < at && !(f === 'name' && !/"name"|'name'/.test(detail))) {
        best = f;
        at = m.index;
      }
    }
    if (best) return best;
    if (/base model|baseModel/i.test(detail)) return 'baseModel';
    if (/data ?set|folder|manifest|path|label|image|archive|zip|tar|upload/i.test(detail)) return 'dataset';
    return 'finetune';
  }

  async function startFineTune() {
    for (const f of FIELDS.concat(['finetune'])) $(f + '-error').textContent = '';
    const options = {};
    for (const [id] of NUMBERS) {
      const raw = $(id).value.trim();
      if (raw === '') continue;
      const n = Number(raw);
      if (!Number.isFinite(n)) {
        $(id + '-error').textContent = id + ' must be a number';
        return;
      }
      options[id] = n;
    }
    for (const id of ['baseModel', 'name']) if ($(id).value.trim()) options[id] = $(id).value.trim();
    options.recipe = $('recipe').value;
    options.color = $('color').checked;
    const upload = document.querySelector('input[name="source"]:checked').value === 'upload';
    let r;
    try {
      $('start').disabled = true;
      if (upload) {
        const file = $('archive').files[0];
        if (!file) {
          $('dataset-error').textContent = 'choose a .zip or .tar.gz of label folders';
          return;
        }
        const q = new URLSearchParams();
        for (const [k, v] of Object.entries(options)) q.set(k, String(v));
        const type = /\.zip$/i.test(file.name) ? 'application/zip' : 'application/gzip';
        r = await api('POST', '/admin/v1/fine-tunes?' + q, file, type);
      } else {
        const path = $('dataset').value.trim();
        if (!path) {
          $('dataset-error').textContent = 'name a folder of label folders or a CSV manifest under the data root';
          return;
        }
        options.dataset = /\.csv$/i.test(path) ? {manifest: path} : {folder: path};
        r = await api('POST', '/admin/v1/fine-tunes', JSON.stringify(options), 'application/json');
      }
    } catch (e) {
      if (!(e instanceof Unauthorized)) $(fieldOf(e.message) + '-error').textContent = e.message;
      return;
    } finally {
      $('start').disabled = false;
    }
    location.hash = '#job/' + encodeURIComponent(r.id);
  }

  // ---- jobs
  async function showJobs() {
    let body;
    try {
      body = await api('GET', '/admin/v1/fine-tunes?limit=50');
    } catch (e) {
      return;
    }
    const tbody = document.querySelector('#jobs tbody');
    tbody.textContent = '';
    for (const j of body.jobs) {
      const tr = el('tr');
      const td = el('td');
      const a = el('a', null, j.id.slice(0, 8));
      a.href = '#job/' + encodeURIComponent(j.id);
      td.appendChild(a);
      tr.append(td, el('td', null, j.state), el('td', null, j.model), el('td', null, j.version || ''),
          el('td', null, (j.created || '').replace('T', ' ').replace(/\..*$/, '')));
      tbody.appendChild(tr);
    }
  }

  function stopStream() {
    if (stream) {
      stream.abort();
      stream = null;
    }
  }

  // EventSource cannot send a header, so the stream is read with fetch and parsed here (no token in the URL).
  async function follow(id) {
    const controller = new AbortController();
    stream = controller;
    try {
      const r = await fetch('/admin/v1/fine-tunes/' + encodeURIComponent(id) + '/events', {
        headers: {Authorization: 'Bearer ' + token(), Accept: 'text/event-stream'}, signal: controller.signal});
      if (r.status === 401) {
        signOut('The token was refused; sign in again.');
        return;
      }
      if (!r.ok) {
        const p = await r.json().catch(() => ({}));
        $('job-error').textContent = p.detail || ('HTTP ' + r.status);
        return;
      }
      const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const {value, done} = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const chunk = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = chunk.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
          if (data) renderJob(JSON.parse(data));
        }
      }
    } catch (e) {
      if (e.name !== 'AbortError') $('job-error').textContent = 'The progress stream broke: ' + e.message;
    }
  }

  function chart(key, target, label, color, values) {
    const width = Math.max(240, target.clientWidth || 300);
    const opts = {width, height: 180, legend: {show: false},
      scales: {x: {time: false}, y: key === 'acc' ? {range: [0, 1]} : {}},
      axes: [{label: 'epoch', incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500]}, {label, size: 50}],
      series: [{}, {label, stroke: color, width: 2, points: {show: true, size: 5}}]};
    if (!charts[key]) {
      target.textContent = '';
      charts[key] = new uPlot(opts, values, target);
    } else {
      charts[key].setData(values);
    }
    target.setAttribute('role', 'img');
    target.setAttribute('aria-label', label + ' over ' + values[0].length + ' epochs'
        + (values[1].length ? ', last ' + values[1][values[1].length - 1] : ''));
    target.dataset.points = String(values[0].length);
  }

  function renderJob(job) {
    $('job-title').textContent = 'Fine-tune ' + job.id.slice(0, 8) + ' → ' + job.model;
    $('job-state').textContent = job.state;
    $('job-phase').textContent = job.phase || '–';
    $('job-epoch').textContent = job.epoch ? job.epoch + ' of ' + job.epochs : '–';
    $('job-eta').textContent = job.state === 'running' && job.etaSeconds !== null && job.etaSeconds !== undefined
        ? job.etaSeconds + ' s' : '–';
    $('job-acc').textContent = pct(job.validationAccuracy);
    const progress = job.state === 'succeeded' ? 1 : job.epochs ? Math.max(0, job.epoch - 1
        + (job.stepsPerEpoch ? job.step / job.stepsPerEpoch : 0)) / job.epochs : 0;
    $('job-progress').value = Math.min(1, progress);
    $('job-error').textContent = job.error || '';
    $('cancel').hidden = job.state !== 'running' && job.state !== 'queued';
    const history = job.history || [];
    const epochs = history.map((h) => h.epoch);
    chart('loss', $('chart-loss'), 'loss', '#0b5cad', [epochs, history.map((h) => h.loss)]);
    chart('acc', $('chart-acc'), 'validation top-1', '#1a7f37',
        [epochs, history.map((h) => h.validationAccuracy < 0 ? null : h.validationAccuracy)]);
    if (job.state === 'succeeded' && job.report) renderEvaluation(job);
  }

  function renderEvaluation(job) {
    const rep = job.report;
    $('evaluation').hidden = false;
    $('eval-set').textContent = (rep.testSet || '') + '; version ' + job.version + ' of ' + job.model + '.';
    $('eval-top1').textContent = pct(rep.top1);
    $('eval-top3').textContent = pct(rep.top3);
    $('eval-images').textContent = rep.images;
    const labels = Object.keys(rep.perLabel || {});
    const per = document.querySelector('#per-label tbody');
    per.textContent = '';
    for (const l of labels) {
      const s = rep.perLabel[l];
      const tr = el('tr');
      tr.append(el('th', null, l), el('td', 'num', pct(s.precision)), el('td', 'num', pct(s.recall)),
          el('td', 'num', pct(s.f1)), el('td', 'num', String(s.support)));
      per.appendChild(tr);
    }
    const table = $('confusion');
    table.textContent = '';
    const matrix = rep.confusionMatrix || [];
    const max = Math.max(1, ...matrix.flat());
    const head = el('tr');
    head.appendChild(el('th', 'corner', 'true \\ predicted'));
    for (const l of labels) {
      const th = el('th', null, l);
      th.scope = 'col';
      head.appendChild(th);
    }
    const thead = el('thead');
    thead.appendChild(head);
    table.appendChild(thead);
    const tbody = el('tbody');
    matrix.forEach((row, i) => {
      const tr = el('tr');
      const th = el('th', null, labels[i]);
      th.scope = 'row';
      tr.appendChild(th);
      row.forEach((count, j) => {
        const td = el('td', 'cell', String(count));
        const share = count / max;
        // blue for the diagonal (right), red off it (confused); the count stays readable on both
        td.style.backgroundColor = i === j ? 'rgba(11, 92, 173, ' + (0.08 + 0.92 * share) + ')'
            : count ? 'rgba(179, 38, 30, ' + (0.15 + 0.85 * share) + ')' : '#fff';
        td.style.color = share > 0.5 ? '#fff' : '#1b1f24';
        td.title = labels[i] + ' predicted as ' + labels[j] + ': ' + count;
        tr.appendChild(td);
      });
      tbody.appendChild(tr);
    });
    table.appendChild(tbody);
    const confused = $('confused');
    confused.textContent = '';
    for (const c of rep.mostConfused || []) {
      confused.appendChild(el('li', null, c.truth + ' taken for ' + c.predicted + ': ' + c.count));
    }
    if (!confused.children.length) confused.appendChild(el('li', 'muted', 'none'));
    const skipped = $('skipped');
    skipped.textContent = '';
    for (const s of job.skipped || rep.skipped || []) skipped.appendChild(el('li', null, s.file + ': ' + s.reason));
    if (!skipped.children.length) skipped.appendChild(el('li', 'muted', 'none'));
    $('promote-job').onclick = () => promote(job.model, job.version, $('promote-status'));
  }

  function showJob(id) {
    charts = {};
    $('chart-loss').textContent = '';
    $('chart-acc').textContent = '';
    $('evaluation').hidden = true;
    $('promote-status').textContent = '';
    $('job-error').textContent = '';
    $('cancel').onclick = async () => {
      if (!await confirmAction('Cancel this fine-tune? Nothing will be published.')) return;
      try {
        renderJob(await api('DELETE', '/admin/v1/fine-tunes/' + encodeURIComponent(id)));
      } catch (e) {
        if (!(e instanceof Unauthorized)) $('job-error').textContent = e.message;
      }
    };
    follow(id);
  }

  document.addEventListener('DOMContentLoaded', () => {
    buildForm();
    $('login').addEventListener('submit', (e) => {
      e.preventDefault();
      const value = $('token').value.trim();
      $('token').value = '';
      if (!value) {
        $('token-error').textContent = 'Enter the admin token.';
        return;
      }
      $('token-error').textContent = '';
      signIn(value);
    });
    $('logout').addEventListener('click', () => signOut());
    window.addEventListener('hashchange', route);
    if (token()) signIn(token());
    else signOut();
  });
})();
