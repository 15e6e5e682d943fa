// The public page: pick or drop photos, send them to /v1/classify as one multipart request (each image is tagged
// on its own there, so a broken file fails alone), and show each one's thumbnail, labels and model version; when an
// index is named, each tagged photo's most similar catalog items from /v1/similar too.
'use strict';
(function () {
  const MAX_PER_REQUEST = 16; // server.max-images by default; larger selections go in several requests
  const $ = (id) => document.getElementById(id);
  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  };

  async function loadModels() {
    try {
      const r = await fetch('/v1/models');
      if (!r.ok) throw new Error('GET /v1/models answered ' + r.status);
      const body = await r.json();
      const select = $('model');
      for (const m of body.models) {
        if (m.kind !== 'classifier') continue; // a backbone has no labels to give
        const group = el('optgroup');
        group.label = m.name + (m.name === body.default ? ' (default)' : '');
        for (const v of m.versions) {
          const o = el('option', null, m.name + ' ' + v.version + (v.serving ? ' (serving)' : ''));
          o.value = m.name + '@' + v.version;
          group.appendChild(o);
        }
        const serving = el('option', null, m.name + ', whichever version serves');
        serving.value = m.name;
        group.insertBefore(serving, group.firstChild);
        select.appendChild(group);
      }
    } catch (e) {
      $('model-error').textContent = 'The model list could not be read: ' + e.message;
    }
  }

  function clearErrors() {
    for (const id of ['model-error', 'topK-error', 'threshold-error', 'index-error']) $(id).textContent = '';
  }

  // A request-wide problem names the option it concerns: show it next to that field.
  function showRequestProblem(problem, cards) {
    const detail = problem.detail || problem.title || 'the request failed';
    let field = null;
    if (/^topK\b/.test(detail)) field = 'topK';
    else if (/^threshold\b/.test(detail)) field = 'threshold';
    else if (problem.status === 404 || problem.status === 422 && /model/i.test(detail)) field = 'model';
    if (field) $(field + '-error').textContent = detail;
    for (const card of cards) showError(card, field ? 'not tagged: see ' + field : detail);
  }

  function card(file) {
    const li = el('li', 'card');
    const figure = el('figure');
    const img = el('img', 'thumb');
    img.alt = file.name;
    img.src = URL.createObjectURL(file); // the browser applies the JPEG's EXIF orientation
    img.addEventListener('error', () => img.replaceWith(el('div', 'thumb no-preview', 'no preview')));
    figure.appendChild(img);
    const caption = el('figcaption', 'name', file.name);
    figure.appendChild(caption);
    li.appendChild(figure);
    const body = el('div', 'outcome');
    body.appendChild(el('p', 'pending', 'Tagging…'));
    li.appendChild(body);
    li.setAttribute('aria-busy', 'true');
    $('results').prepend(li);
    return li;
  }

  function showLabels(li, model, version, result) {
    const body = li.querySelector('.outcome');
    body.textContent = '';
    body.appendChild(el('p', 'answered-by', 'Model ' + model + ', version ' + version));
    const list = el('ol', 'labels');
    for (const l of result.labels) {
      const item = el('li', 'label');
      const pct = (l.score * 100).toFixed(1) + '%';
      item.appendChild(el('span', 'label-name', l.label));
      const bar = el('span', 'bar');
      bar.setAttribute('aria-hidden', 'true');
      const fill = el('span', 'fill');
      fill.style.width = Math.max(0.5, l.score * 100) + '%';
      bar.appendChild(fill);
      item.appendChild(bar);
      item.appendChild(el('span', 'score', pct));
      list.appendChild(item);
    }
    if (!result.labels.length) body.appendChild(el('p', 'hint', 'No label reached the minimum score.'));
    body.appendChild(list);
    for (const w of result.warnings || []) body.appendChild(el('p', 'warning', w));
    li.classList.add('tagged');
    li.removeAttribute('aria-busy');
  }

  function showError(li, message) {
    const body = li.querySelector('.outcome');
    body.textContent = '';
    const p = el('p', 'error item-error', message);
    p.setAttribute('role', 'alert');
    body.appendChild(p);
    li.classList.add('failed');
    li.removeAttribute('aria-busy');
  }

  const SIMILAR_K = 5;

  // Asks the index for the photo's nearest catalog items (the index's own model version embeds it) and lists them
  // under the labels; a problem (unknown index, another version) is shown in the card and next to the field.
  async function showSimilar(li, file, index) {
    const body = li.querySelector('.outcome');
    const section = el('div', 'similar');
    section.appendChild(el('p', 'answered-by', 'Similar products in ' + index + '…'));
    body.appendChild(section);
    li.setAttribute('aria-busy', 'true');
    try {
      const r = await fetch('/v1/similar?' + new URLSearchParams({index: index, k: String(SIMILAR_K)}),
          {method: 'POST', headers: {'Content-Type': file.type || 'application/octet-stream'}, body: file});
      const answer = await r.json().catch(() => ({detail: 'the server answered ' + r.status}));
      section.textContent = '';
      if (!r.ok) {
        const detail = answer.detail || answer.title || 'the search failed';
        const p = el('p', 'error similar-error', 'No similar products: ' + detail);
        p.setAttribute('role', 'alert');
        section.appendChild(p);
        $('index-error').textContent = detail;
        return;
      }
      section.appendChild(el('p', 'answered-by', 'Similar products in ' + answer.index + ' (model '
          + answer.model + ', version ' + answer.version + ')'));
      const list = el('ol', 'similar-items');
      for (const hit of answer.results) {
        const item = el('li', 'similar-item');
        item.appendChild(el('span', 'similar-id', hit.id));
        item.appendChild(el('span', 'similar-path', hit.path === hit.id ? '' : hit.path));
        item.appendChild(el('span', 'score', (hit.similarity * 100).toFixed(1) + '%'));
        list.appendChild(item);
      }
      if (!answer.results.length) section.appendChild(el('p', 'hint', 'The index is empty.'));
      section.appendChild(list);
    } catch (e) {
      section.textContent = '';
      section.appendChild(el('p', 'error similar-error', 'The server could not be reached: ' + e.message));
    } finally {
      li.removeAttribute('aria-busy');
    }
  }

  async function tag(files) {
    clearErrors();
    const params = new URLSearchParams();
    if ($('model').value) params.set('model', $('model').value);
    params.set('topK', $('topK').value.trim());
    params.set('threshold', $('threshold').value.trim());
    for (let i = 0; i < files.length; i += MAX_PER_REQUEST) {
      const batch = files.slice(i, i + MAX_PER_REQUEST);
      const cards = batch.map(card);
      const form = new FormData();
      for (const f of batch) form.append('image', f, f.name);
      $('status').textContent = 'Tagging ' + batch.length + ' photo' + (batch.length > 1 ? 's' : '') + '…';
      try {
        const r = await fetch('/v1/classify?' + params, {method: 'POST', body: form});
        const body = await r.json().catch(() => ({detail: 'the server answered ' + r.status}));
        if (!r.ok) {
          showRequestProblem(body, cards);
          $('status').textContent = 'The request was refused (' + r.status + ').';
          continue;
        }
        const index = $('index').value.trim();
        const searches = [];
        body.results.forEach((res, j) => {
          if (res.error) showError(cards[j], res.error.detail || res.error.title);
          else {
            showLabels(cards[j], body.model, body.version, res);
            if (index) searches.push(showSimilar(cards[j], batch[j], index));
          }
        });
        await Promise.all(searches);
        const failed = body.results.filter((res) => res.error).length;
        $('status').textContent = 'Tagged ' + (body.results.length - failed) + ' of ' + body.results.length
            + (failed ? '; ' + failed + ' could not be read.' : '.');
      } catch (e) {
        for (const c of cards) showError(c, 'The server could not be reached: ' + e.message);
      }
    }
  }

  document.addEventListener('DOMContentLoaded', () => {
    loadModels();
    const input = $('files');
    input.addEventListener('change', () => {
      tag(Array.from(input.files));
      input.value = '';
    });
    const drop = $('drop');
    drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
    drop.addEventListener('dragleave', () => drop.classList.remove('over'));
    drop.addEventListener('drop', (e) => {
      e.preventDefault();
      drop.classList.remove('over');
      tag(Array.from(e.dataTransfer.files));
    });
  });
})();
